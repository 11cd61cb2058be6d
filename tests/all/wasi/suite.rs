//! The `wasi_suite` guest: one subcommand per area of preview1, each run
//! in a fresh directory and compared with its expected output.

use super::*;

/// Opens `file` (under fd 3) read-only, seeks with `whence`=1 and offset 0
/// through `namespace`, stats it, and leaves the new offset at 200 and the
/// filestat at 256.
fn seek_stat_module(namespace: &str) -> String {
    format!(
        r#"(module
          (import "{namespace}" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "{namespace}" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
          (import "{namespace}" "fd_filestat_get" (func $stat (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "file")
          (func (export "_start")
            (i32.store (i32.const 100) (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 4)
              (i32.const 0) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 16)))
            (i32.store (i32.const 104) (call $seek (i32.load (i32.const 16)) (i64.const 0) (i32.const 1) (i32.const 200)))
            (i32.store (i32.const 108) (call $stat (i32.load (i32.const 16)) (i32.const 256)))))"#
    )
}

#[test]
fn api_unstable_layouts_differ_from_preview1() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("file"), b"0123456789").unwrap();
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(tmp.path().join("file")).unwrap());

    // preview1: whence 1 is CUR; filestat nlink is a u64 at 24, size at 32.
    let (mut store, instance) = instantiate(&seek_stat_module("wasi_snapshot_preview1"), preopen(tmp.path()));
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    for at in [100, 104, 108] {
        assert_eq!(mem_u32(&mut store, &instance, at), 0, "errno at {at}");
    }
    assert_eq!(mem_u64(&mut store, &instance, 200), 0);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 8), ino);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 24), 1);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 32), 10);

    // wasi_unstable: whence 1 is END; nlink is a u32 at 20, size at 24.
    let (mut store, instance) = instantiate(&seek_stat_module("wasi_unstable"), preopen(tmp.path()));
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    for at in [100, 104, 108] {
        assert_eq!(mem_u32(&mut store, &instance, at), 0, "errno at {at}");
    }
    assert_eq!(mem_u64(&mut store, &instance, 200), 10);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 8), ino);
    assert_eq!(mem_u32(&mut store, &instance, 256 + 20), 1);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 24), 10);
}

#[test]
fn api_unstable_clock_subscription_has_an_identifier() {
    // One relative clock subscription of 1ms, userdata 77, in the
    // wasi_unstable layout (identifier at 16, clock id at 24, timeout at 32).
    let wat = r#"
    (module
      (import "wasi_unstable" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 0) (i64.const 77))
        (i32.store8 (i32.const 8) (i32.const 0))
        (i64.store (i32.const 16) (i64.const 5))
        (i32.store (i32.const 24) (i32.const 1))
        (i64.store (i32.const 32) (i64.const 1000000))
        (i32.store16 (i32.const 48) (i32.const 0))
        (i32.store (i32.const 400) (call $poll (i32.const 0) (i32.const 128) (i32.const 1) (i32.const 300)))))
    "#;
    let (mut store, instance) = instantiate(wat, WasiCtxBuilder::new().build());
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(mem_u32(&mut store, &instance, 400), 0);
    assert_eq!(mem_u32(&mut store, &instance, 300), 1);
    assert_eq!(mem_u64(&mut store, &instance, 128), 77);
    assert_eq!(mem_u32(&mut store, &instance, 136) & 0xffff, 0, "event error");
}

#[test]
fn api_sockets_accept_recv_send_shutdown() {
    // fd 3 is a listener: accept, receive up to 16 bytes, send them back,
    // shut down; fd 0 is not a socket (ENOTSOCK), fd 9 does not exist (EBADF).
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 500) (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
        (i32.store (i32.const 8) (i32.const 100))
        (i32.store (i32.const 12) (i32.const 16))
        (i32.store (i32.const 504) (call $recv (i32.load (i32.const 0)) (i32.const 8) (i32.const 1)
          (i32.const 2) (i32.const 20) (i32.const 24)))
        (i32.store (i32.const 12) (i32.load (i32.const 20)))
        (i32.store (i32.const 508) (call $send (i32.load (i32.const 0)) (i32.const 8) (i32.const 1)
          (i32.const 0) (i32.const 28)))
        (i32.store (i32.const 512) (call $shutdown (i32.load (i32.const 0)) (i32.const 3)))
        (i32.store (i32.const 516) (call $shutdown (i32.const 0) (i32.const 3)))
        (i32.store (i32.const 520) (call $shutdown (i32.const 9) (i32.const 3)))))
    "#;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        back
    });
    let wasi = WasiCtxBuilder::new().preopened_tcp_listener(listener).build();
    let (mut store, instance) = instantiate(wat, wasi);
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(client.join().unwrap(), b"ping");
    let errnos: Vec<u32> = (500..524).step_by(4).map(|at| mem_u32(&mut store, &instance, at)).collect();
    let notsock = Errno::NOTSOCK.raw() as u32;
    assert_eq!(errnos, vec![0, 0, 0, 0, notsock, 8]);
    assert_eq!(mem_u32(&mut store, &instance, 20), 4);
}

