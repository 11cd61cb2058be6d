//! `Func`: a function in a store, defined in wasm or by the host; `Caller`,
//! the host function's view of the store; and the host-call machinery.
//!
//! Host functions are reached from wasm through the module's wasm-to-array
//! trampoline, which calls [`host_array_call`] with the arguments in a
//! buffer of 16-byte slots. That function runs the closure inside
//! `catch_unwind`, and turns an error or panic into an unwind to the
//! nearest host-to-wasm entry, after dropping everything it holds.

use crate::store::{
    AsContext, AsContextMut, FuncData, FuncKind, StoreContext, StoreContextMut, StoreInner, StoreOpaque,
};
use crate::typed::{TypedFunc, WasmRet, WasmTy, WasmTyList};
use crate::types::FuncType;
use crate::values::Val;
use crate::{Extern, Instance};
use anyhow::{Result, bail};
use kiln_runtime_support::traphandlers::{self, UnwindReason};
use kiln_runtime_support::vm::instance::Instance as VmInstance;
use kiln_runtime_support::vm::owned::OwnedPtr;
use kiln_runtime_support::vmoffsets::{
    HostPtr, PtrSize, VM_HOST_FUNC_MAGIC, VMArrayCallFn, VMCONTEXT_MAGIC, VMFuncRef, VMHostFuncContext,
};
use kiln_runtime_support::{bail_bug, kiln_bug};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

/// A host function's body, in raw form: it reads its arguments from the
/// slots and writes its results back into them.
pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static;

/// What a host function's `VMFuncRef::vmctx` points to.
#[repr(C)]
pub(crate) struct HostFuncContext {
    vm: VMHostFuncContext,
    pub(crate) func_ref: VMFuncRef,
    /// The `StoreInner<T>` the function belongs to, or null for a linker's
    /// function shared by every store, which takes the calling instance's.
    store: *mut u8,
    /// A shared function's type (a store's own keeps it in `FuncData`).
    shared_ty: Option<FuncType>,
    /// How many values the function reads and writes: the most of its
    /// parameter and result counts.
    arity: usize,
    func: Box<dyn Any + Send + Sync>,
}

/// A linker's host function, one context shared by every store it is
/// instantiated in: its `store` is null, so a call from wasm takes the
/// calling instance's store. Instances importing it keep it alive.
pub(crate) struct SharedHostFunc<T> {
    ctx: OwnedPtr<HostFuncContext>,
    pub(crate) ty: FuncType,
    pub(crate) host: Arc<HostFn<T>>,
}

// SAFETY: the context is immutable after construction; its raw pointers
// are code addresses and its own address.
unsafe impl<T> Send for SharedHostFunc<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedHostFunc<T> {}

impl<T: 'static> SharedHostFunc<T> {
    pub(crate) fn new(engine: &crate::Engine, ty: FuncType, host: Arc<HostFn<T>>) -> Self {
        let type_id = engine.register_signature(&ty.wasm);
        let array_call: VMArrayCallFn = host_array_call::<T>;
        let mut ctx = OwnedPtr::new(HostFuncContext {
            arity: ty.params().len().max(ty.results().len()),
            vm: VMHostFuncContext { magic: VM_HOST_FUNC_MAGIC, _pad: 0, array_call },
            func_ref: VMFuncRef {
                wasm_call: std::ptr::null(),
                array_call: array_call as *const u8,
                vmctx: std::ptr::null_mut(),
                type_id,
                _pad: 0,
            },
            store: std::ptr::null_mut(),
            shared_ty: Some(ty.clone()),
            func: Box::new(host.clone()),
        });
        ctx.func_ref.vmctx = ctx.as_ptr().cast();
        Self { ctx, ty, host }
    }

    /// Its `VMFuncRef`, called from wasm through `wasm_call` (a module's
    /// wasm-to-array trampoline of the function's signature).
    pub(crate) fn func_ref(&self, wasm_call: *const u8) -> VMFuncRef {
        VMFuncRef { wasm_call, ..self.ctx.func_ref }
    }
}

/// A function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

/// The host's view of the store during a call from wasm.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    pub(crate) instance: Option<usize>,
}

impl<T: 'static> Caller<'_, T> {
    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// The engine.
    pub fn engine(&self) -> &crate::Engine {
        &self.store.engine
    }

    /// An export of the calling instance (typically its `memory`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let index = self.instance?;
        let id = self.store.id;
        Instance { store: id, index }.get_export(&mut *self, name)
    }
}

impl<T: 'static> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T: 'static> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

