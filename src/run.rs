//! `kiln run`: load a module (wasm, wat or a compiled artifact, told apart
//! by content), instantiate it, then call `--invoke NAME` with the given
//! arguments or run `_start`.

use crate::options::GroupedFlags;
use anyhow::{Context, Result, anyhow, bail};
use kiln::{Config, Engine, Func, Linker, Module, Store, Val, ValType};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options and arguments of `kiln run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Call this exported function instead of `_start`, printing its results.
    /// `v128` arguments: `0x` and 32 hex digits, `"i32x4 1 2 3 4"` or
    /// `i32x4:1,2,3,4` (any shape); `v128` results print as `i32x4 0x.. 0x.. 0x.. 0x..`.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Grant the guest access to a host directory, as GUEST (default: the
    /// same name). `--dir=.` is accepted too.
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    pub dirs: Vec<String>,
    /// Set an environment variable for the guest; `--env NAME` passes the
    /// host's value of NAME, if it has one.
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    pub envs: Vec<String>,
    /// Instantiate another module first and make its exports importable
    /// under NAME (.wasm, .wat or a kiln artifact).
    #[arg(long = "preload", value_name = "NAME=MODULE_PATH")]
    pub preloads: Vec<String>,
    /// Hand the guest a TCP socket listening on this address (for
    /// `sock_accept`); sockets get the descriptors after the directories.
    #[arg(long = "tcplisten", value_name = "SOCKET_ADDRESS")]
    pub tcplisten: Vec<String>,
    /// Accepted for scripts written for wasmtime's older CLI (`-d`). kiln
    /// always keeps function names, in artifact symbols and in trap
    /// backtraces; it emits no DWARF.
    #[arg(short = 'd', long = "debug-info")]
    pub debug_info: bool,
    /// Report the guest's functions to a native profiler: `perfmap` writes
    /// `/tmp/perf-PID.map`, so that `perf report` names wasm functions;
    /// `jitdump` writes `jit-PID.dump` (in `$JITDUMPDIR`, or here) with
    /// their code too, for `perf record -k mono` and `perf inject --jit`.
    #[arg(long = "profile", value_name = "STRATEGY", value_enum)]
    pub profile: Option<Profile>,
    /// The guest's argv[0] (default: the module's file name).
    #[arg(long, value_name = "ARGV0")]
    pub argv0: Option<String>,
    /// wasmtime's grouped options: `-O`, `-W`, `-S`, `-D`.
    #[command(flatten)]
    pub grouped: GroupedFlags,
    /// The module to run.
    pub module: PathBuf,
    /// Arguments: for the module (after its name as argv[0]), or for the
    /// `--invoke`d function. Options after the module are kiln's until `--`.
    /// A `v128` argument is `0x` and 32 hex digits, or a shape and its
    /// lanes, lane 0 first: `"i32x4 1 2 3 4"` or `i32x4:1,2,3,4`
    /// (also i8x16, i16x8, i64x2, f32x4, f64x2); a `v128` result prints as
    /// `i32x4 0x00000001 0x00000002 0x00000003 0x00000004`.
    #[arg(trailing_var_arg = false)]
    pub args: Vec<String>,
}

/// The profilers `--profile` names, as wasmtime's CLI spells them.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Profile {
    /// `/tmp/perf-PID.map` for `perf`.
    Perfmap,
    /// `jit-PID.dump` for `perf inject --jit`.
    Jitdump,
    /// Intel VTune (not implemented: refused).
    Vtune,
}

impl Profile {
    fn strategy(self) -> kiln::ProfilingStrategy {
        match self {
            Profile::Perfmap => kiln::ProfilingStrategy::PerfMap,
            Profile::Jitdump => kiln::ProfilingStrategy::JitDump,
            Profile::Vtune => kiln::ProfilingStrategy::VTune,
        }
    }
}

/// The store data of `kiln run`.
struct RunState {
    wasi: kiln_wasi::WasiCtx,
    limits: kiln::StoreLimits,
}

/// `kiln run`: load, link WASI and `--preload`s, then run `_start` or call
/// `--invoke`. Returns the guest's exit code.
pub fn run_command(args: RunArgs) -> Result<ExitCode> {
    use kiln_wasi::WasiCtxBuilder;
    let options = args.grouped.parse()?;
    let mut config = Config::new();
    options.configure(&mut config);
    if let Some(profile) = args.profile {
        config.profiler(profile.strategy());
    }
    match options.cache {
        Some(false) => {}
        // Explicitly asked for: a cache without a directory is an error.
        Some(true) => {
            config.cache(Some(kiln::Cache::from_file(None)?));
        }
        // By default: cached when the user has a cache directory.
        None => {
            config.cache(kiln::Cache::from_file(None).ok());
        }
    }
    if args.debug_info {
        config.debug_info(true);
    }
    let engine = Engine::new(&config)?;
    let module = load_module(&engine, &args.module)?;

    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stdio();
    // argv[0] is the module's file name, as wasmtime does it.
    let argv0 = match &args.argv0 {
        Some(a) => a.into(),
        None => args.module.file_name().map_or_else(|| args.module.to_string_lossy(), |n| n.to_string_lossy()),
    };
    wasi.arg(&argv0);
    if args.invoke.is_none() {
        wasi.args(&args.args);
    }
    // `--env`, `--dir` and `-S inherit-env`, as `--exe` executables
    // apply them.
    let host = crate::exe::ExeHost { dirs: &args.dirs, envs: &args.envs };
    crate::exe::exe_options(&options, &host).configure_wasi(&mut wasi)?;
    for addr in args.tcplisten.iter().chain(&options.tcplisten) {
        let listener = std::net::TcpListener::bind(addr).with_context(|| format!("failed to listen on `{addr}`"))?;
        wasi.preopened_tcp_listener(listener);
    }
    let mut store = Store::new(&engine, RunState { wasi: wasi.build(), limits: options.store_limits() });
    store.limiter(|s| &mut s.limits);
    if let Some(fuel) = options.fuel {
        store.set_fuel(fuel)?;
    }
    if let Some(timeout) = options.timeout {
        // One tick ends the run: the ticker sleeps, ticks and exits.
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    let mut linker: Linker<RunState> = Linker::new(&engine);
    kiln_wasi::add_to_linker(&mut linker, |s: &mut RunState| &mut s.wasi)?;

    for preload in &args.preloads {
        let (name, path) =
            preload.split_once('=').with_context(|| format!("`--preload {preload}`: expected NAME=MODULE_PATH"))?;
        let m = load_module(&engine, std::path::Path::new(path))?;
        let instance = linker
            .instantiate(&mut store, &m)
            .with_context(|| format!("failed to instantiate preloaded module `{path}`"))?;
        kiln_wasi::initialize_reactor(&mut store, &instance)
            .with_context(|| format!("failed to initialize preloaded module `{path}`"))?;
        linker.instance(&mut store, name, instance)?;
    }

    let instance = linker.instantiate(&mut store, &module)?;
    let outcome = if let Some(name) = &args.invoke {
        let func =
            instance.get_func(&mut store, name).with_context(|| format!("failed to find function export `{name}`"))?;
        kiln_wasi::exit_code(kiln_wasi::initialize_reactor(&mut store, &instance).and_then(|()| {
            for v in invoke(&mut store, func, name, &args.args)? {
                println!("{}", format_val(&v));
            }
            Ok(())
        }))?
    } else if instance.get_func(&mut store, "_start").is_some() {
        kiln_wasi::run_command(&mut store, &instance)?
    } else {
        kiln_wasi::exit_code(kiln_wasi::initialize_reactor(&mut store, &instance))?
    };
    // kiln_wasi hands back only statuses below 126 (`proc_exit(134)` is an
    // error, reported with status 1 like any other), so a guest can never
    // exit in a way that reads as "cannot run", "not found" or a signal.
    match u8::try_from(outcome) {
        Ok(code) if u32::from(code) < kiln_wasi::EXIT_STATUS_LIMIT => Ok(ExitCode::from(code)),
        _ => bail!("the guest exited with status {outcome}, which is not below {}", kiln_wasi::EXIT_STATUS_LIMIT),
    }
}

/// Loads `path`: an artifact is mapped, anything else is compiled.
pub fn load_module(engine: &Engine, path: &Path) -> Result<Module> {
    let bytes = std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    if kiln::looks_like_artifact(&bytes) {
        drop(bytes);
        // SAFETY: the user asked to run this artifact; its header, target,
        // CPU features and checksum are verified before any code runs.
        return unsafe { Module::deserialize_file(engine, path) };
    }
    Module::new(engine, &bytes).with_context(|| format!("failed to compile `{}`", path.display()))
}

/// Parses a command-line argument as a value of type `ty`.
pub fn parse_arg(ty: ValType, arg: &str) -> Result<Val> {
    let bad = || anyhow!("failed to parse argument `{arg}` as {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int::<i32, u32>(arg).ok_or_else(bad)?),
        ValType::I64 => Val::I64(parse_int::<i64, u64>(arg).ok_or_else(bad)?),
        ValType::F32 => Val::F32(arg.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(arg.parse::<f64>().map_err(|_| bad())?.to_bits()),
        ValType::V128 => Val::V128(crate::v128_text::parse_v128(arg)?.into()),
        other => bail!("cannot pass a {other} argument from the command line"),
    })
}

/// Parses a signed integer, also accepting the unsigned range and `0x`.
fn parse_int<S: TryFrom<i128> + Copy, U: TryFrom<i128> + Into<i128>>(s: &str) -> Option<S> {
    // One optional sign, then digits (after `0x` for hex).
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits_only = |d: &str| !d.is_empty() && !d.starts_with(['+', '-']);
    let v: i128 = match digits.strip_prefix("0x") {
        Some(h) if digits_only(h) => i128::from_str_radix(h, 16).ok()?,
        None if digits_only(digits) => digits.parse().ok()?,
        _ => return None,
    };
    let v = if neg { v.checked_neg()? } else { v };
    if let Ok(s) = S::try_from(v) {
        return Some(s);
    }
    // An unsigned value in range reinterprets as signed (e.g. 4294967295 for i32 -1).
    let u = U::try_from(v).ok()?;
    let bits: i128 = u.into();
    let width = std::mem::size_of::<S>() as u32 * 8;
    S::try_from(bits - (1i128 << width)).ok()
}

/// Formats a result the way `wasmtime --invoke` prints it; a `v128` as the
/// text format writes it (`i32x4 0x00000001 ...`, see [`crate::v128_text`]),
/// where wasmtime prints one decimal integer.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(x) => crate::v128_text::format_v128(x.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "<funcref>".into(),
        Val::ExternRef(Some(_)) => "<externref>".into(),
    }
}

/// Calls `func` with `args` parsed per its parameter types.
pub fn invoke<T: 'static>(store: &mut kiln::Store<T>, func: Func, name: &str, args: &[String]) -> Result<Vec<Val>> {
    let ty = func.ty(&*store);
    if args.len() != ty.params().len() {
        bail!("function `{name}` takes {} arguments, but {} were given", ty.params().len(), args.len());
    }
    let params = ty.params().zip(args).map(|(t, a)| parse_arg(t, a)).collect::<Result<Vec<_>>>()?;
    let mut results: Vec<Val> = ty.results().map(Val::default_for).collect();
    func.call(&mut *store, &params, &mut results)?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_in_both_ranges() {
        assert_eq!(parse_arg(ValType::I32, "-1").unwrap().unwrap_i32(), -1);
        assert_eq!(parse_arg(ValType::I32, "4294967295").unwrap().unwrap_i32(), -1);
        assert_eq!(parse_arg(ValType::I32, "0x10").unwrap().unwrap_i32(), 16);
        assert!(parse_arg(ValType::I32, "4294967296").is_err());
        assert!(parse_arg(ValType::I32, "one").is_err());
        assert_eq!(parse_arg(ValType::I64, "18446744073709551615").unwrap().unwrap_i64(), -1);
        assert_eq!(parse_arg(ValType::F64, "1.5").unwrap().f64(), Some(1.5));
    }

    #[test]
    fn malformed_integers_are_refused_without_panicking() {
        for bad in ["--5", "-+5", "+-5", "0x-5", "0x+5", "-0x-80000000000000000000000000000000", "-", "0x", ""] {
            assert!(parse_arg(ValType::I64, bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_arg(ValType::I32, "+5").unwrap().unwrap_i32(), 5);
        assert_eq!(parse_arg(ValType::I32, "-0x10").unwrap().unwrap_i32(), -16);
    }
}
