//! kiln-wast: runs WebAssembly spec scripts (`.wast`) against kiln.
//!
//! - [`run_str`], [`run_file`]: execute every directive of a script and
//!   return a [`Report`] of what passed and what failed, with positions.
//! - [`spectest`]: the `spectest` host module the official scripts import.
//! - [`SpecSuite`]: where the official suite is, and its feature groups.
//!
//! The runner is built on kiln's public embedding API, and on the
//! compiler's error type, to tell `assert_invalid` from "unsupported".

mod patterns;
mod runner;
pub mod spectest;
mod suite;

pub use runner::{Report, WastContext, run_file, run_file_with_config, run_str};
pub use suite::{SUBMODULE, SUITE_ENV, SpecSuite};
