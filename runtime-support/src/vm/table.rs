//! Tables: growable arrays of pointer-sized references.
//!
//! A `funcref` element is a `*const VMFuncRef` (null for `ref.null func`);
//! an `externref` element is an opaque handle the embedding API assigns
//! (0 for `ref.null extern`).

use crate::types::{TableType, WasmRefType};
use crate::vm::error::InstanceError;
use crate::vm::limiter::GrowLimiter;
use crate::vm::owned::OwnedPtr;
use crate::vm::pool::{PoolingAllocator, SlotIndex};
use crate::vmoffsets::VMTableDefinition;
use std::sync::Arc;

/// Tables never grow past this many elements, whatever their type allows,
/// so a guest cannot make the host allocate without bound.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Where a table's elements live.
#[derive(Debug)]
enum Storage {
    /// On the heap; `definition` points into the vector.
    OnDemand(Vec<usize>),
    /// In a slot of an engine's pool, room for `capacity` elements, of
    /// which `definition.current_elements` are in use.
    Pooled { pool: Arc<PoolingAllocator>, slot: SlotIndex, capacity: usize },
}

/// A table. Owned by a store, boxed so its definition has a stable address.
#[derive(Debug)]
pub struct Table {
    definition: VMTableDefinition,
    storage: Storage,
    ty: TableType,
}

// SAFETY: the raw pointer in `definition` points into the vector or pool
// slot this value holds.
unsafe impl Send for Table {}
// SAFETY: as above; mutation needs `&mut self`.
unsafe impl Sync for Table {}

impl Table {
    /// A table of type `ty` with every element `init`.
    pub fn new(ty: TableType, init: usize) -> Result<OwnedPtr<Self>, String> {
        if ty.limits.min > MAX_TABLE_ELEMENTS {
            return Err(format!(
                "table minimum of {} elements exceeds the limit of {MAX_TABLE_ELEMENTS}",
                ty.limits.min
            ));
        }
        let min = ty.limits.min as usize;
        let mut elements = Vec::new();
        elements
            .try_reserve_exact(min)
            .map_err(|_| format!("cannot allocate a table of {min} elements: out of memory"))?;
        elements.resize(min, init);
        let mut t = OwnedPtr::new(Self {
            definition: VMTableDefinition { base: std::ptr::null_mut(), current_elements: 0 },
            storage: Storage::OnDemand(elements),
            ty,
        });
        t.sync();
        Ok(t)
    }

    /// A table of type `ty` with every element `init`, in a slot of
    /// `pool`; it may grow up to the pool's `table_elements`.
    pub fn new_pooled(
        pool: &Arc<PoolingAllocator>,
        ty: TableType,
        init: usize,
    ) -> Result<OwnedPtr<Self>, InstanceError> {
        let capacity = pool.tables.capacity;
        if ty.limits.min > capacity as u64 {
            return Err(InstanceError::PoolLimit(format!(
                "table has a minimum element size of {} which exceeds the limit of {capacity}",
                ty.limits.min
            )));
        }
        let (slot, base) = pool.tables.take()?;
        let mut t = OwnedPtr::new(Self {
            definition: VMTableDefinition { base, current_elements: ty.limits.min as usize },
            storage: Storage::Pooled { pool: pool.clone(), slot, capacity },
            ty,
        });
        // A slot comes zeroed: only a non-null initial value is written.
        if init != 0 {
            t.elements_mut().fill(init);
        }
        Ok(t)
    }

    fn sync(&mut self) {
        if let Storage::OnDemand(v) = &mut self.storage {
            self.definition.base = v.as_mut_ptr();
            self.definition.current_elements = v.len();
        }
    }

    fn elements_mut(&mut self) -> &mut [usize] {
        if self.definition.current_elements == 0 {
            return &mut [];
        }
        // SAFETY: `[base, base + current_elements)` is the table's live,
        // initialized storage (vector or slot), borrowed through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.definition.base, self.definition.current_elements) }
    }

    /// The table's type.
    pub fn ty(&self) -> TableType {
        self.ty
    }

    /// The element type.
    pub fn element(&self) -> WasmRefType {
        self.ty.element
    }

    /// The definition compiled code reads.
    pub fn definition(&mut self) -> *mut VMTableDefinition {
        &mut self.definition
    }

    /// Number of elements.
    pub fn len(&self) -> u64 {
        self.definition.current_elements as u64
    }

    /// Whether the table has no elements.
    pub fn is_empty(&self) -> bool {
        self.definition.current_elements == 0
    }

    /// The elements.
    pub fn elements(&self) -> &[usize] {
        if self.definition.current_elements == 0 {
            return &[];
        }
        // SAFETY: as in `elements_mut`, shared.
        unsafe { std::slice::from_raw_parts(self.definition.base, self.definition.current_elements) }
    }

    /// The element at `index`.
    pub fn get(&self, index: u64) -> Option<usize> {
        self.elements().get(usize::try_from(index).ok()?).copied()
    }

