//! `Global`: a global variable in a store.

use crate::store::{AsContext, AsContextMut, GlobalData, StoreOpaque};
use crate::types::{GlobalType, Mutability};
use crate::values::Val;
use anyhow::{Result, bail};
use kiln_runtime_support::vm::owned::OwnedPtr;
use kiln_runtime_support::vmoffsets::VMGlobalDefinition;

/// A global.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl Global {
    /// Creates a global of type `ty` holding `val`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global> {
        let s = &mut store.as_context_mut().0.opaque;
        val.check(s, *ty.content())?;
        let raw = val.to_raw(s)?;
        let owned = OwnedPtr::new(VMGlobalDefinition { storage: raw.to_le_bytes() });
        let def: *mut VMGlobalDefinition = owned.as_ptr();
        s.globals.push(GlobalData { ty, def, _owned: Some(owned) });
        let index = s.globals.len() - 1;
        s.global_by_def.insert(def as usize, index);
        Ok(Global { store: s.id, index })
    }

    /// The `Global` for storage inside an instance, registered once.
    pub(crate) fn from_definition(store: &mut StoreOpaque, ty: GlobalType, def: *mut VMGlobalDefinition) -> Global {
        if let Some(i) = store.global_by_def.get(&(def as usize)) {
            return Global { store: store.id, index: *i };
        }
        store.globals.push(GlobalData { ty, def, _owned: None });
        let index = store.globals.len() - 1;
        store.global_by_def.insert(def as usize, index);
        Global { store: store.id, index }
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        self.ty_in(&store.as_context().0.opaque)
    }

    pub(crate) fn ty_in(&self, s: &StoreOpaque) -> GlobalType {
        s.check(self.store);
        s.globals[self.index].ty
    }

    /// The current value.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let s = &mut store.as_context_mut().0.opaque;
        s.check(self.store);
        let g = &s.globals[self.index];
        let ty = *g.ty.content();
        // SAFETY: the definition is live storage owned by the store.
        let raw = u128::from_le_bytes(unsafe { (*g.def).storage });
        Val::from_raw(s, raw, ty)
    }

    /// Sets the value; fails for an immutable global or a wrong type.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let s = &mut store.as_context_mut().0.opaque;
        s.check(self.store);
        let ty = s.globals[self.index].ty;
        if ty.mutability() != Mutability::Var {
            bail!("immutable global cannot be set");
        }
        val.check(s, *ty.content())?;
        let raw = val.to_raw(s)?;
        // SAFETY: as in `get`.
        unsafe { (*s.globals[self.index].def).storage = raw.to_le_bytes() };
        Ok(())
    }

    pub(crate) fn definition(&self, store: &StoreOpaque) -> *mut VMGlobalDefinition {
        store.check(self.store);
        store.globals[self.index].def
    }
}
