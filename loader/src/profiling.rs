//! `Config::profiler`: telling native profilers which wasm function each
//! address of loaded code belongs to.
//!
//! With [`ProfilingStrategy::PerfMap`], every module loaded into the engine
//! appends one line per function and trampoline to `/tmp/perf-PID.map`, the
//! file `perf report` reads for code it finds in no ELF file:
//! `START SIZE NAME`, start and size in hex. Names are spelled as in
//! backtraces, `module!function` (the name section's names; `wasm-function[N]`
//! without one, and `<module>` for a module without a name). Lines are
//! written under one process-wide lock, a module at a time, so concurrent
//! loads never interleave within a line.
//!
//! The file is opened (created, or appended to) by `Engine::new`, so a
//! profiler that cannot write its file is an error there, not a silent
//! gap in the profile. Modules stay listed after they are dropped, as perf
//! expects: the map describes every address that ever held code.

use crate::engine::Config;
use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Which profiler an engine reports loaded code to (wasmtime's spelling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfilingStrategy {
    /// None (the default).
    #[default]
    None,
    /// `/tmp/perf-PID.map`, read by Linux `perf`.
    PerfMap,
    /// perf's jitdump format: not implemented; `Engine::new` refuses it.
    JitDump,
    /// Intel VTune: not implemented; `Engine::new` refuses it.
    VTune,
    /// wasmtime's interpreter profiler: kiln has no interpreter;
    /// `Engine::new` refuses it.
    Pulley,
}

impl Config {
    /// Reports loaded code to a native profiler.
    pub fn profiler(&mut self, profile: ProfilingStrategy) -> &mut Self {
        self.profiler = profile;
        self
    }
}

/// The open perf map, shared by every engine of the process.
static PERF_MAP: Mutex<Option<File>> = Mutex::new(None);

/// The perf map's path for this process.
pub fn perf_map_path() -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Checks `strategy` and prepares its output, at `Engine::new`.
pub(crate) fn start(strategy: ProfilingStrategy) -> Result<()> {
    match strategy {
        ProfilingStrategy::None => Ok(()),
        ProfilingStrategy::PerfMap => {
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
        other => bail!("`Config::profiler({other:?})`: kiln does not implement this profiler (it has PerfMap)"),
    }
}

/// Appends a module's `symbols` to the perf map, if the engine writes one.
/// A failed write loses profile lines, never the module, so it is not an
/// error.
pub(crate) fn register(strategy: ProfilingStrategy, symbols: &kiln_runtime_support::gdb_jit::SymbolTable) {
    if strategy != ProfilingStrategy::PerfMap {
        return;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unimplemented_profilers_are_refused_by_name() {
        assert!(start(ProfilingStrategy::None).is_ok());
        let err = start(ProfilingStrategy::JitDump).unwrap_err().to_string();
        assert_eq!(err, "`Config::profiler(JitDump)`: kiln does not implement this profiler (it has PerfMap)");
        assert!(start(ProfilingStrategy::VTune).is_err());
    }
}
