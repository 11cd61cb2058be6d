//! Operating-system code, kept in one place: the rest of the runtime calls
//! only what this facade exports, never `libc` directly.
//!
//! - [`Mmap`], [`page_size`]: address-space
//!   reservations and page protections.
//! - [`ensure_signal_handlers`], [`ensure_sigaltstack`]: the trap signal
//!   handlers and each thread's alternate signal stack.
//! - [`current_thread_stack_low`]: the bottom of the current thread's stack.
//! - [`sealed_memfd`] and [`Mmap::map_file_private`]: the file-backed,
//!   copy-on-write mappings of memory images; [`executable_file_of`]: the
//!   file behind bytes linked into the program.
//! - [`monotonic_nanos`], [`thread_id`]: the timestamps and thread ids of
//!   profiler records.
//!
//! Linux is the one implementation (`linux/`); a port adds a sibling
//! module that exports the same names.

#[cfg(target_os = "linux")]
mod linux;

#[cfg(not(target_os = "linux"))]
compile_error!("kiln's runtime supports Linux only (runtime-support/src/sys/linux)");

#[cfg(target_os = "linux")]
pub use linux::image_file::executable_file_of;
#[cfg(target_os = "linux")]
pub use linux::memfd::sealed_memfd;
#[cfg(target_os = "linux")]
pub use linux::mmap::{Mmap, page_size, round_up_to_page};
#[cfg(target_os = "linux")]
pub use linux::profiler::{monotonic_nanos, thread_id};
#[cfg(target_os = "linux")]
pub use linux::signals::{ensure_installed as ensure_signal_handlers, ensure_sigaltstack};
#[cfg(target_os = "linux")]
pub use linux::stack::current_thread_stack_low;
