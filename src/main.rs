//! `kiln`: compile WebAssembly ahead of time and run it. The command line
//! mirrors wasmtime's: `kiln FILE [ARGS]` is `kiln run FILE [ARGS]`.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use kiln::{Engine, Linker, Store};
use kiln_cli::run;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kiln", version, about = "An ahead-of-time WebAssembly compiler with a thin loader")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a module (.wasm, .wat or a compiled artifact).
    Run(RunArgs),
    /// Compile a module to a native ELF object (the artifact).
    Compile {
        /// Input .wasm or .wat file.
        input: PathBuf,
        /// Output file (default: the input with a `.o` extension).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Compile a module to a native ELF object: `kiln wasm2obj IN OUT`.
    Wasm2obj {
        /// Input .wasm or .wat file.
        input: PathBuf,
        /// Output object file.
        output: PathBuf,
    },
    /// Run WebAssembly spec test scripts.
    Wast {
        /// The .wast files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Call this exported function instead of `_start`, printing its results.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// The module to run.
    module: PathBuf,
    /// Arguments: for the module, or for the `--invoke`d function.
    #[arg(trailing_var_arg = false)]
    args: Vec<String>,
}

const SUBCOMMANDS: &[&str] = &["run", "compile", "wasm2obj", "wast", "help"];

/// `kiln FILE ...` means `kiln run FILE ...`.
fn normalized_args() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.get(1)
        && !first.starts_with('-')
        && !SUBCOMMANDS.contains(&first.as_str())
    {
        args.insert(1, "run".into());
    }
    args
}

/// Exit status for a trap, as wasmtime uses (128 + SIGABRT).
const TRAP_EXIT: u8 = 134;

fn main() -> ExitCode {
    let cli = Cli::parse_from(normalized_args());
    let result = match cli.command {
        Command::Run(args) => run_command(args),
        Command::Compile { input, output } => {
            let output = output.unwrap_or_else(|| input.with_extension("o"));
            compile_command(&input, &output)
        }
        Command::Wasm2obj { input, output } => compile_command(&input, &output),
        Command::Wast { files } => wast_command(&files),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<kiln::Trap>().is_some() => {
            // A trap: the message, the wasm backtrace, then the causes.
            eprintln!("Error: {e}");
            let causes: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
            if !causes.is_empty() {
                eprintln!("\nCaused by:");
                for c in causes {
                    eprintln!("    {c}");
                }
            }
            ExitCode::from(TRAP_EXIT)
        }
        Err(e) => {
            // Anything else is one clear line.
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn compile_command(input: &std::path::Path, output: &std::path::Path) -> Result<ExitCode> {
    let bytes = std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let engine = Engine::default();
    let artifact =
        engine.precompile_module(&bytes).with_context(|| format!("failed to compile `{}`", input.display()))?;
    std::fs::write(output, artifact).with_context(|| format!("failed to write `{}`", output.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: RunArgs) -> Result<ExitCode> {
    let engine = Engine::default();
    let module = run::load_module(&engine, &args.module)?;
    let mut store = Store::new(&engine, ());
    let linker: Linker<()> = Linker::new(&engine);
    let instance = linker.instantiate(&mut store, &module)?;
    if let Some(name) = &args.invoke {
        let func =
            instance.get_func(&mut store, name).with_context(|| format!("failed to find function export `{name}`"))?;
        for v in run::invoke(&mut store, func, name, &args.args)? {
            println!("{}", run::format_val(&v));
        }
    } else if let Some(start) = instance.get_func(&mut store, "_start") {
        run::invoke(&mut store, start, "_start", &[])?;
    }
    Ok(ExitCode::SUCCESS)
}

fn wast_command(files: &[PathBuf]) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let report = kiln_cli::wast::run_file(file)?;
        for f in &report.failures {
            eprintln!("{f}");
        }
        println!("{}: {} passed, {} failed", file.display(), report.passed, report.failures.len());
        passed += report.passed;
        failed += report.failures.len();
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
