//! Signal handlers that turn faults in wasm code into traps.
//!
//! Installed once per process, for SIGSEGV, SIGBUS, SIGILL and SIGFPE, with:
//! - `SA_SIGINFO`: we need the `ucontext_t` to read and redirect the PC;
//! - `SA_ONSTACK`: run on the alternate signal stack when one is installed
//!   (every thread that enters wasm gets one), so even a host stack overflow
//!   can be reported;
//! - `SA_NODEFER`: the signal stays unblocked in the handler; we never
//!   return to the faulting instruction, so a second fault cannot recurse,
//!   and the mask needs no restoring after the jump.
//!
//! The handler does only async-signal-safe work: it reads a const-init
//! thread-local, looks the PC up in the code registry (a `try_read` spin,
//! no allocation), walks frame pointers, writes plain data into the
//! activation and edits the interrupted context. It never longjmps itself:
//! it makes the thread resume in `kiln_longjmp` after `sigreturn`.
//!
//! A fault that is not in wasm code, or happens while no wasm runs on this
//! thread, goes to the handler that was installed before ours; if that was
//! the default action, we restore it and return, so the fault repeats and
//! the process dies as it would have without kiln. A fault in wasm code at
//! an instruction the trap table does not list (a kiln bug, or a forged
//! artifact) unwinds like a trap, as `TrapCode::UnexpectedFault`, so the
//! embedder gets an error rather than a dead process.

use crate::code_registry;
use crate::traphandlers::{current_activation, longjmp_address};
use std::cell::{Cell, RefCell};
use std::mem::MaybeUninit;
use std::sync::Once;

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

static mut PREVIOUS: [MaybeUninit<libc::sigaction>; 4] = [MaybeUninit::uninit(); 4];
static INSTALL: Once = Once::new();

/// Installs the handlers, once per process.
pub fn ensure_installed() {
    INSTALL.call_once(|| {
        for (i, sig) in SIGNALS.iter().enumerate() {
            // SAFETY: we fill a zeroed sigaction with a valid handler and
            // save the previous one in `PREVIOUS[i]`, which nothing reads
            // before this `Once` completes.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                action.sa_sigaction = trap_handler as *const () as usize;
                libc::sigemptyset(&mut action.sa_mask);
                let prev = (&raw mut PREVIOUS[i]).cast::<libc::sigaction>();
                if libc::sigaction(*sig, &action, prev) != 0 {
                    panic!("kiln: cannot install the handler for signal {sig}");
                }
            }
        }
    });
}

unsafe extern "C" fn trap_handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid ucontext_t for SA_SIGINFO handlers.
    if unsafe { handle_wasm_trap(ctx) } {
        return;
    }
    // SAFETY: the previous handlers were saved before ours was installed.
    unsafe { chain(sig, info, ctx) }
}

/// Returns true when the fault was in wasm and the context now resumes in
/// `kiln_longjmp`.
unsafe fn handle_wasm_trap(ctx: *mut libc::c_void) -> bool {
    let act = current_activation();
    if act.is_null() {
        return false;
    }
    // SAFETY: `ctx` is the interrupted thread's context.
    let (pc, fp) = unsafe { regs::pc_fp(ctx) };
    // A fault in wasm code that is no trap site would be a crash; it
    // unwinds like a trap instead, as `UnexpectedFault`.
    let Some(code) = code_registry::trap_or_fault_at(pc) else {
        return false;
    };
    // SAFETY: the activation belongs to this thread and the fault is in wasm.
    let jmp_buf = unsafe { (*act).record_signal_trap(code, pc, fp) };
    // SAFETY: redirect the interrupted context to `kiln_longjmp(jmp_buf)`.
    unsafe { regs::redirect(ctx, longjmp_address(), jmp_buf as usize) };
    true
}

unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let Some(i) = SIGNALS.iter().position(|s| *s == sig) else {
        return;
    };
    // SAFETY: written once before our handler could run.
    let prev: &libc::sigaction = unsafe { &*(&raw const PREVIOUS[i]).cast() };
    let handler = prev.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Restore the previous disposition; returning re-executes the
        // faulting instruction, which now gets the default action.
        // SAFETY: sigaction is async-signal-safe.
        unsafe { libc::sigaction(sig, prev, std::ptr::null_mut()) };
    } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the previous handler was installed for this signal.
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(handler) };
        f(sig, info, ctx);
    } else {
        // SAFETY: as above.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
        f(sig);
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod regs {
    pub unsafe fn pc_fp(ctx: *mut libc::c_void) -> (usize, usize) {
        // SAFETY: the caller passes a valid ucontext_t.
        let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
        let g = &uc.uc_mcontext.gregs;
        (g[libc::REG_RIP as usize] as usize, g[libc::REG_RBP as usize] as usize)
    }

    /// Resume at `target(arg)`, as if `target` had been called.
    pub unsafe fn redirect(ctx: *mut libc::c_void, target: usize, arg: usize) {
        // SAFETY: the caller passes a valid ucontext_t.
        let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
        let g = &mut uc.uc_mcontext.gregs;
        let sp = g[libc::REG_RSP as usize] as usize;
        // A call leaves the stack 8 bytes below 16-byte alignment.
        g[libc::REG_RSP as usize] = ((sp & !15) - 8) as i64;
        g[libc::REG_RDI as usize] = arg as i64;
        g[libc::REG_RIP as usize] = target as i64;
    }
}

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
mod regs {
    pub unsafe fn pc_fp(ctx: *mut libc::c_void) -> (usize, usize) {
        // SAFETY: the caller passes a valid ucontext_t.
        let uc = unsafe { &*(ctx as *const libc::ucontext_t) };
        (uc.uc_mcontext.pc as usize, uc.uc_mcontext.regs[29] as usize)
    }

    pub unsafe fn redirect(ctx: *mut libc::c_void, target: usize, arg: usize) {
        // SAFETY: the caller passes a valid ucontext_t.
        let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
        uc.uc_mcontext.sp &= !15;
        uc.uc_mcontext.regs[0] = arg as u64;
        uc.uc_mcontext.pc = target as u64;
    }
}

/// The alternate signal stack kiln installed on this thread, if any.
/// Dropping it (when the thread exits) uninstalls it before unmapping, so
/// a thread-per-request server does not leak a stack per thread.
struct AltStack {
    /// The guard page and the stack; `None` when the thread already had a
    /// large enough alternate stack of its own, or none could be mapped.
    map: Option<super::mmap::Mmap>,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let Some(map) = self.map.take() else {
            return;
        };
        // SAFETY: querying the current alternate stack has no preconditions.
        let current = unsafe {
            let mut cur: libc::stack_t = std::mem::zeroed();
            (libc::sigaltstack(std::ptr::null(), &mut cur) == 0).then_some(cur)
        };
        let ours = map.as_ptr().wrapping_add(super::mmap::page_size()).cast::<libc::c_void>();
        match current {
            // Someone else's stack is installed now (or none): ours is unused.
            Some(cur) if cur.ss_flags & libc::SS_DISABLE != 0 || cur.ss_sp != ours => {}
            Some(_) => {
                let disable = libc::stack_t { ss_sp: std::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
                // SAFETY: this runs in the thread's TLS destructor, outside
                // any signal handler, so the stack is not in use.
                if unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) } != 0 {
                    std::mem::forget(map); // keep it rather than leave it dangling
                }
            }
            None => std::mem::forget(map),
        }
    }
}

thread_local! {
    /// Whether `ensure_sigaltstack` already ran on this thread: the fast
    /// path of every entry into wasm.
    static ALT_STACK_READY: Cell<bool> = const { Cell::new(false) };
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
}

const ALT_STACK_SIZE: usize = 64 * 1024;

