//! VMContext slots: one read-write reservation of `total_core_instances`
//! slots of `max_core_instance_size` bytes (page-rounded). A slot is
//! handed out zeroed; a returned one is zeroed in place when small (the
//! usual case: a VMContext is a few hundred bytes), discarded when large.

use super::slots::{FreeList, SlotIndex};
use super::{PoolConfig, ZERO_IN_PLACE_PAGES, reset_slot};
use crate::sys::{Mmap, page_size, round_up_to_page};
use crate::vm::error::InstanceError;

#[derive(Debug)]
pub(crate) struct VmctxPool {
    mmap: Mmap,
    free: FreeList<()>,
    slot_bytes: usize,
}

impl VmctxPool {
    pub(crate) fn new(config: &PoolConfig) -> Result<Self, InstanceError> {
        let slot_bytes = round_up_to_page(config.max_core_instance_size.max(1));
        let bytes = slot_bytes.checked_mul(config.total_core_instances as usize).ok_or_else(|| {
            InstanceError::ResourceExhausted(format!(
                "{} core instance slots do not fit the address space",
                config.total_core_instances
            ))
        })?;
        let mmap = Mmap::accessible(bytes).map_err(|e| {
            InstanceError::ResourceExhausted(format!("cannot reserve {bytes} bytes for VMContext slots: {e}"))
        })?;
        Ok(Self { mmap, free: FreeList::new(config.total_core_instances, (), "core instances"), slot_bytes })
    }

    pub(crate) fn free_count(&self) -> usize {
        self.free.free_count()
    }

    /// Takes a zeroed slot; the caller checked its size fits the slot.
    pub(crate) fn take(&self) -> Result<(SlotIndex, *mut u8), InstanceError> {
        let (slot, ()) = self.free.take()?;
        // SAFETY: the slot lies inside the reservation.
        Ok((slot, unsafe { self.mmap.as_ptr().add(slot.index() * self.slot_bytes) }))
    }

    /// Zeroes the first `used` bytes of a slot and returns it.
    pub(crate) fn give(&self, slot: SlotIndex, used: usize) {
        let used = used.min(self.slot_bytes);
        if reset_slot(&self.mmap, slot.index() * self.slot_bytes, used, ZERO_IN_PLACE_PAGES * page_size()).is_ok() {
            self.free.give(slot, ());
        }
    }
}
