//! Table slots: one read-write reservation of `total_tables` slots, each
//! room for `table_elements` pointer-sized elements (page-rounded).

use super::slots::{FreeList, SlotIndex};
use super::{PoolConfig, ZERO_IN_PLACE_PAGES, reset_slot};
use crate::sys::{Mmap, page_size, round_up_to_page};
use crate::vm::error::InstanceError;

#[derive(Debug)]
pub(crate) struct TablePool {
    mmap: Mmap,
    free: FreeList<()>,
    slot_bytes: usize,
    pub(crate) capacity: usize,
    keep_resident: usize,
}

const ELEMENT: usize = std::mem::size_of::<usize>();

impl TablePool {
    pub(crate) fn new(config: &PoolConfig) -> Result<Self, InstanceError> {
        let too_big = || {
            InstanceError::ResourceExhausted(format!(
                "{} table slots of {} elements do not fit the address space",
                config.total_tables, config.table_elements
            ))
        };
        let slot_bytes = round_up_to_page(config.table_elements.checked_mul(ELEMENT).ok_or_else(too_big)?);
        let bytes = slot_bytes.checked_mul(config.total_tables as usize).ok_or_else(too_big)?;
        let mmap = Mmap::accessible(bytes).map_err(|e| {
            InstanceError::ResourceExhausted(format!("cannot reserve {bytes} bytes for table slots: {e}"))
        })?;
        Ok(Self {
            mmap,
            free: FreeList::new(config.total_tables, (), "tables"),
            slot_bytes,
            capacity: config.table_elements,
            keep_resident: config.table_keep_resident.max(ZERO_IN_PLACE_PAGES * page_size()),
        })
    }

    pub(crate) fn free_count(&self) -> usize {
        self.free.free_count()
    }

    /// Takes a zeroed slot of `capacity` elements.
    pub(crate) fn take(&self) -> Result<(SlotIndex, *mut usize), InstanceError> {
        let (slot, ()) = self.free.take()?;
        // SAFETY: the slot lies inside the reservation.
        Ok((slot, unsafe { self.mmap.as_ptr().add(slot.index() * self.slot_bytes).cast() }))
    }

    /// Resets a slot whose first `len` elements were used and returns it.
    pub(crate) fn give(&self, slot: SlotIndex, len: usize) {
        let used = len.saturating_mul(ELEMENT).min(self.slot_bytes);
        if reset_slot(&self.mmap, slot.index() * self.slot_bytes, used, self.keep_resident).is_ok() {
            self.free.give(slot, ());
        }
    }
}