/// The array-convention entry of every host function of store type `T`.
///
/// # Safety
/// Called only by compiled trampolines (or `invoke_wasm`), with
/// `callee_vmctx` a `HostFuncContext` created for a `Store<T>`, and
/// `caller_vmctx` the calling instance's VMContext in that store or, when
/// the host calls directly, the callee context itself.
unsafe extern "C" fn host_array_call<T: 'static>(
    callee_vmctx: *mut u8,
    caller_vmctx: *mut u8,
    values: *mut u128,
    len: usize,
) {
    // SAFETY: per the contract above.
    let (ctx, store_ptr, instance, values) = unsafe {
        let ctx = &*(callee_vmctx as *const HostFuncContext);
        let caller = (*(caller_vmctx as *const u32) == VMCONTEXT_MAGIC).then(|| VmInstance::from_vmctx(caller_vmctx));
        let store_ptr = match (&caller, ctx.store.is_null()) {
            (_, false) => ctx.store,
            (Some(caller), true) => caller.store(),
            (None, true) => std::ptr::null_mut(),
        };
        (
            ctx,
            store_ptr as *mut StoreInner<T>,
            caller.map(|c| c.host_index),
            std::slice::from_raw_parts_mut(values, len),
        )
    };
    if store_ptr.is_null() {
        // A shared function entered from the host through its array entry:
        // the host calls shared functions directly (`Func::call_raw`), so
        // only a kiln bug gets here, and with no store there is no frame
        // to unwind to. Leave the results zeroed.
        values.fill(0);
        return;
    }
    // SAFETY: the function's own store, or its wasm caller's: either way
    // the live store this call runs in.
    let store = unsafe { &mut *store_ptr };
    let store_ctx: *mut _ = store.store_context_ptr();
    // A caller that passes fewer values than the function's type needs was
    // compiled for another type: only a kiln bug, or an artifact whose
    // metadata lies about its signatures, gets here.
    let checked = match ctx.func.downcast_ref::<Arc<HostFn<T>>>() {
        Some(func) if ctx.vm.magic == VM_HOST_FUNC_MAGIC && values.len() >= ctx.arity => Ok(func),
        Some(_) => Err(kiln_bug!("host function of {} values called with {}", ctx.arity, values.len())),
        None => Err(kiln_bug!("host function called through a store of another type")),
    };
    let outcome = match checked {
        Ok(func) => panic::catch_unwind(AssertUnwindSafe(|| func(Caller { store, instance }, values))),
        Err(bug) => Ok(Err(anyhow::Error::new(bug))),
    };
    let reason = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(error)) => UnwindReason::HostError {
            error: Box::new(error),
            // SAFETY: we are in a host call from wasm with this store context.
            backtrace: unsafe { traphandlers::capture_host_call_backtrace(store_ctx) },
        },
        Err(panic) => UnwindReason::Panic(panic),
    };
    // SAFETY: nothing with a destructor is live in this frame any more, and
    // the frames between here and the entry are wasm frames.
    unsafe { traphandlers::raise(reason) }
}

