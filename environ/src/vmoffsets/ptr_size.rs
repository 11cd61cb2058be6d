//! The layout rules of every runtime structure compiled code touches, as a
//! function of the target's pointer size.
//!
//! [`PtrSize`] has one required method, the pointer size; every field
//! offset and struct size is a provided method derived from it by the
//! `repr(C)` rules, so a compiler for a 32-bit target and the 64-bit host
//! runtime compute their layouts from the same code. [`HostPtr`] is the
//! host's pointer size (the runtime uses it; the tests check it against
//! the real structs with `offset_of!`), [`TargetPtr`] any supported
//! target's (the compiler builds it from its ISA).

/// Rounds `offset` up to a multiple of `to` (a power of two).
pub const fn align_to(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

/// A pointer size and the layouts that follow from it.
pub trait PtrSize {
    /// Size of a pointer (and of `usize`) in bytes: 4 or 8.
    fn size(&self) -> u8;

    /// [`Self::size`] as an offset.
    fn pointer(&self) -> u32 {
        u32::from(self.size())
    }

    // ---- VMContext header: magic: u32, then five pointers ----

    /// `u32` magic at the start of every VMContext.
    fn vmctx_magic(&self) -> u32 {
        0
    }
    /// `*mut VMStoreContext`.
    fn vmctx_store_context(&self) -> u32 {
        align_to(4, self.pointer())
    }
    /// `*const VMBuiltinFunctions`: the libcall table.
    fn vmctx_builtins(&self) -> u32 {
        self.vmctx_store_context() + self.pointer()
    }
    /// `*mut Instance`: the runtime's instance, for libcalls.
    fn vmctx_instance(&self) -> u32 {
        self.vmctx_builtins() + self.pointer()
    }
    /// `*mut u8`: the store, opaque to compiled code.
    fn vmctx_store(&self) -> u32 {
        self.vmctx_instance() + self.pointer()
    }
    /// Size of the header.
    fn vmctx_header_size(&self) -> u32 {
        self.vmctx_store() + self.pointer()
    }

    // ---- VMBuiltinFunctions: one pointer per libcall ----

    /// Offset of the `index`th libcall in the builtins table.
    fn vmbuiltins_entry(&self, index: u32) -> u32 {
        index * self.pointer()
    }

    // ---- VMStoreContext ----

    /// `VMStoreContext::stack_limit`
    fn vmstore_context_stack_limit(&self) -> u32 {
        0
    }
    /// `VMStoreContext::last_wasm_exit_fp`
    fn vmstore_context_last_wasm_exit_fp(&self) -> u32 {
        self.pointer()
    }
    /// `VMStoreContext::fuel_consumed`: an `i64`.
    fn vmstore_context_fuel_consumed(&self) -> u32 {
        align_to(self.vmstore_context_last_wasm_exit_fp() + self.pointer(), 8)
    }
    /// `VMStoreContext::epoch_deadline`: a `u64`.
    fn vmstore_context_epoch_deadline(&self) -> u32 {
        self.vmstore_context_fuel_consumed() + 8
    }
    /// `VMStoreContext::epoch_ptr`: `*const AtomicU64`.
    fn vmstore_context_epoch_ptr(&self) -> u32 {
        align_to(self.vmstore_context_epoch_deadline() + 8, self.pointer())
    }

    // ---- VMFuncRef: three pointers, a u32 type id, u32 padding ----

    /// `VMFuncRef::wasm_call`
    fn vmfunc_ref_wasm_call(&self) -> u32 {
        0
    }
    /// `VMFuncRef::array_call`
    fn vmfunc_ref_array_call(&self) -> u32 {
        self.pointer()
    }
    /// `VMFuncRef::vmctx`
    fn vmfunc_ref_vmctx(&self) -> u32 {
        2 * self.pointer()
    }
    /// `VMFuncRef::type_id`
    fn vmfunc_ref_type_id(&self) -> u32 {
        3 * self.pointer()
    }
    /// Size of a `VMFuncRef`.
    fn vmfunc_ref_size(&self) -> u32 {
        align_to(self.vmfunc_ref_type_id() + 2 * self.vmshared_type_id_size(), self.pointer())
    }

    // ---- VMHostFuncContext: magic: u32, padding: u32, array_call ----

    /// `VMHostFuncContext::array_call`
    fn vmhost_func_context_array_call(&self) -> u32 {
        align_to(8, self.pointer())
    }

    // ---- VMMemoryDefinition, VMTableDefinition, VMMemoryImport: two pointer-sized fields each ----

    /// `VMMemoryDefinition::base`
    fn vmmemory_definition_base(&self) -> u32 {
        0
    }
    /// `VMMemoryDefinition::current_length`
    fn vmmemory_definition_current_length(&self) -> u32 {
        self.pointer()
    }
    /// Size of a `VMMemoryDefinition`.
    fn vmmemory_definition_size(&self) -> u32 {
        2 * self.pointer()
    }
    /// `VMTableDefinition::base`
    fn vmtable_definition_base(&self) -> u32 {
        0
    }
    /// `VMTableDefinition::current_elements`
    fn vmtable_definition_current_elements(&self) -> u32 {
        self.pointer()
    }
    /// Size of a `VMTableDefinition`.
    fn vmtable_definition_size(&self) -> u32 {
        2 * self.pointer()
    }
    /// Size of one table element (`*const VMFuncRef` or an externref
    /// handle; 0 is null).
    fn table_element_size(&self) -> u32 {
        self.pointer()
    }
    /// `VMMemoryImport::base`
    fn vmmemory_import_base(&self) -> u32 {
        0
    }
    /// `VMMemoryImport::definition`
    fn vmmemory_import_definition(&self) -> u32 {
        self.pointer()
    }
    /// Size of a `VMMemoryImport`.
    fn vmmemory_import_size(&self) -> u32 {
        2 * self.pointer()
    }

    // ---- sizes that do not depend on the pointer size ----

    /// Size (and alignment) of a `VMGlobalDefinition`.
    fn vmglobal_definition_size(&self) -> u32 {
        16
    }
    /// Size of a `VMSharedTypeId`.
    fn vmshared_type_id_size(&self) -> u32 {
        4
    }

    // ---- the array calling convention ----

    /// Size of one value slot in the array convention (a `u128`, the value
    /// in its low bytes, little-endian).
    fn array_call_value_slot(&self) -> u32 {
        16
    }
    /// Number of value slots an array call of a function with `params`
    /// parameters and `results` results passes: enough for either, and at
    /// least one so the buffer is never empty.
    fn array_call_slots(&self, params: usize, results: usize) -> usize {
        params.max(results).max(1)
    }
}

/// The host's pointer size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HostPtr;

impl PtrSize for HostPtr {
    fn size(&self) -> u8 {
        std::mem::size_of::<usize>() as u8
    }
}

/// A compilation target's pointer size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetPtr(u8);

impl TargetPtr {
    /// The pointer size of a target with `bytes`-byte pointers, if kiln can
    /// lay out VMContexts for it (4 or 8).
    pub fn new(bytes: u8) -> Option<Self> {
        matches!(bytes, 4 | 8).then_some(Self(bytes))
    }
}

impl PtrSize for TargetPtr {
    fn size(&self) -> u8 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_4_and_8_byte_pointers() {
        assert!(TargetPtr::new(4).is_some());
        assert!(TargetPtr::new(8).is_some());
        assert!(TargetPtr::new(2).is_none());
        assert!(TargetPtr::new(16).is_none());
    }

    #[test]
    fn the_host_is_a_target() {
        let host = TargetPtr::new(HostPtr.size()).unwrap();
        assert_eq!(host.vmfunc_ref_size(), HostPtr.vmfunc_ref_size());
        assert_eq!(host.vmctx_header_size(), HostPtr.vmctx_header_size());
    }

    #[test]
    fn the_slot_rule() {
        assert_eq!(HostPtr.array_call_slots(0, 0), 1);
        assert_eq!(HostPtr.array_call_slots(3, 1), 3);
        assert_eq!(HostPtr.array_call_slots(1, 4), 4);
    }
}
