//! A WASI preview1 host: run `wasm32-wasip1` programs (and older
//! `wasi_unstable` ones) in a capability sandbox.
//!
//! ```no_run
//! use kiln_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder, I32Exit};
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
//!     .preopened_dir("./data", ".", DirPerms::all(), FilePerms::all())?
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
mod path;
pub mod pipe;
mod poll;
mod sock;
mod types;
mod unstable;

pub use ctx::{DirAccess, DirPerms, FilePerms, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use linker::add_to_linker;
pub use types::{Abi, Fd, FileType, Rights};

use anyhow::{Context, Result};
use kiln::{AsContextMut, Instance};
use std::fmt;

/// The guest called `proc_exit` with this code. It comes back from the call
/// into wasm as this error (downcast the `anyhow::Error`), not as a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// Runs a command's `_start`; returns its exit code (0 when it returns,
/// the `proc_exit` code when it exits). Traps and other errors come back
/// as errors.
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
/// [`I32Exit`] its code; any other error stays an error.
pub fn exit_code(r: Result<()>) -> Result<i32> {
    match r {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => Ok(*code),
            None => Err(e),
        },
    }
}
