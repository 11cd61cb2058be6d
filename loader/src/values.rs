//! `Val`, host references (`ExternRef`), and the conversion of values to and
//! from the raw 16-byte slots of the array calling convention.

use crate::func::Func;
use crate::store::{AsContextMut, StoreOpaque};
use crate::types::ValType;
use crate::v128::V128;
use anyhow::{Result, bail};
use std::any::Any;

/// A WebAssembly value.
#[derive(Clone, Copy, Debug)]
pub enum Val {
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32`, as its bits.
    F32(u32),
    /// `f64`, as its bits.
    F64(u64),
    /// `v128`
    V128(V128),
    /// `funcref`
    FuncRef(Option<Func>),
    /// `externref`
    ExternRef(Option<ExternRef>),
}

macro_rules! accessors {
    ($($get:ident $unwrap:ident $variant:ident $ty:ty,)*) => {$(
        /// The value, if it has this type.
        pub fn $get(&self) -> Option<$ty> {
            match self {
                Val::$variant(v) => Some(*v),
                _ => None,
            }
        }
        /// The value; panics if it has another type.
        pub fn $unwrap(&self) -> $ty {
            self.$get().expect(concat!("expected ", stringify!($variant)))
        }
    )*};
}

impl Val {
    accessors! {
        i32 unwrap_i32 I32 i32,
        i64 unwrap_i64 I64 i64,
        v128 unwrap_v128 V128 V128,
    }

    /// The `f32` value.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(b) => Some(f32::from_bits(*b)),
            _ => None,
        }
    }

    /// The `f64` value.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(b) => Some(f64::from_bits(*b)),
            _ => None,
        }
    }

    /// The `f32` value; panics if it has another type.
    pub fn unwrap_f32(&self) -> f32 {
        self.f32().expect("expected F32")
    }

    /// The `f64` value; panics if it has another type.
    pub fn unwrap_f64(&self) -> f64 {
        self.f64().expect("expected F64")
    }

    /// The null function reference.
    pub const fn null_func_ref() -> Val {
        Val::FuncRef(None)
    }

    /// The null external reference.
    pub const fn null_extern_ref() -> Val {
        Val::ExternRef(None)
    }

    /// The function reference (`Some(None)` for null), or `None` when the
    /// value is not a `funcref`.
    pub fn funcref(&self) -> Option<Option<&Func>> {
        match self {
            Val::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The function reference (`None` for null); panics if the value is
    /// not a `funcref`.
    pub fn unwrap_funcref(&self) -> Option<&Func> {
        self.funcref().expect("expected funcref")
    }

    /// The external reference (`Some(None)` for null), or `None` when the
    /// value is not an `externref`.
    pub fn externref(&self) -> Option<Option<&ExternRef>> {
        match self {
            Val::ExternRef(r) => Some(r.as_ref()),
            _ => None,
        }
    }

    /// The external reference (`None` for null); panics if the value is
    /// not an `externref`.
    pub fn unwrap_externref(&self) -> Option<&ExternRef> {
        self.externref().expect("expected externref")
    }

    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The null (or zero) value of a type.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(V128::from(0)),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    pub(crate) fn to_raw(self, store: &mut StoreOpaque) -> Result<u128> {
        Ok(match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v.as_u128(),
            Val::FuncRef(f) => f.map_or(Ok(0), |f| f.to_raw(store))? as u128,
            Val::ExternRef(r) => r.map_or(0, |r| r.to_raw(store)) as u128,
        })
    }

    pub(crate) fn from_raw(store: &mut StoreOpaque, raw: u128, ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(V128::from(raw)),
            ValType::FuncRef => Val::FuncRef(Func::from_raw(store, raw as usize)),
            ValType::ExternRef => Val::ExternRef(ExternRef::from_raw(store, raw as usize)),
        }
    }

    /// Checks that the value has type `ty` and belongs to `store`.
    pub(crate) fn check(&self, store: &StoreOpaque, ty: ValType) -> Result<()> {
        if self.ty() != ty {
            bail!("type mismatch: expected {ty}, found {}", self.ty());
        }
        match self {
            Val::FuncRef(Some(f)) => store.check(f.store),
            Val::ExternRef(Some(r)) => store.check(r.store),
            _ => {}
        }
        Ok(())
    }
}

macro_rules! from_val {
    ($($t:ty => $variant:ident $conv:expr,)*) => {$(
        impl From<$t> for Val {
            fn from(v: $t) -> Val {
                Val::$variant($conv(v))
            }
        }
    )*};
}

from_val! {
    i32 => I32 (|v| v),
    i64 => I64 (|v| v),
    f32 => F32 (f32::to_bits),
    f64 => F64 (f64::to_bits),
    u128 => V128 V128::from,
    V128 => V128 (|v| v),
    Func => FuncRef Some,
    Option<Func> => FuncRef (|v| v),
    ExternRef => ExternRef Some,
    Option<ExternRef> => ExternRef (|v| v),
}

/// A reference to a host value, passed through wasm as `externref`. It
/// lives as long as its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl ExternRef {
    /// Wraps `value` in a new reference owned by `store`.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Result<ExternRef> {
        let s = &mut store.as_context_mut().0.opaque;
        s.externrefs.push(Box::new(value));
        Ok(ExternRef { store: s.id, index: s.externrefs.len() - 1 })
    }

    /// The wrapped value. Always `Some`: the `Option` is wasmtime's spelling,
    /// whose `externref`s made from GC references carry no host value
    /// (kiln has no GC).
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let s = &store.into().0.opaque;
        s.check(self.store);
        Ok(Some(&*s.externrefs[self.index]))
    }

    pub(crate) fn to_raw(self, store: &StoreOpaque) -> usize {
        store.check(self.store);
        self.index + 1
    }

    pub(crate) fn from_raw(store: &StoreOpaque, raw: usize) -> Option<ExternRef> {
        let index = raw.checked_sub(1)?;
        (index < store.externrefs.len()).then_some(ExternRef { store: store.id, index })
    }
}
