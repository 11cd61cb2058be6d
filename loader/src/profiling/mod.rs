//! `Config::profiler`: telling native profilers which wasm function each
//! address of loaded code belongs to.
//!
//! Two formats, both Linux `perf`'s:
//! - [`ProfilingStrategy::PerfMap`] ([`perf_map`]): `/tmp/perf-PID.map`,
//!   a line per function naming an address range;
//! - [`ProfilingStrategy::JitDump`] ([`jitdump`]): `jit-PID.dump`, a record
//!   per function with its name and its code (and, for a module compiled
//!   with `-D debug-info`, its source lines), from which `perf inject
//!   --jit` makes ELF files that `perf annotate` can disassemble.
//!
//! Names are spelled as in backtraces, `module!function` (the name
//! section's names; `wasm-function[N]` without one, and `<module>` for a
//! module without a name), and trampolines are named too. The output is
//! opened by `Engine::new`, so a profiler that cannot write its file is an
//! error there, not a silent gap in the profile; after that, a failed
//! write loses profile entries, never the module. Each module's entries are
//! written under one process-wide lock, so concurrent loads never
//! interleave. Modules stay listed after they are dropped, as perf expects:
//! the output describes every address that ever held code.

mod jitdump;
mod perf_map;

pub use perf_map::perf_map_path;

use crate::engine::Config;
use anyhow::{Result, bail};
use kiln_runtime_support::code_memory::CodeMemory;
use kiln_runtime_support::gdb_jit::SymbolTable;

/// Which profiler an engine reports loaded code to (wasmtime's spelling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfilingStrategy {
    /// None (the default).
    #[default]
    None,
    /// `/tmp/perf-PID.map`, read by Linux `perf`.
    PerfMap,
    /// perf's jitdump format: `jit-PID.dump` in `$JITDUMPDIR`, or in the
    /// current directory, for `perf record -k mono` and `perf inject --jit`.
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

/// Checks `strategy` and opens its output, at `Engine::new`.
pub(crate) fn start(strategy: ProfilingStrategy) -> Result<()> {
    match strategy {
        ProfilingStrategy::None => Ok(()),
        ProfilingStrategy::PerfMap => perf_map::open(),
        ProfilingStrategy::JitDump => jitdump::open(),
        other => {
            bail!("`Config::profiler({other:?})`: kiln does not implement this profiler (it has PerfMap and JitDump)")
        }
    }
}

/// Reports a module's loaded `code`, whose functions and trampolines are
/// `symbols` and whose relocated DWARF is `debug` (empty without
/// `-D debug-info`), to the engine's profiler, if it has one.
pub(crate) fn register(
    strategy: ProfilingStrategy,
    symbols: &SymbolTable,
    code: &CodeMemory,
    debug: &[(String, Vec<u8>)],
) {
    match strategy {
        ProfilingStrategy::PerfMap => perf_map::append(symbols),
        ProfilingStrategy::JitDump => {
            let lines = crate::debug_lines::line_rows(debug);
            jitdump::append(symbols, code.base() as u64, code.text(), &lines);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unimplemented_profilers_are_refused_by_name() {
        assert!(start(ProfilingStrategy::None).is_ok());
        let err = start(ProfilingStrategy::VTune).unwrap_err().to_string();
        assert_eq!(
            err,
            "`Config::profiler(VTune)`: kiln does not implement this profiler (it has PerfMap and JitDump)"
        );
        assert!(start(ProfilingStrategy::Pulley).is_err());
    }
}
