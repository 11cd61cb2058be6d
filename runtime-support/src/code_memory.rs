//! Executable code from an artifact: copy `.text` into fresh pages, apply
//! its (already checked) relocations, make the pages read+execute (never
//! writable and executable at once), and register the range with the trap
//! handler. The OS calls are `sys`'s.

use crate::artifact::ArtifactError;
use crate::code_registry::{self, RegisteredCode};
use crate::reloc::{self, Apply, Reloc, Target, VENEER_SIZE};
use crate::sys::Mmap;
use crate::trap_code::TrapSite;
use std::sync::Arc;

/// Why code could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CodeMemoryError {
    /// The artifact's relocations are not what kiln writes.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A state only a kiln bug can reach.
    #[error(transparent)]
    Bug(#[from] kiln_environ::bug::KilnBug),
    /// The OS refused the mapping.
    #[error("{0}: {1}")]
    Os(&'static str, std::io::Error),
}

/// Where loaded code lives.
enum Pages {
    /// Pages kiln mapped, copied and relocated the code into.
    Mapped(Mmap),
    /// The program's own pages: code a system linker linked into it.
    Linked(*const u8),
}

/// Loaded, executable code.
pub struct CodeMemory {
    pages: Pages,
    text_len: usize,
}

// SAFETY: the code is immutable once loaded; a linked module's pages are
// the program's own, read+execute for its whole life.
unsafe impl Send for CodeMemory {}
// SAFETY: as above; nothing mutates the code after construction.
unsafe impl Sync for CodeMemory {}

impl CodeMemory {
    /// Maps `text`, applies `relocs` (as checked by [`reloc::read_text`])
    /// and registers the code with its `traps`, which must be sorted.
    pub fn new(text: &[u8], relocs: &[Reloc], traps: Arc<[TrapSite]>) -> Result<Self, CodeMemoryError> {
        let mut externals: Vec<(&str, usize)> = Vec::new();
        for r in relocs {
            if let Target::External(name) = &r.target
                && !externals.iter().any(|(n, _)| n == name)
            {
                let addr = reloc::libm::resolve(name)
                    .ok_or_else(|| ArtifactError::Relocation(format!("artifact needs unknown symbol `{name}`")))?;
                externals.push((name, addr));
            }
        }
        let veneers_at = text.len().next_multiple_of(16);
        let total = (veneers_at + externals.len() * VENEER_SIZE).max(1);
        let mmap = Mmap::reserve(total).map_err(|e| CodeMemoryError::Os("reserving code memory", e))?;
        mmap.make_accessible(0, total).map_err(|e| CodeMemoryError::Os("opening code memory", e))?;
        let base = mmap.as_ptr();
        // SAFETY: the mapping is `total` bytes, writable, and ours alone.
        let code = unsafe { std::slice::from_raw_parts_mut(base, total) };
        code[..text.len()].copy_from_slice(text);
        for (i, (_, addr)) in externals.iter().enumerate() {
            code[veneers_at + i * VENEER_SIZE..][..VENEER_SIZE].copy_from_slice(&reloc::veneer(*addr as u64));
        }
        let base_addr = base as u64;
        for r in relocs {
            let target = match &r.target {
                Target::Text(offset) => base_addr + offset,
                Target::External(name) => {
                    let Some(i) = externals.iter().position(|(n, _)| n == name) else {
                        kiln_environ::bail_bug!("libcall `{name}` was not collected");
                    };
                    base_addr + (veneers_at + i * VENEER_SIZE) as u64
                }
            };
            let offset = usize::try_from(r.offset).map_err(|_| ArtifactError::Relocation("offset".into()))?;
            reloc::apply(&mut Apply {
                r_type: r.r_type,
                offset,
                place: base_addr + r.offset,
                value: (target as i64).wrapping_add(r.addend),
                code: &mut *code,
            })?;
        }
        mmap.make_executable(0, total).map_err(|e| CodeMemoryError::Os("making code executable", e))?;
        let start = base as usize;
        code_registry::register(RegisteredCode { start, end: start + text.len(), traps });
        Ok(Self { pages: Pages::Mapped(mmap), text_len: text.len() })
    }

    /// Takes code that a system linker linked into this program, where it
    /// is, and registers it with its `traps`, which must be sorted: no
    /// copy, no relocation (the linker applied them), no new mapping.
    ///
    /// # Safety
    /// `text` must be `text_len` bytes of executable code, mapped for the
    /// rest of the process (a linked object's `.text`), and the traps
    /// must describe it.
    pub unsafe fn linked(text: *const u8, text_len: usize, traps: Arc<[TrapSite]>) -> Self {
        let start = text as usize;
        code_registry::register(RegisteredCode { start, end: start + text_len, traps });
        Self { pages: Pages::Linked(text), text_len }
    }

    /// Start of the code.
    pub fn base(&self) -> *const u8 {
        match &self.pages {
            Pages::Mapped(mmap) => mmap.as_ptr(),
            Pages::Linked(text) => *text,
        }
    }

    /// The loaded `.text`, relocated: the bytes the CPU runs.
    pub fn text(&self) -> &[u8] {
        // SAFETY: `base` starts `text_len` bytes of read+execute pages
        // (kiln's mapping, or the program's own for linked code) that live
        // as long as `self` and that nothing writes after construction.
        unsafe { std::slice::from_raw_parts(self.base(), self.text_len) }
    }

    /// Whether the code is the program's own, linked into it.
    pub fn is_linked(&self) -> bool {
        matches!(self.pages, Pages::Linked(_))
    }

    /// Length of `.text`.
    pub fn text_len(&self) -> usize {
        self.text_len
    }

    /// Whether `pc` lies in this code.
    pub fn contains(&self, pc: usize) -> bool {
        let start = self.base() as usize;
        (start..start + self.text_len).contains(&pc)
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        code_registry::unregister(self.base() as usize, self.base() as usize + self.text_len);
    }
}
