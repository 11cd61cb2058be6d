//! Entering wasm and leaving it abnormally.
//!
//! Every call from the host into wasm goes through [`catch_traps`], which
//! pushes an [`Activation`] on a thread-local stack and records a jump
//! buffer (in C, `csrc/unwind.c`). Wasm leaves abnormally in two ways:
//!
//! - **A fault in wasm code** (out-of-bounds access hitting a guard page,
//!   `ud2` for explicit traps and stack overflow, a division fault). The
//!   signal handler (`sys::linux::signals`) records the trap and a backtrace
//!   in the activation, using only async-signal-safe operations, then edits
//!   the interrupted context so that, after the handler returns, the thread
//!   continues in `kiln_longjmp` and lands back in `catch_traps`.
//! - **An error or panic in a host function** called from wasm. The host
//!   trampoline stores it with [`raise_host_error`], which longjmps from
//!   normal context.
//!
//! Only wasm frames and frames without pending destructors may lie between
//! `catch_traps` and the point of unwinding; host trampolines are written to
//! drop everything before they raise.

use crate::code_registry;
use crate::trap_code::TrapCode;
use crate::vmoffsets::VMStoreContext;
use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;

unsafe extern "C" {
    fn kiln_catch(body: unsafe extern "C" fn(*mut c_void), payload: *mut c_void, jmp_buf_out: *mut *mut c_void) -> i32;
    fn kiln_longjmp(buf: *mut c_void) -> !;
}

/// The address the signal handler resumes at: `kiln_longjmp(jmp_buf)`.
pub(crate) fn longjmp_address() -> usize {
    kiln_longjmp as *const () as usize
}

/// At most this many wasm frames are recorded in a backtrace.
pub const MAX_BACKTRACE: usize = 64;

/// How many bytes of native stack wasm may use below the host's entry frame.
pub const DEFAULT_MAX_WASM_STACK: usize = 1 << 20;

/// A recorded backtrace: wasm program counters, innermost first.
#[derive(Clone, Copy)]
pub struct RawBacktrace {
    /// The program counters; only the first `len` are meaningful.
    pub pcs: [usize; MAX_BACKTRACE],
    /// How many were recorded.
    pub len: usize,
    /// Whether frames were left out because there were too many.
    pub truncated: bool,
}

impl RawBacktrace {
    const EMPTY: Self = Self { pcs: [0; MAX_BACKTRACE], len: 0, truncated: false };

    /// The recorded program counters.
    pub fn pcs(&self) -> &[usize] {
        &self.pcs[..self.len]
    }

    /// Walks frame pointers starting with the frame at `fp` whose own
    /// program counter is `pc` (if known), recording every frame whose
    /// program counter lies in wasm code. Async-signal-safe.
    ///
    /// # Safety
    /// `fp` must be a frame pointer of the current thread's stack whose
    /// chain of saved frame pointers ends in host frames, as the wasm ABI
    /// (frame pointers preserved) guarantees.
    pub unsafe fn capture(pc: Option<usize>, mut fp: usize, stack_top: usize) -> Self {
        let mut bt = Self::EMPTY;
        let push = |bt: &mut Self, pc: usize| {
            if bt.len == MAX_BACKTRACE {
                bt.truncated = true;
            } else {
                bt.pcs[bt.len] = pc;
                bt.len += 1;
            }
        };
        if let Some(pc) = pc {
            push(&mut bt, pc);
        }
        while fp != 0 && fp.is_multiple_of(8) && fp < stack_top {
            // SAFETY: `fp` is a frame of wasm code on this thread's stack
            // (checked below the entry frame), whose first two words are the
            // saved caller frame pointer and the return address.
            let (next_fp, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            if !code_registry::is_wasm_pc(ret.wrapping_sub(1)) {
                break;
            }
            // The return address points after the call; step back into it.
            push(&mut bt, ret - 1);
            if next_fp <= fp {
                break;
            }
            fp = next_fp;
        }
        bt
    }
}

/// Why a call into wasm did not return normally.
pub enum UnwindReason {
    /// A wasm trap.
    Trap {
        /// The trap.
        code: TrapCode,
        /// Where it happened.
        backtrace: Box<RawBacktrace>,
    },
    /// A host function returned an error (opaque to this crate).
    HostError {
        /// The error.
        error: Box<dyn Any + Send + Sync>,
        /// The wasm frames that called the host function.
        backtrace: Box<RawBacktrace>,
    },
    /// A host function panicked; the panic resumes once wasm is left.
    Panic(Box<dyn Any + Send>),
}

impl std::fmt::Debug for UnwindReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Trap { code, .. } => write!(f, "Trap({code:?})"),
            Self::HostError { .. } => f.write_str("HostError"),
            Self::Panic(_) => f.write_str("Panic"),
        }
    }
}

