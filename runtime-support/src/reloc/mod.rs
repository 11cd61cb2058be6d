//! Reading an artifact's code: `.text`, its function symbols and its
//! relocations, every one checked before anything is patched.
//!
//! The loader refuses, never skips, what it does not understand: a `REL`
//! section, a relocation section for another section, a wrong entry size
//! or link, a relocation type kiln does not emit, an addend it does not
//! use, a symbol out of range or outside `.text`, a patched field outside
//! a function or not on a call, overlapping or unsorted entries, and a
//! relocation count that differs from what the metadata recorded (so a
//! relocation section whose header was edited into something else is
//! noticed too). Applying a relocation is ISA-specific: [`x86_64`],
//! [`aarch64`].

pub mod aarch64;
pub mod libm;
pub mod x86_64;

#[cfg(target_arch = "aarch64")]
use aarch64 as host;
#[cfg(not(target_arch = "aarch64"))]
use x86_64 as host;

pub use host::VENEER_SIZE;

use crate::artifact::{ArtifactError, CodeSymbol, TEXT_SECTION};
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader, Sym};
use object::{LittleEndian, Object, ObjectSection, SectionIndex};

/// What a relocation type patches: the field width, and the only addend
/// kiln's code uses with it.
#[derive(Copy, Clone, Debug)]
pub struct Kind {
    /// Bytes patched.
    pub width: usize,
    /// The addend Cranelift emits for this type.
    pub addend: i64,
}

/// What a relocation points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A function in `.text`, at this offset.
    Text(u64),
    /// A libcall, by name.
    External(String),
}

/// One checked relocation of `.text`.
#[derive(Clone, Debug)]
pub struct Reloc {
    /// Offset of the patched field in `.text`.
    pub offset: u64,
    /// The ELF relocation type.
    pub r_type: u32,
    /// Bytes patched.
    pub width: usize,
    /// What it points at.
    pub target: Target,
    /// The addend.
    pub addend: i64,
}

/// One relocation being applied.
pub struct Apply<'a> {
    /// The ELF relocation type.
    pub r_type: u32,
    /// Offset of the field in `.text`.
    pub offset: usize,
    /// The address of the field.
    pub place: u64,
    /// Target plus addend.
    pub value: i64,
    /// The whole writable code.
    pub code: &'a mut [u8],
}

impl Apply<'_> {
    /// The `width` bytes being patched.
    pub fn field(&mut self, width: usize) -> Result<&mut [u8], ArtifactError> {
        let offset = self.offset;
        self.code
            .get_mut(offset..offset.saturating_add(width))
            .ok_or_else(|| ArtifactError::Relocation(format!("relocation at {offset:#x} outside .text")))
    }
}

/// Applies one relocation with the host ISA's rules.
pub fn apply(a: &mut Apply<'_>) -> Result<(), ArtifactError> {
    host::apply(a)
}

/// A veneer that jumps to `target`, for the host ISA.
pub fn veneer(target: u64) -> [u8; VENEER_SIZE] {
    host::veneer(target)
}

/// `.text` of an artifact, with everything the loader needs from the ELF.
#[derive(Debug)]
pub struct Text<'data> {
    /// The section's bytes (empty without a `.text`).
    pub bytes: &'data [u8],
    /// The function symbols in `.text`, in symbol-table order.
    pub symbols: Vec<CodeSymbol>,
    /// Every relocation of `.text`, checked and sorted by offset.
    pub relocs: Vec<Reloc>,
}

fn bad(what: impl Into<String>) -> ArtifactError {
    ArtifactError::Relocation(what.into())
}

fn host_machine() -> u16 {
    if cfg!(target_arch = "aarch64") { elf::EM_AARCH64 } else { elf::EM_X86_64 }
}

