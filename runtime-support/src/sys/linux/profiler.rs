//! What a profiler's records need from the OS: the monotonic clock that
//! `perf record -k mono` timestamps its samples with, and the calling
//! thread's id.

/// Nanoseconds on `CLOCK_MONOTONIC`.
pub fn monotonic_nanos() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_MONOTONIC always
    // exists on Linux, so the call cannot fail.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(now.tv_nsec as u64)
}

/// The calling thread's kernel id (`gettid`).
pub fn thread_id() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward_and_each_thread_has_its_own_id() {
        let a = monotonic_nanos();
        let b = monotonic_nanos();
        assert!(a > 0 && b >= a);
        let other = std::thread::spawn(thread_id).join().unwrap();
        assert_ne!(other, thread_id(), "two threads, two ids");
    }
}