impl Func {
    /// Defines a host function with a dynamic signature.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let host = dynamic_host_fn(ty.clone(), func);
        Func::from_host(store.as_context_mut().0, ty, host)
    }

    /// Defines a host function from a closure whose parameters and results
    /// are wasm types, optionally taking a leading `Caller`.
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, host) = func.into_func();
        Func::from_host(store.as_context_mut().0, ty, host)
    }

    pub(crate) fn from_host<T: 'static>(inner: &mut StoreInner<T>, ty: FuncType, host: Arc<HostFn<T>>) -> Func {
        let store_ptr = (inner as *mut StoreInner<T>).cast::<u8>();
        let store = &mut inner.opaque;
        let type_id = store.engine.register_signature(&ty.wasm);
        let array_call: VMArrayCallFn = host_array_call::<T>;
        let arity = ty.params().len().max(ty.results().len());
        let mut ctx = OwnedPtr::new(HostFuncContext {
            arity,
            vm: VMHostFuncContext { magic: VM_HOST_FUNC_MAGIC, _pad: 0, array_call },
            func_ref: VMFuncRef {
                wasm_call: store.host_trampoline(type_id).unwrap_or(std::ptr::null()),
                array_call: array_call as *const u8,
                vmctx: std::ptr::null_mut(),
                type_id,
                _pad: 0,
            },
            store: store_ptr,
            shared_ty: None,
            func: Box::new(host),
        });
        ctx.func_ref.vmctx = ctx.as_ptr().cast();
        // SAFETY: `ctx` is live; the field pointer stays valid while it is.
        let func_ref: *const VMFuncRef = unsafe { &raw const (*ctx.as_ptr()).func_ref };
        store.funcs.push(FuncData { func_ref, ty, kind: FuncKind::Host(ctx) });
        let index = store.funcs.len() - 1;
        store.func_by_ref.insert(func_ref as usize, index);
        Func { store: store.id, index }
    }

    /// The `Func` for a raw `*const VMFuncRef` (0 is null).
    pub(crate) fn from_raw(store: &mut StoreOpaque, raw: usize) -> Option<Func> {
        if raw == 0 {
            return None;
        }
        if let Some(i) = store.func_by_ref.get(&raw) {
            return Some(Func { store: store.id, index: *i });
        }
        // Anything else must be a `VMFuncRef` slot of one of this store's
        // instances; a value that is not (only compiled code that does not
        // match its metadata produces one) is not dereferenced.
        if !store.instances.iter().any(|i| i.handle.holds_func_ref(raw)) {
            return None;
        }
        // SAFETY: non-null funcref values always point to a live VMFuncRef
        // of this store, whose vmctx is an instance's VMContext or a host
        // function's context; both start with their magic.
        let (type_id, vmctx) = unsafe { ((*(raw as *const VMFuncRef)).type_id, (*(raw as *const VMFuncRef)).vmctx) };
        // SAFETY: as above.
        if unsafe { *(vmctx as *const u32) } == VM_HOST_FUNC_MAGIC {
            // A host function seen through an import slot: the same function.
            // SAFETY: the magic says this is a `HostFuncContext`.
            let own = unsafe { &(*(vmctx as *const HostFuncContext)).func_ref } as *const VMFuncRef as usize;
            if let Some(i) = store.func_by_ref.get(&own) {
                return Some(Func { store: store.id, index: *i });
            }
            // SAFETY: as above.
            let ctx = unsafe { &*(vmctx as *const HostFuncContext) };
            if let Some(ty) = &ctx.shared_ty {
                // A linker's shared function, seen through an import slot.
                store.funcs.push(FuncData {
                    func_ref: raw as *const VMFuncRef,
                    ty: ty.clone(),
                    kind: FuncKind::SharedHost(ctx),
                });
                let index = store.funcs.len() - 1;
                store.func_by_ref.insert(raw, index);
                return Some(Func { store: store.id, index });
            }
        }
        // A wasm function not handed out yet.
        // Every VMFuncRef's type id was registered with this engine.
        let ty = store.engine.signature(type_id)?;
        store.funcs.push(FuncData {
            func_ref: raw as *const VMFuncRef,
            ty: FuncType::from_wasm(ty),
            kind: FuncKind::Wasm,
        });
        let index = store.funcs.len() - 1;
        store.func_by_ref.insert(raw, index);
        Some(Func { store: store.id, index })
    }

    /// The raw `*const VMFuncRef`, making sure a host function can be
    /// called from wasm through a table.
    pub(crate) fn to_raw(self, store: &mut StoreOpaque) -> Result<usize> {
        store.check(self.store);
        let missing = match &store.funcs[self.index].kind {
            FuncKind::Host(ctx) if ctx.func_ref.wasm_call.is_null() => Some(ctx.func_ref.type_id),
            _ => None,
        };
        if let Some(type_id) = missing {
            let trampoline = store.host_trampoline(type_id);
            let data = &mut store.funcs[self.index];
            match (trampoline, &mut data.kind) {
                (Some(t), FuncKind::Host(ctx)) => ctx.func_ref.wasm_call = t,
                _ => bail!(
                    "host function of type {} cannot be passed to wasm before a module with that type is instantiated in this store",
                    data.ty
                ),
            }
        }
        Ok(store.funcs[self.index].func_ref as usize)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let s = &store.as_context().0.opaque;
        s.check(self.store);
        s.funcs[self.index].ty.clone()
    }

    /// Calls the function with `params`, writing `results`.
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let s = &mut ctx.0.opaque;
        s.check(self.store);
        let ty = s.funcs[self.index].ty.clone();
        if params.len() != ty.params().len() {
            bail!("expected {} arguments, got {}", ty.params().len(), params.len());
        }
        if results.len() != ty.results().len() {
            bail!("expected {} results, got {}", ty.results().len(), results.len());
        }
        let mut raw = vec![0u128; HostPtr.array_call_slots(params.len(), results.len())];
        for (i, (p, t)) in params.iter().zip(ty.params()).enumerate() {
            p.check(s, t)?;
            raw[i] = p.to_raw(s)?;
        }
        self.call_raw(&mut ctx, &mut raw)?;
        let s = &mut ctx.0.opaque;
        for (i, t) in ty.results().enumerate() {
            results[i] = Val::from_raw(s, raw[i], t);
        }
        Ok(())
    }

    /// Calls with raw slots (arguments in, results out).
    pub(crate) fn call_raw<T: 'static>(&self, store: &mut StoreContextMut<'_, T>, raw: &mut [u128]) -> Result<()> {
        let inner: &mut StoreInner<T> = store.0;
        let data = &inner.opaque.funcs[self.index];
        let host_ctx: Option<&HostFuncContext> = match &data.kind {
            FuncKind::Host(ctx) => Some(ctx),
            // SAFETY: the instance importing it keeps a shared function alive.
            FuncKind::SharedHost(ctx) => Some(unsafe { &**ctx }),
            FuncKind::Wasm => None,
        };
        if let Some(ctx) = host_ctx {
            let Some(func) = ctx.func.downcast_ref::<Arc<HostFn<T>>>().cloned() else {
                bail_bug!("host function of a store of another type");
            };
            return func(Caller { store: inner, instance: None }, raw);
        }
        let func_ref = data.func_ref;
        invoke_wasm(&mut inner.opaque, func_ref, raw)
    }

    /// A typed view of the function; fails if the types do not match.
    pub fn typed<Params: WasmTyList, Results: WasmTyList>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let ty = self.ty(&store);
        let expected = FuncType::from_types(Params::valtypes(), Results::valtypes());
        if ty != expected {
            bail!("type mismatch: function has type {ty}, but {expected} was asked for");
        }
        Ok(TypedFunc::new(*self))
    }
}

