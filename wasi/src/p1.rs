//! WASI preview1 under wasmtime-wasi's spellings, so a wasmtime program
//! ports by renaming the crate: `p1::add_to_linker_sync`,
//! `WasiCtxBuilder::build_p1` and `p1::WasiP1Ctx`. They are the same
//! host as [`crate::add_to_linker`] and [`WasiCtx`]; kiln has no WASI 0.2,
//! so its preview1 context is the whole of it.

use crate::WasiCtx;
use anyhow::Result;
use kiln::Linker;

/// A WASI preview1 context (what `WasiCtxBuilder::build_p1` returns).
pub type WasiP1Ctx = WasiCtx;

/// Defines the WASI preview1 functions in `linker`, under both
/// `wasi_snapshot_preview1` and `wasi_unstable`; `get` finds the context
/// in the store's data. The same as [`crate::add_to_linker`].
pub fn add_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiP1Ctx + Send + Sync + Copy + 'static,
) -> Result<()> {
    crate::add_to_linker(linker, get)
}
