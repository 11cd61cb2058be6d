//! The VMContext layout: the single source of truth that both the compiler
//! (which emits loads and stores at these offsets) and the runtime (which
//! allocates and fills the VMContext) use.
//!
//! A VMContext is one allocation per instance, laid out as:
//!
//! ```text
//! header            magic, store context, builtins, instance   (VMCONTEXT_HEADER_SIZE bytes)
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
//! never drift apart. Only 64-bit hosts are supported.

use crate::index::*;
use crate::module_info::ModuleInfo;
use cranelift_entity::EntityRef;

/// Host pointer size in bytes.
pub const PTR: u32 = 8;

/// `VMContext::magic` holds this, so a stray pointer is caught in debug checks.
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"kiln");
/// `VMHostFuncContext::magic` holds this.
pub const VM_HOST_FUNC_MAGIC: u32 = u32::from_le_bytes(*b"host");

/// Per-store state that compiled code reads and writes.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VMStoreContext {
    /// The lowest stack address wasm may use; function prologues trap with
    /// a stack overflow below it.
    pub stack_limit: usize,
    /// The frame pointer of the last wasm-to-host trampoline, for
    /// backtraces of errors raised by host functions.
    pub last_wasm_exit_fp: usize,
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
/// `values`, a buffer of `len` 16-byte slots (`max(params, results)`).
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

/// Offsets of the VMContext header fields.
pub mod header {
    /// `u32` magic.
    pub const MAGIC: u32 = 0;
    /// `*mut VMStoreContext`.
    pub const STORE_CONTEXT: u32 = 8;
    /// `*const VMBuiltinFunctions`: the libcall table.
    pub const BUILTINS: u32 = 16;
    /// `*mut Instance`: the runtime's instance, for libcalls.
    pub const INSTANCE: u32 = 24;
    /// `*mut u8`: the store, opaque to compiled code.
    pub const STORE: u32 = 32;
    /// Size of the header.
    pub const SIZE: u32 = 40;
}

/// Offsets inside `VMStoreContext`.
pub mod store_context {
    /// `stack_limit`
    pub const STACK_LIMIT: u32 = 0;
    /// `last_wasm_exit_fp`
    pub const LAST_WASM_EXIT_FP: u32 = 8;
}

/// Offsets inside `VMFuncRef`.
pub mod func_ref {
    /// `wasm_call`
    pub const WASM_CALL: u32 = 0;
    /// `array_call`
    pub const ARRAY_CALL: u32 = 8;
    /// `vmctx`
    pub const VMCTX: u32 = 16;
    /// `type_id`
    pub const TYPE_ID: u32 = 24;
    /// Size.
    pub const SIZE: u32 = 32;
}

/// Offsets inside `VMHostFuncContext`.
pub mod host_func {
    /// `array_call`
    pub const ARRAY_CALL: u32 = 8;
}

/// Offsets inside `VMMemoryDefinition`.
pub mod memory {
    /// `base`
    pub const BASE: u32 = 0;
    /// `current_length`
    pub const CURRENT_LENGTH: u32 = 8;
    /// Size.
    pub const SIZE: u32 = 16;
}

/// Offsets inside `VMTableDefinition`.
pub mod table {
    /// `base`
    pub const BASE: u32 = 0;
    /// `current_elements`
    pub const CURRENT_ELEMENTS: u32 = 8;
    /// Size.
    pub const SIZE: u32 = 16;
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

/// Offsets inside `VMMemoryImport`.
pub mod memory_import {
    /// `base`
    pub const BASE: u32 = 0;
    /// `definition`
    pub const DEFINITION: u32 = 8;
    /// Size.
    pub const SIZE: u32 = 16;
}

/// Size of a `VMGlobalDefinition`.
pub const GLOBAL_SIZE: u32 = 16;
/// Size of a `VMSharedTypeId`.
pub const TYPE_ID_SIZE: u32 = 4;

/// The computed layout of one module's VMContext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VMOffsets {
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

fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

impl VMOffsets {
    /// Computes the layout for a module.
    pub fn new(module: &ModuleInfo) -> Self {
        let count = |n: usize| u32::try_from(n).expect("index spaces are bounded by the validator");
        let mut me = Self {
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
        let mut at = header::SIZE;
        let mut place = |align_to: u32, count: u32, size: u32| {
            at = align(at, align_to);
            let start = at;
            at += count * size;
            start
        };
        me.type_ids = place(4, me.num_signatures, TYPE_ID_SIZE);
        me.imported_funcs = place(PTR, me.num_imported_funcs, func_ref::SIZE);
        me.memories = place(PTR, me.num_memories, memory_import::SIZE);
        me.tables = place(PTR, me.num_tables, PTR);
        me.imported_globals = place(PTR, me.num_imported_globals, PTR);
        me.defined_globals = place(16, me.num_defined_globals, GLOBAL_SIZE);
        me.func_refs = place(PTR, me.num_func_refs, func_ref::SIZE);
        me.size = align(at, 16);
        me
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
        self.type_ids + sig.to_u32() * TYPE_ID_SIZE
    }

    /// The `VMFuncRef` of an imported function.
    pub fn imported_func(&self, index: FuncIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_imported_funcs);
        self.imported_funcs + index.to_u32() * func_ref::SIZE
    }

