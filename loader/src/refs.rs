//! `Ref` and `RefType`: reference values and their types, as tables hold
//! them, with wasmtime's spellings. kiln has the two reference types of
//! WebAssembly 2.0, both nullable: `funcref` and `externref` (no GC types).

use crate::func::Func;
use crate::types::ValType;
use crate::values::{ExternRef, Val};
use kiln_runtime_support::types as rt;
use std::fmt;

/// A reference: what a table element holds.
#[derive(Clone, Copy, Debug)]
pub enum Ref {
    /// A function reference, or null.
    Func(Option<Func>),
    /// A host reference, or null.
    Extern(Option<ExternRef>),
}

impl Ref {
    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Ref::Func(None) | Ref::Extern(None))
    }

    /// Whether it is not null.
    pub fn is_non_null(&self) -> bool {
        !self.is_null()
    }

    /// Whether it is a function reference (null or not).
    pub fn is_func(&self) -> bool {
        matches!(self, Ref::Func(_))
    }

    /// Whether it is a host reference (null or not).
    pub fn is_extern(&self) -> bool {
        matches!(self, Ref::Extern(_))
    }

    /// The function (`Some(None)` for null), or `None` for a host reference.
    pub fn as_func(&self) -> Option<Option<&Func>> {
        match self {
            Ref::Func(f) => Some(f.as_ref()),
            Ref::Extern(_) => None,
        }
    }

    /// The function (`None` for null); panics on a host reference.
    pub fn unwrap_func(&self) -> Option<&Func> {
        self.as_func().expect("expected a function reference")
    }

    /// The host reference (`Some(None)` for null), or `None` for a function.
    pub fn as_extern(&self) -> Option<Option<&ExternRef>> {
        match self {
            Ref::Extern(r) => Some(r.as_ref()),
            Ref::Func(_) => None,
        }
    }

    /// The host reference (`None` for null); panics on a function.
    pub fn unwrap_extern(&self) -> Option<&ExternRef> {
        self.as_extern().expect("expected a host reference")
    }

    /// Its type.
    pub fn ty(&self) -> RefType {
        match self {
            Ref::Func(_) => RefType::FUNCREF,
            Ref::Extern(_) => RefType::EXTERNREF,
        }
    }

    /// The null reference of type `ty`.
    pub fn null(ty: &RefType) -> Ref {
        match ty.0 {
            rt::WasmRefType::Func => Ref::Func(None),
            rt::WasmRefType::Extern => Ref::Extern(None),
        }
    }

    /// The reference in `val`, or `None` for a number or vector.
    pub(crate) fn from_val(val: Val) -> Option<Ref> {
        match val {
            Val::FuncRef(f) => Some(Ref::Func(f)),
            Val::ExternRef(r) => Some(Ref::Extern(r)),
            _ => None,
        }
    }
}

impl From<Ref> for Val {
    fn from(r: Ref) -> Val {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
        }
    }
}

impl From<Func> for Ref {
    fn from(f: Func) -> Ref {
        Ref::Func(Some(f))
    }
}

impl From<Option<Func>> for Ref {
    fn from(f: Option<Func>) -> Ref {
        Ref::Func(f)
    }
}

impl From<ExternRef> for Ref {
    fn from(r: ExternRef) -> Ref {
        Ref::Extern(Some(r))
    }
}

impl From<Option<ExternRef>> for Ref {
    fn from(r: Option<ExternRef>) -> Ref {
        Ref::Extern(r)
    }
}

/// A reference type: `funcref` or `externref` (nullable, as in
/// WebAssembly 2.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType(pub(crate) rt::WasmRefType);

impl RefType {
    /// `funcref`: a nullable reference to any function.
    pub const FUNCREF: RefType = RefType(rt::WasmRefType::Func);
    /// `externref`: a nullable host reference.
    pub const EXTERNREF: RefType = RefType(rt::WasmRefType::Extern);

    /// Whether it admits null: always, in WebAssembly 2.0.
    pub fn is_nullable(&self) -> bool {
        true
    }

    /// The value type of this reference type.
    pub fn to_val_type(self) -> ValType {
        match self.0 {
            rt::WasmRefType::Func => ValType::FuncRef,
            rt::WasmRefType::Extern => ValType::ExternRef,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            rt::WasmRefType::Func => "funcref",
            rt::WasmRefType::Extern => "externref",
        })
    }
}

impl From<RefType> for ValType {
    fn from(r: RefType) -> ValType {
        r.to_val_type()
    }
}
