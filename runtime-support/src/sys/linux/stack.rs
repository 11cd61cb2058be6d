//! Where this thread's native stack ends, so the wasm stack limit never lies
//! below it.
//!
//! For the main thread, glibc's `pthread_getattr_np` reads and parses
//! `/proc/self/maps`, which costs about 50 µs: a tenth of a short-lived
//! process's whole run (a `kiln compile --exe` executable). The main
//! thread's stack is found from the ELF auxiliary vector instead: the
//! kernel puts the executable's name (`AT_EXECFN`) at the very top of the
//! stack mapping, one pointer below its end, and the stack may grow down to
//! `RLIMIT_STACK` below that end. Other threads, an unlimited stack, or an
//! estimate the current stack pointer contradicts take the `pthread` path.

/// The lowest address of the current thread's stack, if the OS says.
pub fn current_thread_stack_low() -> Option<usize> {
    main_thread_stack_low().or_else(pthread_stack_low)
}

/// The main thread's lowest usable stack address from the auxiliary
/// vector and the stack limit, or `None` on any other thread or when it
/// cannot be told that way.
fn main_thread_stack_low() -> Option<usize> {
    // SAFETY: gettid and getpid have no preconditions.
    let main = unsafe { libc::gettid() == libc::getpid() };
    if !main {
        return None;
    }
    // SAFETY: getauxval has no preconditions; it returns 0 when absent.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
    if execfn == 0 {
        return None;
    }
    // SAFETY: AT_EXECFN points at the NUL-terminated file name the kernel
    // copied onto the stack at exec, which stays mapped for the process.
    let len = unsafe { libc::strlen(execfn as *const libc::c_char) };
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the limit into `limit`.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    let low = stack_low_below(execfn, len, usize::try_from(limit.rlim_cur).ok()?, super::mmap::page_size())?;
    // The frame we run in must lie inside the estimate.
    let here = &low as *const usize as usize;
    (low < here).then_some(low)
}

/// The lowest usable address of a stack whose top holds a `len`-byte file
/// name at `execfn` (then its NUL and one pointer), limited to `limit`
/// bytes: the lowest page is left as a guard, as for other threads.
fn stack_low_below(execfn: usize, len: usize, limit: usize, page: usize) -> Option<usize> {
    let top = execfn.checked_add(len + 1 + size_of::<usize>())?.checked_next_multiple_of(page)?;
    top.checked_sub(limit)?.checked_add(page)
}

/// The calling thread's stack as `pthread_getattr_np` reports it.
fn pthread_stack_low() -> Option<usize> {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; we
    // destroy it before returning.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            return None;
        }
        // The lowest page(s) are the guard.
        Some(addr as usize + super::mmap::page_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_the_main_stack_is_where_the_kernel_put_the_file_name() {
        // The `[stack]` mapping's end, as /proc/self/maps lists it.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let line = maps.lines().find(|l| l.ends_with("[stack]")).expect("a [stack] mapping");
        let end = usize::from_str_radix(line.split(['-', ' ']).nth(1).unwrap(), 16).unwrap();
        // SAFETY: as in `main_thread_stack_low`.
        let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
        // SAFETY: as above.
        let len = unsafe { libc::strlen(execfn as *const libc::c_char) };
        let page = crate::sys::page_size();
        let limit = 8 << 20;
        assert_eq!(stack_low_below(execfn, len, limit, page), Some(end - limit + page));
    }

    #[test]
    fn other_threads_and_impossible_layouts_take_no_estimate() {
        // SAFETY: gettid and getpid have no preconditions.
        if unsafe { libc::gettid() != libc::getpid() } {
            assert_eq!(main_thread_stack_low(), None, "not the main thread");
        }
        assert!(current_thread_stack_low().is_some(), "the pthread path answers");
        assert_eq!(stack_low_below(usize::MAX - 4, 8, 1 << 20, 4096), None, "overflow");
        assert_eq!(stack_low_below(0x10_0000, 8, 1 << 30, 4096), None, "a limit above the top");
    }
}
