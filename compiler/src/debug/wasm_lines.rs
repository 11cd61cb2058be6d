//! The line tables of a module's DWARF (`.debug_line` and the sections it
//! refers to), read into one address-sorted list of rows.

use gimli::{EndianSlice, LittleEndian};

/// One row: from `address` (an offset into the module's code section
/// payload) on, the code is `file`:`line`:`column`, until the next row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRow {
    /// Offset into the code section's payload.
    pub address: u64,
    /// Index into [`WasmLines::files`].
    pub file: usize,
    /// The line, 1-based (0 when unknown).
    pub line: u64,
    /// The column, 1-based (0 for the whole line).
    pub column: u64,
    /// Whether this row ends a sequence (no code is described from here).
    pub end: bool,
}

/// A module's line information.
#[derive(Clone, Debug, Default)]
pub struct WasmLines {
    /// Source files, as (directory, file name).
    pub files: Vec<(String, String)>,
    /// Rows, sorted by address.
    pub rows: Vec<LineRow>,
    /// The name of the first compile unit, its directory and its language.
    pub primary: Option<(String, String, u16)>,
}

type Reader<'a> = EndianSlice<'a, LittleEndian>;

impl WasmLines {
    /// Reads the line tables of `sections` (custom sections by name:
    /// `.debug_line`, `.debug_info`, ...). `None` when the module has no
    /// line information, or when it is malformed: like any custom section,
    /// bad DWARF never fails a compile.
    pub fn read(sections: &[(&str, &[u8])]) -> Option<WasmLines> {
        if !sections.iter().any(|(name, _)| *name == ".debug_line") {
            return None;
        }
        let lines = Self::read_dwarf(sections).ok()?;
        (!lines.rows.is_empty()).then_some(lines)
    }

    fn read_dwarf(sections: &[(&str, &[u8])]) -> gimli::Result<WasmLines> {
        let load = |id: gimli::SectionId| -> gimli::Result<Reader<'_>> {
            let bytes = sections.iter().find(|(name, _)| *name == id.name()).map_or(&[][..], |(_, b)| *b);
            Ok(EndianSlice::new(bytes, LittleEndian))
        };
        let dwarf = gimli::Dwarf::load(load)?;
        let mut lines = WasmLines::default();
        let mut units = dwarf.units();
        while let Some(header) = units.next()? {
            let unit = dwarf.unit(header)?;
            let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            if lines.primary.is_none() {
                let name = unit.name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let mut entries = unit.entries();
                let language = match entries.next_dfs()? {
                    Some(root) => match root.attr_value(gimli::DW_AT_language) {
                        Some(gimli::AttributeValue::Language(l)) => l.0,
                        _ => 0,
                    },
                    None => 0,
                };
                lines.primary = Some((name, comp_dir.clone(), language));
            }
            let Some(program) = unit.line_program.clone() else { continue };
            let mut rows = program.rows();
            let mut files: Vec<Option<usize>> = Vec::new();
            while let Some((header, row)) = rows.next_row()? {
                let index = row.file_index() as usize;
                if files.len() <= index {
                    files.resize(index + 1, None);
                }
                let file = match files[index] {
                    Some(f) => f,
                    None => {
                        let Some(entry) = row.file(header) else { continue };
                        let name = dwarf.attr_string(&unit, entry.path_name())?.to_string_lossy().into_owned();
                        let dir = match entry.directory(header) {
                            Some(d) => dwarf.attr_string(&unit, d)?.to_string_lossy().into_owned(),
                            None => String::new(),
                        };
                        let dir = join(&comp_dir, &dir);
                        let f = match lines.files.iter().position(|(d, n)| *d == dir && *n == name) {
                            Some(f) => f,
                            None => {
                                lines.files.push((dir, name));
                                lines.files.len() - 1
                            }
                        };
                        files[index] = Some(f);
                        f
                    }
                };
                let column = match row.column() {
                    gimli::ColumnType::LeftEdge => 0,
                    gimli::ColumnType::Column(c) => c.get(),
                };
                lines.rows.push(LineRow {
                    address: row.address(),
                    file,
                    line: row.line().map_or(0, |l| l.get()),
                    column,
                    end: row.end_sequence(),
                });
            }
        }
        // Stable: at one address an end row stays before the next
        // sequence's first row.
        lines.rows.sort_by_key(|r| r.address);
        Ok(lines)
    }

    /// The row describing code-section offset `address`, if any.
    pub fn lookup(&self, address: u64) -> Option<&LineRow> {
        let at = self.rows.partition_point(|r| r.address <= address);
        let row = self.rows.get(at.checked_sub(1)?)?;
        (!row.end && row.line != 0).then_some(row)
    }
}

/// `dir` under `base`, unless `dir` is absolute.
fn join(base: &str, dir: &str) -> String {
    if dir.starts_with('/') || base.is_empty() {
        dir.to_string()
    } else if dir.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{dir}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(address: u64, line: u64, end: bool) -> LineRow {
        LineRow { address, file: 0, line, column: 0, end }
    }

    #[test]
    fn lookup_finds_the_row_in_force_and_nothing_past_a_sequence() {
        let lines = WasmLines {
            files: vec![("/src".into(), "a.c".into())],
            rows: vec![row(10, 3, false), row(20, 4, false), row(30, 0, true), row(40, 9, false)],
            primary: None,
        };
        assert_eq!(lines.lookup(5), None);
        assert_eq!(lines.lookup(10).map(|r| r.line), Some(3));
        assert_eq!(lines.lookup(29).map(|r| r.line), Some(4));
        assert_eq!(lines.lookup(35), None);
        assert_eq!(lines.lookup(100).map(|r| r.line), Some(9));
    }

    #[test]
    fn a_module_without_or_with_broken_dwarf_has_no_lines() {
        assert!(WasmLines::read(&[]).is_none());
        assert!(WasmLines::read(&[(".debug_line", &[1, 2, 3][..])]).is_none());
        assert_eq!(join("/work", "src"), "/work/src");
        assert_eq!(join("/work", "/abs"), "/abs");
    }
}
