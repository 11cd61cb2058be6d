//! The contract between the runtime and the store's resource limiter.
//!
//! Memory and table growth from wasm (`memory.grow`, `table.grow`) runs in
//! a libcall, which does not know the store's type. The store installs a
//! [`LimiterHook`] in `VMStoreContext::limiter_hook` when the embedder sets
//! a limiter; the runtime asks it each [`LimiterCall`] and obeys the
//! [`LimiterAnswer`]. Compiled code never reads the hook.

/// One question for the store's limiter, in the embedding API's terms
/// (sizes in bytes for memories, in elements for tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimiterCall<'a> {
    /// `ResourceLimiter::memory_growing`.
    MemoryGrowing {
        /// Current size in bytes.
        current: usize,
        /// Size asked for, in bytes.
        desired: usize,
        /// The memory type's maximum in bytes, if it has one.
        maximum: Option<usize>,
    },
    /// `ResourceLimiter::memory_grow_failed`, with why.
    MemoryGrowFailed(&'a str),
    /// `ResourceLimiter::table_growing`.
    TableGrowing {
        /// Current number of elements.
        current: usize,
        /// Number of elements asked for.
        desired: usize,
        /// The table type's maximum, if it has one.
        maximum: Option<usize>,
    },
    /// `ResourceLimiter::table_grow_failed`, with why.
    TableGrowFailed(&'a str),
}

/// What the limiter decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimiterAnswer {
    /// Go ahead (for a `*GrowFailed` call: report the failure as a refused
    /// grow).
    Allow,
    /// Refuse the grow: `memory.grow`/`table.grow` return -1.
    Refuse,
    /// The limiter returned an error, which the store keeps: the caller
    /// traps, and the call into wasm returns that error.
    Trap,
}

/// The store's limiter entry point, given the store (`vmctx_store`).
pub type LimiterHook = unsafe fn(store: *mut u8, call: LimiterCall<'_>) -> LimiterAnswer;
