//! Where this thread's native stack ends, so the wasm stack limit never lies
//! below it.

/// The lowest address of the current thread's stack, if the OS says.
pub fn current_thread_stack_low() -> Option<usize> {
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
