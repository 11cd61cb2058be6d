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
    /// Grant the guest access to a host directory, as GUEST (default: the
    /// same name). `--dir=.` is accepted too.
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    dirs: Vec<String>,
    /// Set an environment variable for the guest; `--env NAME` passes the
    /// host's value of NAME, if it has one.
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    envs: Vec<String>,
    /// Instantiate another module first and make its exports importable
    /// under NAME (.wasm, .wat or a kiln artifact).
    #[arg(long = "preload", value_name = "NAME=MODULE_PATH")]
    preloads: Vec<String>,
    /// Hand the guest a TCP socket listening on this address (for
    /// `sock_accept`); sockets get the descriptors after the directories.
    #[arg(long = "tcplisten", value_name = "SOCKET_ADDRESS")]
    tcplisten: Vec<String>,
    /// Accepted for scripts written for wasmtime's older CLI (`-d`). kiln
    /// always keeps function names, in artifact symbols and in trap
    /// backtraces; it emits no DWARF.
    #[arg(short = 'd', long = "debug-info")]
    debug_info: bool,
    /// The module to run.
    module: PathBuf,
    /// Arguments: for the module (after its name as argv[0]), or for the
    /// `--invoke`d function. Options after the module are kiln's until `--`.
    #[arg(trailing_var_arg = false)]
    args: Vec<String>,
}

/// The store data of `kiln run`.
struct RunState {
    wasi: kiln::wasi::WasiCtx,
}

const SUBCOMMANDS: &[&str] = &["run", "compile", "wasm2obj", "wast", "help"];

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
const TRAP_EXIT: u8 = 134;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
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
    use kiln::wasi::{DirPerms, FilePerms, WasiCtxBuilder};
    let engine = Engine::default();
    if args.debug_info {
        tracing::debug!("--debug-info: function names are always kept; no DWARF is emitted");
    }
    let module = run::load_module(&engine, &args.module)?;

    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stdio();
    // argv[0] is the module's file name, as wasmtime does it.
    let argv0 = args.module.file_name().map_or_else(|| args.module.to_string_lossy(), |n| n.to_string_lossy());
    wasi.arg(&argv0);
    if args.invoke.is_none() {
        wasi.args(&args.args);
    }
    for env in &args.envs {
        match env.split_once('=') {
            Some((name, value)) => {
                wasi.env(name, value);
            }
            None => {
                if let Ok(value) = std::env::var(env) {
                    wasi.env(env, value);
                }
            }
        }
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        wasi.preopened_dir(host, guest, DirPerms::all(), FilePerms::all())?;
    }
    for addr in &args.tcplisten {
        let listener = std::net::TcpListener::bind(addr).with_context(|| format!("failed to listen on `{addr}`"))?;
        wasi.preopened_tcp_listener(listener);
    }
    let mut store = Store::new(&engine, RunState { wasi: wasi.build() });
    let mut linker: Linker<RunState> = Linker::new(&engine);
    kiln::wasi::add_to_linker(&mut linker, |s: &mut RunState| &mut s.wasi)?;

    for preload in &args.preloads {
        let (name, path) =
            preload.split_once('=').with_context(|| format!("`--preload {preload}`: expected NAME=MODULE_PATH"))?;
        let m = run::load_module(&engine, std::path::Path::new(path))?;
        let instance = linker
            .instantiate(&mut store, &m)
            .with_context(|| format!("failed to instantiate preloaded module `{path}`"))?;
        kiln::wasi::initialize_reactor(&mut store, &instance)
            .with_context(|| format!("failed to initialize preloaded module `{path}`"))?;
        linker.instance(&mut store, name, instance)?;
    }

    let instance = linker.instantiate(&mut store, &module)?;
    let outcome = if let Some(name) = &args.invoke {
        let func =
            instance.get_func(&mut store, name).with_context(|| format!("failed to find function export `{name}`"))?;
        kiln::wasi::exit_code(kiln::wasi::initialize_reactor(&mut store, &instance).and_then(|()| {
            for v in run::invoke(&mut store, func, name, &args.args)? {
                println!("{}", run::format_val(&v));
            }
            Ok(())
        }))?
    } else if instance.get_func(&mut store, "_start").is_some() {
        kiln::wasi::run_command(&mut store, &instance)?
    } else {
        kiln::wasi::exit_code(kiln::wasi::initialize_reactor(&mut store, &instance))?
    };
    Ok(match u8::try_from(outcome) {
        Ok(code) => ExitCode::from(code),
        // Codes past 255 go to the OS as they are (it keeps the low bits).
        Err(_) => std::process::exit(outcome),
    })
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
