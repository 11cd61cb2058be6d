//! The Linux implementation of the `sys` facade: virtual memory, signal
//! handlers, stack bounds, memfds, the program's own file, and the clock
//! and thread ids of profiler records.

pub mod image_file;
pub mod memfd;
pub mod mmap;
pub mod profiler;
pub mod signals;
pub mod stack;
