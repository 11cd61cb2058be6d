//! `kiln compile --exe`: standalone executables, linked by the system's
//! `cc` with the runtime library embedded in kiln, run as native programs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi-guests")
}

use crate::command::{kiln_in as kiln, show};

/// Builds `input` (relative to `dir`, or absolute) into `dir/name` with
/// `kiln compile --exe` and `flags`.
fn build(dir: &Path, input: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let o = kiln(dir).arg("compile").arg("--exe").arg(input).args(["-o", name]).args(flags).output().unwrap();
    assert!(o.status.success(), "kiln compile --exe {}: {}", input.display(), show(&o));
    dir.join(name)
}

/// A guest that prints "hello from an executable" and exits with `status`.
fn hello_wat(status: u32) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from an executable\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 25))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const {status}))))"#
    )
}

#[test]
fn the_executable_runs_start_and_exits_with_the_guest_status() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("hello.wat"), hello_wat(7)).unwrap();
    let exe = build(tmp.path(), Path::new("hello.wat"), "hello", &[]);
    let o = Command::new(&exe).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", show(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello from an executable\n");
    // The default output name is the input without its extension.
    let o = kiln(tmp.path()).args(["compile", "--exe", "hello.wat"]).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(Command::new(tmp.path().join("hello")).output().unwrap().status.code(), Some(7));
}

#[test]
fn every_argument_is_the_guests_and_argv_matches_kiln_run() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = build(tmp.path(), &guests().join("bin/wasi_suite.wasm"), "suite", &[]);
    let o = Command::new(&exe).args(["args", "hello", "two words", "ü"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let expected = std::fs::read_to_string(guests().join("expected/wasi_suite/args.stdout")).unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), expected);
    // What would be kiln's own options are the guest's arguments here.
    let o = Command::new(&exe).args(["args", "--dir=/", "--invoke", "-W"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("argv[2]=\"--dir=/\"\nargv[3]=\"--invoke\"\nargv[4]=\"-W\"\n"), "{}", show(&o));
}

/// Copies the transform program's input into `dir/in`.
fn transform_input(dir: &Path) {
    let input = dir.join("in");
    std::fs::create_dir(&input).unwrap();
    for e in std::fs::read_dir(guests().join("data/transform-input")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir(input.join(e.file_name())).unwrap();
        } else {
            std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
        }
    }
}

/// Whether `dir/out` holds exactly what the native transform wrote.
fn assert_transformed(dir: &Path, out: &str) {
    let expected = guests().join("expected/transform");
    let mut names: Vec<_> = std::fs::read_dir(&expected).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    let mut produced: Vec<_> = std::fs::read_dir(dir.join(out)).unwrap().map(|e| e.unwrap().file_name()).collect();
    produced.sort();
    assert_eq!(produced, names);
    for name in &names {
        let same = std::fs::read(expected.join(name)).unwrap() == std::fs::read(dir.join(out).join(name)).unwrap();
        assert!(same, "{} differs from the native output", name.to_string_lossy());
    }
}

#[test]
fn baked_in_directories_work_and_kiln_exe_options_adds_more() {
    let tmp = tempfile::tempdir().unwrap();
    transform_input(tmp.path());
    let transform = guests().join("bin/transform.wasm");
    let exe = build(tmp.path(), &transform, "transform", &["--dir=."]);
    let o = Command::new(&exe).args(["in", "out"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_transformed(tmp.path(), "out");
    assert_eq!(o.stdout, std::fs::read(guests().join("expected/transform/report.txt")).unwrap());

    // Without the directory it cannot read its input...
    let bare = build(tmp.path(), &transform, "bare", &[]);
    let o = Command::new(&bare).args(["in", "out2"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    // ...unless granted at run time in kiln's documented form.
    let o = Command::new(&bare)
        .args(["in", "out3"])
        .env("KILN_EXE_OPTIONS", "--dir=.")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_transformed(tmp.path(), "out3");
    let o = Command::new(&bare).env("KILN_EXE_OPTIONS", "--fuel=1").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("KILN_EXE_OPTIONS: unknown option `--fuel=1`"), "{}", show(&o));
}

#[test]
fn the_executable_needs_no_kiln_installation_and_no_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("hello.wat"), hello_wat(0)).unwrap();
    let exe = build(tmp.path(), Path::new("hello.wat"), "hello", &[]);
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("hello");
    std::fs::copy(&exe, &moved).unwrap();
    drop(tmp);
    let o = Command::new(&moved).env_clear().current_dir(elsewhere.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello from an executable\n");
    // The module's functions are the executable's own symbols.
    let nm = Command::new("nm").arg(&moved).output().unwrap();
    let symbols = String::from_utf8_lossy(&nm.stdout);
    assert!(symbols.contains(" T main\n") && symbols.contains(" D kiln_exe_module\n"), "{symbols}");
    assert!(symbols.contains(" T kiln_exe_main\n"), "the runtime library is linked in");
}

#[test]
fn a_trap_exits_134_with_the_backtrace_and_limits_are_baked_in() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("trap.wat"),
        r#"(module $calc
  (memory (export "memory") 1)
  (func $inner unreachable)
  (func (export "_start") call $inner))"#,
    )
    .unwrap();
    let exe = build(tmp.path(), Path::new("trap.wat"), "trap", &[]);
    let o = Command::new(&exe).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(134), "{}", show(&o));
    assert!(err.contains("wasm trap: unreachable") && err.contains("calc!inner"), "{err}");

    std::fs::write(
        tmp.path().join("spin.wat"),
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#,
    )
    .unwrap();
    let exe = build(tmp.path(), Path::new("spin.wat"), "fuel", &["-W", "fuel=100000"]);
    let o = Command::new(&exe).output().unwrap();
    assert_eq!(o.status.code(), Some(134), "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("all fuel consumed"), "{}", show(&o));
    let exe = build(tmp.path(), Path::new("spin.wat"), "timeout", &["-W", "timeout=50ms"]);
    let o = Command::new(&exe).output().unwrap();
    assert_eq!(o.status.code(), Some(134), "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("interrupt"), "{}", show(&o));

    std::fs::write(
        tmp.path().join("grow.wat"),
        r#"(module (memory (export "memory") 1)
  (func (export "_start") (if (i32.ne (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))))"#,
    )
    .unwrap();
    let exe = build(tmp.path(), Path::new("grow.wat"), "grow", &["-W", "max-memory-size=1048576"]);
    let o = Command::new(&exe).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "the grow beyond 1 MiB is refused: {}", show(&o));
}

