//! How a store applies its [`ResourceLimiter`]: [`Store::limiter`], the
//! instance, memory and table counts, the checks when memories and tables
//! are created, and the hook that lets growth from wasm reach the limiter.
//!
//! `memory.grow` and `table.grow` run in libcalls that do not know `T`, so
//! `Store::limiter` installs [`limiter_hook`] in the store context (as
//! `Store::new` does for epochs, `crate::deadline`). The runtime asks it
//! through `kiln_runtime_support::vm::limiter::HookLimiter`; a limiter's
//! error is parked in the store, the guest traps with
//! `ResourceLimitExceeded`, and the call into wasm returns that error.

use crate::deadline::PendingError;
use crate::limits::{DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT, ResourceLimiter};
use crate::module::Module;
use crate::store::{Store, StoreInner, StoreOpaque};
use anyhow::{Result, anyhow, bail};
use kiln_runtime_support::types::{MemoryType as WasmMemoryType, TableType as WasmTableType, WASM_PAGE_SIZE};
use kiln_runtime_support::vm::limiter::{GrowLimiter, LimiterAnswer, LimiterCall};
use kiln_runtime_support::vm::memory::maximum_byte_size;
use std::panic::{self, AssertUnwindSafe};

/// How a store reaches its limiter, given its data.
pub(crate) type LimiterAccessor<T> = dyn (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync;

/// How many instances, memories and tables a store's instances hold, and
/// the most they may (read from the limiter when it is installed; the
/// defaults otherwise, as in wasmtime).
#[derive(Debug)]
pub(crate) struct ResourceCounts {
    instances: usize,
    memories: usize,
    tables: usize,
    instance_limit: usize,
    memory_limit: usize,
    table_limit: usize,
}

impl Default for ResourceCounts {
    fn default() -> Self {
        Self {
            instances: 0,
            memories: 0,
            tables: 0,
            instance_limit: DEFAULT_INSTANCE_LIMIT,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            table_limit: DEFAULT_TABLE_LIMIT,
        }
    }
}

impl ResourceCounts {
    /// Counts one more instance of `module`, or refuses if any count would
    /// pass its limit (then nothing is counted).
    fn admit(&mut self, module: &Module) -> Result<()> {
        let info = module.info();
        let checks = [
            ("instance", self.instances, 1, self.instance_limit),
            ("memory", self.memories, info.num_defined_memories(), self.memory_limit),
            ("table", self.tables, info.num_defined_tables(), self.table_limit),
        ];
        for (what, count, more, limit) in checks {
            let new = count.saturating_add(more);
            if new > limit {
                bail!("resource limit exceeded: {what} count too high at {new}");
            }
        }
        self.instances += 1;
        self.memories += info.num_defined_memories();
        self.tables += info.num_defined_tables();
        Ok(())
    }

    /// Undoes [`admit`](Self::admit) for an instance that was never made.
    fn release(&mut self, module: &Module) {
        let info = module.info();
        self.instances = self.instances.saturating_sub(1);
        self.memories = self.memories.saturating_sub(info.num_defined_memories());
        self.tables = self.tables.saturating_sub(info.num_defined_tables());
    }
}

impl<T> StoreInner<T> {
    /// The opaque part and the limiter, borrowed apart.
    pub(crate) fn opaque_and_limiter(&mut self) -> (&mut StoreOpaque, Option<&mut dyn ResourceLimiter>) {
        let limiter = match &mut self.limiter {
            Some(get) => Some(get(&mut self.data)),
            None => None,
        };
        (&mut self.opaque, limiter)
    }

    /// Admits an instance of `module`: counts it, and asks the limiter
    /// about each memory and table it defines (growing from 0 to their
    /// minimum). Refused: a clear error, and nothing counted.
    pub(crate) fn admit_instance(&mut self, module: &Module) -> Result<()> {
        let (s, mut limiter) = self.opaque_and_limiter();
        s.resource_counts.admit(module)?;
        if limiter.is_none() {
            return Ok(());
        }
        let info = module.info();
        let memories = info.memories.iter().skip(info.num_imported_memories as usize).map(|(_, ty)| ty);
        let tables = info.tables.iter().skip(info.num_imported_tables as usize).map(|(_, ty)| ty);
        let checked = (|| {
            for ty in memories {
                check_new_memory(limiter.as_deref_mut(), ty)?;
            }
            for ty in tables {
                check_new_table(limiter.as_deref_mut(), ty)?;
            }
            Ok(())
        })();
        if checked.is_err() {
            s.resource_counts.release(module);
        }
        checked
    }

    /// Undoes [`admit_instance`](Self::admit_instance) when instantiation
    /// failed before the instance existed (a link error).
    pub(crate) fn release_instance(&mut self, module: &Module) {
        self.opaque.resource_counts.release(module);
    }
}

/// Asks `limiter` whether a memory of type `ty` may be created.
pub(crate) fn check_new_memory(limiter: Option<&mut (dyn ResourceLimiter + '_)>, ty: &WasmMemoryType) -> Result<()> {
    let Some(limiter) = limiter else { return Ok(()) };
    let min = ty.limits.min.checked_mul(WASM_PAGE_SIZE).and_then(|b| usize::try_from(b).ok()).unwrap_or(usize::MAX);
    if !limiter.memory_growing(0, min, maximum_byte_size(ty))? {
        bail!("memory minimum size of {} pages exceeds memory limits", ty.limits.min);
    }
    Ok(())
}

/// Asks `limiter` whether a table of type `ty` may be created.
pub(crate) fn check_new_table(limiter: Option<&mut (dyn ResourceLimiter + '_)>, ty: &WasmTableType) -> Result<()> {
    let Some(limiter) = limiter else { return Ok(()) };
    let min = usize::try_from(ty.limits.min).unwrap_or(usize::MAX);
    let max = ty.limits.max.and_then(|m| usize::try_from(m).ok());
    if !limiter.table_growing(0, min, max)? {
        bail!("table minimum size of {} elements exceeds table limits", ty.limits.min);
    }
    Ok(())
}

/// The store's limiter (or none) as the runtime's grow paths ask it from
/// the host: its errors are returned as they are.
pub(crate) struct StoreGrowLimiter<'a>(pub(crate) Option<&'a mut dyn ResourceLimiter>);

impl GrowLimiter for StoreGrowLimiter<'_> {
    type Error = anyhow::Error;
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.0.as_mut().map_or(Ok(true), |l| l.memory_growing(current, desired, maximum))
    }
    fn memory_grow_failed(&mut self, reason: &str) -> Result<()> {
        self.0.as_mut().map_or(Ok(()), |l| l.memory_grow_failed(anyhow!("{reason}")))
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.0.as_mut().map_or(Ok(true), |l| l.table_growing(current, desired, maximum))
    }
    fn table_grow_failed(&mut self, reason: &str) -> Result<()> {
        self.0.as_mut().map_or(Ok(()), |l| l.table_grow_failed(anyhow!("{reason}")))
    }
}

