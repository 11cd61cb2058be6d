//! The Linux implementation of the `sys` facade: virtual memory, signal
//! handlers and stack bounds.

pub mod mmap;
pub mod signals;
pub mod stack;
