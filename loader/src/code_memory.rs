//! Executable code from an artifact: copy `.text` into fresh pages, apply
//! the object's relocations, make the pages read+execute (never writable
//! and executable at once), and register the range with the trap handler.

use anyhow::{Context, Result, anyhow, bail};
use kiln_runtime_support::code_registry::{self, RegisteredCode};
use kiln_runtime_support::sys::unix::mmap::Mmap;
use kiln_runtime_support::trap_code::TrapSite;
use object::elf;
use object::read::elf::{ElfFile64, ElfSection64};
use object::{LittleEndian, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
use std::sync::Arc;

/// Loaded, executable code.
pub struct CodeMemory {
    mmap: Mmap,
    text_len: usize,
}

/// Size of one veneer: `jmp *0(%rip)` followed by the 8-byte target.
const VENEER_SIZE: usize = 16;

/// Runtime functions an object may reference by name (Cranelift lowers
/// some float operations to these libm calls on CPUs without SSE4.1).
fn resolve_libcall(name: &str) -> Option<usize> {
    extern "C" fn floorf(x: f32) -> f32 {
        x.floor()
    }
    extern "C" fn floor(x: f64) -> f64 {
        x.floor()
    }
    extern "C" fn ceilf(x: f32) -> f32 {
        x.ceil()
    }
    extern "C" fn ceil(x: f64) -> f64 {
        x.ceil()
    }
    extern "C" fn truncf(x: f32) -> f32 {
        x.trunc()
    }
    extern "C" fn trunc(x: f64) -> f64 {
        x.trunc()
    }
    extern "C" fn nearbyintf(x: f32) -> f32 {
        x.round_ties_even()
    }
    extern "C" fn nearbyint(x: f64) -> f64 {
        x.round_ties_even()
    }
    extern "C" fn fmaf(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    extern "C" fn fma(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    Some(match name {
        "floorf" => floorf as *const () as usize,
        "floor" => floor as *const () as usize,
        "ceilf" => ceilf as *const () as usize,
        "ceil" => ceil as *const () as usize,
        "truncf" => truncf as *const () as usize,
        "trunc" => trunc as *const () as usize,
        "nearbyintf" => nearbyintf as *const () as usize,
        "nearbyint" => nearbyint as *const () as usize,
        "fmaf" => fmaf as *const () as usize,
        "fma" => fma as *const () as usize,
        _ => return None,
    })
}

impl CodeMemory {
    /// Maps `text` (a section of `file`), relocates and registers it.
    pub fn new(
        file: &ElfFile64<'_, LittleEndian>,
        text: Option<&ElfSection64<'_, '_, LittleEndian>>,
        traps: Arc<[TrapSite]>,
    ) -> Result<Self> {
        let bytes = match text {
            Some(t) => t.data().context("reading .text")?,
            None => &[],
        };
        let relocs: Vec<_> = text.map(|t| t.relocations().collect()).unwrap_or_default();
        let mut externals: Vec<(String, usize)> = Vec::new();
        for (_, r) in &relocs {
            if let RelocationTarget::Symbol(idx) = r.target() {
                let sym = file.symbol_by_index(idx).context("relocation names a missing symbol")?;
                if sym.is_undefined() {
                    let name = sym.name().context("symbol name")?.to_string();
                    if !externals.iter().any(|(n, _)| *n == name) {
                        let addr =
                            resolve_libcall(&name).ok_or_else(|| anyhow!("artifact needs unknown symbol `{name}`"))?;
                        externals.push((name, addr));
                    }
                }
            }
        }
        let veneers_at = bytes.len().next_multiple_of(16);
        let total = veneers_at + externals.len() * VENEER_SIZE;
        let mmap = Mmap::reserve(total.max(1)).context("reserving code memory")?;
        mmap.make_accessible(0, total.max(1)).context("opening code memory")?;
        let base = mmap.as_ptr();
        // SAFETY: the mapping is `total` bytes, writable, and ours alone.
        let code = unsafe { std::slice::from_raw_parts_mut(base, total) };
        code[..bytes.len()].copy_from_slice(bytes);
        for (i, (_, addr)) in externals.iter().enumerate() {
            let v = &mut code[veneers_at + i * VENEER_SIZE..][..VENEER_SIZE];
            v[..6].copy_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
            v[6..14].copy_from_slice(&(*addr as u64).to_le_bytes());
        }
        let text_index = text.map(|t| t.index());
        for (offset, r) in &relocs {
            let target = match r.target() {
                RelocationTarget::Symbol(idx) => {
                    let sym = file.symbol_by_index(idx)?;
                    if sym.is_undefined() {
                        let name = sym.name()?;
                        let i = externals.iter().position(|(n, _)| n == name).expect("collected above");
                        base as usize + veneers_at + i * VENEER_SIZE
                    } else if sym.section_index().is_some() && sym.section_index() == text_index {
                        base as usize + sym.address() as usize
                    } else {
                        bail!("relocation against a symbol outside .text");
                    }
                }
                RelocationTarget::Section(s) if Some(s) == text_index => base as usize,
                _ => bail!("unsupported relocation target"),
            };
            let offset = *offset as usize;
            let value = (target as i64).wrapping_add(r.addend());
            let place = base as usize + offset;
            let r_type = match r.flags() {
                RelocationFlags::Elf { r_type } => r_type,
                _ => bail!("not an ELF relocation"),
            };
            let slot = code.get_mut(offset..).ok_or_else(|| anyhow!("relocation outside .text"))?;
            match r_type {
                elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => {
                    let rel = i32::try_from(value - place as i64).map_err(|_| anyhow!("relocation out of range"))?;
                    slot.get_mut(..4)
                        .ok_or_else(|| anyhow!("truncated relocation"))?
                        .copy_from_slice(&rel.to_le_bytes());
                }
                elf::R_X86_64_64 => {
                    slot.get_mut(..8)
                        .ok_or_else(|| anyhow!("truncated relocation"))?
                        .copy_from_slice(&value.to_le_bytes());
                }
                elf::R_AARCH64_CALL26 | elf::R_AARCH64_JUMP26 => {
                    let rel = (value - place as i64) >> 2;
                    if !(-(1 << 25)..(1 << 25)).contains(&rel) {
                        bail!("relocation out of range");
                    }
                    let word = slot.get_mut(..4).ok_or_else(|| anyhow!("truncated relocation"))?;
                    let insn = u32::from_le_bytes(word.try_into().unwrap());
                    let insn = (insn & 0xfc00_0000) | (rel as u32 & 0x03ff_ffff);
                    word.copy_from_slice(&insn.to_le_bytes());
                }
                other => bail!("unsupported relocation type {other}"),
            }
        }
        mmap.make_executable(0, total.max(1)).context("making code executable")?;
        let start = base as usize;
        code_registry::register(RegisteredCode { start, end: start + bytes.len(), traps });
        Ok(Self { mmap, text_len: bytes.len() })
    }

    /// Start of the code.
    pub fn base(&self) -> *const u8 {
        self.mmap.as_ptr()
    }

    /// Length of `.text`.
    #[allow(dead_code)]
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