    /// A memory's `VMMemoryImport` slot.
    pub fn memory(&self, index: MemoryIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_memories);
        self.memories + index.to_u32() * memory_import::SIZE
    }

    /// A table's `*mut VMTableDefinition` slot.
    pub fn table(&self, index: TableIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_tables);
        self.tables + index.to_u32() * PTR
    }

    /// The pointer to an imported global's definition.
    pub fn imported_global(&self, index: GlobalIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_imported_globals);
        self.imported_globals + index.to_u32() * PTR
    }

    /// A defined global's storage.
    pub fn defined_global(&self, index: DefinedGlobalIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_defined_globals);
        self.defined_globals + index.to_u32() * GLOBAL_SIZE
    }

    /// A defined function's `VMFuncRef` slot.
    pub fn func_ref(&self, index: FuncRefIndex) -> u32 {
        debug_assert!(index.to_u32() < self.num_func_refs);
        self.func_refs + index.to_u32() * func_ref::SIZE
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
        assert_eq!(offset_of!(VMStoreContext, stack_limit) as u32, store_context::STACK_LIMIT);
        assert_eq!(offset_of!(VMStoreContext, last_wasm_exit_fp) as u32, store_context::LAST_WASM_EXIT_FP);
        assert_eq!(offset_of!(VMFuncRef, wasm_call) as u32, func_ref::WASM_CALL);
        assert_eq!(offset_of!(VMFuncRef, array_call) as u32, func_ref::ARRAY_CALL);
        assert_eq!(offset_of!(VMFuncRef, vmctx) as u32, func_ref::VMCTX);
        assert_eq!(offset_of!(VMFuncRef, type_id) as u32, func_ref::TYPE_ID);
        assert_eq!(size_of::<VMFuncRef>() as u32, func_ref::SIZE);
        assert_eq!(offset_of!(VMHostFuncContext, array_call) as u32, host_func::ARRAY_CALL);
        assert_eq!(offset_of!(VMMemoryDefinition, base) as u32, memory::BASE);
        assert_eq!(offset_of!(VMMemoryDefinition, current_length) as u32, memory::CURRENT_LENGTH);
        assert_eq!(size_of::<VMMemoryDefinition>() as u32, memory::SIZE);
        assert_eq!(offset_of!(VMTableDefinition, base) as u32, table::BASE);
        assert_eq!(offset_of!(VMTableDefinition, current_elements) as u32, table::CURRENT_ELEMENTS);
        assert_eq!(size_of::<VMTableDefinition>() as u32, table::SIZE);
        assert_eq!(offset_of!(VMMemoryImport, base) as u32, memory_import::BASE);
        assert_eq!(offset_of!(VMMemoryImport, definition) as u32, memory_import::DEFINITION);
        assert_eq!(size_of::<VMMemoryImport>() as u32, memory_import::SIZE);
        assert_eq!(size_of::<VMGlobalDefinition>() as u32, GLOBAL_SIZE);
        assert_eq!(size_of::<VMSharedTypeId>() as u32, TYPE_ID_SIZE);
        assert_eq!(size_of::<usize>() as u32, PTR);
    }

    #[test]
    fn regions_do_not_overlap_and_are_aligned() {
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

        let o = VMOffsets::new(&m);
        assert_eq!(o.type_ids, header::SIZE);
        assert!(o.imported_funcs >= o.type_ids + 3 * TYPE_ID_SIZE);
        assert_eq!(o.imported_funcs % PTR, 0);
        assert_eq!(o.memories, o.imported_funcs + 3 * func_ref::SIZE);
        assert_eq!(o.tables, o.memories + 2 * memory_import::SIZE);
        assert_eq!(o.imported_globals, o.tables + 2 * PTR);
        assert!(o.defined_globals >= o.imported_globals + 2 * PTR);
        assert_eq!(o.defined_globals % 16, 0);
        assert_eq!(o.num_defined_globals, 3);
        assert_eq!(o.func_refs, o.defined_globals + 3 * GLOBAL_SIZE);
        assert_eq!(o.size() % 16, 0);
        assert_eq!(o.size(), align(o.func_refs + 5 * func_ref::SIZE, 16));
    }
}
