//! Linear memories backed by a full-size reservation.
//!
//! A 32-bit memory reserves 4 GiB plus a guard region up front, so its base
//! never moves and a 32-bit index plus a static offset below the guard size
//! always lands inside the reservation: an out-of-bounds access faults on an
//! inaccessible page and becomes a trap, with no bounds check in the code.
//!
//! Creating and destroying a 6 GiB reservation costs more than everything
//! else an instantiation does, so a dropped memory's reservation is kept in
//! a small process-wide pool and reused. Before it enters the pool its used
//! pages are decommitted ([`Mmap::decommit`]): the whole reservation is then
//! inaccessible and reads as zero once opened, exactly like a new one.
//! That covers a copy-on-write image mapped over the first pages
//! ([`LinearMemory::new_with_image`]): an image lies inside the memory's
//! minimum size, so inside the used range, and the decommit replaces its
//! file mapping, and every private copy of its pages, with anonymous zero
//! pages.
//!
//! With the pooling allocator a memory lives in a slot of the engine's
//! pool instead ([`LinearMemory::new_pooled`]), with the same layout; the
//! slot goes back to the pool, reset, when the memory is dropped. A slot
//! keeps its image mapped between tenants of the same module (see
//! `vm/pool/memory_pool.rs`).

use crate::sys::{Mmap, page_size};
use crate::types::{MemoryType, WASM_PAGE_SIZE, WASM32_MAX_PAGES};
use crate::vm::error::InstanceError;
use crate::vm::limiter::GrowLimiter;
use crate::vm::memory_image::MemoryImage;
use crate::vm::owned::OwnedPtr;
use crate::vm::pool::{PoolingAllocator, SlotIndex};
use crate::vmoffsets::VMMemoryDefinition;

use std::io;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};

pub use kiln_environ::heap::{GUARD_SIZE, RESERVATION_SIZE};

/// At most this many idle reservations are kept for reuse (address space
/// only: their pages are decommitted).
const POOL_CAPACITY: usize = 16;

/// Idle, fully decommitted reservations of `RESERVATION_SIZE` bytes.
static POOL: Mutex<Vec<Mmap>> = Mutex::new(Vec::new());

/// A fresh or reused reservation, entirely inaccessible.
fn take_reservation() -> io::Result<Mmap> {
    let pooled = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
    match pooled {
        Some(mmap) => Ok(mmap),
        None => Mmap::reserve(RESERVATION_SIZE as usize),
    }
}

