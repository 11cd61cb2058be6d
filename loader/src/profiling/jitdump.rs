//! `ProfilingStrategy::JitDump`: perf's jitdump format
//! (`tools/perf/Documentation/jitdump-specification.txt` in Linux).
//!
//! One file per process, `jit-PID.dump` in `$JITDUMPDIR` or else the
//! current directory, created by the first engine that asks for it: a
//! header, then one `JIT_CODE_LOAD` record per function and trampoline of
//! every loaded module, carrying its address, its name and a copy of its
//! code as loaded (relocated). `perf inject --jit` turns each record into
//! a small ELF file, so `perf report` names the function and `perf
//! annotate` disassembles it, even after the module is gone. For a module
//! with DWARF (`-D debug-info`), a `JIT_CODE_DEBUG_INFO` record before each
//! load gives the function's rows of the line table, which perf writes
//! into that ELF file as its `.debug_line`: `perf annotate` then shows the
//! source lines, and `perf report --sort srcline` sorts by them.
//!
//! perf finds the file through the mapping of it that this process keeps
//! executable for its whole life (an mmap event that `perf record` logs),
//! and orders records against samples by their `CLOCK_MONOTONIC`
//! timestamps, so record with `perf record -k mono`. Every field is in
//! this host's byte order, as the format asks.

use crate::debug_lines::LineRow;
use anyhow::{Context, Result};
use kiln_runtime_support::gdb_jit::SymbolTable;
use kiln_runtime_support::sys;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `JiTD`, read in the writer's byte order.
const MAGIC: u32 = 0x4a69_5444;
/// The format's version.
const VERSION: u32 = 1;
/// The file header's size.
const HEADER_SIZE: usize = 40;
/// The id of a code load record.
const JIT_CODE_LOAD: u32 = 0;
/// The id of a debug-info record, for the code load after it.
const JIT_CODE_DEBUG_INFO: u32 = 2;
/// A code load record's size before its name: the record header (id,
/// size, timestamp) and pid, tid, vma, code address, size and index.
const CODE_LOAD_FIXED: usize = 16 + 40;

/// The ELF machine of the code this host runs.
const ELF_MACHINE: u16 = if cfg!(target_arch = "aarch64") { object::elf::EM_AARCH64 } else { object::elf::EM_X86_64 };

/// The process's jitdump file, shared by every engine.
static DUMP: Mutex<Option<Dump>> = Mutex::new(None);

/// An open jitdump file.
struct Dump {
    file: File,
    /// The file mapped read+execute, never read: the mmap event by which
    /// perf finds the file. Kept for the life of the process.
    _marker: memmap2::Mmap,
    /// The next record's `code_index`, unique in the file.
    next_index: u64,
}

/// Where this process's jitdump file goes.
fn path() -> PathBuf {
    let dir =
        std::env::var_os("JITDUMPDIR").filter(|d| !d.is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    dir.join(format!("jit-{}.dump", std::process::id()))
}

/// Creates the jitdump file, unless an engine already has.
pub(super) fn open() -> Result<()> {
    let mut dump = DUMP.lock().unwrap_or_else(|e| e.into_inner());
    if dump.is_none() {
        let path = path();
        *dump =
            Some(Dump::create(&path).with_context(|| format!("failed to create the jitdump file {}", path.display()))?);
    }
    Ok(())
}

/// Appends records for each of `symbols` (addresses in the code at
/// `base`, whose bytes are `text`; `lines` sorted by address), in one
/// write.
pub(super) fn append(symbols: &SymbolTable, base: u64, text: &[u8], lines: &[LineRow]) {
    let mut dump = DUMP.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dump) = dump.as_mut() {
        dump.append(symbols, base, text, lines);
    }
}

impl Dump {
    /// Creates (or truncates) `path`, writes the header and maps the file.
    fn create(path: &Path) -> std::io::Result<Self> {
        let mut file = File::options().read(true).write(true).create(true).truncate(true).open(path)?;
        file.write_all(&header(std::process::id(), sys::monotonic_nanos()))?;
        // SAFETY: the mapping is never read or written through; it exists
        // only so that perf sees this file mapped executable. The file
        // shrinking under it could at worst fault a read nobody makes.
        let marker = unsafe { memmap2::MmapOptions::new().len(sys::page_size()).map_exec(&file)? };
        Ok(Self { file, _marker: marker, next_index: 0 })
    }

