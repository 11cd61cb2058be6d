//! The Linux implementation of the `sys` facade: virtual memory, signal
//! handlers, stack bounds and memfds.

pub mod memfd;
pub mod mmap;
pub mod signals;
pub mod stack;
