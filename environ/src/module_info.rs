//! `ModuleInfo`: everything about a module that the runtime needs to
//! instantiate it, decided once at compile time and serialized into the
//! artifact's metadata section.
//!
//! Rules:
//! - Nothing here refers to wasmparser; the loader must build without it.
//! - Every index is typed. Imported entities come first in each index space;
//!   `defined_*`/`*_index` convert between the full and the defined spaces.

use crate::index::*;
use crate::types::*;
use cranelift_entity::{EntityRef, PrimaryMap};
use serde::{Deserialize, Serialize};

/// One instruction of a constant expression.
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
pub enum ConstOp {
    /// `i32.const`
    I32Const(i32),
    /// `i64.const`
    I64Const(i64),
    /// `f32.const`, as bits.
    F32Const(u32),
    /// `f64.const`, as bits.
    F64Const(u64),
    /// `v128.const`, as bits.
    V128Const(u128),
    /// `ref.null`
    RefNull(WasmRefType),
    /// `ref.func`
    RefFunc(FuncIndex),
    /// `global.get` of an (imported, immutable) global.
    GlobalGet(GlobalIndex),
    /// `i32.add` (extended constant expressions)
    I32Add,
    /// `i32.sub`
    I32Sub,
    /// `i32.mul`
    I32Mul,
    /// `i64.add`
    I64Add,
    /// `i64.sub`
    I64Sub,
    /// `i64.mul`
    I64Mul,
}

/// A constant expression: a global initializer, segment offset or element.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize, Default)]
pub struct ConstExpr(pub Vec<ConstOp>);

/// An import, in declaration order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Import {
    /// The module name.
    pub module: String,
    /// The item name.
    pub name: String,
    /// Which entity of this module the import provides.
    pub index: EntityIndex,
}

/// An export, in declaration order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// The exported entity.
    pub index: EntityIndex,
}

/// What a function looks like to the runtime.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct FunctionInfo {
    /// Its signature (deduplicated type).
    pub signature: SignatureIndex,
    /// The `VMFuncRef` slot of a defined function that escapes (exports,
    /// `ref.func`, element segments, start). Imported functions keep their
    /// `VMFuncRef` in the import slot and have `None` here.
    pub func_ref: Option<FuncRefIndex>,
}

/// Where an element segment goes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ElementKind {
    /// Copied into `table` at `offset` on instantiation, then dropped.
    Active {
        /// The table.
        table: TableIndex,
        /// The offset expression.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions for `ref.func`; dropped at once.
    Declared,
}

/// The contents of an element segment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ElementItems {
    /// Function indices (the common MVP form).
    Functions(Vec<FuncIndex>),
    /// Arbitrary constant expressions.
    Expressions(Vec<ConstExpr>),
}

impl ElementItems {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Self::Functions(f) => f.len(),
            Self::Expressions(e) => e.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element segment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ElementSegment {
    /// Where it goes.
    pub kind: ElementKind,
    /// The element type.
    pub ty: WasmRefType,
    /// The elements.
    pub items: ElementItems,
}

/// Where a data segment goes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum DataKind {
    /// Copied into `memory` at `offset` on instantiation, then dropped.
    Active {
        /// The memory.
        memory: MemoryIndex,
        /// The offset expression.
        offset: ConstExpr,
    },
    /// Available to `memory.init`.
    Passive,
}

/// A data segment. Its bytes live in the artifact's data section, so
/// instantiation copies straight from the mapped artifact.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DataSegment {
    /// Where it goes.
    pub kind: DataKind,
    /// Byte offset of the contents in the data section.
    pub offset: u32,
    /// Length of the contents.
    pub len: u32,
}

/// Everything the runtime knows about a module.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct ModuleInfo {
    /// The module's name from the name section, if any.
    pub name: Option<String>,
    /// Deduplicated function signatures.
    pub signatures: PrimaryMap<SignatureIndex, WasmFuncType>,
    /// The type section, mapped onto deduplicated signatures.
    pub types: PrimaryMap<TypeIndex, SignatureIndex>,
    /// Imports in declaration order.
    pub imports: Vec<Import>,
    /// Exports in declaration order.
    pub exports: Vec<Export>,
    /// All functions, imported first.
    pub functions: PrimaryMap<FuncIndex, FunctionInfo>,
    /// All tables, imported first.
    pub tables: PrimaryMap<TableIndex, TableType>,
    /// All memories, imported first.
    pub memories: PrimaryMap<MemoryIndex, MemoryType>,
    /// All globals, imported first.
    pub globals: PrimaryMap<GlobalIndex, GlobalType>,
    /// Initializers of the defined globals.
    pub global_inits: PrimaryMap<DefinedGlobalIndex, ConstExpr>,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Number of `VMFuncRef` slots for escaping defined functions.
    pub num_func_refs: u32,
    /// The start function.
    pub start: Option<FuncIndex>,
    /// Element segments.
    pub elements: PrimaryMap<ElemIndex, ElementSegment>,
    /// Data segments.
    pub data: PrimaryMap<DataIndex, DataSegment>,
    /// Function names from the name section, sorted by index.
    pub func_names: Vec<(FuncIndex, String)>,
}

