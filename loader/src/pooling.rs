//! `InstanceAllocationStrategy` and `PoolingAllocationConfig`, with
//! wasmtime's spellings and defaults: how an engine allocates the
//! memories, tables and VMContexts of its instances.

use kiln_runtime_support::vm::pool::PoolConfig;

/// How an engine allocates what its instances need.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum InstanceAllocationStrategy {
    /// Allocate at instantiation, free when the store is dropped (the
    /// default). Memory reservations are still reused process-wide.
    #[default]
    OnDemand,
    /// Take everything from slots the engine reserves once, when it is
    /// created; slots go back to the pool, reset, when the store is dropped.
    Pooling(PoolingAllocationConfig),
}

impl InstanceAllocationStrategy {
    /// The pooling strategy with the default configuration.
    pub fn pooling() -> Self {
        Self::Pooling(PoolingAllocationConfig::default())
    }
}

/// The sizes and limits of the pooling allocator.
#[derive(Clone, Debug, Default)]
pub struct PoolingAllocationConfig {
    pub(crate) config: PoolConfig,
}

impl PoolingAllocationConfig {
    /// The default configuration: 1000 slots of each kind, 4 GiB memories,
    /// 20,000-element tables, 1 MiB VMContexts, one memory and one table
    /// per module, nothing kept resident.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many memories may be live at once (default 1000). Each takes
    /// one 6 GiB slot of address space (4 GiB and its guard), reserved
    /// when the engine is created.
    pub fn total_memories(&mut self, count: u32) -> &mut Self {
        self.config.total_memories = count;
        self
    }

    /// How many tables may be live at once (default 1000).
    pub fn total_tables(&mut self, count: u32) -> &mut Self {
        self.config.total_tables = count;
        self
    }

    /// How many instances may be live at once (default 1000).
    pub fn total_core_instances(&mut self, count: u32) -> &mut Self {
        self.config.total_core_instances = count;
        self
    }

    /// The most bytes a memory may have, initially or by growing (default
    /// 4 GiB, also the most it can be). A module whose memory starts larger
    /// fails to instantiate; `memory.grow` past it returns -1.
    pub fn max_memory_size(&mut self, bytes: usize) -> &mut Self {
        self.config.max_memory_size = bytes;
        self
    }

    /// The most elements a table may have, initially or by growing
    /// (default 20,000).
    pub fn table_elements(&mut self, elements: usize) -> &mut Self {
        self.config.table_elements = elements;
        self
    }

    /// The most bytes an instance's VMContext may take (default 1 MiB).
    pub fn max_core_instance_size(&mut self, size: usize) -> &mut Self {
        self.config.max_core_instance_size = size;
        self
    }

    /// The most memories a module may define (default 1).
    pub fn max_memories_per_module(&mut self, memories: u32) -> &mut Self {
        self.config.max_memories_per_module = memories;
        self
    }

    /// The most tables a module may define (default 1).
    pub fn max_tables_per_module(&mut self, tables: u32) -> &mut Self {
        self.config.max_tables_per_module = tables;
        self
    }

    /// How many bytes at the start of a returned memory slot are zeroed in
    /// place and stay resident, instead of being given back to the kernel
    /// with `madvise(MADV_DONTNEED)` (default 0). Zeroing costs time per
    /// byte; discarding costs a syscall and page faults for the next tenant.
    pub fn linear_memory_keep_resident(&mut self, size: usize) -> &mut Self {
        self.config.linear_memory_keep_resident = size;
        self
    }

    /// As [`linear_memory_keep_resident`](Self::linear_memory_keep_resident),
    /// for table slots (default 0). Unlike wasmtime, kiln zeroes the first
    /// 4 pages of a returned table slot in place whatever this says: it
    /// writes tables at instantiation (from a precomputed image) rather
    /// than lazily, and a small `memset` is cheaper than the page faults
    /// that discarding would cost the next tenant.
    pub fn table_keep_resident(&mut self, size: usize) -> &mut Self {
        self.config.table_keep_resident = size;
        self
    }

    /// Whether memory protection keys (MPK) can be used: always false.
    /// kiln does not use MPK to pack memory slots more densely; every slot
    /// has its own full guard region instead.
    pub fn are_memory_protection_keys_available() -> bool {
        false
    }
}
