//! `Store<T>`: owns every instance, memory, table, global, host function
//! and host reference created in it, plus the embedder's data `T`.
//!
//! Handles (`Func`, `Memory`, ...) are plain indices tagged with the store's
//! id, like wasmtime's; using one with another store panics, as there.
//! Everything is freed when the store is dropped.

use crate::engine::Engine;
use crate::func::HostFuncContext;
use crate::module::Module;
use crate::types::{FuncType, GlobalType};
use kiln_runtime_support::index::VMSharedTypeId;
use kiln_runtime_support::vm::instance::Instance as VmInstance;
use kiln_runtime_support::vm::memory::LinearMemory;
use kiln_runtime_support::vm::owned::OwnedPtr;
use kiln_runtime_support::vm::table::Table as VmTable;
use kiln_runtime_support::vmoffsets::{VMFuncRef, VMGlobalDefinition, VMStoreContext};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct InstanceData {
    pub(crate) handle: OwnedPtr<VmInstance>,
    pub(crate) module: Module,
    /// Store index of each memory, by the module's `MemoryIndex`.
    pub(crate) memories: Vec<usize>,
    /// Store index of each table, by `TableIndex`.
    pub(crate) tables: Vec<usize>,
    /// Store index of each global, by `GlobalIndex`.
    pub(crate) globals: Vec<usize>,
    /// What the instance's imports need kept alive (an `InstancePre`'s
    /// shared host functions).
    pub(crate) _keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

pub(crate) enum FuncKind {
    Wasm,
    Host(OwnedPtr<HostFuncContext>),
    /// A linker's function shared across stores (kept alive by the
    /// instance that imports it).
    SharedHost(*const HostFuncContext),
}

pub(crate) struct FuncData {
    pub(crate) func_ref: *const VMFuncRef,
    pub(crate) ty: FuncType,
    pub(crate) kind: FuncKind,
}

pub(crate) struct GlobalData {
    pub(crate) ty: GlobalType,
    pub(crate) def: *mut VMGlobalDefinition,
    pub(crate) _owned: Option<OwnedPtr<VMGlobalDefinition>>,
}

/// The part of a store that does not depend on `T`.
pub struct StoreOpaque {
    pub(crate) id: u64,
    pub(crate) engine: Engine,
    // Field order is drop order: instances before what they point to.
    pub(crate) instances: Vec<InstanceData>,
    pub(crate) funcs: Vec<FuncData>,
    // On the heap through raw pointers (`OwnedPtr`): VMContexts point at
    // these, so they must neither move when the vectors grow nor be
    // retagged as uniquely borrowed when the handles move.
    pub(crate) memories: Vec<OwnedPtr<LinearMemory>>,
    pub(crate) tables: Vec<OwnedPtr<VmTable>>,
    pub(crate) globals: Vec<GlobalData>,
    pub(crate) externrefs: Vec<Box<dyn Any + Send + Sync>>,
    pub(crate) func_by_ref: HashMap<usize, usize>,
    pub(crate) global_by_def: HashMap<usize, usize>,
    pub(crate) modules: Vec<Module>,
    pub(crate) vm_store_context: OwnedPtr<VMStoreContext>,
    /// What an epoch callback raised, for the `Interrupt` trap it caused to
    /// report instead.
    /// (Also what a resource limiter raised, for its
    /// `ResourceLimitExceeded` trap.)
    pub(crate) pending_deadline_error: Option<crate::deadline::PendingError>,
    /// Instances, memories and tables held, against the limiter's counts.
    pub(crate) resource_counts: crate::limiter::ResourceCounts,
}

// SAFETY: the raw pointers all point into objects the store owns; the store
// moves between threads as a whole and is never shared (`&mut` to call).
unsafe impl Send for StoreOpaque {}
// SAFETY: `&StoreOpaque` gives read-only access.
unsafe impl Sync for StoreOpaque {}

impl StoreOpaque {
    fn new(engine: &Engine) -> Self {
        Self {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            engine: engine.clone(),
            instances: Vec::new(),
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            externrefs: Vec::new(),
            func_by_ref: HashMap::new(),
            global_by_def: HashMap::new(),
            modules: Vec::new(),
            vm_store_context: OwnedPtr::new(VMStoreContext { epoch_ptr: engine.epoch_ptr(), ..Default::default() }),
            pending_deadline_error: None,
            resource_counts: Default::default(),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn check(&self, id: u64) {
        assert_eq!(id, self.id, "object used with the wrong store");
    }

    pub(crate) fn store_context_ptr(&mut self) -> *mut VMStoreContext {
        &mut *self.vm_store_context
    }

    /// Remembers a module (for backtraces and host trampolines), once.
    pub(crate) fn register_module(&mut self, module: &Module) {
        if self.modules.iter().any(|m| Module::same(m, module)) {
            return;
        }
        self.modules.push(module.clone());
    }

    /// A wasm-to-host trampoline for functions of engine type `id`, from
    /// one of the modules instantiated in this store (looked up only when
    /// a store's own host function first needs one, so instantiation
    /// records nothing).
    pub(crate) fn host_trampoline(&self, id: VMSharedTypeId) -> Option<*const u8> {
        self.modules.iter().find_map(|m| {
            let sig = m.inner.type_ids.iter().position(|t| *t == id)?;
            m.inner.wasm_to_array(kiln_runtime_support::SignatureIndex::from_u32(sig as u32))
        })
    }
}

/// The state behind a `Store<T>`: the opaque part plus the data.
pub struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) data: T,
    pub(crate) epoch_callback: Option<Box<crate::deadline::EpochCallback<T>>>,
    /// `Store::limiter`'s accessor.
    pub(crate) limiter: Option<Box<crate::limiter::LimiterAccessor<T>>>,
}

impl<T> std::ops::Deref for StoreInner<T> {
    type Target = StoreOpaque;
    fn deref(&self) -> &StoreOpaque {
        &self.opaque
    }
}

impl<T> std::ops::DerefMut for StoreInner<T> {
    fn deref_mut(&mut self) -> &mut StoreOpaque {
        &mut self.opaque
    }
}

/// A collection of WebAssembly instances and host state.
pub struct Store<T> {
    pub(crate) inner: OwnedPtr<StoreInner<T>>,
}

impl<T> Store<T> {
    /// A new store for `engine` holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        let mut inner =
            OwnedPtr::new(StoreInner { opaque: StoreOpaque::new(engine), data, epoch_callback: None, limiter: None });
        inner.opaque.vm_store_context.epoch_hook = Some(crate::deadline::epoch_hook::<T>);
        Self { inner }
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its data.
    pub fn into_data(self) -> T {
        self.inner.into_inner().data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
}

impl<T: Default> Default for Store<T> {
    fn default() -> Self {
        Self::new(&Engine::default(), T::default())
    }
}

/// A shared borrow of a store, as the API's accessors take it.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }
}

/// Anything that can lend a store for reading: `&Store<T>`, `&mut Store<T>`,
/// `Caller<'_, T>`, the contexts.
pub trait AsContext {
    /// The store's data type.
    type Data: 'static;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that can lend a store for writing.
pub trait AsContextMut: AsContext {
    /// Borrows the store mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T: 'static> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T: 'static> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T: 'static> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T: 'static> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T: 'static> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<'a, T: AsContext> From<&'a T> for StoreContext<'a, T::Data> {
    fn from(t: &'a T) -> Self {
        StoreContext(t.as_context().0)
    }
}

impl<'a, T: AsContextMut> From<&'a mut T> for StoreContext<'a, T::Data> {
    fn from(t: &'a mut T) -> Self {
        StoreContext(t.as_context_mut().0)
    }
}

impl<'a, T: AsContextMut> From<&'a mut T> for StoreContextMut<'a, T::Data> {
    fn from(t: &'a mut T) -> Self {
        StoreContextMut(t.as_context_mut().0)
    }
}
