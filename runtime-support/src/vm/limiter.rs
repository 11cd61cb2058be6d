//! Growth under a resource limiter.
//!
//! [`LinearMemory::grow`](crate::vm::memory::LinearMemory::grow) and
//! [`Table::grow`](crate::vm::table::Table::grow) ask a [`GrowLimiter`]
//! before they grow and tell it when growth failed, in the order wasmtime
//! does. The embedding API implements it over the store's
//! `ResourceLimiter` for host calls; the `memory32_grow` and `table_grow`
//! libcalls use [`HookLimiter`], which forwards to the hook the store put
//! in its context (the runtime does not know the store's type).

use crate::vmoffsets::{HostPtr, PtrSize, VMStoreContext};
pub use kiln_environ::limiter::{LimiterAnswer, LimiterCall, LimiterHook};
use std::convert::Infallible;

/// Decides whether a memory or table may grow.
pub trait GrowLimiter {
    /// What a limiter fails a grow with (it becomes a trap in wasm, an
    /// error on the host).
    type Error;
    /// Whether a memory may grow from `current` to `desired` bytes.
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, Self::Error>;
    /// A memory grow failed for `reason`; `Ok` reports it as refused.
    fn memory_grow_failed(&mut self, reason: &str) -> Result<(), Self::Error>;
    /// Whether a table may grow from `current` to `desired` elements.
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, Self::Error>;
    /// A table grow failed for `reason`; `Ok` reports it as refused.
    fn table_grow_failed(&mut self, reason: &str) -> Result<(), Self::Error>;
}

/// No limiter: everything the types allow is allowed.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLimiter;

impl GrowLimiter for NoLimiter {
    type Error = Infallible;
    fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool, Infallible> {
        Ok(true)
    }
    fn memory_grow_failed(&mut self, _: &str) -> Result<(), Infallible> {
        Ok(())
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool, Infallible> {
        Ok(true)
    }
    fn table_grow_failed(&mut self, _: &str) -> Result<(), Infallible> {
        Ok(())
    }
}

/// The limiter failed the grow with an error, which the store keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrowTrap;

/// The store's limiter, reached through the hook in its context.
#[derive(Clone, Copy, Debug)]
pub struct HookLimiter {
    hook: Option<LimiterHook>,
    store: *mut u8,
}

impl HookLimiter {
    /// The limiter of the store `vmctx` belongs to.
    ///
    /// # Safety
    /// `vmctx` must be a live VMContext whose store context and store
    /// pointers the store filled in, called from wasm that store entered.
    pub unsafe fn from_vmctx(vmctx: *mut u8) -> Self {
        // SAFETY: per the contract, the VMContext header holds the store
        // context pointer, and the store context outlives the call.
        let hook = unsafe {
            let ctx = *(vmctx.add(HostPtr.vmctx_store_context() as usize) as *const *const VMStoreContext);
            (*ctx).limiter_hook
        };
        // SAFETY: as above: the header holds the store pointer.
        let store = unsafe { *(vmctx.add(HostPtr.vmctx_store() as usize) as *const *mut u8) };
        Self { hook, store }
    }

    fn ask(&mut self, call: LimiterCall<'_>) -> Result<bool, GrowTrap> {
        let Some(hook) = self.hook else { return Ok(true) };
        // SAFETY: the store installed this hook for itself, and `store` is
        // that store (`from_vmctx`'s contract).
        match unsafe { hook(self.store, call) } {
            LimiterAnswer::Allow => Ok(true),
            LimiterAnswer::Refuse => Ok(false),
            LimiterAnswer::Trap => Err(GrowTrap),
        }
    }
}

impl GrowLimiter for HookLimiter {
    type Error = GrowTrap;
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, GrowTrap> {
        self.ask(LimiterCall::MemoryGrowing { current, desired, maximum })
    }
    fn memory_grow_failed(&mut self, reason: &str) -> Result<(), GrowTrap> {
        self.ask(LimiterCall::MemoryGrowFailed(reason)).map(drop)
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, GrowTrap> {
        self.ask(LimiterCall::TableGrowing { current, desired, maximum })
    }
    fn table_grow_failed(&mut self, reason: &str) -> Result<(), GrowTrap> {
        self.ask(LimiterCall::TableGrowFailed(reason)).map(drop)
    }
}
