//! The line table of a loaded module's DWARF (the sections
//! [`crate::debug_info`] relocated), read back as rows of address, file
//! and line: what jitdump's debug-info records give `perf annotate`.
//!
//! Reading never fails a load: a unit whose line program cannot be read
//! contributes no rows.

use gimli::{EndianSlice, LittleEndian};

/// One row of the line table: native code at `address` came from `line`
/// of `file`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineRow {
    /// The loaded code's address.
    pub address: u64,
    /// The source file, with its directory.
    pub file: std::sync::Arc<str>,
    /// The 1-based line.
    pub line: u32,
}

type Slice<'a> = EndianSlice<'a, LittleEndian>;

/// The rows of every unit in `sections` (`(name, bytes)` pairs), sorted by
/// address; empty without `.debug_line`.
pub(crate) fn line_rows(sections: &[(String, Vec<u8>)]) -> Vec<LineRow> {
    let section = |id: gimli::SectionId| {
        let bytes = sections.iter().find(|(name, _)| name == id.name()).map_or(&[][..], |(_, b)| b.as_slice());
        Ok::<_, gimli::Error>(EndianSlice::new(bytes, LittleEndian))
    };
    let Ok(dwarf) = gimli::Dwarf::load(section) else { return Vec::new() };
    let mut rows = Vec::new();
    let mut units = dwarf.units();
    while let Ok(Some(header)) = units.next() {
        if let Ok(unit) = dwarf.unit(header) {
            let _ = unit_rows(&dwarf, &unit, &mut rows);
        }
    }
    rows.sort_by_key(|r| r.address);
    rows
}

/// Appends `unit`'s rows to `rows`.
fn unit_rows(
    dwarf: &gimli::Dwarf<Slice<'_>>,
    unit: &gimli::Unit<Slice<'_>>,
    rows: &mut Vec<LineRow>,
) -> gimli::Result<()> {
    let Some(program) = unit.line_program.clone() else { return Ok(()) };
    let mut files: Vec<(u64, std::sync::Arc<str>)> = Vec::new();
    let mut program_rows = program.rows();
    while let Some((header, row)) = program_rows.next_row()? {
        if row.end_sequence() {
            continue;
        }
        let Some(line) = row.line().and_then(|l| u32::try_from(l.get()).ok()) else { continue };
        let index = row.file_index();
        let file = match files.iter().find(|(i, _)| *i == index) {
            Some((_, f)) => f.clone(),
            None => {
                let f: std::sync::Arc<str> = file_name(dwarf, unit, header, index).unwrap_or_else(|| "?".into()).into();
                files.push((index, f.clone()));
                f
            }
        };
        rows.push(LineRow { address: row.address(), file, line });
    }
    Ok(())
}

/// The path of file `index` of a line program: its directory, then its
/// name (a name that is absolute stands alone).
fn file_name(
    dwarf: &gimli::Dwarf<Slice<'_>>,
    unit: &gimli::Unit<Slice<'_>>,
    header: &gimli::LineProgramHeader<Slice<'_>>,
    index: u64,
) -> Option<String> {
    let file = header.file(index)?;
    let text = |attr| dwarf.attr_string(unit, attr).ok().map(|s| s.to_string_lossy().into_owned());
    let name = text(file.path_name())?;
    if name.starts_with('/') {
        return Some(name);
    }
    match file.directory(header).and_then(text) {
        Some(dir) if !dir.is_empty() => Some(format!("{dir}/{name}")),
        _ => Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gimli::write::{Address, DwarfUnit, EndianVec, LineProgram, LineString, Sections};

    /// A unit with one sequence of three rows, written with gimli and read
    /// back.
    #[test]
    fn rows_come_back_with_their_file_and_line() {
        let encoding = gimli::Encoding { format: gimli::Format::Dwarf32, version: 4, address_size: 8 };
        let mut program = LineProgram::new(
            encoding,
            gimli::LineEncoding::default(),
            LineString::String(b"/src".to_vec()),
            None,
            LineString::String(b"a.c".to_vec()),
            None,
        );
        let dir = program.default_directory();
        let file = program.add_file(LineString::String(b"a.c".to_vec()), dir, None);
        program.begin_sequence(Some(Address::Constant(0x1000)));
        for (offset, line) in [(0, 3), (8, 4), (20, 9)] {
            program.row().address_offset = offset;
            program.row().file = file;
            program.row().line = line;
            program.generate_row();
        }
        program.end_sequence(32);
        let mut unit = DwarfUnit::new(encoding);
        unit.unit.line_program = program;
        // DWARF 4's directory 0 is the unit's DW_AT_comp_dir.
        let root = unit.unit.root();
        unit.unit.get_mut(root).set(gimli::DW_AT_comp_dir, gimli::write::AttributeValue::String(b"/src".to_vec()));
        let mut sections = Sections::new(EndianVec::new(gimli::LittleEndian));
        unit.write(&mut sections).unwrap();
        let mut named = Vec::new();
        sections
            .for_each(|id, data| {
                named.push((id.name().to_string(), data.slice().to_vec()));
                Ok::<_, gimli::write::Error>(())
            })
            .unwrap();
        let rows = line_rows(&named);
        let got: Vec<(u64, &str, u32)> = rows.iter().map(|r| (r.address, &*r.file, r.line)).collect();
        assert_eq!(got, [(0x1000, "/src/a.c", 3), (0x1008, "/src/a.c", 4), (0x1014, "/src/a.c", 9)]);
        assert!(line_rows(&[]).is_empty());
        assert!(line_rows(&[(".debug_line".into(), vec![0xff; 7])]).is_empty(), "garbage reads as nothing");
    }
}
