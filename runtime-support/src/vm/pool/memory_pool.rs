//! Memory slots: one reservation of `total_memories` slots of
//! [`RESERVATION_SIZE`] bytes each, kiln's 4 GiB + guard heap layout.
//!
//! A slot's accessible prefix is exactly its memory's current size. A free
//! slot remembers how many bytes it left accessible (already reset), so a
//! new tenant of the same size needs no `mprotect` at all.
//!
//! A slot also keeps its tenant's copy-on-write image mapped after it is
//! returned. The reset is then `madvise(MADV_DONTNEED)` over the whole used
//! range, which makes the image's pages read as the image file again
//! (private copies are dropped) and every other page read as zero. The
//! next tenant of the same module finds its image already in place and
//! maps nothing; a tenant of another module first has the old image
//! replaced with zero pages.

use super::slots::{FreeList, SlotIndex};
use super::{PoolConfig, RESERVATION_SIZE, reset_slot};
use crate::sys::Mmap;
use crate::vm::error::InstanceError;
use crate::vm::memory_image::MemoryImage;
use std::io;

/// What a free slot holds.
#[derive(Debug, Clone, Default)]
struct FreeSlot {
    /// Its first `accessible` bytes are open, and read as zero except
    /// where `image` is mapped.
    accessible: usize,
    /// The image still mapped in it, reading as the image.
    image: Option<MemoryImage>,
}

#[derive(Debug)]
pub(crate) struct MemoryPool {
    mmap: Mmap,
    free: FreeList<FreeSlot>,
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
            free: FreeList::new(config.total_memories, FreeSlot::default(), "memories"),
            keep_resident: config.linear_memory_keep_resident,
        })
    }

    pub(crate) fn free_count(&self) -> usize {
        self.free.free_count()
    }

    /// Takes a slot and makes exactly its first `len` bytes accessible,
    /// reading as `image` where it lies and as zero elsewhere. Returns the
    /// slot and its base.
    pub(crate) fn take(&self, len: usize, image: Option<&MemoryImage>) -> Result<(SlotIndex, *mut u8), InstanceError> {
        let (slot, free) = self.free.take()?;
        let start = slot_start(slot);
        if let Err(e) = self.prepare(start, &free, len, image) {
            // The slot is in an unknown state: start it afresh.
            if self.mmap.decommit(start, free.accessible.max(len)).is_ok() {
                self.free.give(slot, FreeSlot::default());
            }
            return Err(InstanceError::ResourceExhausted(format!("failed to open a pooled memory: {e}")));
        }
        // SAFETY: the slot lies inside the reservation.
        Ok((slot, unsafe { self.mmap.as_ptr().add(start) }))
    }

    fn prepare(&self, start: usize, free: &FreeSlot, len: usize, image: Option<&MemoryImage>) -> io::Result<()> {
        let kept = matches!((&free.image, image), (Some(old), Some(new)) if old.same(new));
        if let (Some(old), false) = (&free.image, kept) {
            // Zero pages in place of the old image, open as before (the
            // image lay inside the accessible prefix).
            old.remove_from(&self.mmap, start)?;
            let r = old.linear_range();
            self.mmap.make_accessible(start + r.start, r.len())?;
        }
        if free.accessible > len {
            self.mmap.make_inaccessible(start + len, free.accessible - len)?;
        } else {
            self.mmap.make_accessible(start + free.accessible, len - free.accessible)?;
        }
        match (image, kept) {
            (Some(new), false) => new.map_into(&self.mmap, start, len),
            _ => Ok(()),
        }
    }

    /// Opens `[old, new)` of a slot in use, for `memory.grow`.
    pub(crate) fn grow(&self, slot: SlotIndex, old: usize, new: usize) -> io::Result<()> {
        self.mmap.make_accessible(slot_start(slot) + old, new - old)
    }

    /// Resets a slot whose first `used` bytes are accessible, with `image`
    /// mapped in it, and returns it.
    pub(crate) fn give(&self, slot: SlotIndex, used: usize, image: Option<MemoryImage>) {
        let start = slot_start(slot);
        let reset = match image {
            // Zeroing in place would write zeros over the image's pages:
            // dropping them brings the image back instead.
            Some(_) => self.mmap.discard(start, used),
            None => reset_slot(&self.mmap, start, used, self.keep_resident),
        };
        if reset.is_ok() {
            self.free.give(slot, FreeSlot { accessible: used, image });
        } else if self.mmap.decommit(start, used).is_ok() {
            // Fresh inaccessible zero pages, image gone: as good as new.
            self.free.give(slot, FreeSlot::default());
        }
        // Otherwise the slot may still hold the last tenant's data: it is
        // never handed out again.
    }
}
