//! `Memory`: a linear memory in a store.

use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreOpaque};
use crate::types::MemoryType;
use anyhow::{Result, anyhow};
use kiln_runtime_support::vm::memory::LinearMemory;
use kiln_runtime_support::vm::owned::OwnedPtr;
use std::fmt;

/// A linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

/// An out-of-bounds `Memory::read` or `Memory::write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryAccessError;

impl fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("out of bounds memory access")
    }
}

impl std::error::Error for MemoryAccessError {}

/// Memories never grow past this many pages, whatever their type allows.
pub(crate) const MEMORY_LIMIT_PAGES: u64 = 65536;

impl Memory {
    /// Creates a memory of type `ty`.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let (s, limiter) = store.as_context_mut().0.opaque_and_limiter();
        crate::limiter::check_new_memory(limiter, &ty.wasm)?;
        let mem = crate::instance::allocate_memory(s.engine.pool(), ty.wasm, None)?;
        Ok(Self::from_vm(s, mem))
    }

    pub(crate) fn from_vm(store: &mut StoreOpaque, mem: OwnedPtr<LinearMemory>) -> Memory {
        store.memories.push(mem);
        Memory { store: store.id, index: store.memories.len() - 1 }
    }

    fn vm<'a>(&self, store: &'a StoreOpaque) -> &'a LinearMemory {
        store.check(self.store);
        &store.memories[self.index]
    }

    /// The memory's type (its minimum is the current size).
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let m = self.vm(&store.as_context().0.opaque);
        let mut ty = MemoryType { wasm: m.ty() };
        ty.wasm.limits.min = m.pages();
        ty
    }

    /// The contents.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        let s: &'a StoreOpaque = &store.into().0.opaque;
        self.vm(s).as_slice()
    }

    /// The contents, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let s: &'a mut StoreOpaque = &mut store.into().0.opaque;
        s.check(self.store);
        s.memories[self.index].as_mut_slice()
    }

    /// The contents and the store's data, both mutably (for host functions
    /// that work on guest memory and their own state at once).
    pub fn data_and_store_mut<'a, T: 'static>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        let inner = store.into().0;
        inner.opaque.check(self.store);
        (inner.opaque.memories[self.index].as_mut_slice(), &mut inner.data)
    }

    /// Pointer to the start of the memory.
    pub fn data_ptr(&self, store: impl AsContext) -> *mut u8 {
        self.vm(&store.as_context().0.opaque).base()
    }

    /// Size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.vm(&store.as_context().0.opaque).byte_len()
    }

    /// Size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.vm(&store.as_context().0.opaque).pages()
    }

    /// Grows by `delta` pages, returning the previous size. Fails when the
    /// type's maximum or the store's limiter does not allow it (with the
    /// limiter's error, if it gave one).
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let (s, limiter) = store.as_context_mut().0.opaque_and_limiter();
        s.check(self.store);
        let grown = s.memories[self.index].grow(delta, &mut crate::limiter::StoreGrowLimiter(limiter))?;
        grown.ok_or_else(|| anyhow!("failed to grow memory by `{delta}` pages"))
    }

    /// Copies `buffer.len()` bytes at `offset` into `buffer`.
    pub fn read(&self, store: impl AsContext, offset: usize, buffer: &mut [u8]) -> Result<(), MemoryAccessError> {
        let data = self.vm(&store.as_context().0.opaque).as_slice();
        let src = data.get(offset..).and_then(|d| d.get(..buffer.len())).ok_or(MemoryAccessError)?;
        buffer.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buffer` into the memory at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buffer: &[u8]) -> Result<(), MemoryAccessError> {
        let s = &mut store.as_context_mut().0.opaque;
        s.check(self.store);
        let data = s.memories[self.index].as_mut_slice();
        let dst = data.get_mut(offset..).and_then(|d| d.get_mut(..buffer.len())).ok_or(MemoryAccessError)?;
        dst.copy_from_slice(buffer);
        Ok(())
    }
}
