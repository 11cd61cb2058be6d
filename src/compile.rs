//! `kiln compile` and `kiln wasm2obj`: a module in, a native ELF object
//! (the artifact) out.

use crate::options::GroupedOptions;
use anyhow::{Context, Result};
use kiln::{Config, Engine};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options and arguments of `kiln compile`.
#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// Input .wasm or .wat file.
    pub input: PathBuf,
    /// Output file (default: the input with a `.o` extension, or with none
    /// for `--exe`).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Optimization options, as wasmtime spells them: `opt-level=0|1|2|s`.
    #[arg(short = 'O', long = "optimize", value_name = "KEY[=VAL[,..]]")]
    pub optimize: Vec<String>,
    /// Wasm options: `epoch-interruption`, `fuel=N` compile deadline checks in;
    /// `simd=y|n`, `relaxed-simd=y|n`, `relaxed-simd-deterministic=y|n`. With
    /// `--exe` also `timeout=DURATION`, `fuel=N`, `max-memory-size=BYTES`,
    /// `max-table-elements=N`, `trap-on-grow-failure`, `max-wasm-stack=BYTES`,
    /// which the executable enforces.
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
    pub wasm: Vec<String>,
    /// Debug options: `debug-info` carries the module's DWARF line tables
    /// into the object, mapped to native code, for `gdb`.
    #[arg(short = 'D', long = "debug", value_name = "KEY[=VAL[,..]]")]
    pub debug: Vec<String>,
    /// Codegen options: `cranelift-FLAG[=VAL]`, e.g. `cranelift-has-avx=false`.
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VAL[,..]]")]
    pub codegen: Vec<String>,
    /// Target triple to compile for (default: the host), e.g.
    /// `aarch64-unknown-linux-gnu`; the artifact runs only there.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Build a standalone native executable: the module linked with kiln's
    /// runtime library by the system's `cc` (or `$CC`). `./app ARGS` runs
    /// `_start` with ARGS as the guest's arguments.
    #[arg(long, conflicts_with = "c_header")]
    pub exe: bool,
    /// Also write a C header for the object, which then links into a C
    /// program with kiln's runtime library (`kiln runtime-lib`): a typed
    /// function for each export, a prototype for each import the program
    /// defines, and instance, memory and trap functions.
    #[arg(long = "c-header", value_name = "FILE.h")]
    pub c_header: Option<PathBuf>,
    /// With `--c-header`: the prefix of the header's names (default: the
    /// header's file name without `.h`).
    #[arg(long = "c-prefix", value_name = "NAME", requires = "c_header")]
    pub c_prefix: Option<String>,
    /// With `--exe`: grant the guest a host directory, baked into the
    /// executable.
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]", requires = "exe")]
    pub dirs: Vec<String>,
    /// With `--exe`: an environment variable for the guest, baked in;
    /// `--env NAME` passes the host's value of NAME at run time.
    #[arg(long = "env", value_name = "NAME[=VAL]", requires = "exe")]
    pub envs: Vec<String>,
    /// With `--exe`: WASI options, `inherit-env`, baked in.
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VAL[,..]]", requires = "exe")]
    pub wasi: Vec<String>,
}

/// `kiln compile`.
pub fn compile_command(args: &CompileArgs) -> Result<ExitCode> {
    if args.exe {
        let output = args.output.clone().unwrap_or_else(|| args.input.with_extension(""));
        if output == args.input {
            anyhow::bail!("`--exe` would overwrite its input `{}`; name the output with -o", args.input.display());
        }
        let options =
            GroupedOptions::parse(&args.optimize, &args.wasm, &args.wasi, &args.debug)?.with_codegen(&args.codegen)?;
        let host = crate::exe::ExeHost { dirs: &args.dirs, envs: &args.envs };
        return crate::exe::compile_exe(&args.input, &output, &options, &host, args.target.as_deref());
    }
    let output = args.output.clone().unwrap_or_else(|| args.input.with_extension("o"));
    if let Some(header) = &args.c_header {
        let prefix = args.c_prefix.clone().unwrap_or_else(|| crate::c_header::default_prefix(header));
        let options =
            GroupedOptions::parse(&args.optimize, &args.wasm, &[], &args.debug)?.with_codegen(&args.codegen)?;
        return crate::c_header::compile_c(&args.input, &output, header, &prefix, &options, args.target.as_deref());
    }
    compile_file_for(
        &args.input,
        &output,
        &args.optimize,
        &args.wasm,
        &args.debug,
        &args.codegen,
        args.target.as_deref(),
    )
}

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
    compile_file_for(input, output, optimize, wasm, &[], codegen, None)
}

/// [`compile_file`] for `target` (`--target`), with `debug` the values of
/// `-D` (`debug-info`): another triple than the
/// host's (`aarch64-unknown-linux-gnu`) compiles for that architecture's
/// baseline CPU.
pub fn compile_file_for(
    input: &Path,
    output: &Path,
    optimize: &[String],
    wasm: &[String],
    debug: &[String],
    codegen: &[String],
    target: Option<&str>,
) -> Result<ExitCode> {
    let mut config = Config::new();
    GroupedOptions::parse(optimize, wasm, &[], debug)?.with_codegen(codegen)?.configure(&mut config);
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