    /// Sets the element at `index`; false when out of bounds.
    pub fn set(&mut self, index: u64, value: usize) -> bool {
        match usize::try_from(index).ok().and_then(|i| self.elements_mut().get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The type's maximum, as a limiter sees it.
    pub fn maximum(&self) -> Option<usize> {
        self.ty.limits.max.and_then(|max| usize::try_from(max).ok())
    }

    /// Grows by `delta` elements set to `init`, returning the old size, or
    /// `None` when `limiter` refused, past the maximum, or out of host
    /// memory. `limiter` is asked first and told of a failure after, as
    /// wasmtime does; its error is returned as is.
    pub fn grow<L: GrowLimiter + ?Sized>(
        &mut self,
        delta: u64,
        init: usize,
        limiter: &mut L,
    ) -> Result<Option<u64>, L::Error> {
        let old = self.len();
        if delta == 0 {
            return Ok(Some(old));
        }
        let Some(new) = old.checked_add(delta) else {
            limiter.table_grow_failed("overflow calculating the new table size")?;
            return Ok(None);
        };
        let desired = usize::try_from(new).unwrap_or(usize::MAX);
        if !limiter.table_growing(self.definition.current_elements, desired, self.maximum())? {
            return Ok(None);
        }
        let max = self.ty.limits.max.unwrap_or(u64::from(u32::MAX)).min(MAX_TABLE_ELEMENTS);
        if new > max {
            limiter.table_grow_failed("table maximum size exceeded")?;
            return Ok(None);
        }
        // `new <= MAX_TABLE_ELEMENTS`, so both fit a `usize`.
        match &mut self.storage {
            Storage::OnDemand(v) => {
                if v.try_reserve(delta as usize).is_err() {
                    limiter.table_grow_failed(&format!("cannot allocate a table of {new} elements: out of memory"))?;
                    return Ok(None);
                }
                v.resize(new as usize, init);
                self.sync();
            }
            Storage::Pooled { capacity, .. } => {
                if new > *capacity as u64 {
                    limiter.table_grow_failed("table size exceeds the pooling allocator's table_elements")?;
                    return Ok(None);
                }
                self.definition.current_elements = new as usize;
                self.elements_mut()[old as usize..].fill(init);
            }
        }
        Ok(Some(old))
    }

    /// `table.fill`: false when out of bounds (nothing written).
    pub fn fill(&mut self, dst: u64, value: usize, len: u64) -> bool {
        match range(dst, len, self.len()) {
            Some(r) => {
                self.elements_mut()[r].fill(value);
                true
            }
            None => false,
        }
    }

    /// Writes `values` at `dst`; false when out of bounds (nothing written).
    pub fn init(&mut self, dst: u64, values: &[usize]) -> bool {
        match range(dst, values.len() as u64, self.len()) {
            Some(r) => {
                self.elements_mut()[r].copy_from_slice(values);
                true
            }
            None => false,
        }
    }

    /// Writes a precomputed element segment at `dst`: element `i` becomes
    /// `vmctx + offsets[i]`, or null for [`NULL_ELEMENT`]. False when out
    /// of bounds (nothing written).
    ///
    /// [`NULL_ELEMENT`]: crate::vm::table_image::NULL_ELEMENT
    pub fn init_from_image(&mut self, dst: u64, vmctx: *mut u8, offsets: &[u32]) -> bool {
        let Some(r) = range(dst, offsets.len() as u64, self.len()) else { return false };
        for (slot, &offset) in self.elements_mut()[r].iter_mut().zip(offsets) {
            *slot = if offset == crate::vm::table_image::NULL_ELEMENT { 0 } else { vmctx as usize + offset as usize };
        }
        true
    }

    /// `table.copy` within one table; false when out of bounds.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> bool {
        let (Some(d), Some(s)) = (range(dst, len, self.len()), range(src, len, self.len())) else {
            return false;
        };
        self.elements_mut().copy_within(s, d.start);
        true
    }

    /// `table.copy` between two distinct tables; false when out of bounds.
    pub fn copy_from(&mut self, dst: u64, src_table: &Table, src: u64, len: u64) -> bool {
        let (Some(d), Some(s)) = (range(dst, len, self.len()), range(src, len, src_table.len())) else {
            return false;
        };
        self.elements_mut()[d].copy_from_slice(&src_table.elements()[s]);
        true
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if let Storage::Pooled { pool, slot, .. } = &self.storage {
            pool.tables.give(*slot, self.definition.current_elements);
        }
    }
}

/// `start..start+len` if it fits in `bound`.
pub fn range(start: u64, len: u64, bound: u64) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= bound).then_some(start as usize..end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Limits;
    use crate::vm::limiter::NoLimiter;

    fn table(min: u64, max: Option<u64>) -> OwnedPtr<Table> {
        Table::new(TableType { element: WasmRefType::Func, limits: Limits { min, max } }, 0).unwrap()
    }

    #[test]
    fn bounds_are_checked_before_writing() {
        let mut t = table(4, Some(5));
        assert!(!t.fill(3, 9, 2));
        assert_eq!(t.elements(), &[0, 0, 0, 0]);
        assert!(t.fill(2, 9, 2));
        assert_eq!(t.grow(1, 1, &mut NoLimiter), Ok(Some(4)));
        assert_eq!(t.grow(1, 1, &mut NoLimiter), Ok(None));
        assert!(t.copy_within(0, 2, 3));
        assert_eq!(t.elements(), &[9, 9, 1, 9, 1]);
        assert!(!t.copy_within(5, 0, 1));
        assert!(t.copy_within(5, 0, 0));
    }
}
