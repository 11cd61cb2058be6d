//! The process-wide registry of loaded wasm code: which address ranges hold
//! compiled wasm, and which instructions in them trap with which code.
//!
//! The signal handler reads it, so reading must be async-signal-safe: it
//! takes the read side of a `std::sync::RwLock` with `try_read` (a plain
//! atomic operation, no allocation, no syscalls in the uncontended case)
//! and only looks at plain data. Writers (loading and dropping modules) run
//! in normal context and never hold the lock while wasm could fault on the
//! same thread.

use crate::trap_code::{TrapCode, TrapSite, lookup_trap};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// What is known about one registered range of code.
#[derive(Debug)]
pub struct RegisteredCode {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Trap sites, offsets relative to `start`, sorted.
    pub traps: Arc<[TrapSite]>,
}

static REGISTRY: RwLock<BTreeMap<usize, RegisteredCode>> = RwLock::new(BTreeMap::new());

/// Registers a code range. It must stay mapped until [`unregister`].
pub fn register(code: RegisteredCode) {
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    reg.insert(code.end, code);
}

/// Removes a code range registered with `end` as its end.
pub fn unregister(end: usize) {
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    reg.remove(&end);
}

/// Runs `f` with the registered code containing `pc`, if any.
///
/// Async-signal-safe: spins on `try_read` rather than blocking.
pub fn with_code_at<R>(pc: usize, f: impl FnOnce(&RegisteredCode) -> R) -> Option<R> {
    let reg = loop {
        match REGISTRY.try_read() {
            Ok(r) => break r,
            Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => std::hint::spin_loop(),
        }
    };
    let (_, code) = reg.range(pc + 1..).next()?;
    if pc < code.start {
        return None;
    }
    Some(f(code))
}

/// Whether `pc` lies in registered wasm code.
pub fn is_wasm_pc(pc: usize) -> bool {
    with_code_at(pc, |_| ()).is_some()
}

/// The trap at `pc`, if `pc` is a trapping instruction of wasm code.
pub fn trap_at(pc: usize) -> Option<TrapCode> {
    with_code_at(pc, |c| lookup_trap(&c.traps, u32::try_from(pc - c.start).ok()?)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_only_registered_sites() {
        let traps: Arc<[TrapSite]> = vec![TrapSite { offset: 8, code: TrapCode::UnreachableCodeReached }].into();
        register(RegisteredCode { start: 0x1000, end: 0x1100, traps });
        assert_eq!(trap_at(0x1008), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(trap_at(0x1009), None);
        assert!(is_wasm_pc(0x10ff));
        assert!(!is_wasm_pc(0x1100));
        assert!(!is_wasm_pc(0xfff));
        unregister(0x1100);
        assert!(!is_wasm_pc(0x1008));
    }
}
