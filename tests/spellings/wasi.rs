// WASI preview1 programs written only against wasmtime-wasi 48's spellings
// (`p1::{add_to_linker_sync, WasiP1Ctx}`, `WasiCtxBuilder::build_p1`,
// `FsPerms`, `I32Exit`), included by `tests/all/spellings.rs` with
// `api` = `kiln` and `api_wasi` = `kiln_wasi`, and by
// `benches/compare/tests/spellings.rs` with wasmtime and wasmtime-wasi.
// The includer also gives `guests()`, the directory `tests/wasi-guests`.
// They run the committed guests `bin/wasi_suite.wasm` and
// `bin/transform.wasm` and check what they do.

use self::api::*;
use self::api_wasi::p1::{self, WasiP1Ctx};
use self::api_wasi::{FsPerms, I32Exit, WasiCtxBuilder};
use std::path::{Path, PathBuf};

/// Runs a command's `_start` under `wasi`; gives its exit code (0 when
/// `_start` returns, the `proc_exit` status when it exits).
fn run_command(engine: &Engine, module: &Module, wasi: WasiP1Ctx) -> Result<i32> {
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    p1::add_to_linker_sync(&mut linker, |s| s)?;
    let pre = linker.instantiate_pre(module)?;
    let mut store = Store::new(engine, wasi);
    let instance = pre.instantiate(&mut store)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(e),
        },
    }
}

/// A fresh, empty directory under the system's temporary directory.
fn scratch_dir(name: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("spellings-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The names of the entries of `dir`, sorted.
fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Arguments, environment and exit codes: `wasi_suite env K=V..` exits 0
/// only if every `K=V` it is given is in its environment, and
/// `wasi_suite exit N` calls `proc_exit(N)`.
pub fn wasi_args_env_exit() -> Result<()> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, guests().join("bin/wasi_suite.wasm"))?;

    let args = ["wasi_suite", "env", "KILN=1", "GREETING=hi there"];
    let wasi = WasiCtxBuilder::new().args(&args).env("KILN", "1").env("GREETING", "hi there").build_p1();
    let code = run_command(&engine, &module, wasi)?;
    ensure!(code == 0, "env with the variables exited {code}");

    // Without the variables the same checks fail.
    let wasi = WasiCtxBuilder::new().args(&args).env("KILN", "1").build_p1();
    let code = run_command(&engine, &module, wasi)?;
    ensure!(code == 1, "env without GREETING exited {code}");

    let wasi = WasiCtxBuilder::new().inherit_stdio().args(&["wasi_suite", "exit", "42"]).build_p1();
    let code = run_command(&engine, &module, wasi)?;
    ensure!(code == 42, "exit 42 exited {code}");
    Ok(())
}

/// Preopened directories: `transform in out` reads the `.txt` files of a
/// read-only `in` and writes their ROT13 copies and a report to a
/// read-write `out`, byte for byte what `expected/transform` holds; with
/// `out` read-only it writes nothing and exits 1 (an I/O error).
pub fn wasi_preopens() -> Result<()> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, guests().join("bin/transform.wasm"))?;
    let input = guests().join("data/transform-input");
    let expected = guests().join("expected/transform");

    let out = scratch_dir("transform")?;
    let wasi = WasiCtxBuilder::new()
        .inherit_stderr()
        .args(&["transform", "in", "out"])
        .preopened_dir(&input, "in", FsPerms::ReadOnly)?
        .preopened_dir(&out, "out", FsPerms::ReadWrite)?
        .build_p1();
    let code = run_command(&engine, &module, wasi)?;
    ensure!(code == 0, "transform exited {code}");
    ensure!(entries(&out)? == entries(&expected)?, "transform wrote {:?}", entries(&out)?);
    for name in entries(&expected)? {
        ensure!(std::fs::read(out.join(&name))? == std::fs::read(expected.join(&name))?, "{name} differs");
    }
    std::fs::remove_dir_all(&out)?;

    let out = scratch_dir("transform-ro")?;
    let wasi = WasiCtxBuilder::new()
        .args(&["transform", "in", "out"])
        .preopened_dir(&input, "in", FsPerms::ReadOnly)?
        .preopened_dir(&out, "out", FsPerms::ReadOnly)?
        .build_p1();
    let code = run_command(&engine, &module, wasi)?;
    ensure!(code == 1, "transform into a read-only directory exited {code}");
    ensure!(entries(&out)?.is_empty(), "a read-only directory got {:?}", entries(&out)?);
    std::fs::remove_dir_all(&out)?;
    Ok(())
}