/// The store context's `limiter_hook` for a `Store<T>`: asks the store's
/// limiter, parking an error or panic in the store for the trap it causes.
///
/// # Safety
/// `store` must be the live `StoreInner<T>` whose context holds this hook,
/// called from wasm it entered (so no other borrow of it is in use).
pub(crate) unsafe fn limiter_hook<T>(store: *mut u8, call: LimiterCall<'_>) -> LimiterAnswer {
    // SAFETY: per the contract, `store` is this store and nothing else
    // borrows it while wasm runs a libcall.
    let inner = unsafe { &mut *store.cast::<StoreInner<T>>() };
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut limiter = StoreGrowLimiter(inner.opaque_and_limiter().1);
        match call {
            LimiterCall::MemoryGrowing { current, desired, maximum } => {
                limiter.memory_growing(current, desired, maximum)
            }
            LimiterCall::MemoryGrowFailed(reason) => limiter.memory_grow_failed(reason).map(|()| false),
            LimiterCall::TableGrowing { current, desired, maximum } => limiter.table_growing(current, desired, maximum),
            LimiterCall::TableGrowFailed(reason) => limiter.table_grow_failed(reason).map(|()| false),
        }
    }));
    let pending = match result {
        Ok(Ok(true)) => return LimiterAnswer::Allow,
        Ok(Ok(false)) => return LimiterAnswer::Refuse,
        Ok(Err(error)) => PendingError::Error(error),
        Err(payload) => PendingError::Panic(payload),
    };
    inner.opaque.pending_deadline_error = Some(pending);
    LimiterAnswer::Trap
}

impl<T> Store<T> {
    /// Installs a resource limiter: `limiter` lends it from the store's
    /// data whenever a memory or table grows or is created. Its instance,
    /// table and memory counts are read now and bound every later
    /// instantiation.
    pub fn limiter(&mut self, mut limiter: impl (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync + 'static) {
        let inner = &mut *self.inner;
        let l = limiter(&mut inner.data);
        let (instances, tables, memories) = (l.instances(), l.tables(), l.memories());
        let counts = &mut inner.opaque.resource_counts;
        counts.instance_limit = instances;
        counts.table_limit = tables;
        counts.memory_limit = memories;
        inner.limiter = Some(Box::new(limiter));
        inner.opaque.vm_store_context.limiter_hook = Some(limiter_hook::<T>);
    }
}
