//! The pooling instance allocator: memories, tables and VMContexts come
//! from slots reserved once, when the engine is created, and go back to
//! their pool, reset, when their store drops them.
//!
//! - Memory slots are laid out back to back in one reservation, each
//!   exactly [`RESERVATION_SIZE`] bytes (4 GiB plus the guard), so compiled
//!   code that elides bounds checks is as safe in a slot as in an on-demand
//!   memory: an access past the memory lands in the slot's own guard.
//! - Table and VMContext slots are fixed-size pieces of one read-write
//!   reservation each, committed by the kernel as they are touched.
//! - A returned slot is reset so that the next tenant sees nothing of the
//!   last one: the first `*_keep_resident` bytes are zeroed in place (they
//!   stay resident, so the next tenant does not fault them in again) and
//!   the rest is discarded with `madvise(MADV_DONTNEED)`, which makes it
//!   read as zero. A slot that cannot be reset is never handed out again.
//!
//! Everything a module needs is checked against the pool's limits once,
//! when the module is loaded ([`PoolingAllocator::validate_module`]), so a
//! module that can never fit gets a clear error, not a panic, and no
//! instantiation pays for the check again.

mod memory_pool;
mod slots;
mod table_pool;
mod vmctx_pool;

pub use slots::SlotIndex;

use crate::module_info::ModuleInfo;
use crate::types::WASM_PAGE_SIZE;
use crate::vm::error::InstanceError;
use cranelift_entity::EntityRef;
use memory_pool::MemoryPool;
use table_pool::TablePool;
use vmctx_pool::VmctxPool;

pub use kiln_environ::heap::RESERVATION_SIZE;

/// The pool's sizes and limits (the embedding API's
/// `PoolingAllocationConfig` fills this in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Memory slots.
    pub total_memories: u32,
    /// Table slots.
    pub total_tables: u32,
    /// VMContext slots: how many instances may be live at once.
    pub total_core_instances: u32,
    /// The most bytes a pooled memory may have.
    pub max_memory_size: usize,
    /// The most elements a pooled table may have.
    pub table_elements: usize,
    /// The most bytes one instance's VMContext may take.
    pub max_core_instance_size: usize,
    /// The most memories a module may define.
    pub max_memories_per_module: u32,
    /// The most tables a module may define.
    pub max_tables_per_module: u32,
    /// Bytes at the start of a memory slot zeroed in place, not discarded.
    pub linear_memory_keep_resident: usize,
    /// Bytes at the start of a table slot zeroed in place, not discarded.
    pub table_keep_resident: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            total_memories: 1000,
            total_tables: 1000,
            total_core_instances: 1000,
            max_memory_size: 1 << 32,
            table_elements: 20_000,
            max_core_instance_size: 1 << 20,
            max_memories_per_module: 1,
            max_tables_per_module: 1,
            linear_memory_keep_resident: 0,
            table_keep_resident: 0,
        }
    }
}

/// The pools of one engine.
#[derive(Debug)]
pub struct PoolingAllocator {
    config: PoolConfig,
    pub(crate) memories: MemoryPool,
    pub(crate) tables: TablePool,
    pub(crate) vmctxs: VmctxPool,
}

