//! The Rust and C SIMD guests print what their native scalar builds print
//! (`expected/*.txt`), through the API, through `kiln run`, and on wasmi.

use super::{fixture, read};
use kiln::{Engine, Linker, Module, Store};
use kiln_wasi::WasiCtx;
use kiln_wasi::pipe::MemoryOutputPipe;
use std::process::Command;

/// The guests, as (wasm under `bin/`, expected stdout under `expected/`).
const GUESTS: [(&str, &str); 2] =
    [("bin/rust_simd.wasm", "expected/rust_simd.txt"), ("bin/c_simd.wasm", "expected/c_simd.txt")];

/// Fails with both texts when `got` is not `want`, and checks the last
/// line is the program's own verdict that every kernel agreed.
fn assert_output(what: &str, got: &[u8], want: &[u8]) {
    let (got, want) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
    assert!(got == want, "{what}: output differs\n--- got\n{got}--- want\n{want}");
    assert!(
        got.lines().last().is_some_and(|l| l.starts_with("all ") && l.ends_with(" agree with their scalar versions"))
    );
}

/// Runs `wasm` as a WASI command through the embedding API.
fn run_api(wasm: &[u8]) -> (i32, Vec<u8>) {
    struct Host {
        wasi: WasiCtx,
    }
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("the SIMD guest compiles");
    let mut linker = Linker::new(&engine);
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let out = MemoryOutputPipe::new(1 << 16);
    let wasi = kiln_wasi::WasiCtxBuilder::new().stdout(out.clone()).build();
    let mut store = Store::new(&engine, Host { wasi });
    let instance = linker.instantiate(&mut store, &module).expect("the SIMD guest instantiates");
    let status = kiln_wasi::run_command(&mut store, &instance).expect("the SIMD guest runs");
    (status, out.contents().to_vec())
}

#[test]
fn simd_guests_run_through_the_api() {
    for (wasm, expected) in GUESTS {
        let (status, stdout) = run_api(&read(wasm));
        assert_eq!(status, 0, "{wasm}: {}", String::from_utf8_lossy(&stdout));
        assert_output(wasm, &stdout, &read(expected));
    }
}

#[test]
fn simd_guests_run_with_kiln_run() {
    for (wasm, expected) in GUESTS {
        let o = Command::new(env!("CARGO_BIN_EXE_kiln")).arg("run").arg(fixture(wasm)).output().unwrap();
        assert!(o.status.success() && o.stderr.is_empty(), "{wasm}: {o:?}");
        assert_output(wasm, &o.stdout, &read(expected));
    }
}

#[test]
fn simd_guests_run_precompiled() {
    let dir = tempfile::tempdir().unwrap();
    for (wasm, expected) in GUESTS {
        let artifact = dir.path().join("guest.o");
        let kiln = env!("CARGO_BIN_EXE_kiln");
        let o = Command::new(kiln).arg("compile").arg(fixture(wasm)).arg("-o").arg(&artifact).output().unwrap();
        assert!(o.status.success(), "{wasm}: {o:?}");
        let o = Command::new(kiln).arg("run").arg(&artifact).output().unwrap();
        assert!(o.status.success() && o.stderr.is_empty(), "{wasm}: {o:?}");
        assert_output(wasm, &o.stdout, &read(expected));
    }
}

/// The fixtures themselves are right: on a second engine they print the
/// same, so a difference on kiln is kiln's.
#[test]
fn simd_guests_agree_on_the_oracle() {
    for (wasm, expected) in GUESTS {
        let out =
            kiln_fuzzing::wasi_oracle::run_command(&read(wasm)).unwrap_or_else(|e| panic!("{wasm} on wasmi: {e}"));
        assert_eq!(out.status, 0, "{wasm} on wasmi: {out:?}");
        assert_output(&format!("{wasm} on wasmi"), &out.stdout, &read(expected));
    }
}
