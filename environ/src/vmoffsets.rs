//! The VMContext layout: the single source of truth that both the compiler
//! (which emits loads and stores at these offsets) and the runtime (which
//! allocates and fills the VMContext) use.
//!
//! A VMContext is one allocation per instance, laid out as:
//!
//! ```text
//! header            magic, store context, builtins, instance, store   (PtrSize::vmctx_header_size)
//! type_ids          [VMSharedTypeId; num_signatures]           engine-wide ids for call_indirect
//! imported_funcs    [VMFuncRef; num_imported_funcs]
//! memories          [VMMemoryImport; num_memories]             imported and defined alike
//! tables            [*mut VMTableDefinition; num_tables]       imported and defined alike
//! imported_globals  [*mut VMGlobalDefinition; num_imported_globals]
//! defined_globals   [VMGlobalDefinition; num_defined_globals]  (16-byte aligned)
//! func_refs         [VMFuncRef; num_func_refs]
//! ```
//!
//! Memories and tables are owned by the store, not by the VMContext, so an
//! imported one and a defined one look the same to compiled code. A
//! memory's base never moves (memories are reserved at full size), so it is
//! copied into the VMContext and loads of it can be hoisted freely; only
//! the length is read through the definition pointer.
//!
//! The structs below are the real `repr(C)` types the runtime uses; the tests
//! at the bottom check that the computed offsets match them, so the two can
//! never drift apart. The layout rules themselves live in [`PtrSize`], so
//! a VMContext can be laid out for a target whose pointers differ from the
//! host's: [`VMOffsets`] is generic over the pointer size and defaults to
//! the host's ([`HostPtr`]).

mod ptr_size;

pub use ptr_size::{HostPtr, PtrSize, TargetPtr, align_to};

use crate::index::*;
use crate::module_info::ModuleInfo;
use cranelift_entity::EntityRef;

/// `VMContext::magic` holds this, so a stray pointer is caught in debug checks.
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"kiln");
/// `VMHostFuncContext::magic` holds this.
pub const VM_HOST_FUNC_MAGIC: u32 = u32::from_le_bytes(*b"host");

/// Per-store state that compiled code reads and writes.
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreContext {
    /// The lowest stack address wasm may use; function prologues trap with
    /// a stack overflow below it.
    pub stack_limit: usize,
    /// The frame pointer of the last wasm-to-host trampoline, for
    /// backtraces of errors raised by host functions.
    pub last_wasm_exit_fp: usize,
    /// Fuel consumed, as a negative count of what is left: compiled code
    /// adds operator costs and traps at a check once it is `>= 0`.
    pub fuel_consumed: i64,
    /// The epoch at which compiled code calls the `new_epoch` libcall.
    pub epoch_deadline: u64,
    /// The engine's epoch counter (an `AtomicU64`), which compiled code
    /// loads at every epoch check.
    pub epoch_ptr: *const u64,
    /// Host only: the store's handler for a passed epoch deadline, given
    /// the store (`vmctx_store`). Returns 0 to continue, else the caller
    /// traps with `Interrupt`. Compiled code never reads it.
    pub epoch_hook: Option<unsafe extern "C" fn(store: *mut u8) -> u32>,
    /// Host only: the store's resource limiter, set by `Store::limiter`
    /// (`crate::limiter`). Compiled code never reads it.
    pub limiter_hook: Option<crate::limiter::LimiterHook>,
}

impl Default for VMStoreContext {
    fn default() -> Self {
        Self {
            stack_limit: usize::MAX,
            last_wasm_exit_fp: 0,
            fuel_consumed: 0,
            epoch_deadline: 0,
            epoch_ptr: std::ptr::null(),
            epoch_hook: None,
            limiter_hook: None,
        }
    }
}

/// A function reference: what `funcref` values point to, and what an
/// imported function slot holds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMFuncRef {
    /// Native code with the wasm calling convention:
    /// `(callee_vmctx, caller_vmctx, params...) -> results`.
    pub wasm_call: *const u8,
    /// Native code with the array calling convention, see
    /// [`VMArrayCallFn`].
    pub array_call: *const u8,
    /// The callee's VMContext (or `VMHostFuncContext`).
    pub vmctx: *mut u8,
    /// The engine-wide id of the function's type.
    pub type_id: VMSharedTypeId,
    /// Padding to keep the struct a power of two.
    pub _pad: u32,
}

