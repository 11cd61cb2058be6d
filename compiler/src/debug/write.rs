//! The object's DWARF: one compile unit whose line program maps native
//! code back to the module's source lines ([`super::WasmLines`]), written
//! with relocations for every address and cross-section offset.

use super::WasmLines;
use gimli::write::{Address, AttributeValue, DwarfUnit, EndianVec, LineProgram, LineString, Sections, Writer};
use gimli::{Encoding, Format, LineEncoding, LittleEndian, SectionId};

/// What a relocation in a debug section points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocTarget {
    /// The object's `.text`.
    Text,
    /// The start of another debug section, by name.
    Section(&'static str),
}

/// A relocation in a debug section: `size` bytes at `offset` become the
/// target's address plus `addend` (which the bytes also hold, so readers
/// that do not relocate see section-relative values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugReloc {
    /// Where in the section.
    pub offset: u32,
    /// 4 or 8 bytes.
    pub size: u8,
    /// Relative to what.
    pub target: RelocTarget,
    /// Added to the target's address.
    pub addend: i64,
}

/// One debug section of the object.
#[derive(Clone, Debug)]
pub struct DebugSection {
    /// `.debug_info`, `.debug_line`, ...
    pub name: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its relocations.
    pub relocs: Vec<DebugReloc>,
}

/// Where one function landed and what each piece of its code came from.
#[derive(Clone, Debug)]
pub struct FunctionRanges {
    /// Its symbol's name.
    pub name: String,
    /// Its offset in `.text`.
    pub offset: u64,
    /// Its size in bytes.
    pub size: u64,
    /// Native `(start, end)` offsets in the function, with the module
    /// offset of the wasm operator they were compiled from, sorted.
    pub ranges: Vec<(u32, u32, u32)>,
}

/// A gimli writer that records relocations instead of failing on them.
#[derive(Clone)]
struct RelocWriter {
    out: EndianVec<LittleEndian>,
    relocs: Vec<DebugReloc>,
}

impl Default for RelocWriter {
    fn default() -> Self {
        Self { out: EndianVec::new(LittleEndian), relocs: Vec::new() }
    }
}

impl Writer for RelocWriter {
    type Endian = LittleEndian;

    fn endian(&self) -> LittleEndian {
        LittleEndian
    }

    fn len(&self) -> usize {
        self.out.len()
    }

    fn write(&mut self, bytes: &[u8]) -> gimli::write::Result<()> {
        self.out.write(bytes)
    }

    fn write_at(&mut self, offset: usize, bytes: &[u8]) -> gimli::write::Result<()> {
        self.out.write_at(offset, bytes)
    }

    fn write_address(&mut self, address: Address, size: u8) -> gimli::write::Result<()> {
        match address {
            Address::Constant(value) => self.write_udata(value, size),
            Address::Symbol { addend, .. } => {
                let offset = self.len() as u32;
                self.relocs.push(DebugReloc { offset, size, target: RelocTarget::Text, addend });
                self.write_udata(addend as u64, size)
            }
        }
    }

    fn write_offset(&mut self, value: usize, section: SectionId, size: u8) -> gimli::write::Result<()> {
        let offset = self.len() as u32;
        self.relocs.push(DebugReloc {
            offset,
            size,
            target: RelocTarget::Section(section.name()),
            addend: value as i64,
        });
        self.write_udata(value as u64, size)
    }

    fn write_offset_at(
        &mut self,
        offset: usize,
        value: usize,
        section: SectionId,
        size: u8,
    ) -> gimli::write::Result<()> {
        self.relocs.push(DebugReloc {
            offset: offset as u32,
            size,
            target: RelocTarget::Section(section.name()),
            addend: value as i64,
        });
        self.write_udata_at(offset, value as u64, size)
    }
}

