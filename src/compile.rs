//! `kiln compile` and `kiln wasm2obj`: a module in, a native ELF object
//! (the artifact) out.

use crate::options::GroupedOptions;
use anyhow::{Context, Result};
use kiln::{Config, Engine};
use std::path::Path;
use std::process::ExitCode;

/// Compiles `input` (.wasm or .wat) and writes the artifact to `output`.
/// `optimize` holds the values of `-O` (`opt-level=0|1|2|s`) and `wasm`
/// those of `-W` (`epoch-interruption`, `timeout`, `fuel`: the deadline
/// checks to compile in, which `run` must then ask for too; `simd`,
/// `relaxed-simd`, `relaxed-simd-deterministic`), as for `run`, and
/// `codegen` those of `-C` (`cranelift-FLAG[=VAL]`: CPU features to use or
/// not, which the artifact records).
pub fn compile_file(
    input: &Path,
    output: &Path,
    optimize: &[String],
    wasm: &[String],
    codegen: &[String],
) -> Result<ExitCode> {
    compile_file_for(input, output, optimize, wasm, codegen, None)
}

/// [`compile_file`] for `target` (`--target`): another triple than the
/// host's (`aarch64-unknown-linux-gnu`) compiles for that architecture's
/// baseline CPU.
pub fn compile_file_for(
    input: &Path,
    output: &Path,
    optimize: &[String],
    wasm: &[String],
    codegen: &[String],
    target: Option<&str>,
) -> Result<ExitCode> {
    let mut config = Config::new();
    GroupedOptions::parse(optimize, wasm, &[], &[])?.with_codegen(codegen)?.configure(&mut config);
    if let Some(target) = target {
        config.target(target)?;
    }
    let engine = Engine::new(&config)?;
    let bytes = std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let artifact =
        engine.precompile_module(&bytes).with_context(|| format!("failed to compile `{}`", input.display()))?;
    // Atomically: a process running the old artifact from a mapping keeps
    // its bytes.
    crate::atomic_write::write_atomic(output, &artifact)
        .with_context(|| format!("failed to write `{}`", output.display()))?;
    Ok(ExitCode::SUCCESS)
}