/// The array calling convention: arguments in, results out through
/// `values`, a buffer of `len` slots of `PtrSize::array_call_value_slot`
/// bytes (`PtrSize::array_call_slots`).
pub type VMArrayCallFn =
    unsafe extern "C" fn(callee_vmctx: *mut u8, caller_vmctx: *mut u8, values: *mut u128, len: usize);

/// The context of a host function: what `VMFuncRef::vmctx` points to when
/// the callee is a host function. The wasm-to-host trampoline loads
/// `array_call` from it.
#[repr(C)]
#[derive(Debug)]
pub struct VMHostFuncContext {
    /// Always [`VM_HOST_FUNC_MAGIC`].
    pub magic: u32,
    /// Padding.
    pub _pad: u32,
    /// The host's array-convention entry point.
    pub array_call: VMArrayCallFn,
}

/// A linear memory as compiled code sees it.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory. Never moves: memories are reserved at full size.
    pub base: *mut u8,
    /// Accessible length in bytes.
    pub current_length: usize,
}

/// A table as compiled code sees it.
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// Start of the element array (pointer-sized elements).
    pub base: *mut usize,
    /// Number of elements.
    pub current_elements: usize,
}

/// A global's storage: 16 bytes, little-endian, the value in the low bytes.
#[repr(C, align(16))]
#[derive(Debug, Default, Clone, Copy)]
pub struct VMGlobalDefinition {
    /// The raw bytes.
    pub storage: [u8; 16],
}

/// A memory slot in the VMContext.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryImport {
    /// Copy of the memory's base, which never changes.
    pub base: *mut u8,
    /// The memory's definition, for its current length.
    pub definition: *mut VMMemoryDefinition,
}

/// The computed layout of one module's VMContext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VMOffsets<P: PtrSize = HostPtr> {
    ptr: P,
    num_signatures: u32,
    num_imported_funcs: u32,
    num_memories: u32,
    num_tables: u32,
    num_imported_globals: u32,
    num_defined_globals: u32,
    num_func_refs: u32,
    type_ids: u32,
    imported_funcs: u32,
    memories: u32,
    tables: u32,
    imported_globals: u32,
    defined_globals: u32,
    func_refs: u32,
    size: u32,
}

impl VMOffsets<HostPtr> {
    /// Computes the host's layout for a module.
    pub fn new(module: &ModuleInfo) -> Self {
        Self::with_ptr(HostPtr, module)
    }
}

impl<P: PtrSize> VMOffsets<P> {
    /// The same layout, typed for the host, when this target's pointers are
    /// the host's size (every offset is then the host's too).
    pub fn for_host(self) -> Option<VMOffsets<HostPtr>> {
        if self.ptr.pointer() != HostPtr.pointer() {
            return None;
        }
        Some(VMOffsets {
            ptr: HostPtr,
            num_signatures: self.num_signatures,
            num_imported_funcs: self.num_imported_funcs,
            num_memories: self.num_memories,
            num_tables: self.num_tables,
            num_imported_globals: self.num_imported_globals,
            num_defined_globals: self.num_defined_globals,
            num_func_refs: self.num_func_refs,
            type_ids: self.type_ids,
            imported_funcs: self.imported_funcs,
            memories: self.memories,
            tables: self.tables,
            imported_globals: self.imported_globals,
            defined_globals: self.defined_globals,
            func_refs: self.func_refs,
            size: self.size,
        })
    }
}