    fn append(&mut self, symbols: &SymbolTable, base: u64, text: &[u8], lines: &[LineRow]) {
        let (pid, tid, now) = (std::process::id(), sys::thread_id(), sys::monotonic_nanos());
        let mut records = Vec::new();
        for (name, address, len) in symbols.iter().filter(|(_, _, len)| *len > 0) {
            // Every symbol lies in the module's `.text`; one that did not
            // would be a kiln bug, and only its record is lost.
            let Some(code) = address
                .checked_sub(base)
                .and_then(|at| text.get(usize::try_from(at).ok()?..)?.get(..usize::try_from(len).ok()?))
            else {
                continue;
            };
            let first = lines.partition_point(|r| r.address < address);
            let end = lines.partition_point(|r| r.address < address + len);
            if first < end {
                encode_debug_info(&mut records, now, address, &lines[first..end]);
            }
            let load = CodeLoad { pid, tid, timestamp: now, address, index: self.next_index, name, code };
            load.encode(&mut records);
            self.next_index += 1;
        }
        let _ = self.file.write_all(&records);
    }
}

/// The file header: magic, version, its own size, the ELF machine, a pad,
/// the pid, the creation time and no flags.
fn header(pid: u32, timestamp: u64) -> [u8; HEADER_SIZE] {
    let mut h = [0u8; HEADER_SIZE];
    let fields32 = [MAGIC, VERSION, HEADER_SIZE as u32, u32::from(ELF_MACHINE), 0, pid];
    for (i, f) in fields32.iter().enumerate() {
        h[i * 4..][..4].copy_from_slice(&f.to_ne_bytes());
    }
    h[24..32].copy_from_slice(&timestamp.to_ne_bytes());
    h
}

/// One `JIT_CODE_LOAD` record.
struct CodeLoad<'a> {
    pid: u32,
    tid: u32,
    timestamp: u64,
    address: u64,
    index: u64,
    name: &'a str,
    code: &'a [u8],
}

impl CodeLoad<'_> {
    /// Appends the record to `out`: the fixed fields, the name and a NUL,
    /// and the code.
    fn encode(&self, out: &mut Vec<u8>) {
        let size = CODE_LOAD_FIXED + self.name.len() + 1 + self.code.len();
        out.extend_from_slice(&JIT_CODE_LOAD.to_ne_bytes());
        out.extend_from_slice(&(size as u32).to_ne_bytes());
        out.extend_from_slice(&self.timestamp.to_ne_bytes());
        out.extend_from_slice(&self.pid.to_ne_bytes());
        out.extend_from_slice(&self.tid.to_ne_bytes());
        // The vma and the code address: the same, for code run where it is.
        out.extend_from_slice(&self.address.to_ne_bytes());
        out.extend_from_slice(&self.address.to_ne_bytes());
        out.extend_from_slice(&(self.code.len() as u64).to_ne_bytes());
        out.extend_from_slice(&self.index.to_ne_bytes());
        // A NUL inside a name would end it early; the symbol table has
        // none (it turns them into `?`).
        out.extend_from_slice(self.name.as_bytes());
        out.push(0);
        out.extend_from_slice(self.code);
    }
}

