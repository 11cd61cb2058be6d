//! The library half of the `kiln` command line: everything the subcommands
//! do, so integration tests can call it in-process.
//!
//! - [`wast`]: the spec-script runner behind `kiln wast`.
//! - [`spectest`]: the `spectest` host module those scripts import.
//! - [`run`]: `kiln run` (argument parsing for `--invoke`, module loading).

pub mod run;
pub mod spectest;
pub mod wast;
