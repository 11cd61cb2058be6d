//! Memory slots: one reservation of `total_memories` slots of
//! [`RESERVATION_SIZE`] bytes each, kiln's 4 GiB + guard heap layout.
//!
//! A slot's accessible prefix is exactly its memory's current size. A free
//! slot remembers how many bytes it left accessible (already zeroed), so
//! a new tenant of the same size needs no `mprotect` at all.

use super::slots::{FreeList, SlotIndex};
use super::{PoolConfig, RESERVATION_SIZE, reset_slot};
use crate::sys::Mmap;
use crate::vm::error::InstanceError;
use std::io;

#[derive(Debug)]
pub(crate) struct MemoryPool {
    mmap: Mmap,
    /// Free slots, each with its accessible (and zeroed) byte count.
    free: FreeList<usize>,
    keep_resident: usize,
}

fn slot_start(slot: SlotIndex) -> usize {
    slot.index() * RESERVATION_SIZE as usize
}

impl MemoryPool {
    pub(crate) fn new(config: &PoolConfig) -> Result<Self, InstanceError> {
        let bytes = (RESERVATION_SIZE as usize).checked_mul(config.total_memories as usize).ok_or_else(|| {
            InstanceError::ResourceExhausted(format!(
                "{} memory slots do not fit the address space",
                config.total_memories
            ))
        })?;
        let mmap = Mmap::reserve(bytes).map_err(|e| {
            InstanceError::ResourceExhausted(format!(
                "cannot reserve {bytes} bytes of address space for {} memory slots: {e}",
                config.total_memories
            ))
        })?;
        Ok(Self {
            mmap,
            free: FreeList::new(config.total_memories, 0, "memories"),
            keep_resident: config.linear_memory_keep_resident,
        })
    }

    pub(crate) fn free_count(&self) -> usize {
        self.free.free_count()
    }

    /// Takes a slot and makes exactly its first `len` bytes accessible
    /// (all zero). Returns the slot and its base.
    pub(crate) fn take(&self, len: usize) -> Result<(SlotIndex, *mut u8), InstanceError> {
        let (slot, accessible) = self.free.take()?;
        let start = slot_start(slot);
        let fitted = if accessible > len {
            self.mmap.make_inaccessible(start + len, accessible - len)
        } else {
            self.mmap.make_accessible(start + accessible, len - accessible)
        };
        if let Err(e) = fitted {
            self.give(slot, accessible);
            return Err(InstanceError::ResourceExhausted(format!("failed to open a pooled memory: {e}")));
        }
        // SAFETY: the slot lies inside the reservation.
        Ok((slot, unsafe { self.mmap.as_ptr().add(start) }))
    }

    /// Opens `[old, new)` of a slot in use, for `memory.grow`.
    pub(crate) fn grow(&self, slot: SlotIndex, old: usize, new: usize) -> io::Result<()> {
        self.mmap.make_accessible(slot_start(slot) + old, new - old)
    }

    /// Resets a slot whose first `used` bytes are accessible and returns it.
    pub(crate) fn give(&self, slot: SlotIndex, used: usize) {
        let start = slot_start(slot);
        if reset_slot(&self.mmap, start, used, self.keep_resident).is_ok() {
            self.free.give(slot, used);
        } else if self.mmap.decommit(start, used).is_ok() {
            // Fresh inaccessible zero pages: as good as new.
            self.free.give(slot, 0);
        }
        // Otherwise the slot may still hold the last tenant's data: it is
        // never handed out again.
    }
}
