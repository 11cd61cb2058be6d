//! Deadlines on the store: epoch deadlines and their callback, fuel, and
//! the check that an artifact was compiled with the engine's settings.
//!
//! The compiled side is `kiln_compiler::translate::deadline`. When the
//! epoch reaches a store's deadline, compiled code calls the `new_epoch`
//! libcall, which calls [`epoch_hook`] (installed in the store context by
//! `Store::new`): it runs the store's callback, if any, and either extends
//! the deadline or has the code trap with `Interrupt`. An error or panic
//! from the callback is parked in the store and replaces that trap when
//! the call into wasm returns.

use crate::engine::Engine;
use crate::func::Caller;
use crate::store::{Store, StoreContextMut, StoreInner, StoreOpaque};
use crate::trap::{WasmBacktrace, from_unwind};
use anyhow::{Result, bail};
use kiln_runtime_support::TrapCode;
use kiln_runtime_support::traphandlers::UnwindReason;
use kiln_runtime_support::tunables::Tunables;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// What an epoch deadline callback asks for. (wasmtime's async `Yield`
/// variants are absent: kiln has no async support.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateDeadline {
    /// Stop: the running wasm traps with [`Trap::Interrupt`](crate::Trap),
    /// and the deadline stays where it is.
    Interrupt,
    /// Keep running, with the deadline this many ticks beyond the current
    /// epoch.
    Continue(u64),
}

/// An epoch deadline callback.
pub(crate) type EpochCallback<T> = dyn FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync;

/// What a callback raised instead of returning a new deadline.
pub(crate) enum PendingError {
    Error(anyhow::Error),
    Panic(Box<dyn Any + Send>),
}

/// Refuses an artifact compiled with other deadline settings than the
/// engine's.
pub(crate) fn check_tunables(engine: &Engine, compiled: &Tunables) -> Result<()> {
    match compiled.mismatch(&engine.config().tunables) {
        Some(why) => bail!(why),
        None => Ok(()),
    }
}

/// The store context's `epoch_hook` for a `Store<T>`.
///
/// # Safety
/// `store` must be the live `StoreInner<T>` whose context holds this hook,
/// called from wasm it entered (so no other borrow of it is in use).
pub(crate) unsafe extern "C" fn epoch_hook<T>(store: *mut u8) -> u32 {
    // SAFETY: per the contract, `store` is this store and nothing else
    // borrows it while wasm runs a libcall.
    let inner = unsafe { &mut *store.cast::<StoreInner<T>>() };
    let Some(mut callback) = inner.epoch_callback.take() else {
        return 1;
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| callback(StoreContextMut(&mut *inner))));
    // The callback may have installed another callback, or chosen to trap.
    if inner.epoch_callback.is_none() {
        inner.epoch_callback = Some(callback);
    }
    match result {
        Ok(Ok(UpdateDeadline::Continue(ticks))) => {
            inner.opaque.set_epoch_deadline(ticks);
            0
        }
        Ok(Ok(UpdateDeadline::Interrupt)) => 1,
        Ok(Err(error)) => {
            inner.opaque.pending_deadline_error = Some(PendingError::Error(error));
            1
        }
        Err(payload) => {
            inner.opaque.pending_deadline_error = Some(PendingError::Panic(payload));
            1
        }
    }
}

/// The error a call into wasm returns for `reason`: a callback's parked
/// error (with the backtrace) in place of the `Interrupt` it caused.
pub(crate) fn unwind_error(store: &mut StoreOpaque, reason: UnwindReason) -> anyhow::Error {
    match (store.pending_deadline_error.take(), reason) {
        (Some(PendingError::Panic(payload)), _) => panic::resume_unwind(payload),
        (
            Some(PendingError::Error(error)),
            UnwindReason::Trap { code: TrapCode::Interrupt | TrapCode::ResourceLimitExceeded, backtrace },
        ) => error.context(WasmBacktrace::from_raw(store, &backtrace)),
        (_, reason) => from_unwind(store, reason),
    }
}

impl StoreOpaque {
    pub(crate) fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.vm_store_context.epoch_deadline = self.engine.current_epoch().saturating_add(ticks_beyond_current);
    }

    fn check_fuel_enabled(&self) -> Result<()> {
        if !self.engine.config().tunables.consume_fuel {
            bail!("fuel is not configured in this store: enable it with `Config::consume_fuel`");
        }
        Ok(())
    }

    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.check_fuel_enabled()?;
        self.vm_store_context.fuel_consumed = -i64::try_from(fuel).unwrap_or(i64::MAX);
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> Result<u64> {
        self.check_fuel_enabled()?;
        // Positive when wasm ran past its last check with nothing left.
        Ok(u64::try_from(-self.vm_store_context.fuel_consumed.max(-i64::MAX)).unwrap_or(0))
    }
}

impl<T> Store<T> {
    /// Sets the epoch deadline to `ticks_beyond_current` increments of the
    /// engine's epoch from now. Only code compiled with
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)
    /// checks it.
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// When the deadline passes, trap with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) (the default). Removes
    /// a callback.
    pub fn epoch_deadline_trap(&mut self) {
        self.inner.epoch_callback = None;
    }

    /// When the deadline passes, call `callback`: `Ok(Continue(n))` moves
    /// the deadline `n` ticks beyond the current epoch and resumes wasm;
    /// an error is returned from the call into wasm (with its backtrace).
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.inner.epoch_callback = Some(Box::new(callback));
    }

    /// Sets the fuel left to `fuel`. Fails unless the engine was configured
    /// with [`Config::consume_fuel`](crate::Config::consume_fuel).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.opaque.set_fuel(fuel)
    }

    /// The fuel left. Fails unless the engine consumes fuel.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.opaque.get_fuel()
    }
}

impl<T> StoreContextMut<'_, T> {
    /// [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// [`Store::set_fuel`].
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.0.opaque.set_fuel(fuel)
    }

    /// [`Store::get_fuel`].
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.opaque.get_fuel()
    }
}

impl<T> Caller<'_, T> {
    /// [`Store::set_epoch_deadline`], from a host function.
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.store.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// [`Store::set_fuel`], from a host function.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.opaque.set_fuel(fuel)
    }

    /// [`Store::get_fuel`], from a host function: the fuel left when it was
    /// called (wasm writes its count back before every call).
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.opaque.get_fuel()
    }
}
