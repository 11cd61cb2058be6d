//! The WASI host through `kiln run`: exit codes, traps, `--invoke`, `--env`,
//! `--dir`, `--preload`, `--tcplisten`, and stdin readiness.

use super::*;

#[test]
fn cli_exit_code_and_argv0() {
    let o = kiln().arg(fixture("bin/wasi_suite.wasm")).args(["exit", "7"]).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", show(&o));
    let o = kiln().arg(fixture("bin/wasi_suite.wasm")).arg("args").output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
}

#[test]
fn cli_trap_exits_134_with_a_backtrace() {
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("trap.wat");
    std::fs::write(
        &wat,
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func $inner unreachable)
             (func (export "_start") (call $inner)))"#,
    )
    .unwrap();
    let o = kiln().arg(&wat).output().unwrap();
    assert_eq!(o.status.code(), Some(134), "{}", show(&o));
    assert!(text(&o.stderr).contains("unreachable"), "{}", show(&o));
}

#[test]
fn cli_invoke_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("add.wat");
    std::fs::write(
        &wat,
        r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let o = kiln().arg(&wat).args(["--invoke", "add", "1", "2"]).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(text(&o.stdout), "3\n");
}

#[test]
fn cli_env_and_dir_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kiln()
        .current_dir(tmp.path())
        .env("KILN_PASSED", "from host")
        .arg(fixture("bin/wasi_suite.wasm"))
        .args([
            "--env",
            "A=1",
            "--env",
            "KILN_PASSED",
            "--env",
            "KILN_UNSET_VAR",
            "--",
            "env",
            "A=1",
            "KILN_PASSED=from host",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let out = text(&o.stdout);
    assert!(out.contains("envc=2"), "{out}");
    assert!(!out.contains("KILN_UNSET_VAR"), "{out}");
    // HOST::GUEST
    let o = kiln()
        .current_dir(tmp.path())
        .args(["run", "--dir", ".::/sandbox"])
        .arg(fixture("bin/wasi_suite.wasm"))
        .arg("preopen")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", show(&o));
}

#[test]
fn cli_preload_defines_exports_under_a_name() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.wat");
    std::fs::write(&lib, r#"(module (func (export "seven") (result i32) (i32.const 7)))"#).unwrap();
    let main = tmp.path().join("main.wat");
    std::fs::write(
        &main,
        r#"(module
             (import "lib" "seven" (func $seven (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start") (call $exit (call $seven))))"#,
    )
    .unwrap();
    let o = kiln().arg("run").arg("--preload").arg(format!("lib={}", lib.display())).arg(&main).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", show(&o));
}

/// Subscribes to FD_READ on fd 0 and a 10 s clock; exits with
/// `nevents * 16 + type of the first event`, with its nbytes at 300.
const POLL_STDIN: &str = r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $e i32)
    ;; subscription 0 at 0: userdata 1, FD_READ on fd 0
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 1))
    (i32.store (i32.const 16) (i32.const 0))
    ;; subscription 1 at 48: userdata 2, relative MONOTONIC clock, 10 s
    (i64.store (i32.const 48) (i64.const 2))
    (i32.store8 (i32.const 56) (i32.const 0))
    (i32.store (i32.const 64) (i32.const 1))
    (i64.store (i32.const 72) (i64.const 10000000000))
    (i32.store16 (i32.const 88) (i32.const 0))
    (local.set $e (call $poll (i32.const 0) (i32.const 128) (i32.const 2) (i32.const 256)))
    (if (local.get $e) (then (call $exit (i32.const 99))))
    (call $exit (i32.add (i32.mul (i32.load (i32.const 256)) (i32.const 16))
                         (i32.load8_u (i32.const 138))))))
"#;

#[test]
fn cli_poll_sees_stdin_become_readable() {
    use std::io::Write;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("poll.wat");
    std::fs::write(&wat, POLL_STDIN).unwrap();
    let started = std::time::Instant::now();
    let mut child =
        kiln().arg(&wat).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    stdin.write_all(b"data").unwrap();
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    // One event, of type FD_READ (1), long before the 10 s timer.
    assert_eq!(o.status.code(), Some(16 + 1), "{}", show(&o));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // In-process, a memory pipe is ready at once, with its byte count.
    let (mut store, instance) =
        instantiate(POLL_STDIN, WasiCtxBuilder::new().stdin(MemoryInputPipe::new("12345")).build());
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 17);
    assert_eq!(mem_u64(&mut store, &instance, 128 + 16), 5);
}

