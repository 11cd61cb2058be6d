//! kiln-environ: the contract between `kiln-compiler` and the kiln runtime.
//!
//! Everything the compiler and the runtime must agree on lives here, and
//! nowhere else: nothing in this crate is copied by hand into another one.
//! It has no libc, no C build and no runtime code, so the compiler that
//! depends on it never links the signal handler.
//!
//! - [`index`], [`types`], [`module_info`]: typed indices, wasm types and
//!   the module description both sides read.
//! - [`vmoffsets`]: the VMContext layout, the single source both sides use.
//! - [`heap`]: the linear-memory reservation that compiled code relies on
//!   to elide bounds checks.
//! - [`libcalls`]: the single list of runtime functions compiled code calls.
//! - [`artifact`]: the artifact header and metadata schema, and their
//!   validation.
//! - [`trap_code`]: trap codes and the code-offset-to-trap table.
//! - [`bug`]: [`bug::KilnBug`] and `bail_bug!`, for states only a kiln bug
//!   can reach.
//! - [`c_api`]: the C interface of a module compiled for a C program
//!   (value slots, status codes, which imports the runtime provides).
//! - [`tunables`]: the compile settings an artifact records (deadlines).

pub mod artifact;
pub mod bug;
pub mod c_api;
pub mod heap;
pub mod index;
pub mod libcalls;
pub mod limiter;
pub mod module_info;
pub mod opt_level;
pub mod trap_code;
pub mod tunables;
pub mod types;
pub mod vmoffsets;

pub use bug::KilnBug;
pub use index::*;
pub use module_info::*;
pub use opt_level::OptLevel;
pub use trap_code::{TrapCode, TrapSite};
pub use tunables::Tunables;
pub use types::*;
