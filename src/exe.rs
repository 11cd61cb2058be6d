//! `kiln compile --exe`: a module in, a standalone native executable out.
//!
//! The module is compiled to a linkable object whose `main` calls the
//! runtime library's `kiln_exe_main` with the host options given here
//! (baked in: `--dir`, `--env`, `-S inherit-env`, and `-W` limits and
//! deadlines), and the system's C compiler driver (`$CC`, else `cc`) links
//! it with the runtime library ([`crate::runtime_lib`]) as cargo links a
//! Rust program. The result needs no kiln installation and no artifact
//! file: `./app ARGS` runs `_start` with `app ARGS` as the guest's argv and
//! exits with its status. For another target (`--target`), `$CC` must be
//! that target's driver and `KILN_RUNTIME_LIB` that target's runtime
//! library; both are checked first.

use crate::options::GroupedOptions;
use anyhow::{Context, Result, bail};
use kiln::{Config, Engine, LinkOptions};
use kiln_runtime::exe::ExeOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The descriptor symbol of an executable's module.
const MODULE_SYMBOL: &str = "kiln_exe_module";

/// What `--exe` bakes in besides the grouped options.
#[derive(Debug, Default)]
pub struct ExeHost<'a> {
    /// `--dir HOST[::GUEST]`.
    pub dirs: &'a [String],
    /// `--env NAME[=VALUE]`.
    pub envs: &'a [String],
}

/// The options `options` and `host` bake into the executable.
pub fn exe_options(options: &GroupedOptions, host: &ExeHost<'_>) -> ExeOptions {
    let size = |n: usize| n as u64;
    ExeOptions {
        dirs: host
            .dirs
            .iter()
            .map(|d| {
                let (h, g) = d.split_once("::").unwrap_or((d, d));
                (h.to_string(), g.to_string())
            })
            .collect(),
        envs: host
            .envs
            .iter()
            .map(|e| match e.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (e.to_string(), None),
            })
            .collect(),
        inherit_env: options.inherit_env,
        timeout_ms: options.timeout.map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX).max(1)),
        epoch_interruption: options.epoch_interruption,
        fuel: options.fuel,
        max_memory_size: options.max_memory_size.map(size),
        max_table_elements: options.max_table_elements.map(size),
        trap_on_grow_failure: options.trap_on_grow_failure,
        max_wasm_stack: options.max_wasm_stack.map(size),
        relaxed_simd_deterministic: options.relaxed_simd_deterministic,
    }
}

/// Compiles `input` into the executable `output`.
pub fn compile_exe(
    input: &Path,
    output: &Path,
    options: &GroupedOptions,
    host: &ExeHost<'_>,
    target: Option<&str>,
) -> Result<ExitCode> {
    // Another target than the host's needs its own runtime library and a
    // linker for it; both are checked before anything is compiled.
    let cross = target.map(kiln_compiler::resolve_target).transpose()?.flatten();
    let runtime = crate::runtime_lib::for_target(cross.as_deref())?;
    if let Some(triple) = &cross
        && std::env::var_os("CC").is_none_or(|cc| cc.is_empty())
    {
        bail!(
            "`--exe` for `{triple}` links with a C compiler driver for that target: name it in CC (for example `CC=aarch64-linux-gnu-gcc`)"
        );
    }
    let mut config = Config::new();
    options.configure(&mut config);
    if let Some(triple) = &cross {
        config.target(triple)?;
    }
    let engine = Engine::new(&config)?;
    let wasm = std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let baked = exe_options(options, host).encode();
    let link = LinkOptions { symbol: MODULE_SYMBOL.to_string(), exe_main: Some(baked), c_api: None };
    let object =
        engine.precompile_linkable(&wasm, &link).with_context(|| format!("failed to compile `{}`", input.display()))?;
    let work = WorkDir::new()?;
    let object_path = work.0.join("module.o");
    std::fs::write(&object_path, &object.bytes)
        .with_context(|| format!("failed to write `{}`", object_path.display()))?;
    let linked = temporary_output(output)?;
    let result = link_executable(&object_path, &runtime, &linked).and_then(|()| {
        std::fs::rename(&linked, output).with_context(|| format!("failed to write `{}`", output.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&linked);
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// The C compiler driver that links: `$CC`, else `cc`.
pub fn linker() -> String {
    std::env::var("CC").ok().filter(|cc| !cc.trim().is_empty()).unwrap_or_else(|| "cc".to_string())
}

/// Linker flags for a faster start, dropped if the linker refuses them:
/// unused runtime code is left out, and relative relocations are packed
/// (`DT_RELR`), so the dynamic loader has less to do.
const START_UP_FLAGS: &[&str] = &["-Wl,--gc-sections", "-Wl,-z,pack-relative-relocs"];

/// Links `object` with the runtime library `runtime` into `output`.
fn link_executable(object: &Path, runtime: &Path, output: &Path) -> Result<()> {
    link_with(object, runtime, output, START_UP_FLAGS).or_else(|_| link_with(object, runtime, output, &[]))
}

/// Runs the linker once, with `extra` flags.
fn link_with(object: &Path, runtime: &Path, output: &Path, extra: &[&str]) -> Result<()> {
    let cc = linker();
    let mut cmd = Command::new(&cc);
    cmd.arg("-o").arg(output).arg(object).arg(runtime).args(extra);
    // The unwinder is linked in (`-static-libgcc`) rather than loaded:
    // one shared library fewer to map at every start.
    cmd.arg("-static-libgcc").args(crate::runtime_lib::native_libs().into_iter().filter(|l| *l != "-lgcc_s"));
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "`kiln compile --exe` links with the system's C compiler driver, and `{cc}` was not found; \
             install one (for example `apt-get install gcc`) or name it in CC"
        ),
        Err(e) => bail!("failed to run the linker `{cc}`: {e}"),
    };
    if !out.status.success() {
        bail!("the linker `{cc}` failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr).trim_end());
    }
    Ok(())
}

/// A name beside `output` to link to, renamed over it once linked.
fn temporary_output(output: &Path) -> Result<PathBuf> {
    let name = output.file_name().with_context(|| format!("`{}` names no file", output.display()))?;
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(format!(".{}.link.tmp", std::process::id()));
    Ok(output.with_file_name(tmp))
}

/// A private temporary directory, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> Result<Self> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kiln-exe-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