#[test]
fn bad_requests_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("hello.wat"), hello_wat(0)).unwrap();
    let o = kiln(tmp.path())
        .args(["compile", "--exe", "hello.wat", "-o", "hello"])
        .env("CC", "/nonexistent/cc")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("`/nonexistent/cc` was not found"), "{err}");
    assert!(!tmp.path().join("hello").exists(), "nothing is left behind");
    let o = kiln(tmp.path()).args(["compile", "--dir=.", "hello.wat"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--exe"), "{}", show(&o));
    // Another target needs its own runtime library (`.ci/aarch64.sh` links
    // and runs one under qemu); a library for the wrong architecture, or
    // no library at all, is refused before anything is compiled.
    let (here, other) = if cfg!(target_arch = "aarch64") { ("aarch64", "x86_64") } else { ("x86_64", "aarch64") };
    let cross = |lib: Option<&Path>| {
        let mut c = kiln(tmp.path());
        c.args(["compile", "--exe", "--target", other, "hello.wat", "-o", "hello"]).env_remove("KILN_RUNTIME_LIB");
        if let Some(lib) = lib {
            c.env("KILN_RUNTIME_LIB", lib);
        }
        let o = c.output().unwrap();
        assert!(!o.status.success() && !tmp.path().join("hello").exists(), "{}", show(&o));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = cross(None);
    assert!(err.contains(&format!("the embedded runtime library is for `{here}-")), "{err}");
    assert!(err.contains("name it in KILN_RUNTIME_LIB"), "{err}");
    let host_lib =
        PathBuf::from(String::from_utf8_lossy(&kiln(tmp.path()).arg("runtime-lib").output().unwrap().stdout).trim());
    let err = cross(Some(&host_lib));
    assert!(err.contains(&format!("holds {here} code, not {other} code")), "{err}");
    let err = cross(Some(&tmp.path().join("hello.wat")));
    assert!(err.contains("is not a static library of ELF objects"), "{err}");
    // A library named for this host is checked too.
    let o = kiln(tmp.path())
        .args(["compile", "--exe", "hello.wat", "-o", "hello"])
        .env("KILN_RUNTIME_LIB", tmp.path().join("hello.wat"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("is not a static library of ELF objects"), "{err}");
    std::fs::write(tmp.path().join("bad.wat"), "(module (func (result i32)))").unwrap();
    let o = kiln(tmp.path()).args(["compile", "--exe", "bad.wat"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("failed to compile"), "{}", show(&o));
}

#[test]
fn the_runtime_library_path_is_printed_and_is_a_static_library() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kiln(tmp.path()).arg("runtime-lib").env("XDG_CACHE_HOME", tmp.path()).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let path = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
    assert!(path.starts_with(tmp.path().join("kiln/runtime")), "{}", path.display());
    assert!(std::fs::read(&path).unwrap().starts_with(b"!<arch>\n"), "an ar archive");
    // A damaged copy is replaced, never used.
    std::fs::write(&path, b"junk").unwrap();
    let o = kiln(tmp.path()).arg("runtime-lib").env("XDG_CACHE_HOME", tmp.path()).output().unwrap();
    assert!(o.status.success());
    assert!(std::fs::read(&path).unwrap().starts_with(b"!<arch>\n"), "rewritten");
    let o = kiln(tmp.path()).args(["runtime-lib", "--native-libs"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("-lpthread"), "{}", show(&o));
}
