//! Statically typed calls: `TypedFunc<Params, Results>`, and the traits
//! that map Rust types to wasm value types (`WasmTy`), lists of them
//! (`WasmTyList`: `()`, a single type, or a tuple), and host function
//! return types (`WasmRet`: a list, or a `Result` of one).

use crate::func::Func;
use crate::store::{AsContextMut, StoreOpaque};
use crate::types::ValType;
use crate::v128::V128;
use crate::values::ExternRef;
use anyhow::Result;
use std::marker::PhantomData;

/// A Rust type that is a wasm value type.
pub trait WasmTy: Send + Sized + 'static {
    /// Its wasm type.
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn to_raw(self, store: &mut StoreOpaque) -> Result<u128>;
    #[doc(hidden)]
    fn from_raw(store: &mut StoreOpaque, raw: u128) -> Self;
}

macro_rules! num_ty {
    ($($t:ty => $vt:ident, $to:expr, $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn to_raw(self, _: &mut StoreOpaque) -> Result<u128> {
                Ok($to(self))
            }
            fn from_raw(_: &mut StoreOpaque, raw: u128) -> Self {
                $from(raw)
            }
        }
    )*};
}

num_ty! {
    i32 => I32, |v: i32| v as u32 as u128, |r: u128| r as u32 as i32;
    u32 => I32, |v: u32| v as u128, |r: u128| r as u32;
    i64 => I64, |v: i64| v as u64 as u128, |r: u128| r as u64 as i64;
    u64 => I64, |v: u64| v as u128, |r: u128| r as u64;
    f32 => F32, |v: f32| v.to_bits() as u128, |r: u128| f32::from_bits(r as u32);
    f64 => F64, |v: f64| v.to_bits() as u128, |r: u128| f64::from_bits(r as u64);
    V128 => V128, |v: V128| v.as_u128(), V128::from;
}

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FuncRef
    }
    fn to_raw(self, store: &mut StoreOpaque) -> Result<u128> {
        Ok(self.map_or(Ok(0), |f| f.to_raw(store))? as u128)
    }
    fn from_raw(store: &mut StoreOpaque, raw: u128) -> Self {
        Func::from_raw(store, raw as usize)
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::ExternRef
    }
    fn to_raw(self, store: &mut StoreOpaque) -> Result<u128> {
        Ok(self.map_or(0, |r| r.to_raw(store)) as u128)
    }
    fn from_raw(store: &mut StoreOpaque, raw: u128) -> Self {
        ExternRef::from_raw(store, raw as usize)
    }
}

/// A list of wasm values: `()`, one `WasmTy`, or a tuple of them.
pub trait WasmTyList: Send + Sized + 'static {
    /// The types, in order.
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_raw(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()>;
    #[doc(hidden)]
    fn load_raw(store: &mut StoreOpaque, raw: &[u128]) -> Self;
}

impl<A: WasmTy> WasmTyList for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn store_raw(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()> {
        raw[0] = self.to_raw(store)?;
        Ok(())
    }
    fn load_raw(store: &mut StoreOpaque, raw: &[u128]) -> Self {
        A::from_raw(store, raw[0])
    }
}

macro_rules! tuple_list {
    ($($a:ident $i:tt)*) => {
        #[allow(non_snake_case, unused_variables, clippy::unused_unit)]
        impl<$($a: WasmTy),*> WasmTyList for ($($a,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($a::valtype()),*]
            }
            fn store_raw(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()> {
                $(raw[$i] = self.$i.to_raw(store)?;)*
                Ok(())
            }
            fn load_raw(store: &mut StoreOpaque, raw: &[u128]) -> Self {
                ($($a::from_raw(store, raw[$i]),)*)
            }
        }
    };
}

tuple_list!();
tuple_list!(A0 0);
tuple_list!(A0 0 A1 1);
tuple_list!(A0 0 A1 1 A2 2);
tuple_list!(A0 0 A1 1 A2 2 A3 3);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10 A11 11);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10 A11 11 A12 12);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10 A11 11 A12 12 A13 13);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10 A11 11 A12 12 A13 13 A14 14);
tuple_list!(A0 0 A1 1 A2 2 A3 3 A4 4 A5 5 A6 6 A7 7 A8 8 A9 9 A10 10 A11 11 A12 12 A13 13 A14 14 A15 15);

/// What a host closure may return: a list of values, or a `Result` of one.
pub trait WasmRet: Send + 'static {
    #[doc(hidden)]
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_results(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()>;
}

impl<L: WasmTyList> WasmRet for L {
    fn valtypes() -> Vec<ValType> {
        L::valtypes()
    }
    fn store_results(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()> {
        self.store_raw(store, raw)
    }
}

impl<L: WasmTyList> WasmRet for Result<L> {
    fn valtypes() -> Vec<ValType> {
        L::valtypes()
    }
    fn store_results(self, store: &mut StoreOpaque, raw: &mut [u128]) -> Result<()> {
        self?.store_raw(store, raw)
    }
}

/// A function whose type was checked once, so calls need no checks.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<Params: WasmTyList, Results: WasmTyList> TypedFunc<Params, Results> {
    pub(crate) fn new(func: Func) -> Self {
        Self { func, _marker: PhantomData }
    }

    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let mut ctx = store.as_context_mut();
        let n = Params::valtypes().len().max(Results::valtypes().len()).max(1);
        let mut raw = [0u128; 16];
        let mut heap;
        let slots: &mut [u128] = if n <= raw.len() {
            &mut raw[..n]
        } else {
            heap = vec![0u128; n];
            &mut heap
        };
        ctx.0.opaque.check(self.func.store);
        params.store_raw(&mut ctx.0.opaque, slots)?;
        self.func.call_raw(&mut ctx, slots)?;
        Ok(Results::load_raw(&mut ctx.0.opaque, slots))
    }
}
