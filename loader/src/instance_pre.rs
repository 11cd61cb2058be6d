//! `InstancePre<T>`: a module with its imports resolved by a linker and
//! type-checked once, ready to be instantiated in any number of stores.
//!
//! A per-request instantiation looks nothing up by name and checks no
//! type. The linker's host functions are shared by every store (one
//! context each, made when they were defined), so when every import is
//! one of them, the VMContext's imported `VMFuncRef`s are copied from one
//! precomputed array and nothing is allocated for them. Items defined in
//! a particular store (`Linker::define`) are resolved to that store's
//! pointers at each instantiation, without checking their types again,
//! except memories and tables, which may have grown into the size an
//! import asks for since they were defined.

use crate::func::SharedHostFunc;
use crate::instance::{Instance, Resolved, instantiate_resolved, resolve_import};
use crate::module::Module;
use crate::store::{AsContextMut, StoreInner, StoreOpaque};
use crate::{Engine, Extern};
use anyhow::{Result, bail};
use kiln_runtime_support::vmoffsets::VMFuncRef;
use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

/// One import, resolved.
pub(crate) enum PreItem<T> {
    /// A linker's host function and its `VMFuncRef` for this module.
    HostFunc(Arc<SharedHostFunc<T>>),
    /// An item of a store.
    Extern(Extern),
}

/// What every instantiation of an `InstancePre` shares.
pub(crate) struct PreImports<T> {
    items: Vec<PreItem<T>>,
    /// The imported functions' `VMFuncRef`s, in import order, when every
    /// import is a linker host function (`None` otherwise).
    host_funcs: Option<Vec<VMFuncRef>>,
    /// The `VMFuncRef` of each `HostFunc` item, by item.
    func_refs: Vec<Option<VMFuncRef>>,
}

// SAFETY: the `VMFuncRef`s hold code addresses and the addresses of the
// shared host-function contexts this value keeps alive; nothing is mutated
// after construction.
unsafe impl<T> Send for PreImports<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for PreImports<T> {}

/// A module whose imports are resolved and type-checked, to instantiate
/// many times.
pub struct InstancePre<T> {
    module: Module,
    pre: Arc<PreImports<T>>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        Self { module: self.module.clone(), pre: self.pre.clone() }
    }
}

impl<T: 'static> InstancePre<T> {
    /// Builds it from resolved items, one per import in order; the caller
    /// checked their types. Fails only on a kiln bug (a function import
    /// without a trampoline).
    pub(crate) fn new(module: &Module, items: Vec<PreItem<T>>) -> Result<Self> {
        let info = module.info();
        let mut func_refs = Vec::with_capacity(items.len());
        for (import, item) in info.imports.iter().zip(&items) {
            func_refs.push(match item {
                PreItem::HostFunc(h) => {
                    let trampoline = match import.index {
                        kiln_runtime_support::index::EntityIndex::Function(fi) => {
                            info.functions.get(fi).and_then(|f| module.inner.wasm_to_array(f.signature))
                        }
                        _ => None,
                    };
                    let Some(trampoline) = trampoline else {
                        kiln_runtime_support::bail_bug!(
                            "function import `{}::{}` has no trampoline",
                            import.module,
                            import.name
                        );
                    };
                    Some(h.func_ref(trampoline))
                }
                PreItem::Extern(_) => None,
            });
        }
        let host_funcs = func_refs.iter().copied().collect::<Option<Vec<_>>>();
        Ok(Self { module: module.clone(), pre: Arc::new(PreImports { items, host_funcs, func_refs }) })
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store`, which must belong to the
    /// module's engine.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let ctx = store.as_context_mut();
        if !Engine::same(&ctx.0.opaque.engine, self.module.engine()) {
            bail!("cross-engine instantiation is not supported");
        }
        // Counted, and the limiter asked, before anything is allocated.
        ctx.0.admit_instance(&self.module)?;
        let inner: *mut StoreInner<T> = ctx.0;
        let before = ctx.0.opaque.instances.len();
        let result = self.instantiate_admitted(&mut ctx.0.opaque, inner.cast());
        if result.is_err() && ctx.0.opaque.instances.len() == before {
            ctx.0.release_instance(&self.module);
        }
        result
    }

    /// [`InstancePre::instantiate`] once the store has admitted the
    /// instance; `inner` is the store's `StoreInner<T>`.
    fn instantiate_admitted(&self, s: &mut StoreOpaque, inner: *mut u8) -> Result<Instance> {
        let resolved = match &self.pre.host_funcs {
            Some(funcs) => Resolved { funcs: Cow::Borrowed(funcs), ..Default::default() },
            None => {
                let mut r = Resolved::default();
                let imports = &self.module.info().imports;
                for ((import, item), func_ref) in imports.iter().zip(&self.pre.items).zip(&self.pre.func_refs) {
                    match (item, func_ref) {
                        (PreItem::Extern(e), _) => {
                            // Memories and tables may have grown since
                            // they were defined: their sizes are checked now.
                            let check = matches!(e, Extern::Memory(_) | Extern::Table(_));
                            resolve_import(s, &self.module, import, e, &mut r, check)?
                        }
                        (PreItem::HostFunc(_), Some(f)) => r.funcs.to_mut().push(*f),
                        (PreItem::HostFunc(_), None) => {
                            kiln_runtime_support::bail_bug!("host function import without a VMFuncRef")
                        }
                    }
                }
                r
            }
        };
        let keep_alive: Arc<dyn Any + Send + Sync> = self.pre.clone();
        instantiate_resolved(s, inner, &self.module, resolved, Some(keep_alive))
    }
}