#[test]
fn api_sandbox_never_touches_the_sentinel() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let sentinel = tmp.path().join("sentinel.txt");
    std::fs::write(&sentinel, "untouched").unwrap();
    std::os::unix::fs::symlink("../sentinel.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink(&sentinel, root.join("abs_link")).unwrap();
    let before = std::fs::metadata(&sentinel).unwrap().modified().unwrap();
    // Each path is tried with path_open (O_TRUNC, read-write); the module
    // exits with the errnos of the three opens packed in bytes.
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "../sentinel.txt")
      (data (i32.const 32) "link")
      (data (i32.const 64) "abs_link")
      (func $try (param $p i32) (param $n i32) (result i32)
        (call $open (i32.const 3) (i32.const 1) (local.get $p) (local.get $n)
          (i32.const 8) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 128)))
      (func (export "_start")
        (call $exit
          (i32.or (call $try (i32.const 0) (i32.const 15))
            (i32.or (i32.shl (call $try (i32.const 32) (i32.const 4)) (i32.const 8))
              (i32.shl (call $try (i32.const 64) (i32.const 8)) (i32.const 16)))))))
    "#;
    let code = run_wat(wat, preopen(&root));
    let nc = Errno::NOTCAPABLE.raw() as i32;
    assert_eq!(code, nc | (nc << 8) | (nc << 16), "{code:#x}");
    assert_eq!(std::fs::read_to_string(&sentinel).unwrap(), "untouched");
    assert_eq!(std::fs::metadata(&sentinel).unwrap().modified().unwrap(), before);
}

#[test]
fn reactor_wat_in_process_and_from_the_cli() {
    let module = Module::from_file(engine(), fixture("wat/reactor.wat")).unwrap();
    let mut linker = Linker::new(engine());
    kiln::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let out = MemoryOutputPipe::new(1024);
    let mut store = Store::new(engine(), Host { wasi: WasiCtxBuilder::new().stdout(out.clone()).build() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 0);
    kiln::wasi::initialize_reactor(&mut store, &instance).unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 42);
    let greet = instance.get_typed_func::<(), i32>(&mut store, "greet").unwrap();
    assert_eq!(greet.call(&mut store, ()).unwrap(), 0);
    assert_eq!(out.contents_string(), "hello from a reactor\n");

    // `kiln reactor.wat` initializes it and exits 0; `--invoke` runs after `_initialize`.
    let o = kiln().arg(fixture("wat/reactor.wat")).output().unwrap();
    assert!(o.status.success() && o.stdout.is_empty(), "{}", show(&o));
    let o = kiln().arg(fixture("wat/reactor.wat")).args(["--invoke", "get"]).output().unwrap();
    assert_eq!(text(&o.stdout), "42\n", "{}", show(&o));
    let o = kiln().arg(fixture("wat/reactor.wat")).args(["--invoke", "greet"]).output().unwrap();
    assert_eq!(text(&o.stdout), "hello from a reactor\n0\n", "{}", show(&o));
}

/// Compares `out` with `expected/wasi_suite/<name>.stdout`, naming the first
/// differing line.
fn expect_stdout(out: &str, name: &str) {
    let want = std::fs::read_to_string(fixture(&format!("expected/wasi_suite/{name}.stdout"))).unwrap();
    if out != want {
        let first = out.lines().zip(want.lines()).position(|(a, b)| a != b);
        let detail = match first {
            Some(i) => format!("line {}: got {:?}, expected {:?}", i + 1, out.lines().nth(i), want.lines().nth(i)),
            None => format!("got {} lines, expected {}", out.lines().count(), want.lines().count()),
        };
        panic!("stdout differs from expected/wasi_suite/{name}.stdout: {detail}\n--- got\n{out}");
    }
}

/// Runs `wasi_suite SUB ARGS...` with the temp dir `cwd` preopened as `.`.
fn suite_in(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut c = kiln();
    c.current_dir(cwd).arg(fixture("bin/wasi_suite.wasm")).arg("--dir=.").arg("--").args(args);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Runs a subcommand in a fresh temp dir and checks that every check
/// passed, the exit code is 0, the directory is left empty, and stdout is
/// byte for byte `expected/wasi_suite/<expected>.stdout`.
fn suite(args: &[&str], expected: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let o = suite_in(tmp.path(), args, None);
    assert!(failures(&o).is_empty(), "failed checks {:?}\n{}", failures(&o), show(&o));
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "scratch left behind: {left:?}");
    let out = text(&o.stdout);
    assert!(out.lines().any(|l| l.ends_with(": ok")), "no checks ran\n{}", show(&o));
    expect_stdout(&out, expected);
    out
}

