//! The library half of the `kiln` command line: everything the subcommands
//! do, so integration tests can call it in-process.
//!
//! - [`run`]: `kiln run`: its options, module loading, WASI, `--invoke`.
//! - [`compile`]: `kiln compile` and `kiln wasm2obj`.
//! - [`exe`]: `kiln compile --exe`, a standalone executable.
//! - [`runtime_lib`]: the runtime library embedded in the binary.
//! - [`cache`]: `kiln cache clear` and `kiln cache dir`.
//! - [`wast`]: `kiln wast`, on the `kiln-wast` runner.
//! - [`serve`]: `kiln serve`, a WAGI HTTP server (hyper on tokio).
//! - [`options`]: wasmtime's grouped options (`-O`, `-W`, `-S`, `-D`, `-C`).
//! - [`v128_text`]: `v128` arguments and results of `--invoke`.
//! - [`atomic_write`]: how every artifact is written: a temporary file
//!   renamed into place.

pub mod atomic_write;
pub mod c_header;
pub mod cache;
pub mod compile;
pub mod exe;
pub mod options;
pub mod run;
pub mod runtime_lib;
pub mod serve;
pub mod v128_text;
pub mod wast;
