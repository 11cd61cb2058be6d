//! kiln: load ahead-of-time compiled WebAssembly and run it.
//!
//! The API follows wasmtime's: an [`Engine`] (with a [`Config`]) compiles or
//! loads [`Module`]s; a [`Store`] holds instances and host state; a
//! [`Linker`] names imports; [`Instance`]s hand out [`Func`]s, [`Memory`]s,
//! [`Global`]s and [`Table`]s. Traps come back as `anyhow::Error`s that
//! downcast to [`Trap`] and carry a [`WasmBacktrace`].
//!
//! With the `compiler` feature (default) `Module::new` compiles wasm or
//! wat; without it, only precompiled artifacts load
//! (`Module::deserialize`), for deployments that never compile.

#[cfg(feature = "compiler")]
mod cache;
mod codegen;
mod deadline;
mod debug_info;
mod debug_lines;
mod engine;
mod externals;
mod features;
mod func;
mod global;
mod instance;
mod instance_pre;
mod limiter;
mod limits;
mod linked;
mod linker;
mod memory;
mod memory_images;
mod module;
mod pooling;
mod precompiled;
mod profiling;
mod refs;
mod store;
mod stored_artifact;
mod table;
mod trap;
mod typed;
mod types;
mod v128;
mod values;

pub use anyhow::{Error, Result, bail, ensure, format_err};

/// Errors under wasmtime's module path (`wasmtime::error::Context` and
/// friends). kiln's errors are `anyhow`'s, so these are anyhow's items.
pub mod error {
    pub use anyhow::{Chain, Context, Error, Result, bail, ensure, format_err};
}
#[cfg(feature = "compiler")]
pub use cache::{Cache, CacheConfig, default_cache_directory};
pub use codegen::Strategy;
pub use deadline::UpdateDeadline;
pub use engine::{Config, Engine, MAX_WASM_STACK_LIMIT, OptLevel};
pub use externals::{Export, Extern};
pub use func::{Caller, Func, IntoFunc};
pub use global::Global;
pub use instance::{Instance, LinkError};
pub use instance_pre::InstancePre;
/// How [`Engine::precompile_linkable`] makes a linkable object.
#[cfg(feature = "compiler")]
pub use kiln_compiler::LinkOptions;
pub use kiln_runtime_support::bug::KilnBug;
pub use kiln_runtime_support::vm::error::InstanceError;
pub use limits::{
    DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT, ResourceLimiter, StoreLimits, StoreLimitsBuilder,
};
pub use linked::LinkedArtifact;
pub use linker::Linker;
pub use memory::{Memory, MemoryAccessError};
pub use module::{Module, looks_like_artifact};
pub use pooling::{InstanceAllocationStrategy, PoolingAllocationConfig};
pub use precompiled::Precompiled;
pub use profiling::{ProfilingStrategy, perf_map_path};
pub use refs::{Ref, RefType};
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut};
pub use table::Table;
pub use trap::{FrameInfo, Trap, WasmBacktrace};
pub use typed::{TypedFunc, WasmRet, WasmTy, WasmTyList};
pub use types::{ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, Mutability, TableType, ValType};
pub use v128::V128;
pub use values::{ExternRef, Val};

/// The artifact format, for tools that inspect artifacts.
pub use kiln_runtime_support::artifact;

/// The README's API tour, compiled and run as a doctest.
#[cfg(all(doctest, feature = "compiler"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