/// Reads `.text`, its symbols and its relocations from `file`, checking
/// every relocation (see the module docs). `expected_relocs` is the count
/// the metadata recorded.
pub fn read_text<'data>(
    file: &ElfFile64<'data, LittleEndian>,
    expected_relocs: u32,
) -> Result<Text<'data>, ArtifactError> {
    let endian = LittleEndian;
    let data = file.data();
    if file.elf_header().e_machine(endian) != host_machine() {
        return Err(ArtifactError::Malformed("ELF machine is not this host's".into()));
    }
    let text = file.section_by_name(TEXT_SECTION);
    let text_index = text.as_ref().map(|t| t.index());
    let bytes = match &text {
        Some(t) => t.data().map_err(|e| ArtifactError::Malformed(format!("reading .text: {e}")))?,
        None => &[],
    };
    let text_len = bytes.len() as u64;
    let symtab = file.elf_symbol_table();
    let mut symbols = Vec::new();
    for sym in symtab.iter() {
        if sym.st_type() == elf::STT_FUNC && Some(SectionIndex(sym.st_shndx(endian).into())) == text_index {
            symbols.push(CodeSymbol { offset: sym.st_value(endian), size: sym.st_size(endian) });
        }
    }
    let mut relocs: Vec<Reloc> = Vec::new();
    let sections = file.elf_section_table();
    for (i, section) in sections.iter().enumerate() {
        let name = sections.section_name(endian, section).unwrap_or_default();
        let sh_type = section.sh_type(endian);
        if sh_type == elf::SHT_REL {
            return Err(bad(format!("section {i} holds REL relocations, which kiln never writes")));
        }
        if sh_type != elf::SHT_RELA {
            if name.starts_with(b".rel") {
                return Err(bad(format!("section {i} is named like relocations but has type {sh_type}")));
            }
            continue;
        }
        // The DWARF of `-D debug-info` has relocations of its own, which
        // only the debugger's image applies (`kiln::debug_info`); they
        // never touch loaded memory.
        let target = sections.section(SectionIndex(section.sh_info(endian) as usize)).ok();
        let is_debug = |s: &elf::SectionHeader64<LittleEndian>| {
            let flags = s.sh_flags(endian);
            sections.section_name(endian, s).is_ok_and(|n| n.starts_with(b".debug_"))
                && flags & u64::from(elf::SHF_ALLOC | elf::SHF_EXECINSTR | elf::SHF_WRITE) == 0
        };
        if target.is_some_and(is_debug) {
            continue;
        }
        if text_index != Some(SectionIndex(section.sh_info(endian) as usize)) {
            return Err(bad(format!("section {i} relocates section {}, not .text", section.sh_info(endian))));
        }
        if section.sh_link(endian) as usize != symtab.section().0 {
            return Err(bad(format!("section {i} links to section {}, not the symbol table", section.sh_link(endian))));
        }
        if section.sh_entsize(endian) != size_of::<elf::Rela64<LittleEndian>>() as u64 {
            return Err(bad(format!("section {i} has entry size {}", section.sh_entsize(endian))));
        }
        let entries: &[elf::Rela64<LittleEndian>] =
            section.data_as_array(endian, data).map_err(|_| bad(format!("section {i} does not parse")))?;
        for r in entries {
            relocs.push(read_one(file, r, text_index, text_len)?);
        }
    }
    if relocs.len() as u64 != u64::from(expected_relocs) {
        return Err(bad(format!("{} relocations of .text, but the metadata records {expected_relocs}", relocs.len())));
    }
    relocs.sort_by_key(|r| r.offset);
    check_sites(bytes, &symbols, &relocs)?;
    Ok(Text { bytes, symbols, relocs })
}

fn read_one(
    file: &ElfFile64<'_, LittleEndian>,
    r: &elf::Rela64<LittleEndian>,
    text_index: Option<SectionIndex>,
    text_len: u64,
) -> Result<Reloc, ArtifactError> {
    let endian = LittleEndian;
    let offset = r.r_offset.get(endian);
    let r_type = r.r_type(endian, false);
    let addend = r.r_addend.get(endian);
    let kind = host::kind(r_type)?;
    if addend != kind.addend {
        return Err(bad(format!("relocation at {offset:#x} has addend {addend}")));
    }
    if offset.checked_add(kind.width as u64).is_none_or(|end| end > text_len) {
        return Err(bad(format!("relocation at {offset:#x} outside .text")));
    }
    let sym_index = r.r_sym(endian, false) as usize;
    let symtab = file.elf_symbol_table();
    let sym = symtab
        .symbol(object::SymbolIndex(sym_index))
        .map_err(|_| bad(format!("relocation at {offset:#x} names missing symbol {sym_index}")))?;
    if sym_index == 0 {
        return Err(bad(format!("relocation at {offset:#x} names the null symbol")));
    }
    let shndx = sym.st_shndx(endian);
    let target = if shndx == elf::SHN_UNDEF {
        let name = symtab.symbol_name(endian, sym).map_err(|_| bad("symbol name does not parse"))?;
        let name = std::str::from_utf8(name).map_err(|_| bad("symbol name is not UTF-8"))?;
        if libm::resolve(name).is_none() {
            return Err(bad(format!("artifact needs unknown symbol `{name}`")));
        }
        Target::External(name.to_string())
    } else if Some(SectionIndex(shndx.into())) == text_index && sym.st_type() == elf::STT_FUNC {
        Target::Text(sym.st_value(endian))
    } else {
        return Err(bad(format!("relocation at {offset:#x} targets a symbol outside .text")));
    };
    Ok(Reloc { offset, r_type, width: kind.width, target, addend })
}

/// Relocations are disjoint, each inside one function, on an instruction
/// kiln relocates, and each `.text` target is the start of a function.
fn check_sites(bytes: &[u8], symbols: &[CodeSymbol], relocs: &[Reloc]) -> Result<(), ArtifactError> {
    let mut ranges: Vec<(u64, u64)> = symbols.iter().map(|s| (s.offset, s.offset.saturating_add(s.size))).collect();
    ranges.sort_unstable();
    let mut prev_end = 0u64;
    for r in relocs {
        let end = r.offset + r.width as u64;
        if r.offset < prev_end {
            return Err(bad(format!("relocations overlap at {:#x}", r.offset)));
        }
        prev_end = end;
        let i = ranges.partition_point(|f| f.0 <= r.offset);
        if i.checked_sub(1).is_none_or(|i| end > ranges[i].1) {
            return Err(bad(format!("relocation at {:#x} lies in no function", r.offset)));
        }
        if let Target::Text(t) = r.target
            && ranges.binary_search_by_key(&t, |f| f.0).is_err()
        {
            return Err(bad(format!("relocation at {:#x} targets {t:#x}, not a function", r.offset)));
        }
        host::check_site(r.r_type, bytes, r.offset as usize)?;
    }
    Ok(())
}

