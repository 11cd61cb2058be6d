//! The C API of modules compiled for C programs (`kiln compile
//! --c-header`): the `kiln_*` functions the generated header declares.
//!
//! - [`values`]: `kiln_val` slots and `kiln_status`, and the thread's last
//!   error (`kiln_last_error`).
//! - [`instance`]: creating, calling and freeing instances, and their
//!   memory.
//! - [`imports`]: the C program's imports, reached through the adapters
//!   the compiler wrote into the object, and what they can do with their
//!   `kiln_caller`.
//!
//! Nothing crosses into C as a panic: every entry point catches unwinding
//! and reports it as `KILN_ERROR`.

pub mod imports;
pub mod instance;
pub mod values;
