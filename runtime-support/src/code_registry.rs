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

/// Each range, by its end, with the number of times it is registered (a
/// module linked into the program may be loaded more than once, and its
/// code stays registered until the last of them is dropped).
static REGISTRY: RwLock<BTreeMap<usize, (RegisteredCode, usize)>> = RwLock::new(BTreeMap::new());

/// Registers a code range. It must stay mapped until [`unregister`].
///
/// An empty range holds no code and is not registered: its end could equal
/// the end of a neighbouring range mapped just below it, and the two would
/// share a key.
pub fn register(code: RegisteredCode) {
    if code.start >= code.end {
        return;
    }
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    match reg.get_mut(&code.end) {
        Some((existing, count)) if existing.start == code.start => *count += 1,
        _ => {
            reg.insert(code.end, (code, 1));
        }
    }
}

/// Removes the range `[start, end)` registered with [`register`]; a
/// different range that happens to share its end is left alone.
pub fn unregister(start: usize, end: usize) {
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if let Some((code, count)) = reg.get_mut(&end)
        && code.start == start
    {
        *count -= 1;
        if *count == 0 {
            reg.remove(&end);
        }
    }
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
    let (_, (code, _)) = reg.range(pc + 1..).next()?;
    if pc < code.start {
        return None;
    }
    Some(f(code))
}

/// Whether `pc` lies in registered wasm code.
pub fn is_wasm_pc(pc: usize) -> bool {
    with_code_at(pc, |_| ()).is_some()
}

/// The trap at `pc` if `pc` is in wasm code: its trap site's code, or
/// [`TrapCode::UnexpectedFault`] for an instruction that is no trap site.
///
/// Async-signal-safe, as [`with_code_at`].
pub fn trap_or_fault_at(pc: usize) -> Option<TrapCode> {
    with_code_at(pc, |c| {
        let site = u32::try_from(pc - c.start).ok().and_then(|offset| lookup_trap(&c.traps, offset));
        site.unwrap_or(TrapCode::UnexpectedFault)
    })
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
        unregister(0x1000, 0x1100);
        assert!(!is_wasm_pc(0x1008));
    }

    /// An empty module's code range must not replace, or on drop remove,
    /// the range of code mapped right below it.
    #[test]
    fn empty_ranges_never_displace_real_code() {
        let traps: Arc<[TrapSite]> = vec![TrapSite { offset: 0, code: TrapCode::UnreachableCodeReached }].into();
        register(RegisteredCode { start: 0x5000, end: 0x6000, traps });
        register(RegisteredCode { start: 0x6000, end: 0x6000, traps: Vec::new().into() });
        assert_eq!(trap_at(0x5000), Some(TrapCode::UnreachableCodeReached));
        unregister(0x6000, 0x6000);
        assert_eq!(trap_at(0x5000), Some(TrapCode::UnreachableCodeReached), "still registered");
        unregister(0x5000, 0x6000);
        assert_eq!(trap_at(0x5000), None);
    }

    #[test]
    fn code_registered_twice_stays_until_unregistered_twice() {
        let traps: Arc<[TrapSite]> = vec![TrapSite { offset: 4, code: TrapCode::UnreachableCodeReached }].into();
        register(RegisteredCode { start: 0x9000, end: 0x9100, traps: traps.clone() });
        register(RegisteredCode { start: 0x9000, end: 0x9100, traps });
        unregister(0x9000, 0x9100);
        assert_eq!(trap_at(0x9004), Some(TrapCode::UnreachableCodeReached), "one registration left");
        unregister(0x9000, 0x9100);
        assert_eq!(trap_at(0x9004), None);
    }
}