/// Every relocation into `.text` is a call to a defined function or to the
/// new-epoch trampoline: its target must be one of `functions` (offset,
/// length), which validation proved sorted, or `new_epoch`. Any other
/// trampoline or symbol is refused.
pub fn check_call_targets(
    relocs: &[Reloc],
    functions: &[(u32, u32)],
    new_epoch: Option<u32>,
) -> Result<(), ArtifactError> {
    for r in relocs {
        if let Target::Text(t) = r.target
            && new_epoch.is_none_or(|e| u64::from(e) != t)
            && functions.binary_search_by_key(&t, |(start, _)| u64::from(*start)).is_err()
        {
            return Err(bad(format!("relocation at {:#x} calls {t:#x}, which is no wasm function", r.offset)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_to(offset: u64, target: u64) -> Reloc {
        Reloc { offset, r_type: elf::R_X86_64_PLT32, width: 4, target: Target::Text(target), addend: -4 }
    }

    #[test]
    fn calls_must_target_wasm_functions() {
        let functions = [(0, 16), (16, 16)];
        assert!(check_call_targets(&[call_to(1, 16), call_to(20, 0)], &functions, None).is_ok());
        assert!(check_call_targets(&[call_to(1, 8)], &functions, None).is_err());
        assert!(check_call_targets(&[call_to(1, 8)], &functions, Some(8)).is_ok(), "the new-epoch trampoline");
        let libcall = Reloc { target: Target::External("floor".into()), ..call_to(1, 0) };
        assert!(check_call_targets(&[libcall], &functions, None).is_ok());
    }

    #[test]
    fn sites_must_be_disjoint_inside_functions_and_on_calls() {
        // call rel32 at 0 and at 5, in one 16-byte function.
        let code = [0xe8, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x90, 0x90, 0x90, 0x90, 0x90, 0xc3];
        let symbols = [CodeSymbol { offset: 0, size: 16 }];
        let ok = [call_to(1, 0), call_to(6, 0)];
        if cfg!(target_arch = "x86_64") {
            assert!(check_sites(&code, &symbols, &ok).is_ok());
            assert!(check_sites(&code, &symbols, &[call_to(1, 0), call_to(3, 0)]).is_err(), "overlap");
            assert!(check_sites(&code, &symbols, &[call_to(11, 0)]).is_err(), "not on a call");
            assert!(check_sites(&code, &symbols, &[call_to(14, 0)]).is_err(), "past the function");
            assert!(check_sites(&code, &symbols, &[call_to(1, 3)]).is_err(), "not a function start");
        }
    }

    #[test]
    fn x86_64_calls_are_patched_relative_and_range_checked() {
        let mut code = [0xe8, 0, 0, 0, 0];
        let mut a = Apply { r_type: elf::R_X86_64_PLT32, offset: 1, place: 0x1001, value: 0x2000 - 4, code: &mut code };
        x86_64::apply(&mut a).unwrap();
        assert_eq!(i32::from_le_bytes(code[1..5].try_into().unwrap()), 0x2000 - 4 - 0x1001);
        let mut a = Apply { r_type: elf::R_X86_64_PLT32, offset: 1, place: 0, value: 1 << 40, code: &mut code };
        assert!(x86_64::apply(&mut a).is_err());
        let mut a = Apply { r_type: elf::R_X86_64_PLT32, offset: 3, place: 0, value: 0, code: &mut code };
        assert!(x86_64::apply(&mut a).is_err(), "field past the end");
        assert!(x86_64::kind(elf::R_X86_64_GOTPCREL).is_err());
    }

    #[test]
    fn aarch64_branches_are_patched_and_range_checked() {
        let mut code = 0x9400_0000u32.to_le_bytes();
        let mut a = Apply { r_type: elf::R_AARCH64_CALL26, offset: 0, place: 0x1000, value: 0x1010, code: &mut code };
        aarch64::apply(&mut a).unwrap();
        assert_eq!(u32::from_le_bytes(code), 0x9400_0004);
        assert!(aarch64::check_site(elf::R_AARCH64_CALL26, &code, 0).is_ok());
        assert!(aarch64::check_site(elf::R_AARCH64_CALL26, &[0; 4], 0).is_err());
        let mut a = Apply { r_type: elf::R_AARCH64_CALL26, offset: 0, place: 0, value: 1 << 30, code: &mut code };
        assert!(aarch64::apply(&mut a).is_err());
    }
}
