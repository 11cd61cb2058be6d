//! The C interface of a module compiled for a C program
//! (`kiln compile --c-header`): what the generated header, the import
//! adapters the compiler writes, and the runtime library's `kiln_*`
//! functions must agree on.
//!
//! - Values cross as 16-byte [`C_VAL_SIZE`] slots (`kiln_val` in C): a
//!   union of `int32_t`, `int64_t`, `float`, `double` and 16 bytes of
//!   `v128`, each at offset 0.
//! - Every function returns a [`CStatus`] (`kiln_status`).
//! - Imports from [`RUNTIME_IMPORT_MODULES`] are the runtime's (WASI); the
//!   program defines every other function import.

/// The size of one `kiln_val` slot, and its alignment.
pub const C_VAL_SIZE: u32 = 16;

/// What a C API call returns (`kiln_status`).
#[repr(i32)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CStatus {
    /// Success.
    Ok = 0,
    /// The guest trapped, or a host import reported a failure.
    Trap = 1,
    /// The guest called WASI `proc_exit`.
    Exit = 2,
    /// Anything else: the module failed to instantiate, or a call's
    /// arguments were wrong.
    Error = 3,
}

impl CStatus {
    /// Every status, for the header's `enum`.
    pub const ALL: [CStatus; 4] = [CStatus::Ok, CStatus::Trap, CStatus::Exit, CStatus::Error];

    /// The C name of the status.
    pub fn c_name(self) -> &'static str {
        match self {
            CStatus::Ok => "KILN_OK",
            CStatus::Trap => "KILN_TRAP",
            CStatus::Exit => "KILN_EXIT",
            CStatus::Error => "KILN_ERROR",
        }
    }
}

/// Import modules the runtime library provides (WASI preview 1, under both
/// of its names); the C program defines the rest.
pub const RUNTIME_IMPORT_MODULES: [&str; 2] = ["wasi_snapshot_preview1", "wasi_unstable"];

/// Whether the runtime provides imports from `module`.
pub fn runtime_provides(module: &str) -> bool {
    RUNTIME_IMPORT_MODULES.contains(&module)
}