#[test]
fn suite_preopen() {
    suite(&["preopen"], "preopen");
}

#[test]
fn suite_args() {
    suite(&["args", "hello", "two words", "ü"], "args");
    let out = suite_args_extra();
    assert!(out.contains("argc=3\nargv[1]=\"args\"\nargv[2]=\"--flag\"\n"), "{out}");
}

/// A guest argument that looks like an option, after `--`.
fn suite_args_extra() -> String {
    let tmp = tempfile::tempdir().unwrap();
    text(&suite_in(tmp.path(), &["args", "--flag"], None).stdout)
}

#[test]
fn suite_env() {
    let tmp = tempfile::tempdir().unwrap();
    // `--env NAME=VALUE` and `--env NAME` (the host's value).
    let o = kiln()
        .current_dir(tmp.path())
        .env("GREETING", "hi there")
        .arg(fixture("bin/wasi_suite.wasm"))
        .args(["--env", "KILN=1", "--env", "GREETING", "--env", "KILN_UNSET_VARIABLE", "--"])
        .args(["env", "KILN=1", "GREETING=hi there"])
        .output()
        .unwrap();
    assert!(failures(&o).is_empty() && o.status.success(), "{}", show(&o));
    expect_stdout(&text(&o.stdout), "env");
    // Nothing from the host leaks in unasked.
    let o = kiln().current_dir(tmp.path()).arg(fixture("bin/wasi_suite.wasm")).arg("env").output().unwrap();
    assert!(text(&o.stdout).contains("envc=0\n"), "{}", show(&o));
}

#[test]
fn suite_clocks() {
    suite(&["clocks"], "clocks");
}

#[test]
fn suite_random() {
    suite(&["random"], "random");
}

#[test]
fn suite_poll() {
    suite(&["poll"], "poll");
}

#[test]
fn suite_files() {
    suite(&["files"], "files");
}

#[test]
fn suite_dirs() {
    suite(&["dirs"], "dirs");
}

#[test]
fn suite_errors() {
    let out = suite(&["errors"], "errors");
    for line in [
        "errno enoent_empty_path_open=44",
        "errno escape_dotdot_mkdir=76",
        "errno eilseq_mkdir=25",
        "errno efault_iovs=21",
        "errno einval_bad_whence=28",
    ] {
        assert!(out.contains(line), "missing {line:?}\n{out}");
    }
    suite(&["errors", "notrap"], "errors-notrap");
}

#[test]
fn suite_escape() {
    let out = suite(&["escape"], "escape");
    assert!(out.contains("errno dotdot_mkdir=76"), "{out}");
}

#[test]
fn suite_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let input: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
    let o = suite_in(tmp.path(), &["stdin"], Some(&input));
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(o.stdout == input, "stdin was not copied byte for byte ({} bytes out)", o.stdout.len());
}

#[test]
fn suite_exit() {
    let tmp = tempfile::tempdir().unwrap();
    for code in [0, 1, 3, 113] {
        let o = suite_in(tmp.path(), &["exit", &code.to_string()], None);
        assert_eq!(o.status.code(), Some(code), "{}", show(&o));
        assert!(o.stderr.is_empty(), "{}", show(&o));
    }
    let o = suite_in(tmp.path(), &["exit"], None);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
}

#[test]
fn suite_escapes_leave_the_outside_alone() {
    // tmp/sentinel.txt sits next to the preopen tmp/root; the escape and
    // errors areas try to reach it and its directory in every way.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let sentinel = tmp.path().join("sentinel.txt");
    std::fs::write(&sentinel, "untouched").unwrap();
    let before = std::fs::metadata(&sentinel).unwrap();
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        v.sort();
        v
    };
    let outside = listing();
    for sub in ["escape", "errors"] {
        let o = suite_in(&root, &[sub], None);
        assert!(failures(&o).is_empty() && o.status.success(), "{}", show(&o));
    }
    assert_eq!(listing(), outside, "something was created next to the preopen");
    // Times first: reading the file ourselves would move its atime.
    let after = std::fs::metadata(&sentinel).unwrap();
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    assert_eq!(after.accessed().unwrap(), before.accessed().unwrap());
    assert_eq!(std::fs::read_to_string(&sentinel).unwrap(), "untouched");
    assert!(!Path::new("/tmp/kiln_escape_probe").exists());
}
