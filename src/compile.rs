//! `kiln compile` and `kiln wasm2obj`: a module in, a native ELF object
//! (the artifact) out.

use anyhow::{Context, Result};
use kiln::Engine;
use std::path::Path;
use std::process::ExitCode;

/// Compiles `input` (.wasm or .wat) and writes the artifact to `output`.
pub fn compile_file(input: &Path, output: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let engine = Engine::default();
    let artifact =
        engine.precompile_module(&bytes).with_context(|| format!("failed to compile `{}`", input.display()))?;
    std::fs::write(output, artifact).with_context(|| format!("failed to write `{}`", output.display()))?;
    Ok(ExitCode::SUCCESS)
}
