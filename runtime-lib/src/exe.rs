//! The entry point of a `kiln compile --exe` executable.
//!
//! The executable's `main` (generated into the module's object) calls
//! [`kiln_exe_main`] with its `argc`/`argv`, the module's linked
//! descriptor and the host options `kiln compile` baked in. It loads the
//! module in place ([`kiln::Module::from_linked`]), gives it WASI with the
//! program's arguments as the guest's argv, runs `_start`, and returns the
//! guest's exit status, as `kiln run` would.
//!
//! Every argument after `argv[0]` is the guest's: kiln reads none of them.
//! Host options are baked in at compile time; at run time they can only be
//! added to through the `KILN_EXE_OPTIONS` environment variable (see
//! [`RUNTIME_OPTIONS_VAR`]).

use anyhow::{Context, Result, bail};
use kiln::{Config, Engine, LinkedArtifact, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};
use serde::{Deserialize, Serialize};
use std::ffi::{CStr, c_char, c_int};
use std::time::Duration;

/// The environment variable through which host options can be added at
/// run time: `--dir=HOST[::GUEST]` and `--env=NAME[=VALUE]`, separated by
/// white space, as `kiln run` spells them.
pub const RUNTIME_OPTIONS_VAR: &str = "KILN_EXE_OPTIONS";

/// The exit status of a guest that trapped, as `kiln run` uses.
pub const TRAP_EXIT: u8 = 134;

/// The host options baked into an executable by `kiln compile --exe`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExeOptions {
    /// Preopened directories: (host path, guest path).
    pub dirs: Vec<(String, String)>,
    /// Environment variables for the guest: a value, or `None` for the
    /// host's value at run time (if it has one).
    pub envs: Vec<(String, Option<String>)>,
    /// Pass the host's whole environment (`-S inherit-env`).
    pub inherit_env: bool,
    /// Interrupt the guest after this many milliseconds (`-W timeout`);
    /// the module is compiled with epoch checks.
    pub timeout_ms: Option<u64>,
    /// Compiled with epoch checks (`-W epoch-interruption`, or a timeout).
    pub epoch_interruption: bool,
    /// The fuel the guest starts with (`-W fuel`).
    pub fuel: Option<u64>,
    /// `-W max-memory-size`.
    pub max_memory_size: Option<u64>,
    /// `-W max-table-elements`.
    pub max_table_elements: Option<u64>,
    /// `-W trap-on-grow-failure`.
    pub trap_on_grow_failure: bool,
    /// `-W max-wasm-stack`.
    pub max_wasm_stack: Option<u64>,
    /// `-W relaxed-simd-deterministic` as compiled.
    pub relaxed_simd_deterministic: Option<bool>,
}

impl ExeOptions {
    /// The options as the executable carries them.
    pub fn encode(&self) -> Vec<u8> {
        // Encoding a struct of strings and integers into a Vec cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// The options an executable carries.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        postcard::from_bytes(bytes).context("the executable's baked-in kiln options are corrupt")
    }

    /// Adds the options of `KILN_EXE_OPTIONS`-style `text`.
    pub fn add_runtime_options(&mut self, text: &str) -> Result<()> {
        for option in text.split_whitespace() {
            if let Some(dir) = option.strip_prefix("--dir=") {
                let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
                self.dirs.push((host.to_string(), guest.to_string()));
            } else if let Some(env) = option.strip_prefix("--env=") {
                match env.split_once('=') {
                    Some((name, value)) => self.envs.push((name.to_string(), Some(value.to_string()))),
                    None => self.envs.push((env.to_string(), None)),
                }
            } else {
                bail!(
                    "{RUNTIME_OPTIONS_VAR}: unknown option `{option}` (expected --dir=HOST[::GUEST] or --env=NAME[=VALUE])"
                );
            }
        }
        Ok(())
    }

    /// The engine settings the module was compiled with (`kiln run` and
    /// `kiln compile` apply the same).
    pub fn configure(&self, config: &mut Config) {
        config.epoch_interruption(self.epoch_interruption || self.timeout_ms.is_some());
        config.consume_fuel(self.fuel.is_some());
        if let Some(deterministic) = self.relaxed_simd_deterministic {
            config.relaxed_simd_deterministic(deterministic);
        }
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
    }

    /// Gives the guest of `wasi` these options' environment and
    /// directories: what `kiln run` does with `--env`, `--dir` and
    /// `-S inherit-env` too.
    pub fn configure_wasi(&self, wasi: &mut kiln_wasi::WasiCtxBuilder) -> Result<()> {
        if self.inherit_env {
            wasi.inherit_env();
        }
        for (name, value) in &self.envs {
            match value {
                Some(value) => {
                    wasi.env(name, value);
                }
                None => {
                    if let Ok(value) = std::env::var(name) {
                        wasi.env(name, value);
                    }
                }
            }
        }
        for (host, guest) in &self.dirs {
            wasi.preopened_dir(host, guest, kiln_wasi::FsPerms::ReadWrite)
                .with_context(|| format!("failed to open directory `{host}` for the guest"))?;
        }
        Ok(())
    }