impl<P: PtrSize> VMOffsets<P> {
    /// Computes the layout for a module on a target with pointer size `ptr`.
    pub fn with_ptr(ptr: P, module: &ModuleInfo) -> Self {
        let count = |n: usize| u32::try_from(n).expect("index spaces are bounded by the validator");
        let mut me = Self {
            ptr,
            num_signatures: count(module.signatures.len()),
            num_imported_funcs: module.num_imported_funcs,
            num_memories: count(module.memories.len()),
            num_tables: count(module.tables.len()),
            num_imported_globals: module.num_imported_globals,
            num_defined_globals: count(module.num_defined_globals()),
            num_func_refs: module.num_func_refs,
            type_ids: 0,
            imported_funcs: 0,
            memories: 0,
            tables: 0,
            imported_globals: 0,
            defined_globals: 0,
            func_refs: 0,
            size: 0,
        };
        let p = &me.ptr;
        let ptr = p.pointer();
        let global = p.vmglobal_definition_size();
        let mut at = p.vmctx_header_size();
        let mut place = |align: u32, count: u32, size: u32| {
            at = align_to(at, align);
            let start = at;
            at += count * size;
            start
        };
        let type_ids = place(4, me.num_signatures, p.vmshared_type_id_size());
        let imported_funcs = place(ptr, me.num_imported_funcs, p.vmfunc_ref_size());
        let memories = place(ptr, me.num_memories, p.vmmemory_import_size());
        let tables = place(ptr, me.num_tables, ptr);
        let imported_globals = place(ptr, me.num_imported_globals, ptr);
        let defined_globals = place(global, me.num_defined_globals, global);
        let func_refs = place(ptr, me.num_func_refs, p.vmfunc_ref_size());
        me.size = align_to(at, 16);
        me.type_ids = type_ids;
        me.imported_funcs = imported_funcs;
        me.memories = memories;
        me.tables = tables;
        me.imported_globals = imported_globals;
        me.defined_globals = defined_globals;
        me.func_refs = func_refs;
        me
    }

    /// The pointer size this layout is for, with the layout rules of every
    /// runtime structure.
    pub fn ptr(&self) -> &P {
        &self.ptr
    }

    /// Total size of the VMContext in bytes (a multiple of 16).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Number of deduplicated signatures.
    pub fn num_signatures(&self) -> u32 {
        self.num_signatures
    }

    /// The `VMSharedTypeId` of a signature.
    pub fn type_id(&self, sig: SignatureIndex) -> u32 {
        debug_assert!(sig.to_u32() < self.num_signatures);
        self.type_ids + sig.to_u32() * self.ptr.vmshared_type_id_size()
    }

    /// The `VMFuncRef` of an imported function.
    pub fn imported_func(&self, index: FuncIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_imported_funcs);
        self.imported_funcs + index.to_u32() * self.ptr.vmfunc_ref_size()
    }

    /// A memory's `VMMemoryImport` slot.
    pub fn memory(&self, index: MemoryIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_memories);
        self.memories + index.to_u32() * self.ptr.vmmemory_import_size()
    }

    /// A table's `*mut VMTableDefinition` slot.
    pub fn table(&self, index: TableIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_tables);
        self.tables + index.to_u32() * self.ptr.pointer()
    }

    /// The pointer to an imported global's definition.
    pub fn imported_global(&self, index: GlobalIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_imported_globals);
        self.imported_globals + index.to_u32() * self.ptr.pointer()
    }

    /// A defined global's storage.
    pub fn defined_global(&self, index: DefinedGlobalIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_defined_globals);
        self.defined_globals + index.to_u32() * self.ptr.vmglobal_definition_size()
    }

    /// A defined function's `VMFuncRef` slot.
    pub fn func_ref(&self, index: FuncRefIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_func_refs);
        self.func_refs + index.to_u32() * self.ptr.vmfunc_ref_size()
    }
}

/// Helper so offsets read naturally: `index.to_u32()`.
pub trait ToU32 {
    /// The raw index.
    fn to_u32(self) -> u32;
}

