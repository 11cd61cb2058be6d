//! `Table`: a table of references in a store.

use crate::refs::Ref;
use crate::store::{AsContext, AsContextMut};
use crate::types::{TableType, ValType};
use crate::values::Val;
use anyhow::{Result, anyhow, bail};

/// A table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl Table {
    /// Creates a table of type `ty` with every element `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        let (s, limiter) = store.as_context_mut().0.opaque_and_limiter();
        let init = Val::from(init);
        init.check(s, ty.element().to_val_type())?;
        let raw = init.to_raw(s)? as usize;
        crate::limiter::check_new_table(limiter, &ty.wasm)?;
        let t = crate::instance::allocate_table(s.engine.pool(), ty.wasm, raw)?;
        s.tables.push(t);
        Ok(Table { store: s.id, index: s.tables.len() - 1 })
    }

    /// The table's type (its minimum is the current size).
    pub fn ty(&self, store: impl AsContext) -> TableType {
        self.ty_in(&store.as_context().0.opaque)
    }

    pub(crate) fn ty_in(&self, s: &crate::store::StoreOpaque) -> TableType {
        s.check(self.store);
        let t = &s.tables[self.index];
        let mut ty = TableType { wasm: t.ty() };
        ty.wasm.limits.min = t.len();
        ty
    }

    fn element(&self, store: impl AsContext) -> ValType {
        self.ty(store).element().to_val_type()
    }

    /// The current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let s = &store.as_context().0.opaque;
        s.check(self.store);
        s.tables[self.index].len()
    }

    /// The element at `index`, if in bounds.
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Ref> {
        let ty = self.element(&store);
        let s = &mut store.as_context_mut().0.opaque;
        let raw = s.tables[self.index].get(index)?;
        Ref::from_val(Val::from_raw(s, raw as u128, ty))
    }

    /// Sets the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Ref) -> Result<()> {
        let val = Val::from(val);
        let ty = self.element(&store);
        let s = &mut store.as_context_mut().0.opaque;
        val.check(s, ty)?;
        let raw = val.to_raw(s)? as usize;
        if !s.tables[self.index].set(index, raw) {
            bail!("table element index {index} out of bounds");
        }
        Ok(())
    }

    /// Grows by `delta` elements set to `init`, returning the previous size.
    /// Fails when the type's maximum or the store's limiter does not allow
    /// it (with the limiter's error, if it gave one).
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        let init = Val::from(init);
        let ty = self.element(&store);
        let (s, limiter) = store.as_context_mut().0.opaque_and_limiter();
        init.check(s, ty)?;
        let raw = init.to_raw(s)? as usize;
        let grown = s.tables[self.index].grow(delta, raw, &mut crate::limiter::StoreGrowLimiter(limiter))?;
        grown.ok_or_else(|| anyhow!("failed to grow table by `{delta}`"))
    }
}