    /// The limits the guest's store gets (`kiln run` installs the same).
    pub fn store_limits(&self) -> StoreLimits {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let mut limits = StoreLimitsBuilder::new().trap_on_grow_failure(self.trap_on_grow_failure);
        if let Some(bytes) = self.max_memory_size {
            limits = limits.memory_size(size(bytes));
        }
        if let Some(elements) = self.max_table_elements {
            limits = limits.table_elements(size(elements));
        }
        limits.build()
    }
}

/// What a guest's store holds.
struct Host {
    wasi: kiln_wasi::WasiCtx,
    limits: StoreLimits,
}

/// Runs the linked module `module` as a WASI command with the program's
/// `argc`/`argv`, and returns its exit status. Errors and traps are
/// reported on stderr as `kiln run` reports them (a trap exits with 134,
/// any other error with 1).
///
/// # Safety
/// `argv` must hold `argc` NUL-terminated strings (as `main` receives
/// them), `module` must be the descriptor of a kiln linkable object linked
/// into this program, and `options` must point to `options_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_exe_main(
    argc: c_int,
    argv: *const *const c_char,
    module: &'static LinkedArtifact,
    options: *const u8,
    options_len: usize,
) -> c_int {
    let args: Vec<String> = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the caller passes main's argv: argc valid C strings.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            arg.to_string_lossy().into_owned()
        })
        .collect();
    let options = if options.is_null() || options_len == 0 {
        &[][..]
    } else {
        // SAFETY: the caller passes the baked options and their length.
        unsafe { std::slice::from_raw_parts(options, options_len) }
    };
    let outcome = std::panic::catch_unwind(|| run(&args, module, options));
    match outcome {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => c_int::from(report(&e)),
        Err(_) => 101,
    }
}

/// `e` as `kiln run` reports it: for a trap its message (with the wasm
/// backtrace) and its causes on lines of their own, for anything else the
/// chain of causes on one line.
pub fn describe(e: &anyhow::Error) -> String {
    if e.downcast_ref::<kiln::Trap>().is_none() {
        return format!("{e:#}");
    }
    let mut text = e.to_string();
    let causes: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:");
        for c in causes {
            text.push_str("\n    ");
            text.push_str(&c);
        }
    }
    text
}

/// Prints `e` as `kiln run` does ([`describe`]) and returns the exit
/// status for it: [`TRAP_EXIT`] for a trap, 1 for anything else.
pub fn report(e: &anyhow::Error) -> u8 {
    eprintln!("Error: {}", describe(e));
    if e.downcast_ref::<kiln::Trap>().is_some() { TRAP_EXIT } else { 1 }
}

fn run(args: &[String], module: &'static LinkedArtifact, options: &[u8]) -> Result<c_int> {
    let mut options = ExeOptions::decode(options)?;
    if let Ok(text) = std::env::var(RUNTIME_OPTIONS_VAR) {
        options.add_runtime_options(&text)?;
    }
    let mut config = Config::new();
    options.configure(&mut config);
    let engine = Engine::new(&config)?;
    // SAFETY: `kiln_exe_main`'s caller, the generated `main`, passes the
    // descriptor of the object it was linked with.
    let module = unsafe { Module::from_linked(&engine, module) }?;

    let mut wasi = kiln_wasi::WasiCtxBuilder::new();
    wasi.inherit_stdio();
    wasi.args(args);
    options.configure_wasi(&mut wasi)?;
    let mut store = Store::new(&engine, Host { wasi: wasi.build(), limits: options.store_limits() });
    store.limiter(|h| &mut h.limits);
    if let Some(fuel) = options.fuel {
        store.set_fuel(fuel)?;
    }
    if let Some(ms) = options.timeout_ms {
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            engine.increment_epoch();
        });
    }
    let mut linker: Linker<Host> = Linker::new(&engine);
    kiln_wasi::add_to_linker_for(&mut linker, &module, |h: &mut Host| &mut h.wasi)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let status = if instance.get_func(&mut store, "_start").is_some() {
        kiln_wasi::run_command(&mut store, &instance)?
    } else {
        kiln_wasi::exit_code(kiln_wasi::initialize_reactor(&mut store, &instance))?
    };
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip_and_corruption_is_an_error() {
        let options = ExeOptions {
            dirs: vec![("./data".into(), "/data".into())],
            envs: vec![("A".into(), Some("1".into())), ("HOME".into(), None)],
            fuel: Some(5),
            ..Default::default()
        };
        assert_eq!(ExeOptions::decode(&options.encode()).unwrap(), options);
        assert_eq!(
            ExeOptions::decode(&[]).unwrap_err().to_string(),
            "the executable's baked-in kiln options are corrupt"
        );
    }

    #[test]
    fn runtime_options_use_kiln_run_spellings() {
        let mut options = ExeOptions::default();
        options.add_runtime_options("  --dir=/tmp::/scratch --dir=. --env=A=b=c --env=PATH ").unwrap();
        assert_eq!(options.dirs, [("/tmp".into(), "/scratch".into()), (".".into(), ".".into())]);
        assert_eq!(options.envs, [("A".into(), Some("b=c".into())), ("PATH".into(), None)]);
        let err = options.add_runtime_options("--fuel=3").unwrap_err().to_string();
        assert!(err.contains("unknown option `--fuel=3`"), "{err}");
    }
}
