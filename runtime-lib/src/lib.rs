//! kiln's runtime as a static library (`libkiln_runtime.a`), for programs
//! a system linker builds around a module's linkable object: the loader
//! without the compiler, and the WASI host.
//!
//! - [`exe`]: `kiln_exe_main`, which the `main` of a `kiln compile --exe`
//!   executable calls, and the host options baked into it.
//! - [`c_api`]: the `kiln_*` functions a C program calls, declared by the
//!   header `kiln compile --c-header` writes.

pub mod c_api;
pub mod exe;
