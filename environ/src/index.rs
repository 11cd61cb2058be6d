//! Typed index spaces of a WebAssembly module.
//!
//! Every index space gets its own newtype so that, for example, an index into
//! all functions (imported first, then defined) can never be used where an
//! index into the defined functions only is meant. Conversions between the two
//! go through [`crate::ModuleInfo`], which knows how many imports there are.

use cranelift_entity::entity_impl;
use serde::{Deserialize, Serialize};

macro_rules! indices {
    ($($(#[$doc:meta])* $name:ident, $display:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        pub struct $name(u32);
        entity_impl!($name, $display);
    )*};
}

indices! {
    /// An index into the module's type section.
    TypeIndex, "type";
    /// An index into all functions, imported ones first.
    FuncIndex, "func";
    /// An index into the functions the module defines itself.
    DefinedFuncIndex, "defined_func";
    /// An index into all tables, imported ones first.
    TableIndex, "table";
    /// An index into the tables the module defines itself.
    DefinedTableIndex, "defined_table";
    /// An index into all memories, imported ones first.
    MemoryIndex, "memory";
    /// An index into the memories the module defines itself.
    DefinedMemoryIndex, "defined_memory";
    /// An index into all globals, imported ones first.
    GlobalIndex, "global";
    /// An index into the globals the module defines itself.
    DefinedGlobalIndex, "defined_global";
    /// An index into the element segments.
    ElemIndex, "elem";
    /// An index into the data segments.
    DataIndex, "data";
    /// An index into the `VMFuncRef` slots a module's VMContext holds for its
    /// escaping defined functions (exported, referenced by `ref.func` or by an
    /// element segment).
    FuncRefIndex, "funcref";
    /// An index into the module's deduplicated signatures, used to pick the
    /// host-call trampoline for an imported function.
    SignatureIndex, "sig";
    /// An index into the module's imports, in declaration order.
    ImportIndex, "import";
    /// An index into the module's exports, in declaration order.
    ExportIndex, "export";
}

/// An engine-wide identifier for a function signature. Two functions have the
/// same `VMSharedTypeId` exactly when their types are equal, whichever module
/// they come from; `call_indirect` compares these.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[repr(transparent)]
pub struct VMSharedTypeId(pub u32);

/// Any item a module can import or export.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum EntityIndex {
    /// A function.
    Function(FuncIndex),
    /// A table.
    Table(TableIndex),
    /// A linear memory.
    Memory(MemoryIndex),
    /// A global.
    Global(GlobalIndex),
}
