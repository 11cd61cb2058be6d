//! The public type descriptions: `ValType`, `FuncType`, `MemoryType`,
//! `TableType`, `GlobalType`, `ExternType`, `ImportType`, `ExportType`.

use crate::refs::RefType;
use kiln_runtime_support::module_info::EntityType;
use kiln_runtime_support::types as rt;
use std::fmt;

/// A value type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// Nullable function reference.
    FuncRef,
    /// Nullable host reference.
    ExternRef,
}

impl ValType {
    pub(crate) fn from_wasm(t: rt::WasmValType) -> Self {
        match t {
            rt::WasmValType::I32 => Self::I32,
            rt::WasmValType::I64 => Self::I64,
            rt::WasmValType::F32 => Self::F32,
            rt::WasmValType::F64 => Self::F64,
            rt::WasmValType::V128 => Self::V128,
            rt::WasmValType::Ref(rt::WasmRefType::Func) => Self::FuncRef,
            rt::WasmValType::Ref(rt::WasmRefType::Extern) => Self::ExternRef,
        }
    }

    pub(crate) fn to_wasm(self) -> rt::WasmValType {
        match self {
            Self::I32 => rt::WasmValType::I32,
            Self::I64 => rt::WasmValType::I64,
            Self::F32 => rt::WasmValType::F32,
            Self::F64 => rt::WasmValType::F64,
            Self::V128 => rt::WasmValType::V128,
            Self::FuncRef => rt::WasmValType::FUNCREF,
            Self::ExternRef => rt::WasmValType::EXTERNREF,
        }
    }

    /// `funcref`, as wasmtime spells it.
    pub const FUNCREF: ValType = ValType::FuncRef;
    /// `externref`, as wasmtime spells it.
    pub const EXTERNREF: ValType = ValType::ExternRef;

    /// The reference type, for `funcref` and `externref`.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            Self::FuncRef => Some(&RefType::FUNCREF),
            Self::ExternRef => Some(&RefType::EXTERNREF),
            _ => None,
        }
    }

    /// Whether it is a reference type.
    pub fn is_ref(&self) -> bool {
        self.as_ref().is_some()
    }

    /// The reference type; panics for a number or vector type.
    pub fn unwrap_ref(&self) -> &RefType {
        self.as_ref().expect("expected a reference type")
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// A function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    pub(crate) wasm: rt::WasmFuncType,
}

impl FuncType {
    /// A function type from parameter and result types. The engine is
    /// wasmtime's spelling: kiln's function types belong to no engine, so
    /// a type made for one engine works with any.
    pub fn new(
        engine: &crate::Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let _ = engine;
        Self::from_types(params, results)
    }

    /// [`FuncType::new`] without an engine, for kiln's own use.
    pub(crate) fn from_types(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        Self {
            wasm: rt::WasmFuncType {
                params: params.into_iter().map(ValType::to_wasm).collect(),
                results: results.into_iter().map(ValType::to_wasm).collect(),
            },
        }
    }

    pub(crate) fn from_wasm(wasm: rt::WasmFuncType) -> Self {
        Self { wasm }
    }

    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.wasm.params.iter().map(|t| ValType::from_wasm(*t))
    }

    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.wasm.results.iter().map(|t| ValType::from_wasm(*t))
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.wasm.fmt(f)
    }
}

/// Whether a global may be changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// A global's type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        Self { content, mutability }
    }

    /// The value type.
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// The mutability.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn from_wasm(g: rt::GlobalType) -> Self {
        Self::new(ValType::from_wasm(g.content), if g.mutable { Mutability::Var } else { Mutability::Const })
    }

    pub(crate) fn to_wasm(self) -> rt::GlobalType {
        rt::GlobalType { content: self.content.to_wasm(), mutable: self.mutability == Mutability::Var }
    }
}

/// A linear memory's type, in 64 KiB pages.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub(crate) wasm: rt::MemoryType,
}

impl MemoryType {
    /// A memory type of `minimum` pages, growable to `maximum`.
    pub fn new(minimum: u32, maximum: Option<u32>) -> Self {
        Self { wasm: rt::MemoryType { limits: rt::Limits { min: minimum.into(), max: maximum.map(u64::from) } } }
    }

    /// Minimum size in pages.
    pub fn minimum(&self) -> u64 {
        self.wasm.limits.min
    }

    /// Maximum size in pages.
    pub fn maximum(&self) -> Option<u64> {
        self.wasm.limits.max
    }
}

/// A table's type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    pub(crate) wasm: rt::TableType,
}

impl TableType {
    /// A table of `element` references with `min` elements, growable to `max`.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> Self {
        Self {
            wasm: rt::TableType { element: element.0, limits: rt::Limits { min: min.into(), max: max.map(u64::from) } },
        }
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        match self.wasm.element {
            rt::WasmRefType::Func => &RefType::FUNCREF,
            rt::WasmRefType::Extern => &RefType::EXTERNREF,
        }
    }

    /// Minimum size.
    pub fn minimum(&self) -> u64 {
        self.wasm.limits.min
    }

    /// Maximum size.
    pub fn maximum(&self) -> Option<u64> {
        self.wasm.limits.max
    }
}

/// The type of an importable or exportable item.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
}

impl ExternType {
    pub(crate) fn from_entity(e: EntityType) -> Self {
        match e {
            EntityType::Function(f) => Self::Func(FuncType::from_wasm(f)),
            EntityType::Global(g) => Self::Global(GlobalType::from_wasm(g)),
            EntityType::Table(t) => Self::Table(TableType { wasm: t }),
            EntityType::Memory(m) => Self::Memory(MemoryType { wasm: m }),
        }
    }

    /// The function type, if this is a function.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            Self::Func(f) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Func(t) => write!(f, "{t}"),
            Self::Global(g) => {
                write!(f, "(global {}{})", if g.mutability == Mutability::Var { "mut " } else { "" }, g.content)
            }
            Self::Table(t) => write!(f, "(table {} {:?} {})", t.minimum(), t.maximum(), t.element()),
            Self::Memory(m) => write!(f, "(memory {} {:?})", m.minimum(), m.maximum()),
        }
    }
}

/// An import of a module.
#[derive(Clone, Debug)]
pub struct ImportType<'a> {
    module: &'a str,
    name: &'a str,
    ty: ExternType,
}

impl<'a> ImportType<'a> {
    pub(crate) fn new(module: &'a str, name: &'a str, ty: ExternType) -> Self {
        Self { module, name, ty }
    }

    /// The module name.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The item name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The expected type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// An export of a module.
#[derive(Clone, Debug)]
pub struct ExportType<'a> {
    name: &'a str,
    ty: ExternType,
}

impl<'a> ExportType<'a> {
    pub(crate) fn new(name: &'a str, ty: ExternType) -> Self {
        Self { name, ty }
    }

    /// The export name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