impl<T: EntityRef> ToU32 for T {
    fn to_u32(self) -> u32 {
        u32::try_from(self.index()).expect("entity indices fit in u32")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_info::FunctionInfo;
    use crate::types::{GlobalType, Limits, MemoryType, TableType, WasmRefType, WasmValType};
    use std::mem::{offset_of, size_of};

    #[test]
    fn struct_offsets_match_the_layout() {
        let p = HostPtr;
        assert_eq!(offset_of!(VMStoreContext, stack_limit) as u32, p.vmstore_context_stack_limit());
        assert_eq!(offset_of!(VMStoreContext, last_wasm_exit_fp) as u32, p.vmstore_context_last_wasm_exit_fp());
        assert_eq!(offset_of!(VMStoreContext, fuel_consumed) as u32, p.vmstore_context_fuel_consumed());
        assert_eq!(offset_of!(VMStoreContext, epoch_deadline) as u32, p.vmstore_context_epoch_deadline());
        assert_eq!(offset_of!(VMStoreContext, epoch_ptr) as u32, p.vmstore_context_epoch_ptr());
        assert_eq!(offset_of!(VMFuncRef, wasm_call) as u32, p.vmfunc_ref_wasm_call());
        assert_eq!(offset_of!(VMFuncRef, array_call) as u32, p.vmfunc_ref_array_call());
        assert_eq!(offset_of!(VMFuncRef, vmctx) as u32, p.vmfunc_ref_vmctx());
        assert_eq!(offset_of!(VMFuncRef, type_id) as u32, p.vmfunc_ref_type_id());
        assert_eq!(size_of::<VMFuncRef>() as u32, p.vmfunc_ref_size());
        assert_eq!(offset_of!(VMHostFuncContext, array_call) as u32, p.vmhost_func_context_array_call());
        assert_eq!(offset_of!(VMMemoryDefinition, base) as u32, p.vmmemory_definition_base());
        assert_eq!(offset_of!(VMMemoryDefinition, current_length) as u32, p.vmmemory_definition_current_length());
        assert_eq!(size_of::<VMMemoryDefinition>() as u32, p.vmmemory_definition_size());
        assert_eq!(offset_of!(VMTableDefinition, base) as u32, p.vmtable_definition_base());
        assert_eq!(offset_of!(VMTableDefinition, current_elements) as u32, p.vmtable_definition_current_elements());
        assert_eq!(size_of::<VMTableDefinition>() as u32, p.vmtable_definition_size());
        assert_eq!(size_of::<usize>() as u32, p.table_element_size());
        assert_eq!(offset_of!(VMMemoryImport, base) as u32, p.vmmemory_import_base());
        assert_eq!(offset_of!(VMMemoryImport, definition) as u32, p.vmmemory_import_definition());
        assert_eq!(size_of::<VMMemoryImport>() as u32, p.vmmemory_import_size());
        assert_eq!(size_of::<VMGlobalDefinition>() as u32, p.vmglobal_definition_size());
        assert_eq!(std::mem::align_of::<VMGlobalDefinition>() as u32, p.vmglobal_definition_size());
        assert_eq!(size_of::<VMSharedTypeId>() as u32, p.vmshared_type_id_size());
        assert_eq!(size_of::<u128>() as u32, p.array_call_value_slot());
        assert_eq!(size_of::<usize>() as u32, p.pointer());
    }

    /// The header as a `repr(C)` struct, to check the header rule.
    #[repr(C)]
    struct Header {
        magic: u32,
        store_context: usize,
        builtins: usize,
        instance: usize,
        store: usize,
    }

    #[test]
    fn header_matches_a_repr_c_struct() {
        let p = HostPtr;
        assert_eq!(offset_of!(Header, magic) as u32, p.vmctx_magic());
        assert_eq!(offset_of!(Header, store_context) as u32, p.vmctx_store_context());
        assert_eq!(offset_of!(Header, builtins) as u32, p.vmctx_builtins());
        assert_eq!(offset_of!(Header, instance) as u32, p.vmctx_instance());
        assert_eq!(offset_of!(Header, store) as u32, p.vmctx_store());
        assert_eq!(size_of::<Header>() as u32, p.vmctx_header_size());
    }

    #[test]
    fn four_byte_pointers() {
        // What `repr(C)` gives the same structs on a 32-bit target.
        let p = TargetPtr::new(4).unwrap();
        assert_eq!((p.vmctx_store_context(), p.vmctx_builtins(), p.vmctx_instance(), p.vmctx_store()), (4, 8, 12, 16));
        assert_eq!(p.vmctx_header_size(), 20);
        assert_eq!((p.vmfunc_ref_array_call(), p.vmfunc_ref_vmctx(), p.vmfunc_ref_type_id()), (4, 8, 12));
        assert_eq!(p.vmfunc_ref_size(), 20);
        assert_eq!(p.vmhost_func_context_array_call(), 8);
        assert_eq!((p.vmmemory_definition_current_length(), p.vmmemory_definition_size()), (4, 8));
        assert_eq!((p.vmtable_definition_current_elements(), p.vmtable_definition_size()), (4, 8));
        assert_eq!((p.vmmemory_import_definition(), p.vmmemory_import_size()), (4, 8));
        assert_eq!(p.vmstore_context_last_wasm_exit_fp(), 4);
        assert_eq!(p.table_element_size(), 4);
        assert_eq!(p.vmbuiltins_entry(3), 12);
        assert_eq!(p.array_call_value_slot(), 16);

        let m = sample_module();
        let o = VMOffsets::with_ptr(p, &m);
        check_regions(&o);
        assert_eq!(o.type_ids, 20);
        assert_eq!(o.imported_funcs, 32);
        assert_eq!(o.memories, 32 + 3 * 20);
        assert_eq!(o.table(TableIndex::new(1)), o.tables + 4);
        assert!(o.size() < VMOffsets::new(&m).size());
    }

    #[test]
    fn a_target_layout_is_the_host_layout_only_for_host_sized_pointers() {
        let m = sample_module();
        let host = TargetPtr::new(HostPtr.pointer() as u8).unwrap();
        assert_eq!(VMOffsets::with_ptr(host, &m).for_host(), Some(VMOffsets::new(&m)));
        assert_eq!(VMOffsets::with_ptr(TargetPtr::new(4).unwrap(), &m).for_host(), None);
    }

    fn sample_module() -> ModuleInfo {
        // A module with 3 signatures, 3 imported functions, one imported and
        // one defined memory and table, and 2 imported + 3 defined globals.
        let mut m = ModuleInfo {
            num_imported_funcs: 3,
            num_imported_tables: 1,
            num_imported_memories: 1,
            num_imported_globals: 2,
            num_func_refs: 5,
            ..Default::default()
        };
        for _ in 0..3 {
            m.signatures.push(Default::default());
        }
        let sig = SignatureIndex::new(0);
        for _ in 0..3 {
            m.functions.push(FunctionInfo { signature: sig, func_ref: None });
        }
        let limits = Limits { min: 1, max: None };
        let table = TableType { element: WasmRefType::Func, limits };
        m.tables.push(table);
        m.tables.push(table);
        let memory = MemoryType { limits };
        m.memories.push(memory);
        m.memories.push(memory);
        let global = GlobalType { content: WasmValType::I32, mutable: true };
        for _ in 0..5 {
            m.globals.push(global);
        }
        m
    }

    fn check_regions<P: PtrSize>(o: &VMOffsets<P>) {
        let p = o.ptr();
        let ptr = p.pointer();
        assert_eq!(o.type_ids, p.vmctx_header_size());
        assert!(o.imported_funcs >= o.type_ids + 3 * p.vmshared_type_id_size());
        assert_eq!(o.imported_funcs % ptr, 0);
        assert_eq!(o.memories, o.imported_funcs + 3 * p.vmfunc_ref_size());
        assert_eq!(o.tables, o.memories + 2 * p.vmmemory_import_size());
        assert_eq!(o.imported_globals, o.tables + 2 * ptr);
        assert!(o.defined_globals >= o.imported_globals + 2 * ptr);
        assert_eq!(o.defined_globals % 16, 0);
        assert_eq!(o.num_defined_globals, 3);
        assert_eq!(o.func_refs, o.defined_globals + 3 * p.vmglobal_definition_size());
        assert_eq!(o.size() % 16, 0);
        assert_eq!(o.size(), align_to(o.func_refs + 5 * p.vmfunc_ref_size(), 16));
    }

    #[test]
    fn regions_do_not_overlap_and_are_aligned() {
        check_regions(&VMOffsets::new(&sample_module()));
    }
}
