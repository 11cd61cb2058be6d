//! Unix-specific code: virtual memory, signal handlers and stack bounds.

pub mod mmap;
pub mod signals;
pub mod stack;
