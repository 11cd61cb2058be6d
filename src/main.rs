//! `kiln`: compile WebAssembly ahead of time and run it. The command line
//! mirrors wasmtime's: `kiln FILE [ARGS]` is `kiln run FILE [ARGS]`.

use clap::{Parser, Subcommand};
use kiln_cli::{cache, compile, run, runtime_lib, serve, wast};
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
    Run(Box<run::RunArgs>),
    /// Compile a module to a native ELF object (the artifact), or with
    /// `--exe` to a standalone executable.
    Compile(Box<compile::CompileArgs>),
    /// Compile a module to a native ELF object: `kiln wasm2obj IN OUT`.
    Wasm2obj {
        /// Input .wasm or .wat file.
        input: PathBuf,
        /// Output object file.
        output: PathBuf,
        /// Optimization options: `opt-level=0|1|2|s`.
        #[arg(short = 'O', long = "optimize", value_name = "KEY[=VAL[,..]]")]
        optimize: Vec<String>,
        /// Wasm options: `epoch-interruption`, `fuel=N`, `simd`, `relaxed-simd`,
        /// `relaxed-simd-deterministic`.
        #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
        wasm: Vec<String>,
        /// Codegen options: `cranelift-FLAG[=VAL]`.
        #[arg(short = 'C', long = "codegen", value_name = "KEY[=VAL[,..]]")]
        codegen: Vec<String>,
    },
    /// Serve HTTP: every request runs a fresh instance of a WAGI module.
    Serve(Box<serve::ServeArgs>),
    /// The compile cache `kiln run` uses (`-C cache=n` turns it off).
    /// Print the path of kiln's runtime library (`libkiln_runtime.a`), which
    /// C programs linking a module's object link with.
    RuntimeLib {
        /// Print the system libraries to link after it instead
        /// (`-lpthread -ldl ...`).
        #[arg(long)]
        native_libs: bool,
    },
    Cache {
        #[command(subcommand)]
        command: cache::CacheCommand,
    },
    /// Run WebAssembly spec test scripts.
    Wast {
        /// The .wast files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

const SUBCOMMANDS: &[&str] = &["run", "compile", "wasm2obj", "serve", "cache", "runtime-lib", "wast", "help"];

/// `kiln FILE ...` means `kiln run FILE ...`.
fn normalized_args() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    // `kiln --dir . app.wasm` is `kiln run --dir . app.wasm` too; only the
    // top-level help and version flags stay top-level.
    const TOP_LEVEL_FLAGS: &[&str] = &["-h", "--help", "-V", "--version"];
    if let Some(first) = args.get(1)
        && !SUBCOMMANDS.contains(&first.as_str())
        && !TOP_LEVEL_FLAGS.contains(&first.as_str())
    {
        args.insert(1, "run".into());
    }
    args
}

/// Exit status for a trap, as wasmtime uses (128 + SIGABRT).
fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse_from(normalized_args());
    let result = match cli.command {
        Command::Run(args) => run::run_command(*args),
        Command::Compile(args) => compile::compile_command(&args),
        Command::Wasm2obj { input, output, optimize, wasm, codegen } => {
            compile::compile_file(&input, &output, &optimize, &wasm, &codegen)
        }
        Command::Serve(args) => serve::serve_command(*args),
        Command::Cache { command } => cache::cache_command(command),
        Command::RuntimeLib { native_libs } => runtime_lib::print(native_libs),
        Command::Wast { files } => wast::run_files(&files),
    };
    match result {
        Ok(code) => code,
        // A trap: the message, the wasm backtrace, then the causes, and
        // status 134; anything else is one clear line and status 1. The
        // executables `--exe` builds report the same way.
        Err(e) => ExitCode::from(kiln_runtime::exe::report(&e)),
    }
}