macro_rules! index_space {
    ($num:ident, $all:ident, $defined:ident, $to_def:ident, $to_all:ident, $is_imported:ident) => {
        /// Converts to the defined index space, or `None` for an import.
        pub fn $to_def(&self, index: $all) -> Option<$defined> {
            let i = index.index().checked_sub(self.$num as usize)?;
            Some($defined::new(i))
        }
        /// Converts a defined index to the full index space.
        pub fn $to_all(&self, index: $defined) -> $all {
            $all::new(self.$num as usize + index.index())
        }
        /// Whether the index names an import.
        pub fn $is_imported(&self, index: $all) -> bool {
            index.index() < self.$num as usize
        }
    };
}

impl ModuleInfo {
    index_space!(num_imported_funcs, FuncIndex, DefinedFuncIndex, defined_func_index, func_index, is_imported_func);
    index_space!(
        num_imported_tables,
        TableIndex,
        DefinedTableIndex,
        defined_table_index,
        table_index,
        is_imported_table
    );
    index_space!(
        num_imported_memories,
        MemoryIndex,
        DefinedMemoryIndex,
        defined_memory_index,
        memory_index,
        is_imported_memory
    );
    index_space!(
        num_imported_globals,
        GlobalIndex,
        DefinedGlobalIndex,
        defined_global_index,
        global_index,
        is_imported_global
    );

    /// Whether every `num_imported_*` count fits its index space. Decoded
    /// metadata is checked with this before anything indexes by it; the
    /// `num_defined_*` counts saturate so they never panic either way.
    pub fn import_counts_fit(&self) -> bool {
        self.num_imported_funcs as usize <= self.functions.len()
            && self.num_imported_tables as usize <= self.tables.len()
            && self.num_imported_memories as usize <= self.memories.len()
            && self.num_imported_globals as usize <= self.globals.len()
    }

    /// The number of functions the module defines.
    pub fn num_defined_funcs(&self) -> usize {
        self.functions.len().saturating_sub(self.num_imported_funcs as usize)
    }

    /// The number of tables the module defines.
    pub fn num_defined_tables(&self) -> usize {
        self.tables.len().saturating_sub(self.num_imported_tables as usize)
    }

    /// The number of memories the module defines.
    pub fn num_defined_memories(&self) -> usize {
        self.memories.len().saturating_sub(self.num_imported_memories as usize)
    }

    /// The number of globals the module defines.
    pub fn num_defined_globals(&self) -> usize {
        self.globals.len().saturating_sub(self.num_imported_globals as usize)
    }

    /// The type of a function.
    pub fn func_type(&self, func: FuncIndex) -> &WasmFuncType {
        &self.signatures[self.functions[func].signature]
    }

    /// The name-section name of a function, if it has one.
    pub fn func_name(&self, func: FuncIndex) -> Option<&str> {
        self.func_names.binary_search_by_key(&func, |(i, _)| *i).ok().map(|i| self.func_names[i].1.as_str())
    }

    /// The type of an entity, for import and export descriptions.
    pub fn entity_type(&self, index: EntityIndex) -> EntityType {
        match index {
            EntityIndex::Function(f) => EntityType::Function(self.func_type(f).clone()),
            EntityIndex::Table(t) => EntityType::Table(self.tables[t]),
            EntityIndex::Memory(m) => EntityType::Memory(self.memories[m]),
            EntityIndex::Global(g) => EntityType::Global(self.globals[g]),
        }
    }
}

/// The type of an importable or exportable entity.
#[derive(Clone, Debug, PartialEq)]
pub enum EntityType {
    /// A function of this type.
    Function(WasmFuncType),
    /// A table of this type.
    Table(TableType),
    /// A memory of this type.
    Memory(MemoryType),
    /// A global of this type.
    Global(GlobalType),
}