/// Gives this thread an alternate signal stack, unless it has one already.
/// The stack belongs to the thread and is released when the thread exits.
pub fn ensure_sigaltstack() {
    if ALT_STACK_READY.get() {
        return;
    }
    ALT_STACK_READY.set(true);
    // `try_with`: during thread teardown the slot may be gone; a thread that
    // is exiting does not enter wasm anyway.
    let _ = ALT_STACK.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(AltStack { map: install_alt_stack() });
        }
    });
}

/// Maps and installs a guarded alternate stack, unless the thread already
/// has one at least `ALT_STACK_SIZE` large.
fn install_alt_stack() -> Option<super::mmap::Mmap> {
    // SAFETY: querying the current alternate stack has no preconditions.
    unsafe {
        let mut old: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(std::ptr::null(), &mut old) == 0
            && old.ss_flags & libc::SS_DISABLE == 0
            && old.ss_size >= ALT_STACK_SIZE
        {
            return None;
        }
    }
    let guard = super::mmap::page_size();
    let map = super::mmap::Mmap::reserve(ALT_STACK_SIZE + guard).ok()?;
    map.make_accessible(guard, ALT_STACK_SIZE).ok()?;
    let stack = libc::stack_t {
        // SAFETY: `guard` is inside the mapping.
        ss_sp: unsafe { map.as_ptr().add(guard) }.cast(),
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: the stack is valid memory that lives until `AltStack::drop`
    // has uninstalled it.
    (unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) } == 0).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::super::mmap::page_size;
    use super::*;

    fn current_alt_stack() -> libc::stack_t {
        // SAFETY: querying the current alternate stack has no preconditions.
        unsafe {
            let mut cur: libc::stack_t = std::mem::zeroed();
            assert_eq!(libc::sigaltstack(std::ptr::null(), &mut cur), 0);
            cur
        }
    }

    /// Maps and installs a stack whatever is installed now, as another
    /// library might.
    fn install_alt_stack_unconditionally() -> super::super::mmap::Mmap {
        let map = super::super::mmap::Mmap::reserve(ALT_STACK_SIZE + page_size()).unwrap();
        map.make_accessible(page_size(), ALT_STACK_SIZE).unwrap();
        let stack = libc::stack_t {
            ss_sp: map.as_ptr().wrapping_add(page_size()).cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: valid memory, uninstalled by the caller before it is freed.
        assert_eq!(unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) }, 0);
        map
    }

    #[test]
    fn alt_stack_is_installed_once_and_kept_per_thread() {
        std::thread::spawn(|| {
            ensure_sigaltstack();
            let first = current_alt_stack();
            assert_eq!(first.ss_flags & libc::SS_DISABLE, 0, "an alternate stack is installed");
            assert!(first.ss_size >= ALT_STACK_SIZE);
            ensure_sigaltstack();
            assert_eq!(current_alt_stack().ss_sp, first.ss_sp, "a second call keeps the same stack");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn alt_stack_is_released_when_dropped() {
        std::thread::spawn(|| {
            // Start without std's own (small) alternate stack, so the
            // outcome does not depend on its size.
            let disable = libc::stack_t { ss_sp: std::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
            // SAFETY: no signal handler is running on this thread.
            assert_eq!(unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) }, 0);
            let map = install_alt_stack().expect("a thread without an alternate stack gets kiln's");
            assert_eq!(current_alt_stack().ss_sp, map.as_ptr().wrapping_add(page_size()).cast());
            drop(AltStack { map: Some(map) });
            let after = current_alt_stack();
            assert_ne!(after.ss_flags & libc::SS_DISABLE, 0, "dropping uninstalls the stack");

            // A stack installed by someone else after ours is left alone.
            let map = install_alt_stack().expect("installed again");
            let theirs = install_alt_stack_unconditionally();
            drop(AltStack { map: Some(map) });
            assert_eq!(current_alt_stack().ss_sp, theirs.as_ptr().wrapping_add(page_size()).cast());
            // SAFETY: no signal handler is running on this thread.
            assert_eq!(unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) }, 0);
        })
        .join()
        .unwrap();
    }
}
