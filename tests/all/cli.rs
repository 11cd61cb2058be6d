//! The `kiln` command line, as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

fn kiln(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(dir).output().expect("kiln runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const EXAMPLE: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "pair") (result i64 f64) i64.const -5 f64.const 2.5)
  (func $inner unreachable)
  (func (export "boom") call $inner))"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.wat"), EXAMPLE).unwrap();
    let wasm = wat::parse_str(EXAMPLE).unwrap();
    std::fs::write(dir.path().join("example.wasm"), wasm).unwrap();
    dir
}

#[test]
fn seed_tutorial_invoke_form() {
    let dir = setup();
    let o = kiln(&["example.wasm", "--invoke", "add", "1", "2"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "3\n");
    let o = kiln(&["run", "--invoke", "pair", "example.wat"], dir.path());
    assert_eq!(stdout(&o), "-5\n2.5\n");
    // Flags before the file work without `run`, as with wasmtime.
    let o = kiln(&["--invoke", "add", "example.wat", "2", "3"], dir.path());
    assert_eq!(stdout(&o), "5\n", "{}", stderr(&o));
    let o = kiln(&["--version"], dir.path());
    assert!(stdout(&o).starts_with("kiln "));
}

#[test]
fn compile_then_run_the_artifact() {
    let dir = setup();
    let o = kiln(&["compile", "example.wat", "-o", "example.o"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(dir.path().join("example.o")).unwrap();
    assert!(bytes.starts_with(b"\x7fELF"));
    let o = kiln(&["example.o", "--invoke", "add", "40", "2"], dir.path());
    assert_eq!(stdout(&o), "42\n", "{}", stderr(&o));
    let o = kiln(&["wasm2obj", "example.wasm", "out.o"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiln(&["compile", "example.wasm"], dir.path());
    assert!(o.status.success() && dir.path().join("example.o").exists());
}

#[test]
fn traps_print_a_backtrace_and_fail() {
    let dir = setup();
    let o = kiln(&["example.wat", "--invoke", "boom"], dir.path());
    assert_eq!(o.status.code(), Some(134));
    let err = stderr(&o);
    assert!(err.contains("wasm trap: unreachable"), "{err}");
    assert!(err.contains("inner"), "{err}");
}

#[test]
fn errors_are_one_clear_line() {
    let dir = setup();
    std::fs::write(dir.path().join("bad.wasm"), b"\0asm\x01\0\0\0\x01\x05").unwrap();
    std::fs::write(dir.path().join("corrupt.o"), b"\x7fELF garbage").unwrap();
    std::fs::write(dir.path().join("empty.wasm"), b"").unwrap();
    std::fs::write(dir.path().join("component.wat"), b"(component)").unwrap();
    for (args, needle) in [
        (&["empty.wasm"][..], "the input is empty"),
        (&["component.wat"][..], "unsupported: the component model"),
        (&["missing.wasm"][..], "failed to read"),
        (&["bad.wasm"][..], "invalid WebAssembly module"),
        (&["corrupt.o"][..], "kiln artifact"),
        (&["example.wat", "--invoke", "nope"][..], "failed to find function export `nope`"),
        (&["example.wat", "--invoke", "add", "1"][..], "takes 2 arguments"),
        (&["example.wat", "--invoke", "add", "x", "1"][..], "failed to parse argument"),
    ] {
        let o = kiln(args, dir.path());
        assert!(!o.status.success(), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let o = kiln(&["--no-such-flag", "example.wat"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--no-such-flag"));
}

#[test]
fn wast_subcommand_counts() {
    let dir = setup();
    std::fs::write(
        dir.path().join("t.wast"),
        r#"(module (func (export "f") (result i32) i32.const 1))
           (assert_return (invoke "f") (i32.const 1))
           (assert_return (invoke "f") (i32.const 2))"#,
    )
    .unwrap();
    let o = kiln(&["wast", "t.wast"], dir.path());
    assert!(!o.status.success());
    assert!(stdout(&o).ends_with("2 passed, 1 failed\n"), "{}", stdout(&o));
}

/// wasmtime's grouped options: `-O opt-level`, `-W max-wasm-stack`; an
/// option kiln cannot honour is refused by name, not ignored.
#[test]
fn wasmtime_grouped_options() {
    let dir = setup();
    std::fs::write(
        dir.path().join("deep.wat"),
        r#"(module (func $r (export "depth") (param i32) (result i32)
             (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
               (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))"#,
    )
    .unwrap();
    for level in ["0", "1", "2", "s"] {
        let o =
            kiln(&["run", "-O", &format!("opt-level={level}"), "example.wat", "--invoke", "add", "1", "2"], dir.path());
        assert_eq!(stdout(&o), "3\n", "opt-level={level}: {}", stderr(&o));
    }
    let o = kiln(&["compile", "-O", "opt-level=0", "example.wat", "-o", "example0.o"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&kiln(&["example0.o", "--invoke", "add", "2", "3"], dir.path())), "5\n");

    // 3,000 frames fit the default 1 MiB stack but not 16 KiB.
    let o = kiln(&["deep.wat", "--invoke", "depth", "3000"], dir.path());
    assert_eq!(stdout(&o), "3000\n", "{}", stderr(&o));
    let o = kiln(&["-W", "max-wasm-stack=16384", "deep.wat", "--invoke", "depth", "3000"], dir.path());
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert!(stderr(&o).contains("call stack exhausted"), "{}", stderr(&o));

    for (flag, value, named) in [
        ("-O", "opt-level=9", "opt-level=9"),
        ("-W", "nan-canonicalization", "-W nan-canonicalization"),
        ("-S", "inherit-network", "-S inherit-network"),
        ("-D", "address-map", "-D address-map"),
    ] {
        let o = kiln(&[flag, value, "example.wat", "--invoke", "add", "1", "2"], dir.path());
        assert_eq!(o.status.code(), Some(1), "{flag} {value}");
        assert!(stderr(&o).contains(named) && stderr(&o).lines().count() == 1, "{flag} {value}: {}", stderr(&o));
    }
}

/// The README's first command runs as written, from the repository root:
/// `cargo run --release -- ARGS` is `kiln ARGS`.
#[test]
fn readme_run_command_works_as_written() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find_map(|l| l.strip_prefix("cargo run --release -- "))
        .expect("the README gives a `cargo run --release -- ...` command");
    let command = line.split('#').next().unwrap();
    let args: Vec<&str> = command.split_whitespace().collect();
    let o = kiln(&args, repo);
    assert!(o.status.success(), "kiln {command}: {}", stderr(&o));
    assert!(stdout(&o).contains("filename: \"README.md\""), "{}", stdout(&o));
}

/// `-W timeout` stops an infinite loop about when asked, and `-W fuel`
/// stops it when the fuel is spent; both are traps (134, with a backtrace).
#[test]
fn timeout_and_fuel_stop_infinite_loops() {
    let dir = setup();
    std::fs::write(dir.path().join("spin.wat"), r#"(module (func $spin (export "_start") (loop $l (br $l))))"#)
        .unwrap();
    let start = std::time::Instant::now();
    let o = kiln(&["run", "-W", "timeout=1s", "spin.wat"], dir.path());
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupt") && stderr(&o).contains("spin"), "{}", stderr(&o));
    assert!(took >= std::time::Duration::from_secs(1) && took < std::time::Duration::from_secs(20), "{took:?}");

    let o = kiln(&["run", "-W", "fuel=10000", "spin.wat"], dir.path());
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert!(stderr(&o).contains("all fuel consumed by WebAssembly") && stderr(&o).contains("spin"), "{}", stderr(&o));
    // Enough fuel, and a function that returns: it runs.
    let o = kiln(&["-W", "fuel=100", "example.wat", "--invoke", "add", "1", "2"], dir.path());
    assert_eq!(stdout(&o), "3\n", "{}", stderr(&o));
    // An artifact keeps the checks it was compiled with, and runs only
    // with the same options.
    let o = kiln(&["compile", "-W", "epoch-interruption", "spin.wat", "-o", "spin.o"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiln(&["run", "-W", "timeout=100ms", "spin.o"], dir.path());
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    let o = kiln(&["run", "-W", "fuel=100", "spin.o"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("compiled with epoch interruption, but the engine has it disabled"), "{}", stderr(&o));
    // Checks are at entries and loop headers: no fuel at all stops `add`
    // at its entry (2 of its 3 would let it finish, as in wasmtime).
    let o = kiln(&["-W", "fuel=0", "example.wat", "--invoke", "add", "1", "2"], dir.path());
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
}

/// `-W max-memory-size` bounds `memory.grow` as in wasmtime: past it, the
/// guest sees -1, or with `-W trap-on-grow-failure` the run fails with the
/// limiter's error and a backtrace (a limiter error, not a trap: status 1).
#[test]
fn max_memory_size_bounds_memory_grow() {
    let dir = setup();
    std::fs::write(
        dir.path().join("grow.wat"),
        r#"(module (memory 1)
             (table $t 1 funcref)
             (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
             (func (export "grow_table") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))"#,
    )
    .unwrap();
    let run = |args: &[&str]| kiln(&[&["run"], args].concat(), dir.path());
    let o = run(&["-W", "max-memory-size=131072", "grow.wat", "--invoke", "grow", "1"]);
    assert_eq!(stdout(&o), "1\n", "{}", stderr(&o));
    let o = run(&["-W", "max-memory-size=131072", "grow.wat", "--invoke", "grow", "2"]);
    assert_eq!(stdout(&o), "-1\n", "{}", stderr(&o));
    assert!(o.status.success());
    let o = run(&["-W", "max-memory-size=131072,trap-on-grow-failure", "grow.wat", "--invoke", "grow", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("forcing trap when growing memory to 196608 bytes"), "{}", stderr(&o));
    assert!(stderr(&o).contains("grow"), "the backtrace names the function: {}", stderr(&o));
    let o = run(&["-W", "max-table-elements=3", "grow.wat", "--invoke", "grow_table", "3"]);
    assert_eq!(stdout(&o), "-1\n", "{}", stderr(&o));
    let o = run(&["-W", "max-table-elements=3", "grow.wat", "--invoke", "grow_table", "2"]);
    assert_eq!(stdout(&o), "1\n", "{}", stderr(&o));
    // Without a limit, the guest gets what it asks for.
    let o = run(&["grow.wat", "--invoke", "grow", "2"]);
    assert_eq!(stdout(&o), "1\n", "{}", stderr(&o));
    let o = run(&["-W", "max-memory-size=lots", "grow.wat"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`-W max-memory-size=lots`: expected a number"), "{}", stderr(&o));
}

const VECTORS: &str = r#"(module
  (func (export "id") (param v128) (result v128) local.get 0)
  (func (export "swap") (param v128 i32 v128) (result v128 i32 v128) local.get 2 local.get 1 local.get 0))"#;

#[test]
fn invoke_takes_and_prints_v128_as_the_text_format_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v.wat"), VECTORS).unwrap();
    let run = |args: &[&str]| kiln(&[&["v.wat", "--invoke"][..], args].concat(), dir.path());
    let one_to_four = "i32x4 0x00000001 0x00000002 0x00000003 0x00000004\n";
    for arg in ["i32x4 1 2 3 4", "i32x4:1,2,3,4", "v128.const i32x4 1 2 3 4", "0x00000004000000030000000200000001"] {
        let o = run(&["id", arg]);
        assert!(o.status.success(), "{arg}: {}", stderr(&o));
        assert_eq!(stdout(&o), one_to_four, "{arg}");
    }
    let o = run(&["id", "i8x16 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0x80"]);
    assert_eq!(stdout(&o), "i32x4 0x000000ff 0x00000000 0x00000000 0x80000000\n", "{}", stderr(&o));
    let o = run(&["id", "f32x4 1 -0 0 0"]);
    assert_eq!(stdout(&o), "i32x4 0x3f800000 0x80000000 0x00000000 0x00000000\n", "{}", stderr(&o));
    let o = run(&["swap", "i64x2 1 2", "7", "0x1"]);
    assert_eq!(
        stdout(&o),
        "i32x4 0x00000001 0x00000000 0x00000000 0x00000000\n7\ni32x4 0x00000001 0x00000000 0x00000002 0x00000000\n",
        "{}",
        stderr(&o)
    );
    let o = run(&["id", "i32x4 1 2 3"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("i32x4 needs 4 lanes, got 3"), "{}", stderr(&o));
}

#[test]
fn codegen_flags_and_relaxed_simd_setting_reach_the_artifact() {
    let dir = setup();
    let o = kiln(&["compile", "-C", "cranelift-has-avx=false,cranelift-has-avx2=false", "example.wat"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiln(&["example.o", "--invoke", "add", "40", "2"], dir.path());
    assert_eq!(stdout(&o), "42\n", "{}", stderr(&o));
    let o = kiln(&["run", "-C", "cranelift-has-warp-drive", "example.wat", "--invoke", "add", "1", "2"], dir.path());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown Cranelift flag `has_warp_drive`"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    let o = kiln(&["compile", "-W", "relaxed-simd-deterministic=n", "example.wat", "-o", "native.o"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kiln(&["native.o", "--invoke", "add", "1", "2"], dir.path());
    assert!(stderr(&o).contains("without deterministic relaxed SIMD, but the engine has it enabled"), "{}", stderr(&o));
    let o = kiln(&["-W", "relaxed-simd-deterministic=n", "native.o", "--invoke", "add", "1", "2"], dir.path());
    assert_eq!(stdout(&o), "3\n", "{}", stderr(&o));
    let o = kiln(&["-W", "simd=n", "example.wat", "--invoke", "add", "1", "2"], dir.path());
    assert!(stderr(&o).contains("needs `Config::wasm_simd(true)`"), "relaxed SIMD stays on: {}", stderr(&o));
    let o = kiln(&["-W", "simd=n,relaxed-simd=n", "example.wat", "--invoke", "add", "1", "2"], dir.path());
    assert_eq!(stdout(&o), "3\n", "{}", stderr(&o));
}
