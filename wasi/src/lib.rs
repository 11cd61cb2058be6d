//! A WASI preview1 host: run `wasm32-wasip1` programs (and older
//! `wasi_unstable` ones) in a capability sandbox.
//!
//! ```no_run
//! use kiln_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, I32Exit};
//! use kiln::{Engine, Linker, Module, Store};
//!
//! struct State { wasi: WasiCtx }
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "app.wasm")?;
//! let mut linker = Linker::new(&engine);
//! kiln_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi)?;
//! let wasi = WasiCtxBuilder::new()
//!     .args(&["app.wasm", "--verbose"])
//!     .inherit_stdio()
//!     .preopened_dir("./data", ".", FsPerms::ReadWrite)?
//!     .build();
//! let mut store = Store::new(&engine, State { wasi });
//! let instance = linker.instantiate(&mut store, &module)?;
//! let code = kiln_wasi::run_command(&mut store, &instance)?;
//! std::process::exit(code);
//! # }
//! ```
//!
//! The guest sees only what the builder grants. File system access goes
//! through cap-std, so nothing outside a preopened directory can be named:
//! `..` past the top, absolute paths and symlinks leading out all fail with
//! ENOTCAPABLE. Guest pointers and lengths are bounds-checked (EFAULT).
//!
//! Every call is traced at target `kiln::wasi` (level TRACE).

mod args;
mod clocks;
mod ctx;
mod errno;
mod fd_table;
mod fs;
mod linker;
mod memory;
pub mod p1;
mod path;
pub mod pipe;
mod poll;
mod sock;
mod types;
mod unstable;

pub use ctx::{DirPerms, FilePerms, FsPerms, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use linker::{add_to_linker, add_to_linker_for};
pub use types::{Abi, Fd, FileType, Rights};

use anyhow::{Context, Result};
use kiln::{AsContextMut, Instance};
use std::fmt;

/// The guest called `proc_exit` with this code. It comes back from the call
/// into wasm as this error (downcast the `anyhow::Error`), not as a trap.
///
/// The code is always below [`EXIT_STATUS_LIMIT`]: a guest asking for more gets
/// an [`InvalidExitStatus`] error instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

/// The first exit status `proc_exit` refuses: statuses run from 0 to
/// `EXIT_STATUS_LIMIT - 1` (125). Shells report a command that
/// could not run as 126 or 127, and one killed by signal N as 128 + N (134
/// for an abort, 139 for a segfault), so a guest status from 126 on would
/// pass for one of those. Wasmtime draws the line at the same place.
pub const EXIT_STATUS_LIMIT: u32 = 126;

/// The guest called `proc_exit` with a status of [`EXIT_STATUS_LIMIT`] or more
/// (as an unsigned number, so negative `i32`s too). It comes back from the
/// call into wasm as this error rather than as an [`I32Exit`]: it is neither
/// an exit code to pass on nor a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidExitStatus(pub u32);

impl fmt::Display for InvalidExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the guest called proc_exit({}), but a WASI exit status must be below {EXIT_STATUS_LIMIT} \
             (126 and up are kept for the shell and for signals)",
            self.0
        )
    }
}

impl std::error::Error for InvalidExitStatus {}

/// What `proc_exit(status)` makes of the call into wasm.
pub(crate) fn exit_error(status: u32) -> anyhow::Error {
    match i32::try_from(status) {
        Ok(code) if status < EXIT_STATUS_LIMIT => I32Exit(code).into(),
        _ => InvalidExitStatus(status).into(),
    }
}

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// Runs a command's `_start`; returns its exit code (0 when it returns,
/// the `proc_exit` code, below [`EXIT_STATUS_LIMIT`], when it exits). Traps,
/// an [`InvalidExitStatus`] and other errors come back as errors.
pub fn run_command(mut store: impl AsContextMut, instance: &Instance) -> Result<i32> {
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").context("a WASI command exports `_start`")?;
    exit_code(start.call(&mut store, ()))
}

/// Initializes a reactor by calling its `_initialize` export, if it has one
/// (then the embedder calls its other exports). A `proc_exit` during
/// initialization comes back as an [`I32Exit`] error.
pub fn initialize_reactor(mut store: impl AsContextMut, instance: &Instance) -> Result<()> {
    if let Some(init) = instance.get_func(&mut store, "_initialize") {
        init.typed::<(), ()>(&store).context("`_initialize` must take and return nothing")?.call(&mut store, ())?;
    }
    Ok(())
}

/// Turns the result of a call into wasm into an exit code: `Ok` is 0, an
/// [`I32Exit`] its code; any other error (an [`InvalidExitStatus`] among
/// them) stays an error.
pub fn exit_code(r: Result<()>) -> Result<i32> {
    match r {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(&I32Exit(code)) if u32::try_from(code).is_ok_and(|c| c < EXIT_STATUS_LIMIT) => Ok(code),
            // Only a host function of the embedder's own can make one of these.
            Some(&I32Exit(code)) => Err(InvalidExitStatus(code as u32).into()),
            None => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_from_126_on_are_errors() {
        for status in [0, 1, 125] {
            let e = exit_error(status);
            assert_eq!(e.downcast_ref::<I32Exit>(), Some(&I32Exit(status as i32)));
            assert_eq!(exit_code(Err(e)).unwrap(), status as i32);
        }
        for status in [126, 127, 134, 139, 255, 256, i32::MAX as u32, u32::MAX] {
            let e = exit_error(status);
            assert!(e.downcast_ref::<I32Exit>().is_none(), "{status}");
            assert_eq!(e.downcast_ref::<InvalidExitStatus>(), Some(&InvalidExitStatus(status)));
            let e = exit_code(Err(e)).unwrap_err();
            assert!(e.to_string().contains(&format!("proc_exit({status})")), "{e}");
        }
        // An I32Exit out of range from an embedder's own host function is refused too.
        for code in [126, -1, i32::MIN] {
            let e = exit_code(Err(I32Exit(code).into())).unwrap_err();
            assert_eq!(e.downcast_ref::<InvalidExitStatus>(), Some(&InvalidExitStatus(code as u32)));
        }
        assert_eq!(exit_code(Ok(())).unwrap(), 0);
    }
}
