//! The free list of one kind of pool slot.
//!
//! Slots are handed out last-freed first, so a server that instantiates
//! the same module again and again keeps reusing a warm slot (its pages
//! resident, its protections already right). Each free slot carries a
//! small payload its pool needs when it is taken again (for memories, how
//! many bytes of the slot are accessible).

use crate::vm::error::InstanceError;
use std::sync::Mutex;

/// The index of a slot in one pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotIndex(u32);

impl SlotIndex {
    /// The slot's position in its pool.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Free slots of one pool, and how many there are in all.
#[derive(Debug)]
pub(crate) struct FreeList<P> {
    free: Mutex<Vec<(SlotIndex, P)>>,
    total: u32,
    kind: &'static str,
}

impl<P: Clone> FreeList<P> {
    /// `total` free slots, each with payload `initial`; `kind` names them
    /// in the error for running out ("core instances", "memories").
    pub(crate) fn new(total: u32, initial: P, kind: &'static str) -> Self {
        // The first slot is handed out first.
        let free = (0..total).rev().map(|i| (SlotIndex(i), initial.clone())).collect();
        Self { free: Mutex::new(free), total, kind }
    }

    /// Takes a free slot, or fails when all are in use.
    pub(crate) fn take(&self) -> Result<(SlotIndex, P), InstanceError> {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).pop().ok_or_else(|| {
            InstanceError::ResourceExhausted(format!(
                "maximum concurrent limit of {} for {} reached",
                self.total, self.kind
            ))
        })
    }

    /// Returns a slot, already reset, with its payload.
    pub(crate) fn give(&self, slot: SlotIndex, payload: P) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).push((slot, payload));
    }

    /// How many slots are free.
    pub(crate) fn free_count(&self) -> usize {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_run_out_and_come_back_last_freed_first() {
        let list = FreeList::new(2, 0u8, "widgets");
        let (a, _) = list.take().unwrap();
        let (b, _) = list.take().unwrap();
        assert_eq!((a.index(), b.index()), (0, 1));
        let err = list.take().unwrap_err().to_string();
        assert!(err.contains("maximum concurrent limit of 2 for widgets reached"), "{err}");
        list.give(a, 7);
        assert_eq!(list.take().unwrap(), (a, 7));
    }
}
