//! The library half of the `kiln` command line: everything the subcommands
//! do, so integration tests can call it in-process.
//!
//! - [`wast`]: the spec-script runner behind `kiln wast`.
//! - [`spectest`]: the `spectest` host module those scripts import.
//! - [`run`]: `kiln run`: its options, module loading, WASI, `--invoke`.
//! - [`compile`]: `kiln compile` and `kiln wasm2obj`.

pub mod compile;
pub mod run;
pub mod spectest;
pub mod wast;