fn line_string(s: &str) -> LineString {
    // DWARF strings end at a NUL; a name with one is cut there.
    let s = s.split('\0').next().unwrap_or_default();
    LineString::String(if s.is_empty() { b".".to_vec() } else { s.as_bytes().to_vec() })
}

/// The debug sections for `functions`, whose wasm offsets `lines`
/// describes (its addresses are relative to `code_start`, the code
/// section payload's offset in the module). `module_name` names the unit
/// when the module's DWARF does not.
pub fn write_dwarf(
    lines: &WasmLines,
    code_start: u64,
    functions: &[FunctionRanges],
    module_name: &str,
) -> gimli::write::Result<Vec<DebugSection>> {
    let encoding = Encoding { format: Format::Dwarf32, version: 4, address_size: 8 };
    let (unit_name, comp_dir, language) =
        lines.primary.clone().unwrap_or_else(|| (module_name.to_string(), String::new(), 0));
    let unit_name = if unit_name.is_empty() { module_name.to_string() } else { unit_name };
    let mut dwarf = DwarfUnit::new(encoding);
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        line_string(&comp_dir),
        None,
        line_string(&unit_name),
        None,
    );
    let file_ids: Vec<_> = lines
        .files
        .iter()
        .map(|(dir, name)| {
            let dir = program.add_directory(line_string(dir));
            program.add_file(line_string(name), dir, None)
        })
        .collect();
    let text_end = functions.iter().map(|f| f.offset + f.size).max().unwrap_or(0);
    for f in functions {
        program.begin_sequence(Some(Address::Symbol { symbol: 0, addend: f.offset as i64 }));
        let mut last = None;
        for &(start, _end, wasm_offset) in &f.ranges {
            let Some(row) = u64::from(wasm_offset).checked_sub(code_start).and_then(|a| lines.lookup(a)) else {
                continue;
            };
            let key = (row.file, row.line, row.column);
            if last == Some(key) {
                continue;
            }
            last = Some(key);
            let Some(&file) = file_ids.get(row.file) else { continue };
            let out = program.row();
            out.address_offset = u64::from(start);
            out.file = file;
            out.line = row.line;
            out.column = row.column;
            out.is_statement = true;
            program.generate_row();
        }
        program.end_sequence(f.size);
    }
    dwarf.unit.line_program = program;

    let root = dwarf.unit.root();
    let cu = dwarf.unit.get_mut(root);
    cu.set(gimli::DW_AT_producer, AttributeValue::String(b"kiln".to_vec()));
    cu.set(gimli::DW_AT_name, AttributeValue::String(unit_name.into_bytes()));
    if !comp_dir.is_empty() {
        cu.set(gimli::DW_AT_comp_dir, AttributeValue::String(comp_dir.into_bytes()));
    }
    if language != 0 {
        cu.set(gimli::DW_AT_language, AttributeValue::Language(gimli::DwLang(language)));
    }
    cu.set(gimli::DW_AT_low_pc, AttributeValue::Address(Address::Symbol { symbol: 0, addend: 0 }));
    cu.set(gimli::DW_AT_high_pc, AttributeValue::Udata(text_end));
    for f in functions {
        let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let sub = dwarf.unit.get_mut(id);
        sub.set(gimli::DW_AT_name, AttributeValue::String(f.name.replace('\0', "").into_bytes()));
        sub.set(gimli::DW_AT_low_pc, AttributeValue::Address(Address::Symbol { symbol: 0, addend: f.offset as i64 }));
        sub.set(gimli::DW_AT_high_pc, AttributeValue::Udata(f.size));
    }

    let mut sections = Sections::new(RelocWriter::default());
    dwarf.write(&mut sections)?;
    let mut out = Vec::new();
    sections.for_each_mut(|id, w| -> gimli::write::Result<()> {
        if w.len() > 0 {
            let writer = std::mem::take(w);
            out.push(DebugSection { name: id.name(), bytes: writer.out.into_vec(), relocs: writer.relocs });
        }
        Ok(())
    })?;
    Ok(out)
}
