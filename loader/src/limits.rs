//! Resource limits: the [`ResourceLimiter`] trait a store consults before
//! a memory or table grows (or is created), and [`StoreLimits`], the
//! ready-made limiter built with [`StoreLimitsBuilder`].
//!
//! A store uses one through [`Store::limiter`](crate::Store::limiter); how
//! the store reaches it from wasm is in `crate::limiter`.

use anyhow::{Result, bail};

/// The default most instances a store may hold.
pub const DEFAULT_INSTANCE_LIMIT: usize = 10000;
/// The default most tables a store's instances may define.
pub const DEFAULT_TABLE_LIMIT: usize = 10000;
/// The default most memories a store's instances may define.
pub const DEFAULT_MEMORY_LIMIT: usize = 10000;

/// Decides how far a store's memories and tables may grow, and how many
/// instances, tables and memories it may hold.
///
/// Memories and tables are asked about at creation too (growing from 0 to
/// their minimum). A refused grow makes `memory.grow`/`table.grow` return
/// -1 and [`Memory::grow`](crate::Memory::grow)/[`Table::grow`](crate::Table::grow)
/// fail; an error makes wasm trap with that error (the call into wasm
/// returns it), and is returned as is on the host.
pub trait ResourceLimiter: Send {
    /// A memory wants to grow from `current` to `desired` bytes; `maximum`
    /// is its type's maximum in bytes, if it has one. `Ok(false)` refuses.
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// A memory grow this limiter allowed (or never saw) failed anyway;
    /// `Err` turns the failure into a trap. Ignored by default.
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// A table wants to grow from `current` to `desired` elements;
    /// `maximum` is its type's maximum, if it has one. `Ok(false)` refuses.
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// A table grow failed anyway; `Err` turns the failure into a trap.
    /// Ignored by default.
    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// The most instances the store may hold, read when the limiter is
    /// installed.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The most tables the store's instances may define.
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// The most memories the store's instances may define.
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// Builds a [`StoreLimits`]; every limit not set is the default (no bound
/// on sizes beyond the types', the default counts).
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// Limits with every default.
    pub fn new() -> Self {
        Self(StoreLimits::default())
    }

    /// No memory may grow beyond `limit` bytes.
    pub fn memory_size(mut self, limit: usize) -> Self {
        self.0.memory_size = Some(limit);
        self
    }

    /// No table may grow beyond `limit` elements.
    pub fn table_elements(mut self, limit: usize) -> Self {
        self.0.table_elements = Some(limit);
        self
    }

    /// At most `limit` instances.
    pub fn instances(mut self, limit: usize) -> Self {
        self.0.instances = limit;
        self
    }

    /// At most `tables` tables defined by instances.
    pub fn tables(mut self, tables: usize) -> Self {
        self.0.tables = tables;
        self
    }

    /// At most `memories` memories defined by instances.
    pub fn memories(mut self, memories: usize) -> Self {
        self.0.memories = memories;
        self
    }

    /// Whether a refused or failed grow traps (with an error saying so)
    /// instead of returning -1 to the guest.
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// Fixed limits on a store's memories, tables and instances.
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

/// Whether growing to `desired` stays within both `limit` and `maximum`.
fn within(desired: usize, limit: Option<usize>, maximum: Option<usize>) -> bool {
    limit.is_none_or(|l| desired <= l) && maximum.is_none_or(|m| desired <= m)
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allow = within(desired, self.memory_size, maximum);
        if !allow && self.trap_on_grow_failure {
            bail!("forcing trap when growing memory to {desired} bytes");
        }
        Ok(allow)
    }

    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("forcing a memory growth failure to be a trap"));
        }
        Ok(())
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allow = within(desired, self.table_elements, maximum);
        if !allow && self.trap_on_grow_failure {
            bail!("forcing trap when growing table to {desired} elements");
        }
        Ok(allow)
    }

    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("forcing a table growth failure to be a trap"));
        }
        Ok(())
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_limits_bound_sizes_by_limit_and_maximum() {
        let mut l = StoreLimitsBuilder::new().memory_size(1 << 20).table_elements(10).build();
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!l.memory_growing(0, (1 << 20) + 1, None).unwrap());
        assert!(!l.memory_growing(0, 1 << 16, Some(1 << 15)).unwrap());
        assert!(l.table_growing(0, 10, Some(10)).unwrap());
        assert!(!l.table_growing(0, 11, None).unwrap());
        assert!(l.memory_grow_failed(anyhow::anyhow!("no")).is_ok());
        assert_eq!((l.instances(), l.tables(), l.memories()), (10000, 10000, 10000));
    }

    #[test]
    fn trap_on_grow_failure_turns_refusals_into_errors() {
        let mut l = StoreLimitsBuilder::new().memory_size(65536).trap_on_grow_failure(true).instances(2).build();
        let e = l.memory_growing(65536, 131072, None).unwrap_err();
        assert_eq!(e.to_string(), "forcing trap when growing memory to 131072 bytes");
        assert!(l.table_grow_failed(anyhow::anyhow!("full")).is_err());
        assert!(l.table_growing(0, 5, None).unwrap());
        assert_eq!(l.instances(), 2);
    }
}
