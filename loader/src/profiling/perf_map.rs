//! `ProfilingStrategy::PerfMap`: `/tmp/perf-PID.map`, the file `perf
//! report` reads for code it finds in no ELF file, one line per function
//! and trampoline, `START SIZE NAME` with start and size in hex. The file
//! is created, or appended to, once per process.

use anyhow::{Context, Result};
use kiln_runtime_support::gdb_jit::SymbolTable;
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// The open perf map, shared by every engine of the process.
static PERF_MAP: Mutex<Option<File>> = Mutex::new(None);

/// The perf map's path for this process.
pub fn perf_map_path() -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Opens the perf map, unless an engine already has.
pub(super) fn open() -> Result<()> {
    let mut map = PERF_MAP.lock().unwrap_or_else(|e| e.into_inner());
    if map.is_none() {
        let path = perf_map_path();
        let file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("failed to open the perf map {}", path.display()))?;
        *map = Some(file);
    }
    Ok(())
}

/// Appends a module's `symbols`, in one write.
pub(super) fn append(symbols: &SymbolTable) {
    let mut text = String::new();
    for (name, start, len) in symbols.iter().filter(|(_, _, len)| *len > 0) {
        // perf splits on the first two spaces and takes the rest of the
        // line as the name, so only a newline could break a line.
        let name = name.replace(['\n', '\r'], " ");
        text.push_str(&format!("{start:x} {len:x} {name}\n"));
    }
    let mut map = PERF_MAP.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = map.as_mut() {
        let _ = file.write_all(text.as_bytes());
    }
}
