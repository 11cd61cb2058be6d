//! kiln-runtime-support: what code compiled by `kiln-compiler` needs at run
//! time.
//!
//! The contract both sides agree on (indices, types, `ModuleInfo`, the
//! VMContext layout, the libcall list, the artifact schema and trap codes)
//! is `kiln-environ`; it is re-exported here so the runtime and the loader
//! name one thing.
//!
//! - [`traphandlers`], [`code_registry`]: traps, from the faulting
//!   instruction to the `Err` the embedder sees.
//! - [`vm`]: memories, tables, instances and the libcall implementations.
//! - [`code_memory`], [`reloc`]: an artifact's code, relocated and mapped
//!   executable.
//! - [`gdb_jit`]: loaded code registered with debuggers.
//! - [`sys`]: the operating-system specifics.

pub use kiln_environ::{
    artifact, bail_bug, bug, heap, index, kiln_bug, libcalls, module_info, opt_level, trap_code, tunables, types,
    vmoffsets,
};

pub mod code_memory;
pub mod code_registry;
pub mod gdb_jit;
pub mod reloc;
pub mod sys;
pub mod traphandlers;
pub mod vm;

pub use kiln_environ::index::*;
pub use kiln_environ::module_info::*;
pub use kiln_environ::opt_level::OptLevel;
pub use kiln_environ::trap_code::{TrapCode, TrapSite};
pub use kiln_environ::types::*;