/// Appends a `JIT_CODE_DEBUG_INFO` record for the code at `address`: the
/// code address, the entry count, and per row its address, line, a zero
/// discriminator and its file name.
fn encode_debug_info(out: &mut Vec<u8>, timestamp: u64, address: u64, rows: &[LineRow]) {
    let size = 16 + 16 + rows.iter().map(|r| 16 + r.file.len() + 1).sum::<usize>();
    out.extend_from_slice(&JIT_CODE_DEBUG_INFO.to_ne_bytes());
    out.extend_from_slice(&(size as u32).to_ne_bytes());
    out.extend_from_slice(&timestamp.to_ne_bytes());
    out.extend_from_slice(&address.to_ne_bytes());
    out.extend_from_slice(&(rows.len() as u64).to_ne_bytes());
    for row in rows {
        out.extend_from_slice(&row.address.to_ne_bytes());
        out.extend_from_slice(&(row.line as i32).to_ne_bytes());
        out.extend_from_slice(&0i32.to_ne_bytes());
        // File names come from DWARF strings, which hold no NUL.
        out.extend_from_slice(row.file.as_bytes());
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_ne_bytes(b[at..at + 8].try_into().unwrap())
    }

    /// A dump with one module of two functions and an empty trampoline
    /// (which gets no record), read back field by field at the offsets
    /// the specification gives.
    #[test]
    fn records_follow_the_specifications_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jit-1.dump");
        let mut dump = Dump::create(&path).unwrap();
        let text: Vec<u8> = (0u8..32).collect();
        let base = 0x7000_0000_u64;
        let mut symbols = SymbolTable::with_capacity(3);
        symbols.push(base, 12, format_args!("m!first"));
        symbols.push(base + 12, 0, format_args!("m!empty"));
        symbols.push(base + 16, 16, format_args!("m!second"));
        let row = |address: u64, line: u32| LineRow { address, file: "/src/m.c".into(), line };
        // Two rows in `second`, one in the gap before it.
        let lines = [row(base + 13, 1), row(base + 16, 7), row(base + 20, 8)];
        dump.append(&symbols, base, &text, &lines);
        let bytes = std::fs::read(&path).unwrap();

        if cfg!(target_endian = "little") {
            assert_eq!(&bytes[..4], b"DTiJ");
        }
        assert_eq!(u32_at(&bytes, 0), MAGIC);
        assert_eq!([u32_at(&bytes, 4), u32_at(&bytes, 8), u32_at(&bytes, 16)], [1, 40, 0]);
        assert_eq!(u32_at(&bytes, 12), u32::from(ELF_MACHINE));
        assert_eq!(u32_at(&bytes, 20), std::process::id());
        assert_eq!(u64_at(&bytes, 32), 0, "no flags");

        let mut at = HEADER_SIZE;
        let mut seen = vec![];
        let mut debug_info = vec![];
        while at < bytes.len() {
            let r = &bytes[at..];
            let size = u32_at(r, 4) as usize;
            if u32_at(r, 0) == JIT_CODE_DEBUG_INFO {
                let (code_addr, n) = (u64_at(r, 16), u64_at(r, 24) as usize);
                let mut entry = 32;
                for _ in 0..n {
                    let (addr, line, discrim) = (u64_at(r, entry), u32_at(r, entry + 8), u32_at(r, entry + 12));
                    let name_len = r[entry + 16..].iter().position(|b| *b == 0).unwrap();
                    let file = std::str::from_utf8(&r[entry + 16..entry + 16 + name_len]).unwrap().to_string();
                    debug_info.push((code_addr - base, addr - base, line, discrim, file));
                    entry += 16 + name_len + 1;
                }
                assert_eq!(entry, size, "the entries fill the record");
                at += size;
                continue;
            }
            assert_eq!(u32_at(r, 0), JIT_CODE_LOAD);
            assert!(u64_at(r, 8) >= u64_at(&bytes, 24), "loaded after the file was made");
            assert_eq!(u32_at(r, 16), std::process::id());
            assert_eq!(u32_at(r, 20), sys::thread_id());
            let (vma, addr, len, index) = (u64_at(r, 24), u64_at(r, 32), u64_at(r, 40) as usize, u64_at(r, 48));
            assert_eq!(vma, addr);
            let name_len = r[56..].iter().position(|b| *b == 0).unwrap();
            let name = std::str::from_utf8(&r[56..56 + name_len]).unwrap().to_string();
            let code = &r[56 + name_len + 1..size];
            assert_eq!(code.len(), len);
            let off = (addr - base) as usize;
            assert_eq!(code, &text[off..off + len], "{name}: the code as loaded");
            seen.push((name, addr - base, len, index));
            at += size;
        }
        assert_eq!(at, bytes.len(), "records fill the file exactly");
        assert_eq!(seen, [("m!first".to_string(), 0, 12, 0), ("m!second".to_string(), 16, 16, 1)]);
        let file = "/src/m.c".to_string();
        assert_eq!(debug_info, [(16, 16, 7, 0, file.clone()), (16, 20, 8, 0, file)], "only `second` has rows");
    }

    #[test]
    fn a_symbol_outside_the_code_gets_no_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jit-2.dump");
        let mut dump = Dump::create(&path).unwrap();
        let mut symbols = SymbolTable::with_capacity(2);
        symbols.push(0x1000, 8, format_args!("before"));
        symbols.push(0x2000 + 4, 8, format_args!("past the end"));
        dump.append(&symbols, 0x2000, &[0; 8], &[]);
        assert_eq!(std::fs::read(&path).unwrap().len(), HEADER_SIZE);
    }
}