/// Decommits the first `used` bytes of `mmap` and keeps it for reuse, or
/// unmaps it when the pool is full or the decommit failed.
fn release_reservation(mmap: Mmap, used: usize) {
    if mmap.decommit(0, used).is_err() {
        return; // dropped: unmapped
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < POOL_CAPACITY {
        pool.push(mmap);
    }
}

/// The maximum of a memory of type `ty` in bytes, as a resource limiter
/// sees it (as wasmtime reports it): the declared maximum, or 4 GiB (or the
/// minimum, if larger) for a memory without one.
pub fn maximum_byte_size(ty: &MemoryType) -> Option<usize> {
    let pages = ty.limits.max.unwrap_or(WASM32_MAX_PAGES.max(ty.limits.min));
    usize::try_from(pages.checked_mul(WASM_PAGE_SIZE)?).ok()
}

/// Where a memory's reservation comes from.
#[derive(Debug)]
enum Backing {
    /// Its own reservation (taken out only by `Drop`).
    OnDemand(ManuallyDrop<Mmap>),
    /// A slot of an engine's pool, with the image mapped into it, if any.
    Pooled(Arc<PoolingAllocator>, SlotIndex, Option<MemoryImage>),
}

/// A linear memory. Owned by a store, boxed so its definition has a stable
/// address that VMContexts point to.
#[derive(Debug)]
pub struct LinearMemory {
    definition: VMMemoryDefinition,
    backing: Backing,
    ty: MemoryType,
    max_pages: u64,
}

/// The most pages a memory of type `ty` may have, or an error when its
/// minimum is already above that.
fn max_pages_for(ty: MemoryType, limit_pages: u64) -> Result<u64, String> {
    let max_pages = ty.limits.max.unwrap_or(WASM32_MAX_PAGES).min(WASM32_MAX_PAGES).min(limit_pages);
    if ty.limits.min > max_pages {
        return Err(format!("memory minimum of {} pages exceeds the limit of {max_pages} pages", ty.limits.min));
    }
    Ok(max_pages)
}

// SAFETY: the raw pointer in `definition` points into `mmap`, which this
// value owns.
unsafe impl Send for LinearMemory {}
// SAFETY: as above; mutation needs `&mut self`.
unsafe impl Sync for LinearMemory {}

impl LinearMemory {
    /// Reserves and opens a memory of type `ty`, with at most `limit_pages`
    /// pages whatever its type says.
    pub fn new(ty: MemoryType, limit_pages: u64) -> io::Result<OwnedPtr<Self>> {
        Self::new_with_image(ty, limit_pages, None)
    }

    /// Like [`LinearMemory::new`], with `image` mapped copy-on-write over
    /// its first pages. The image's range is mapped straight from the
    /// image's file rather than opened first and then replaced, which
    /// saves splitting the reservation twice.
    pub fn new_with_image(ty: MemoryType, limit_pages: u64, image: Option<&MemoryImage>) -> io::Result<OwnedPtr<Self>> {
        let max_pages = max_pages_for(ty, limit_pages).map_err(io::Error::other)?;
        let mmap = take_reservation()?;
        let len = (ty.limits.min * WASM_PAGE_SIZE) as usize;
        let opened = match image {
            None => mmap.make_accessible(0, len),
            Some(image) => {
                let r = image.linear_range();
                image.map_into(&mmap, 0, len).and_then(|()| {
                    mmap.make_accessible(0, r.start)?;
                    mmap.make_accessible(r.end, len.saturating_sub(r.end))
                })
            }
        };
        if let Err(e) = opened {
            release_reservation(mmap, len);
            return Err(e);
        }
        Ok(OwnedPtr::new(Self {
            definition: VMMemoryDefinition { base: mmap.as_ptr(), current_length: len },
            backing: Backing::OnDemand(ManuallyDrop::new(mmap)),
            ty,
            max_pages,
        }))
    }

    /// Opens a memory of type `ty` in a slot of `pool`, with at most
    /// `limit_pages` pages and never more than the pool's
    /// `max_memory_size`, with `image` mapped copy-on-write over its first
    /// pages.
    pub fn new_pooled(
        pool: &Arc<PoolingAllocator>,
        ty: MemoryType,
        limit_pages: u64,
        image: Option<&MemoryImage>,
    ) -> Result<OwnedPtr<Self>, InstanceError> {
        let pool_pages = pool.config().max_memory_size as u64 / WASM_PAGE_SIZE;
        let max_pages = max_pages_for(ty, limit_pages.min(pool_pages)).map_err(InstanceError::PoolLimit)?;
        let len = (ty.limits.min * WASM_PAGE_SIZE) as usize;
        let (slot, base) = pool.memories.take(len, image)?;
        Ok(OwnedPtr::new(Self {
            definition: VMMemoryDefinition { base, current_length: len },
            backing: Backing::Pooled(pool.clone(), slot, image.cloned()),
            ty,
            max_pages,
        }))
    }

    /// The memory's type.
    pub fn ty(&self) -> MemoryType {
        self.ty
    }

    /// The definition compiled code reads.
    pub fn definition(&mut self) -> *mut VMMemoryDefinition {
        &mut self.definition
    }

    /// Start of the memory.
    pub fn base(&self) -> *mut u8 {
        self.definition.base
    }

    /// Current size in bytes.
    pub fn byte_len(&self) -> usize {
        self.definition.current_length
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.byte_len() as u64 / WASM_PAGE_SIZE
    }

    /// The most pages it may grow to.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The type's maximum in bytes, as a limiter sees it.
    pub fn maximum_byte_size(&self) -> Option<usize> {
        maximum_byte_size(&self.ty)
    }

    /// Grows by `delta` pages, returning the old size in pages, or `None`
    /// when `limiter` refused, the maximum would be exceeded or the host is
    /// out of memory. `limiter` is asked first and told of a failure after,
    /// as wasmtime does; its error is returned as is.
    pub fn grow<L: GrowLimiter + ?Sized>(&mut self, delta: u64, limiter: &mut L) -> Result<Option<u64>, L::Error> {
        let old = self.pages();
        if delta == 0 {
            return Ok(Some(old));
        }
        let new = old.saturating_add(delta);
        if new > WASM32_MAX_PAGES {
            limiter.memory_grow_failed("memory growth exceeds the memory type's limits")?;
            return Ok(None);
        }
        let old_bytes = self.byte_len();
        // At most 4 GiB: fits a 64-bit host's `usize`.
        let new_bytes = (new * WASM_PAGE_SIZE) as usize;
        if !limiter.memory_growing(old_bytes, new_bytes, self.maximum_byte_size())? {
            return Ok(None);
        }
        if new > self.max_pages {
            limiter.memory_grow_failed("memory maximum size exceeded")?;
            return Ok(None);
        }
        debug_assert_eq!(old_bytes % page_size(), 0);
        let opened = match &self.backing {
            Backing::OnDemand(mmap) => mmap.make_accessible(old_bytes, new_bytes - old_bytes),
            Backing::Pooled(pool, slot, _) => pool.memories.grow(*slot, old_bytes, new_bytes),
        };
        if let Err(e) = opened {
            limiter.memory_grow_failed(&format!("cannot commit {new_bytes} bytes of memory: {e}"))?;
            return Ok(None);
        }
        self.definition.current_length = new_bytes;
        Ok(Some(old))
    }

    /// The accessible bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `[base, base + len)` is mapped read-write and owned by us.
        unsafe { std::slice::from_raw_parts(self.base(), self.byte_len()) }
    }

    /// The accessible bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.base(), self.byte_len()) }
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        let used = self.definition.current_length;
        match &mut self.backing {
            Backing::OnDemand(mmap) => {
                // SAFETY: `mmap` is not used again: this is the memory's last use.
                let mmap = unsafe { ManuallyDrop::take(mmap) };
                release_reservation(mmap, used);
            }
            Backing::Pooled(pool, slot, image) => pool.memories.give(*slot, used, image.take()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Limits;
    use crate::vm::limiter::NoLimiter;

    #[test]
    fn grows_within_its_maximum() {
        let ty = MemoryType { limits: Limits { min: 1, max: Some(3) } };
        let mut m = LinearMemory::new(ty, u64::MAX).unwrap();
        assert_eq!(m.pages(), 1);
        assert_eq!(m.grow(2, &mut NoLimiter), Ok(Some(1)));
        assert_eq!(m.grow(1, &mut NoLimiter), Ok(None));
        m.as_mut_slice()[3 * 65536 - 1] = 7;
        assert_eq!(m.as_slice()[3 * 65536 - 1], 7);
    }

    /// Whichever reservation comes back from the pool, a new memory reads
    /// as zero, including pages it grows into, and has its own size.
    #[test]
    fn reused_reservations_start_zeroed() {
        for round in 0..4u64 {
            let ty = MemoryType { limits: Limits { min: 1 + round % 2, max: None } };
            let mut m = LinearMemory::new(ty, u64::MAX).unwrap();
            assert_eq!(m.pages(), 1 + round % 2);
            assert!(m.as_slice().iter().all(|b| *b == 0), "round {round}: memory starts zeroed");
            assert_eq!(m.grow(2, &mut NoLimiter), Ok(Some(1 + round % 2)));
            assert!(m.as_slice().iter().all(|b| *b == 0), "round {round}: grown pages are zeroed");
            m.as_mut_slice().fill(0xab);
        }
    }
}