/// A trap recorded by the signal handler, without allocation.
#[derive(Clone, Copy)]
struct SignalTrap {
    code: TrapCode,
    backtrace: RawBacktrace,
}

/// One host-to-wasm entry on this thread's stack of activations.
pub struct Activation {
    jmp_buf: Cell<*mut c_void>,
    prev: *const Activation,
    /// The store context this entry runs wasm for.
    store_ctx: *mut VMStoreContext,
    /// Address of a local in the host frame that entered wasm: wasm frames
    /// all lie below it.
    stack_top: usize,
    signal_trap: UnsafeCell<Option<SignalTrap>>,
    unwind: UnsafeCell<Option<UnwindReason>>,
}

thread_local! {
    static ACTIVATION: Cell<*const Activation> = const { Cell::new(ptr::null()) };
    static STACK_LOW: Cell<usize> = const { Cell::new(0) };
}

/// The innermost activation of this thread, or null. Async-signal-safe:
/// the thread-local is const-initialized and has no destructor.
pub(crate) fn current_activation() -> *const Activation {
    ACTIVATION.with(|a| a.get())
}

impl Activation {
    /// Called by the signal handler: records a trap and returns the jump
    /// buffer to resume at.
    ///
    /// # Safety
    /// Must be called on the activation's own thread, from the signal
    /// handler, with `fp` the frame pointer of the interrupted wasm code.
    pub(crate) unsafe fn record_signal_trap(&self, code: TrapCode, pc: usize, fp: usize) -> *mut c_void {
        // SAFETY: per the contract the chain starting at `fp` is wasm frames.
        let backtrace = unsafe { RawBacktrace::capture(Some(pc), fp, self.stack_top) };
        // SAFETY: only this thread touches `signal_trap`, and the interrupted
        // code (wasm) never does.
        unsafe { *self.signal_trap.get() = Some(SignalTrap { code, backtrace }) };
        self.jmp_buf.get()
    }
}

/// The lowest usable address of this thread's stack, cached per thread.
fn thread_stack_low() -> usize {
    let cached = STACK_LOW.with(|s| s.get());
    if cached != 0 {
        return cached;
    }
    let low = crate::sys::current_thread_stack_low().unwrap_or(0);
    STACK_LOW.with(|s| s.set(low.max(1)));
    low.max(1)
}

/// Whether this thread already runs wasm for `store_ctx` (an entry below
/// this one on the same thread's stack).
fn runs_on_this_thread(store_ctx: *mut VMStoreContext) -> bool {
    let mut act = current_activation();
    while !act.is_null() {
        // SAFETY: activations in this thread's chain are alive while linked.
        let a = unsafe { &*act };
        if a.store_ctx == store_ctx {
            return true;
        }
        act = a.prev;
    }
    false
}