/// Enters wasm through a `VMFuncRef`'s array entry, catching traps.
pub(crate) fn invoke_wasm(store: &mut StoreOpaque, func_ref: *const VMFuncRef, raw: &mut [u128]) -> Result<()> {
    // SAFETY: `func_ref` is a live wasm function of this store.
    let (array_call, vmctx) = unsafe { ((*func_ref).array_call, (*func_ref).vmctx) };
    // SAFETY: a wasm function's `array_call` is its array-to-wasm trampoline.
    let array_call: VMArrayCallFn = unsafe { std::mem::transmute(array_call) };
    let max_stack = store.engine.config().max_wasm_stack;
    let store_ctx = store.store_context_ptr();
    let (values, len) = (raw.as_mut_ptr(), raw.len());
    // SAFETY: the trampoline gets a valid VMContext and a buffer large
    // enough for the arguments and results; the closure holds nothing
    // with a destructor.
    let result =
        unsafe { traphandlers::catch_traps(store_ctx, max_stack, &mut || array_call(vmctx, vmctx, values, len)) };
    result.map_err(|reason| crate::deadline::unwind_error(store, reason))
}

fn dynamic_host_fn<T: 'static>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> Arc<HostFn<T>> {
    Arc::new(move |caller: Caller<'_, T>, raw: &mut [u128]| {
        let s = &mut caller.store.opaque;
        let params: Vec<Val> = ty.params().enumerate().map(|(i, t)| Val::from_raw(s, raw[i], t)).collect();
        let mut results: Vec<Val> = ty.results().map(Val::default_for).collect();
        func(Caller { store: caller.store, instance: caller.instance }, &params, &mut results)?;
        let s = &mut caller.store.opaque;
        for (i, (r, t)) in results.iter().zip(ty.results()).enumerate() {
            r.check(s, t).map_err(|e| e.context("host function returned a value of the wrong type"))?;
            raw[i] = r.to_raw(s)?;
        }
        Ok(())
    })
}

/// Closures that can become host functions; see [`Func::wrap`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, Arc<HostFn<T>>);
}

macro_rules! impl_into_func {
    ($($a:ident)*) => {
        #[allow(non_snake_case, unused_mut, unused_variables, unused_assignments)]
        impl<T: 'static, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
        {
            fn into_func(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::from_types([$($a::valtype()),*], R::valtypes());
                let f = move |caller: Caller<'_, T>, raw: &mut [u128]| -> Result<()> {
                    let s = &mut caller.store.opaque;
                    let mut i = 0;
                    $(let $a = { let v = $a::from_raw(s, raw[i]); i += 1; v };)*
                    self($($a),*).store_results(s, raw)
                };
                (ty, Arc::new(f))
            }
        }

        #[allow(non_snake_case, unused_mut, unused_variables, unused_assignments)]
        impl<T: 'static, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'static, T>, $($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
        {
            fn into_func(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::from_types([$($a::valtype()),*], R::valtypes());
                let f = move |caller: Caller<'_, T>, raw: &mut [u128]| -> Result<()> {
                    let Caller { store, instance } = caller;
                    let mut i = 0;
                    $(let $a = { let v = $a::from_raw(&mut store.opaque, raw[i]); i += 1; v };)*
                    let r = self(Caller { store: &mut *store, instance }, $($a),*);
                    r.store_results(&mut store.opaque, raw)
                };
                (ty, Arc::new(f))
            }
        }
    };
}

impl_into_func!();
impl_into_func!(A1);
impl_into_func!(A1 A2);
impl_into_func!(A1 A2 A3);
impl_into_func!(A1 A2 A3 A4);
impl_into_func!(A1 A2 A3 A4 A5);
impl_into_func!(A1 A2 A3 A4 A5 A6);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16);