impl PoolingAllocator {
    /// Reserves every slot. Fails when the address space cannot be
    /// reserved or a size overflows.
    pub fn new(config: PoolConfig) -> Result<Self, InstanceError> {
        if config.max_memory_size as u64 > RESERVATION_SIZE - kiln_environ::heap::GUARD_SIZE {
            return Err(InstanceError::ResourceExhausted(format!(
                "max_memory_size of {} bytes is above the 4 GiB a 32-bit memory can use",
                config.max_memory_size
            )));
        }
        Ok(Self {
            memories: MemoryPool::new(&config)?,
            tables: TablePool::new(&config)?,
            vmctxs: VmctxPool::new(&config)?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Free slots, as (memories, tables, core instances).
    pub fn free_slots(&self) -> (usize, usize, usize) {
        (self.memories.free_count(), self.tables.free_count(), self.vmctxs.free_count())
    }

    /// Whether instances of `module`, whose VMContext takes `vmctx_size`
    /// bytes, fit this pool's limits; the error says which does not.
    pub fn validate_module(&self, module: &ModuleInfo, vmctx_size: usize) -> Result<(), InstanceError> {
        let c = &self.config;
        let limit = |msg: String| Err(InstanceError::PoolLimit(msg));
        if vmctx_size > c.max_core_instance_size {
            return limit(format!(
                "instance allocation for this module requires {vmctx_size} bytes which exceeds the configured \
                 maximum of {} bytes",
                c.max_core_instance_size
            ));
        }
        let memories = module.num_defined_memories();
        if memories > c.max_memories_per_module as usize {
            return limit(format!(
                "defined memories count of {memories} exceeds the per-instance limit of {}",
                c.max_memories_per_module
            ));
        }
        let tables = module.num_defined_tables();
        if tables > c.max_tables_per_module as usize {
            return limit(format!(
                "defined tables count of {tables} exceeds the per-instance limit of {}",
                c.max_tables_per_module
            ));
        }
        for (i, ty) in module.memories.iter().skip(module.num_imported_memories as usize) {
            let min = ty.limits.min.saturating_mul(WASM_PAGE_SIZE);
            if min > c.max_memory_size as u64 {
                return limit(format!(
                    "memory index {} is unsupported in this pooling allocator configuration: memory has a minimum \
                     byte size of {min} which exceeds the limit of {} bytes",
                    i.index(),
                    c.max_memory_size
                ));
            }
        }
        for (i, ty) in module.tables.iter().skip(module.num_imported_tables as usize) {
            if ty.limits.min > c.table_elements as u64 {
                return limit(format!(
                    "table index {} has a minimum element size of {} which exceeds the limit of {}",
                    i.index(),
                    ty.limits.min,
                    c.table_elements
                ));
            }
        }
        Ok(())
    }
}

/// A returned VMContext or table of at most this many pages is zeroed in
/// place whatever `*_keep_resident` says: a `memset` of a few KiB costs
/// less than the `madvise` and the page faults of the next tenant's first
/// writes (instantiation writes every VMContext and every table image).
pub(crate) const ZERO_IN_PLACE_PAGES: usize = 4;

/// `n` rounded down to a multiple of the page size.
fn round_down_to_page(n: usize) -> usize {
    n - n % crate::sys::page_size()
}

/// Resets the first `used` bytes of the slot at offset `start` of `mmap`.
/// When they are at most `keep`, they are zeroed in place (no syscall, and
/// the pages stay resident); otherwise the first `keep` bytes (rounded down
/// to a page) are zeroed and the rest discarded.
fn reset_slot(mmap: &crate::sys::Mmap, start: usize, used: usize, keep: usize) -> std::io::Result<()> {
    let zeroed = if used <= keep { used } else { round_down_to_page(keep) };
    // SAFETY: `[start, start + zeroed)` is inside the slot, accessible (it
    // was in use) and owned by the caller, which is giving the slot back.
    unsafe { std::ptr::write_bytes(mmap.as_ptr().add(start), 0, zeroed) };
    if zeroed < used { mmap.discard(start + zeroed, used - zeroed) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Limits, MemoryType, TableType, WasmRefType};
    use crate::vm::limiter::NoLimiter;
    use crate::vm::memory::LinearMemory;
    use crate::vm::table::Table;
    use std::sync::Arc;

    fn pool(keep: usize) -> Arc<PoolingAllocator> {
        let config = PoolConfig {
            total_memories: 1,
            total_tables: 1,
            total_core_instances: 1,
            table_elements: 1000,
            linear_memory_keep_resident: keep,
            table_keep_resident: keep,
            ..PoolConfig::default()
        };
        Arc::new(PoolingAllocator::new(config).unwrap())
    }

    /// Whether the slot's memory was kept resident or discarded, the next
    /// tenant sees zeroes, also in pages the last one grew into.
    #[test]
    fn memory_slots_come_back_zeroed() {
        for keep in [0, 65536, 1 << 20] {
            let pool = pool(keep);
            for round in 0..3 {
                let ty = MemoryType { limits: Limits { min: 1, max: None } };
                let mut m = LinearMemory::new_pooled(&pool, ty, u64::MAX, None).unwrap();
                assert_eq!(m.pages(), 1);
                assert!(m.as_slice().iter().all(|b| *b == 0), "keep {keep}, round {round}");
                assert_eq!(m.grow(2, &mut NoLimiter), Ok(Some(1)));
                assert!(m.as_slice().iter().all(|b| *b == 0), "keep {keep}, round {round}: grown pages");
                m.as_mut_slice().fill(0xcd);
                assert!(LinearMemory::new_pooled(&pool, ty, u64::MAX, None).is_err(), "one slot only");
            }
            assert_eq!(pool.free_slots().0, 1);
        }
    }

    #[test]
    fn table_slots_come_back_zeroed() {
        for keep in [0, 4096] {
            let pool = pool(keep);
            for _ in 0..3 {
                let ty = TableType { element: WasmRefType::Func, limits: Limits { min: 10, max: None } };
                let mut t = Table::new_pooled(&pool, ty, 0).unwrap();
                assert!(t.elements().iter().all(|e| *e == 0));
                assert_eq!(t.grow(900, 0, &mut NoLimiter), Ok(Some(10)));
                assert!(t.elements().iter().all(|e| *e == 0));
                assert!(t.fill(0, 7, 910));
                assert_eq!(t.grow(100, 0, &mut NoLimiter), Ok(None), "the slot holds 1000 elements");
            }
        }
    }
}
