//! The Linux implementation of the `sys` facade: virtual memory, signal
//! handlers, stack bounds, memfds and the program's own file.

pub mod image_file;
pub mod memfd;
pub mod mmap;
pub mod signals;
pub mod stack;