#[test]
fn cli_tcplisten_hands_the_guest_a_listener() {
    use std::io::{Read, Write};
    // Accepts one connection on fd 3, sends "hello\n" and exits with the
    // errnos of accept and send (both 0 → exit 0).
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "hello\n")
      (func (export "_start")
        (local $e i32)
        (local.set $e (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
        (if (local.get $e) (then (call $exit (local.get $e))))
        (i32.store (i32.const 8) (i32.const 100))
        (i32.store (i32.const 12) (i32.const 6))
        (call $exit (call $send (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 16)))))
    "#;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("server.wat");
    std::fs::write(&path, wat).unwrap();
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = kiln().arg(&path).args(["--tcplisten", &addr]).spawn().unwrap();
    let mut stream = None;
    for _ in 0..100 {
        match std::net::TcpStream::connect(&addr) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
    let mut stream = stream.expect("kiln listens");
    let mut got = String::new();
    stream.read_to_string(&mut got).unwrap();
    stream.flush().unwrap();
    assert_eq!(got, "hello\n");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn cli_nonblocking_stdin_read_gives_eagain() {
    use std::process::Stdio;
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setfl (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (local $e i32)
        (local.set $e (call $setfl (i32.const 0) (i32.const 4)))
        (if (local.get $e) (then (call $exit (i32.const 100))))
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 16))
        (call $exit (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))))
    "#;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("nb.wat");
    std::fs::write(&path, wat).unwrap();
    // stdin stays open and empty while the guest runs.
    let mut child = kiln().arg(&path).stdin(Stdio::piped()).spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(Errno::AGAIN.raw() as i32));
}

/// `-S inherit-env` passes the host's environment, `--argv0` renames the
/// guest, and `-S tcplisten`/`-D debug-info` are accepted as wasmtime spells them.
#[test]
fn cli_wasmtime_wasi_options() {
    let tmp = tempfile::tempdir().unwrap();
    let wat = tmp.path().join("envc.wat");
    std::fs::write(
        &wat,
        r#"(module
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (drop (call $sizes (i32.const 0) (i32.const 4)))
            (call $exit (i32.load (i32.const 0)))))"#,
    )
    .unwrap();
    let envc = |extra: &[&str]| {
        let o =
            kiln().env_clear().env("KILN_PROBE", "1").env("KILN_PROBE2", "2").args(extra).arg(&wat).output().unwrap();
        o.status.code().unwrap_or(-1)
    };
    assert_eq!(envc(&[]), 0, "nothing is inherited by default");
    assert_eq!(envc(&["-S", "inherit-env"]), 2);
    assert_eq!(envc(&["-S", "inherit-env=n"]), 0);
    assert_eq!(envc(&["-S", "inherit-env,preview2=n", "-D", "debug-info"]), 2);

    let o = kiln().args(["--argv0", "lister"]).arg(fixture("bin/sizer.wasm")).output().unwrap();
    assert_eq!(text(&o.stderr), "lister <input_folder>\n", "{}", show(&o));

    let o = kiln().args(["-S", "tcplisten=127.0.0.1:0"]).arg(&wat).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let o = kiln().args(["-S", "tcplisten=not-an-address"]).arg(&wat).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
}

/// A guest's exit status reaches the OS only below 126: `proc_exit(134)`
/// must not look like an abort (128 + SIGABRT), nor 139 like a segfault,
/// nor 126/127 like "cannot execute"/"not found", nor 256 like success.
/// Such a status is an error, reported with status 1, as wasmtime does it.
#[test]
fn cli_exit_statuses_from_126_on_are_errors_not_signals() {
    let tmp = tempfile::tempdir().unwrap();
    let exit_with = |code: u32| {
        let wat = tmp.path().join(format!("exit{code}.wat"));
        std::fs::write(
            &wat,
            format!(
                r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                     (memory (export "memory") 1)
                     (func (export "_start") (call $exit (i32.const {code}))))"#,
                code = code as i32
            ),
        )
        .unwrap();
        kiln().arg(&wat).output().unwrap()
    };
    for code in [0, 1, 125] {
        let o = exit_with(code);
        assert_eq!(o.status.code(), Some(code as i32), "{}", show(&o));
        assert!(o.stderr.is_empty(), "{}", show(&o));
    }
    for code in [126, 127, 134, 139, 255, 256, 512, u32::MAX] {
        let o = exit_with(code);
        assert_eq!(o.status.code(), Some(1), "proc_exit({code}): {}", show(&o));
        let err = text(&o.stderr);
        assert!(err.contains(&format!("proc_exit({code})")) && err.contains("below 126"), "{}", show(&o));
    }
    // The committed WAT guest, and a Rust guest's std::process::exit.
    let o = kiln().arg(fixture("wat/exit_134.wasm")).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(text(&o.stderr).contains("proc_exit(134)"), "{}", show(&o));
    for (code, want) in [("125", 125), ("126", 1), ("134", 1), ("139", 1), ("-1", 1)] {
        let o = kiln().arg(fixture("bin/wasi_suite.wasm")).args(["--", "exit", code]).output().unwrap();
        assert_eq!(o.status.code(), Some(want), "exit {code}: {}", show(&o));
    }
}
