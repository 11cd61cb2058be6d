//! Why building or initializing an instance failed.

use crate::trap_code::TrapCode;
use kiln_environ::bug::KilnBug;

/// An instantiation failure inside the runtime.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    /// A segment did not fit: instantiation traps, as the spec says.
    #[error(transparent)]
    Trap(#[from] TrapCode),
    /// The host could not provide the memory the instance needs.
    #[error("resource exhausted: {0}")]
    ResourceExhausted(String),
    /// The module does not fit the pooling allocator's limits.
    #[error("{0}")]
    PoolLimit(String),
    /// A state only a kiln bug (or metadata that got past validation) can
    /// reach.
    #[error(transparent)]
    Bug(#[from] KilnBug),
}
