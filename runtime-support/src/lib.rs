//! kiln-runtime-support: the contract between code compiled by
//! `kiln-compiler` and the `kiln` runtime, and what that code needs at run
//! time.
//!
//! - [`vmoffsets`]: the VMContext layout, the single source both sides use.
//! - [`libcalls`]: the single list of runtime functions compiled code calls.
//! - [`artifact`]: the artifact header and metadata schema.
//! - [`trap_code`], [`traphandlers`], [`code_registry`]: traps, from the
//!   faulting instruction to the `Err` the embedder sees.
//! - [`vm`]: memories, tables, instances and the libcall implementations.
//! - [`sys`]: the operating-system specifics.

pub mod artifact;
pub mod code_registry;
pub mod index;
pub mod libcalls;
pub mod module_info;
pub mod opt_level;
pub mod sys;
pub mod trap_code;
pub mod traphandlers;
pub mod types;
pub mod vm;
pub mod vmoffsets;

pub use index::*;
pub use module_info::*;
pub use opt_level::OptLevel;
pub use trap_code::{TrapCode, TrapSite};
pub use types::*;
