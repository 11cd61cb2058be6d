//! The DWARF of an artifact compiled with `-D debug-info`, made ready for
//! the debugger's JIT image: each `.debug_*` section copied and its
//! relocations applied for where the code was loaded.
//!
//! The compiler writes two kinds of relocation there (see
//! `kiln_compiler::debug`): absolute addresses in `.text`, which become the
//! loaded code's address plus the addend, and offsets into another debug
//! section, which stay the addend because the JIT image holds each
//! section whole. Debug information never fails a load: a section whose
//! relocations kiln cannot apply (a tampered artifact, say) is left out of
//! the debugger's image. (The loader logs nothing: deployment builds carry
//! no logging crate.)

use object::read::elf::ElfFile64;
use object::{LittleEndian, Object, ObjectSection, ObjectSymbol, RelocationTarget, SectionIndex};

/// The relocated debug sections of `file`, whose `.text` is loaded at
/// `text_base`. Empty for an artifact without DWARF.
pub(crate) fn relocated_sections<'data>(
    file: &ElfFile64<'data, LittleEndian>,
    text_base: u64,
) -> Vec<(String, Vec<u8>)> {
    let text = file.section_by_name(".text").map(|s| s.index());
    let mut out = Vec::new();
    for section in file.sections() {
        let Ok(name) = section.name() else { continue };
        if !name.starts_with(".debug_") {
            continue;
        }
        if let Ok(bytes) = relocate(file, &section, text, text_base) {
            out.push((name.to_string(), bytes));
        }
    }
    out
}

fn relocate<'data>(
    file: &ElfFile64<'data, LittleEndian>,
    section: &impl ObjectSection<'data>,
    text: Option<SectionIndex>,
    text_base: u64,
) -> Result<Vec<u8>, String> {
    let mut bytes = section.data().map_err(|e| e.to_string())?.to_vec();
    for (offset, reloc) in section.relocations() {
        let RelocationTarget::Symbol(symbol) = reloc.target() else {
            return Err(format!("relocation at {offset:#x} has no symbol"));
        };
        let symbol = file.symbol_by_index(symbol).map_err(|e| e.to_string())?;
        let base = if symbol.section_index().is_some() && symbol.section_index() == text { text_base } else { 0 };
        let value = base.wrapping_add_signed(reloc.addend());
        let size = usize::from(reloc.size() / 8);
        let at = usize::try_from(offset).map_err(|e| e.to_string())?;
        let slot = bytes.get_mut(at..at.saturating_add(size)).filter(|s| s.len() == size);
        match (slot, size) {
            (Some(slot), 8) => slot.copy_from_slice(&value.to_le_bytes()),
            (Some(slot), 4) => {
                let value = u32::try_from(value).map_err(|_| format!("offset {value:#x} at {offset:#x} overflows"))?;
                slot.copy_from_slice(&value.to_le_bytes());
            }
            _ => return Err(format!("relocation of {size} bytes at {offset:#x} is out of bounds")),
        }
    }
    Ok(bytes)
}
