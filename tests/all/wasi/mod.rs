//! The WASI preview1 host, end to end: the embedding API in-process
//! (`kiln::wasi`) and the `kiln` command line on the guest programs under
//! `tests/wasi-guests`, each in a fresh temporary directory.

mod api;
mod article;
mod cli;
mod programs;
mod suite;

use kiln::{Engine, Instance, Linker, Module, Store};
use kiln_wasi::pipe::{MemoryInputPipe, MemoryOutputPipe};
use kiln_wasi::{DirPerms, Errno, FilePerms, FsPerms, I32Exit, WasiCtx, WasiCtxBuilder};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

struct Host {
    wasi: WasiCtx,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Instantiates `wat` with the WASI host around `wasi`.
fn instantiate(wat: &str, wasi: WasiCtx) -> (Store<Host>, Instance) {
    let module = Module::new(engine(), wat).expect("module compiles");
    let mut linker = Linker::new(engine());
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let mut store = Store::new(engine(), Host { wasi });
    let instance = linker.instantiate(&mut store, &module).expect("instantiates");
    (store, instance)
}

/// Runs a command module; returns its exit code.
fn run_wat(wat: &str, wasi: WasiCtx) -> i32 {
    let (mut store, instance) = instantiate(wat, wasi);
    kiln_wasi::run_command(&mut store, &instance).expect("runs")
}

/// Reads a little-endian u32 the guest left in its memory.
fn mem_u32(store: &mut Store<Host>, instance: &Instance, at: usize) -> u32 {
    let mem = instance.get_memory(&mut *store, "memory").unwrap();
    let mut b = [0u8; 4];
    mem.read(&*store, at, &mut b).unwrap();
    u32::from_le_bytes(b)
}

fn mem_u64(store: &mut Store<Host>, instance: &Instance, at: usize) -> u64 {
    let mem = instance.get_memory(&mut *store, "memory").unwrap();
    let mut b = [0u8; 8];
    mem.read(&*store, at, &mut b).unwrap();
    u64::from_le_bytes(b)
}

/// The guest programs: tests/wasi-guests, or `$KILN_WASI_GUESTS` if set.
fn guests() -> PathBuf {
    match std::env::var_os("KILN_WASI_GUESTS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi-guests"),
    }
}

/// A fixture file; fails the test with a clear message when it is missing.
fn fixture(rel: &str) -> PathBuf {
    let p = guests().join(rel);
    assert!(p.exists(), "missing fixture {} (build tests/wasi-guests first)", p.display());
    p
}

fn kiln() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiln"));
    c.env_remove("RUST_LOG");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

use crate::command::show;

/// The lines of a `wasi_suite` run that report a failed check.
fn failures(o: &Output) -> Vec<String> {
    text(&o.stdout).lines().filter(|l| l.contains(": FAIL")).map(str::to_string).collect()
}

/// The article's writer.wat, with the string's real length.
const WRITER: &str = r#"
(module
  (import "wasi_unstable" "fd_write" (func $fdw (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (export "memory" (memory 0))
  (data (i32.const 12) "Hooray it's WASI\n")
  (func $main (export "_start")
    (i32.store (i32.const 0) (i32.const 12))
    (i32.store (i32.const 4) (i32.const 17))
    (call $fdw (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20))
    drop))
"#;

/// `path_create_directory` with `path` at offset 12, `len` bytes, on fd 3;
/// the module exits with the errno it got.
fn mkdir_module(path: &[u8], len: usize) -> String {
    let escaped: String = path.iter().map(|b| format!("\\{b:02x}")).collect();
    format!(
        r#"(module
          (import "wasi_unstable" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 12) "{escaped}")
          (func (export "_start") (call $exit (call $mkdir (i32.const 3) (i32.const 12) (i32.const {len})))))"#
    )
}

fn preopen(dir: &Path) -> WasiCtx {
    WasiCtxBuilder::new().preopened_dir(dir, ".", FsPerms::ReadWrite).unwrap().build()
}
