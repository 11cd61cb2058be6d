//! The library half of the `kiln` command line: everything the subcommands
//! do, so integration tests can call it in-process.
//!
//! - [`wast`]: the spec-script runner behind `kiln wast`.
//! - [`spectest`]: the `spectest` host module those scripts import.
//! - [`run`]: `kiln run`: its options, module loading, WASI, `--invoke`.
//! - [`compile`]: `kiln compile` and `kiln wasm2obj`.
//! - [`options`]: wasmtime's grouped options (`-O`, `-W`, `-S`, `-D`).

pub mod compile;
pub mod options;
pub mod run;
pub mod spectest;
pub mod wast;
