//! The WebAssembly types kiln supports, in the form both the compiler and the
//! runtime use: serializable, and independent of wasmparser.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum WasmValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference type.
    Ref(WasmRefType),
}

/// A reference type. Only the two nullable abstract references of
/// WebAssembly 2.0 exist so far.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum WasmRefType {
    /// `funcref`: a nullable reference to a function.
    Func,
    /// `externref`: a nullable reference to a host value.
    Extern,
}

impl WasmValType {
    /// `funcref`.
    pub const FUNCREF: Self = Self::Ref(WasmRefType::Func);
    /// `externref`.
    pub const EXTERNREF: Self = Self::Ref(WasmRefType::Extern);
}

impl fmt::Display for WasmValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::V128 => "v128",
            Self::Ref(WasmRefType::Func) => "funcref",
            Self::Ref(WasmRefType::Extern) => "externref",
        })
    }
}

/// A function type.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, Default)]
pub struct WasmFuncType {
    /// Parameter types, in order.
    pub params: Box<[WasmValType]>,
    /// Result types, in order.
    pub results: Box<[WasmValType]>,
}

impl fmt::Display for WasmFuncType {
    /// As the text format writes it: `(func)`, `(func (param i32 i64))`,
    /// `(func (param f32) (result i32))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |f: &mut fmt::Formatter<'_>, keyword: &str, tys: &[WasmValType]| -> fmt::Result {
            if tys.is_empty() {
                return Ok(());
            }
            write!(f, " ({keyword}")?;
            for t in tys {
                write!(f, " {t}")?;
            }
            f.write_str(")")
        };
        f.write_str("(func")?;
        group(f, "param", &self.params)?;
        group(f, "result", &self.results)?;
        f.write_str(")")
    }
}

/// Limits of a memory or table, in pages or elements.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Limits {
    /// The initial size.
    pub min: u64,
    /// The largest size it may grow to, if any.
    pub max: Option<u64>,
}

/// A linear memory's type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct MemoryType {
    /// Size limits in 64 KiB pages.
    pub limits: Limits,
}

/// A table's type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TableType {
    /// The element type.
    pub element: WasmRefType,
    /// Size limits in elements.
    pub limits: Limits,
}

/// A global's type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct GlobalType {
    /// The value type.
    pub content: WasmValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// The size of a WebAssembly page.
pub const WASM_PAGE_SIZE: u64 = 0x1_0000;
/// The largest number of pages a 32-bit memory can have.
pub const WASM32_MAX_PAGES: u64 = 0x1_0000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn func_types_print_as_in_the_text_format() {
        let ty = |params: &[WasmValType], results: &[WasmValType]| WasmFuncType {
            params: params.into(),
            results: results.into(),
        };
        assert_eq!(ty(&[], &[]).to_string(), "(func)");
        assert_eq!(ty(&[WasmValType::I32, WasmValType::I64], &[]).to_string(), "(func (param i32 i64))");
        assert_eq!(ty(&[], &[WasmValType::F64]).to_string(), "(func (result f64))");
        assert_eq!(ty(&[WasmValType::F32], &[WasmValType::I32]).to_string(), "(func (param f32) (result i32))");
    }
}