/// Calls `body` (which enters wasm) so that traps and host errors come
/// back as `Err`.
///
/// The store's stack limit and `last_wasm_exit_fp` are saved on entry and
/// restored on exit, whatever happens:
/// - the limit is set from *this thread's* stack unless this thread already
///   runs wasm for the store (then the outer entry's budget holds). A host
///   function may re-enter its store from another thread, whose stack lies
///   elsewhere; the outer thread's limit would mean nothing there.
/// - the exit frame pointer of an outer host call must survive a nested
///   call, so an error that host call returns later gets its own backtrace.
///
/// # Safety
/// `store_ctx` must be the store context the called wasm code uses, valid
/// for the call. `body` must not hold values with destructors across the
/// call into wasm (they would be skipped by a trap).
pub unsafe fn catch_traps(
    store_ctx: *mut VMStoreContext,
    max_wasm_stack: usize,
    body: &mut dyn FnMut(),
) -> Result<(), UnwindReason> {
    crate::sys::ensure_signal_handlers();
    crate::sys::ensure_sigaltstack();
    let marker = 0u8;
    let sp = &marker as *const u8 as usize;
    // Raw accesses only: compiled code reads and writes the context while
    // `body` runs, so no reference to it may live across the call.
    // SAFETY: the caller guarantees `store_ctx` is valid.
    let (saved_limit, saved_exit_fp) = unsafe { ((*store_ctx).stack_limit, (*store_ctx).last_wasm_exit_fp) };
    if !runs_on_this_thread(store_ctx) {
        // Keep 64 KiB below the limit for the trap handler and host calls.
        let floor = thread_stack_low().saturating_add(64 * 1024);
        // SAFETY: as above.
        unsafe { (*store_ctx).stack_limit = sp.saturating_sub(max_wasm_stack).max(floor) };
    }
    let activation = Activation {
        jmp_buf: Cell::new(ptr::null_mut()),
        prev: current_activation(),
        store_ctx,
        stack_top: sp,
        signal_trap: UnsafeCell::new(None),
        unwind: UnsafeCell::new(None),
    };
    ACTIVATION.with(|a| a.set(&activation));

    unsafe extern "C" fn call_body(payload: *mut c_void) {
        // SAFETY: `payload` is the `&mut &mut dyn FnMut()` passed below.
        let body = unsafe { &mut *(payload as *mut &mut dyn FnMut()) };
        body();
    }
    let mut body = body;
    // SAFETY: `kiln_catch` calls `call_body` with our payload and stores the
    // jump buffer in the activation, which outlives the call.
    let ok = unsafe { kiln_catch(call_body, (&mut body as *mut &mut dyn FnMut()).cast(), activation.jmp_buf.as_ptr()) };
    ACTIVATION.with(|a| a.set(activation.prev));
    // SAFETY: as above; wasm has returned or unwound.
    unsafe {
        (*store_ctx).stack_limit = saved_limit;
        (*store_ctx).last_wasm_exit_fp = saved_exit_fp;
    }
    if ok == 1 {
        return Ok(());
    }
    // SAFETY: the jump happened; nothing else refers to the activation.
    if let Some(t) = unsafe { (*activation.signal_trap.get()).take() } {
        return Err(UnwindReason::Trap { code: t.code, backtrace: Box::new(t.backtrace) });
    }
    // SAFETY: as above.
    Err(unsafe { (*activation.unwind.get()).take() }.unwrap_or(UnwindReason::Trap {
        code: TrapCode::UnreachableCodeReached,
        backtrace: Box::new(RawBacktrace::EMPTY),
    }))
}

/// Leaves wasm from a host function, unwinding to the innermost
/// [`catch_traps`] with `reason`.
///
/// # Safety
/// Must be called from a host function that wasm called (so an activation
/// exists), with no live values with destructors in any frame between here
/// and that activation.
pub unsafe fn raise(reason: UnwindReason) -> ! {
    let act = current_activation();
    assert!(!act.is_null(), "raise outside of wasm");
    // SAFETY: `act` is this thread's innermost activation, alive while wasm runs.
    unsafe {
        *(*act).unwind.get() = Some(reason);
        kiln_longjmp((*act).jmp_buf.get())
    }
}

/// Captures the wasm frames that called into the host, from the frame
/// pointer the wasm-to-host trampoline saved.
///
/// # Safety
/// Must be called during a host call from wasm, with `store_ctx` that
/// call's store context.
pub unsafe fn capture_host_call_backtrace(store_ctx: *const VMStoreContext) -> Box<RawBacktrace> {
    let act = current_activation();
    if act.is_null() {
        return Box::new(RawBacktrace::EMPTY);
    }
    // SAFETY: per the contract both pointers are live.
    unsafe {
        let fp = (*store_ctx).last_wasm_exit_fp;
        Box::new(RawBacktrace::capture(None, fp, (*act).stack_top))
    }
}

/// Whether this thread is currently running wasm (inside `catch_traps`).
pub fn in_wasm() -> bool {
    !current_activation().is_null()
}
