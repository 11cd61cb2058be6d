//! The WASI preview1 host, end to end: the embedding API in-process
//! (`kiln::wasi`), and the `kiln` command line on the guest programs under
//! tests/wasi-guests (the article's scenarios, the `wasi_suite` areas, the
//! `transform` program), each in a fresh temporary directory.

use kiln::wasi::pipe::{MemoryInputPipe, MemoryOutputPipe};
use kiln::wasi::{DirPerms, Errno, FilePerms, I32Exit, WasiCtx, WasiCtxBuilder};
use kiln::{Engine, Instance, Linker, Module, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Helpers

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
    kiln::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let mut store = Store::new(engine(), Host { wasi });
    let instance = linker.instantiate(&mut store, &module).expect("instantiates");
    (store, instance)
}

/// Runs a command module; returns its exit code.
fn run_wat(wat: &str, wasi: WasiCtx) -> i32 {
    let (mut store, instance) = instantiate(wat, wasi);
    kiln::wasi::run_command(&mut store, &instance).expect("runs")
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

fn show(o: &Output) -> String {
    format!("status {:?}\n--- stdout\n{}\n--- stderr\n{}", o.status, text(&o.stdout), text(&o.stderr))
}

/// The lines of a `wasi_suite` run that report a failed check.
fn failures(o: &Output) -> Vec<String> {
    text(&o.stdout).lines().filter(|l| l.contains(": FAIL")).map(str::to_string).collect()
}

// ---------------------------------------------------------------------------
// The embedding API, in-process

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

#[test]
fn api_stdout_goes_to_a_memory_pipe() {
    let out = MemoryOutputPipe::new(1024);
    let wasi = WasiCtxBuilder::new().stdout(out.clone()).build();
    let (mut store, instance) = instantiate(WRITER, wasi);
    assert_eq!(kiln::wasi::run_command(&mut store, &instance).unwrap(), 0);
    assert_eq!(out.contents(), b"Hooray it's WASI\n");
    // *nwritten at 20.
    assert_eq!(mem_u32(&mut store, &instance, 20), 17);
}

#[test]
fn api_proc_exit_is_an_i32exit_not_a_trap() {
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 42)) unreachable))
    "#;
    let (mut store, instance) = instantiate(wat, WasiCtxBuilder::new().build());
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(42)), "{err:?}");
    assert!(err.downcast_ref::<kiln::Trap>().is_none());
    assert_eq!(err.downcast_ref::<I32Exit>().unwrap().to_string(), "exited with i32 exit status 42");
    // The helper turns it into the exit code.
    let (mut store, instance) = instantiate(wat, WasiCtxBuilder::new().build());
    assert_eq!(kiln::wasi::run_command(&mut store, &instance).unwrap(), 42);
}

#[test]
fn api_stdin_pipe_to_stdout_pipe() {
    // Reads up to 64 bytes from fd 0 and writes what it got to fd 1, twice
    // (the second read sees end of stream).
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func $copy
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 64))
        (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12))))
      (func (export "_start") (call $copy) (call $copy)))
    "#;
    let out = MemoryOutputPipe::new(1024);
    let wasi = WasiCtxBuilder::new().stdin(MemoryInputPipe::new("piped input\n")).stdout(out.clone()).build();
    assert_eq!(run_wat(wat, wasi), 0);
    assert_eq!(out.contents(), b"piped input\n");
}

#[test]
fn api_args_and_environment() {
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $asz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $aget (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $esz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $eget (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $asz (i32.const 0) (i32.const 4)))
        (drop (call $aget (i32.const 16) (i32.const 256)))
        (drop (call $esz (i32.const 8) (i32.const 12)))
        (drop (call $eget (i32.const 64) (i32.const 512)))))
    "#;
    let wasi = WasiCtxBuilder::new().args(&["prog", "one", "zwei"]).env("K", "v").envs(&[("A", "1")]).build();
    let (mut store, instance) = instantiate(wat, wasi);
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(mem_u32(&mut store, &instance, 0), 3);
    assert_eq!(mem_u32(&mut store, &instance, 4), 14);
    assert_eq!(mem_u32(&mut store, &instance, 8), 2);
    assert_eq!(mem_u32(&mut store, &instance, 12), 8);
    assert_eq!(mem_u32(&mut store, &instance, 16), 256);
    assert_eq!(mem_u32(&mut store, &instance, 20), 261);
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&mem.data(&store)[256..270], b"prog\0one\0zwei\0");
    assert_eq!(&mem.data(&store)[512..520], b"K=v\0A=1\0");
}

#[test]
fn api_reactor_is_initialized_then_called() {
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global $ready (mut i32) (i32.const 0))
      (data (i32.const 100) "reactor ready\n")
      (func (export "_initialize")
        (global.set $ready (i32.const 1))
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 14))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "add") (param i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (local.get 1)) (global.get $ready))))
    "#;
    let out = MemoryOutputPipe::new(1024);
    let (mut store, instance) = instantiate(wat, WasiCtxBuilder::new().stdout(out.clone()).build());
    kiln::wasi::initialize_reactor(&mut store, &instance).unwrap();
    assert_eq!(out.contents_string(), "reactor ready\n");
    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
    assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 6);
}

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
    WasiCtxBuilder::new().preopened_dir(dir, ".", DirPerms::all(), FilePerms::all()).unwrap().build()
}

#[test]
fn api_article_errnos() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    assert_eq!(run_wat(&mkdir_module(b"wasi-folder", 11), preopen(&root)), 0);
    assert!(root.join("wasi-folder").is_dir());
    assert_eq!(run_wat(&mkdir_module(b"../some_folder", 14), preopen(&root)), Errno::NOTCAPABLE.raw() as i32);
    assert!(!tmp.path().join("some_folder").exists());
    assert_eq!(run_wat(&mkdir_module(b"x", 0), preopen(&root)), 44);
    assert_eq!(run_wat(&mkdir_module(b"\xff\xfe", 2), preopen(&root)), 25);
    // Out of bounds: EFAULT.
    assert_eq!(run_wat(&mkdir_module(b"x", 70000), preopen(&root)), 21);
    // Without the preopen, fd 3 is not open.
    assert_eq!(run_wat(&mkdir_module(b"wasi-folder", 11), WasiCtxBuilder::new().build()), 8);
}

#[test]
fn api_read_only_preopen_refuses_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let wasi =
        WasiCtxBuilder::new().preopened_dir(tmp.path(), "/data", DirPerms::READ, FilePerms::READ).unwrap().build();
    assert_eq!(run_wat(&mkdir_module(b"new", 3), wasi), Errno::NOTCAPABLE.raw() as i32);
    assert!(!tmp.path().join("new").exists());
    let wasi = WasiCtxBuilder::new()
        .preopened_dir_access(tmp.path(), "/data", kiln::wasi::DirAccess::ReadWrite)
        .unwrap()
        .build();
    assert_eq!(run_wat(&mkdir_module(b"new", 3), wasi), 0);
    assert!(tmp.path().join("new").is_dir());
}

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

// ---------------------------------------------------------------------------
// The command line

/// What the article's writer.wat prints: it asks for 20 bytes of a
/// 17-byte string, so three NULs follow.
const WRITER_OUT: &[u8] = b"Hooray it's WASI\n\0\0\0";

#[test]
fn cli_writer_wat_prints_hooray() {
    let o = kiln().arg(fixture("wat/writer.wat")).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(o.stdout, WRITER_OUT, "{}", show(&o));
    // The same through its compiled .wasm.
    let o = kiln().arg(fixture("wat/writer.wasm")).output().unwrap();
    assert_eq!(o.stdout, WRITER_OUT, "{}", show(&o));
}

#[test]
fn cli_hello_preview1_writes_exactly_the_string() {
    let o = kiln().arg(fixture("wat/hello_preview1.wat")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(text(&o.stdout), "Hooray it's WASI\n");
}

#[test]
fn cli_trace_shows_each_call_and_its_errno() {
    let o = kiln().env("RUST_LOG", "kiln::wasi=trace").arg(fixture("wat/writer.wat")).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let err = text(&o.stderr);
    assert!(err.contains("fd_write(fd=1, iovs=0x0, iovs_len=1, nwritten=0x14)"), "{err}");
    assert!(err.contains("| *nwritten=20"), "{err}");
    assert!(err.contains("-> errno=ESUCCESS"), "{err}");
    assert!(err.contains("kiln::wasi"), "{err}");
    assert_eq!(o.stdout, WRITER_OUT);
    // Errors are named too.
    let tmp = tempfile::tempdir().unwrap();
    let o = kiln()
        .current_dir(tmp.path())
        .env("RUST_LOG", "kiln::wasi=trace")
        .arg(fixture("wat/creator_escape.wat"))
        .arg("--dir=.")
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert!(err.contains("path_create_directory(fd=3, path=0xc, path_len=14)"), "{err}");
    assert!(err.contains("-> errno=ENOTCAPABLE"), "{err}");
    assert!(err.contains("proc_exit(rval=76)"), "{err}");
    // Without RUST_LOG, nothing is traced.
    let o = kiln().arg(fixture("wat/writer.wat")).output().unwrap();
    assert!(o.stderr.is_empty(), "{}", show(&o));
}

#[test]
fn cli_creator_makes_wasi_folder_in_the_preopen() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kiln().current_dir(tmp.path()).arg(fixture("wat/creator.wat")).arg("--dir=.").output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert!(tmp.path().join("wasi-folder").is_dir(), "{}", show(&o));
    // Without `--dir`, fd 3 does not exist: nothing is created (the errno is dropped).
    let tmp = tempfile::tempdir().unwrap();
    let o = kiln().current_dir(tmp.path()).arg(fixture("wat/creator.wat")).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert!(!tmp.path().join("wasi-folder").exists());
}

#[test]
fn cli_creator_variants_exit_with_the_articles_errnos() {
    for (wat, errno) in [("creator_escape", 76), ("creator_empty", 44), ("creator_badseq", 25)] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let o = kiln().current_dir(&root).arg(fixture(&format!("wat/{wat}.wat"))).arg("--dir=.").output().unwrap();
        assert_eq!(o.status.code(), Some(errno), "{wat}: {}", show(&o));
        let outside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(outside, vec![std::ffi::OsString::from("root")], "{wat} created something outside");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0, "{wat} created something inside");
    }
}

#[test]
fn api_creator_escape_errno_in_global_and_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let module = Module::from_file(engine(), fixture("wat/creator_escape.wasm")).unwrap();
    let mut linker = Linker::new(engine());
    kiln::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let mut store = Store::new(engine(), Host { wasi: preopen(tmp.path()) });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(kiln::wasi::run_command(&mut store, &instance).unwrap(), 76);
    let errno = instance.get_global(&mut store, "errno").unwrap().get(&mut store);
    assert_eq!(errno.i32(), Some(76));
    assert_eq!(mem_u32(&mut store, &instance, 0), 76);
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

// ---------------------------------------------------------------------------
// wasi_suite: every subcommand in a fresh directory

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

// ---------------------------------------------------------------------------
// The article's sizer

#[test]
fn sizer_without_arguments_prints_usage() {
    let o = kiln().arg(fixture("bin/sizer.wasm")).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(text(&o.stderr), "sizer.wasm <input_folder>\n");
}

#[test]
fn sizer_without_a_preopen_cannot_open_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.txt"), "abc").unwrap();
    let o = kiln().current_dir(tmp.path()).arg(fixture("bin/sizer.wasm")).arg("./").output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    let err = text(&o.stderr);
    assert!(err.contains("failed to find a pre-opened file descriptor") || err.contains("os error 44"), "{}", show(&o));
}

#[test]
fn sizer_with_a_preopen_lists_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.txt"), "abc").unwrap();
    std::fs::write(tmp.path().join("Cargo.toml"), "x".repeat(225)).unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    // The article's `--dir=. .` form, with the option after the module.
    let o = kiln().current_dir(tmp.path()).arg(fixture("bin/sizer.wasm")).args(["--dir=.", "."]).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let mut lines: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    lines.sort();
    let dir_size = std::fs::metadata(tmp.path().join("src")).unwrap().len();
    assert_eq!(
        lines,
        vec![
            "filename: \"Cargo.toml\", filesize: 225 bytes".to_string(),
            "filename: \"a.txt\", filesize: 3 bytes".to_string(),
            format!("filename: \"src\", filesize: {dir_size} bytes"),
        ],
        "{}",
        show(&o)
    );
    // A host path mapped to a guest name.
    let o = kiln()
        .arg("run")
        .arg("--dir")
        .arg(format!("{}::/work", tmp.path().display()))
        .arg(fixture("bin/sizer.wasm"))
        .arg("/work/src")
        .output()
        .unwrap();
    assert!(o.status.success() && o.stdout.is_empty() && o.stderr.is_empty(), "{}", show(&o));
}

// ---------------------------------------------------------------------------
// transform: a real program, compared with its expected (native) output

#[test]
fn transform_matches_the_expected_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let src = fixture("data/transform-input");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir(input.join(e.file_name())).unwrap();
        } else {
            std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
        }
    }
    let o = kiln()
        .current_dir(tmp.path())
        .arg(fixture("bin/transform.wasm"))
        .args(["--dir=.", "in", "out"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let expected = fixture("expected/transform");
    let mut names: Vec<_> = std::fs::read_dir(&expected).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    let mut produced: Vec<_> =
        std::fs::read_dir(tmp.path().join("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
    produced.sort();
    assert_eq!(produced, names);
    for name in &names {
        let want = std::fs::read(expected.join(name)).unwrap();
        let got = std::fs::read(tmp.path().join("out").join(name)).unwrap();
        assert!(got == want, "{} differs from the expected output", name.to_string_lossy());
    }
    assert!(o.stdout == std::fs::read(expected.join("report.txt")).unwrap(), "stdout is not the report");
    // Without a preopen it cannot read its input: exit 1, with a message.
    let o = kiln().current_dir(tmp.path()).arg(fixture("bin/transform.wasm")).args(["in", "out2"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(!tmp.path().join("out2").exists());
}

#[test]
fn sizer_lists_the_transform_input() {
    let dir = fixture("data/transform-input");
    let d = dir.to_str().unwrap();
    let o = kiln().arg(fixture("bin/sizer.wasm")).arg(format!("--dir={d}")).arg(d).output().unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "{}", show(&o));
    let mut lines: Vec<String> =
        text(&o.stdout)
            .lines()
            .map(|l| {
                if l.starts_with("filename: \"skip.txt\"") {
                    "skip.txt (a directory)".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
    lines.sort();
    let want = [
        "filename: \"01-kiln.txt\", filesize: 878 bytes",
        "filename: \"02-river.txt\", filesize: 643 bytes",
        "filename: \"03-unicode.txt\", filesize: 284 bytes",
        "filename: \"04-empty.txt\", filesize: 0 bytes",
        "filename: \"05-numbers.txt\", filesize: 161 bytes",
        "filename: \"notes.md\", filesize: 55 bytes",
        "skip.txt (a directory)",
    ];
    assert_eq!(lines, want, "{}", show(&o));
}

#[test]
fn api_context_is_send() {
    fn is_send<T: Send>() {}
    is_send::<WasiCtx>();
    is_send::<Store<Host>>();
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
    (if (local.get $e) (then (call $exit (i32.const 255))))
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
    assert_eq!(kiln::wasi::run_command(&mut store, &instance).unwrap(), 17);
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

/// `path_open(3, SYMLINK_FOLLOW, path, O_CREAT, rights)` then `fd_write`
/// of 1 byte; the module exits with `open errno | write errno << 8`.
fn creat_module(path: &str, rights: u64) -> String {
    format!(
        r#"(module
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{path}")
          (func (export "_start")
            (local $e i32)
            (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const {len})
              (i32.const 1) (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const 200)))
            (if (local.get $e) (then (call $exit (local.get $e))))
            (i32.store (i32.const 208) (i32.const 0))
            (i32.store (i32.const 212) (i32.const 1))
            (call $exit (i32.shl (call $write (i32.load (i32.const 200)) (i32.const 208) (i32.const 1) (i32.const 216))
                                 (i32.const 8)))))"#,
        len = path.len()
    )
}

#[test]
fn api_creat_respects_access_mode_and_the_sandbox() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    // O_CREAT with only FD_READ: created, but not writable (EBADF).
    assert_eq!(run_wat(&creat_module("ro.txt", 1 << 1), preopen(&root)), 8 << 8);
    assert_eq!(std::fs::read(root.join("ro.txt")).unwrap(), b"");
    // With FD_WRITE: written.
    assert_eq!(run_wat(&creat_module("rw.txt", (1 << 1) | (1 << 6)), preopen(&root)), 0);
    assert_eq!(std::fs::read(root.join("rw.txt")).unwrap(), b"r");
    // Through a dangling symlink that points out of the preopen: refused,
    // and nothing appears outside.
    std::os::unix::fs::symlink("../created_outside", root.join("evil")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("abs_outside"), root.join("evil_abs")).unwrap();
    let nc = Errno::NOTCAPABLE.raw() as i32;
    assert_eq!(run_wat(&creat_module("evil", (1 << 1) | (1 << 6)), preopen(&root)), nc);
    assert_eq!(run_wat(&creat_module("evil", 1 << 1), preopen(&root)), nc);
    assert_eq!(run_wat(&creat_module("evil_abs", (1 << 1) | (1 << 6)), preopen(&root)), nc);
    assert!(!tmp.path().join("created_outside").exists());
    assert!(!tmp.path().join("abs_outside").exists());
}

/// Every function of wasi_snapshot_preview1 (the witx list).
const PREVIEW1_FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

#[test]
fn api_every_function_in_both_namespaces() {
    let mut linker: Linker<Host> = Linker::new(engine());
    kiln::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let mut store = Store::new(engine(), Host { wasi: WasiCtxBuilder::new().build() });
    for name in PREVIEW1_FUNCTIONS {
        assert!(linker.get(&mut store, "wasi_snapshot_preview1", name).is_some(), "preview1 {name}");
        // snapshot 0 has no sock_accept.
        let unstable = linker.get(&mut store, "wasi_unstable", name);
        assert_eq!(unstable.is_some(), *name != "sock_accept", "wasi_unstable {name}");
    }
}

#[test]
fn api_rights_can_only_shrink() {
    // Opens `f` with all rights, drops FD_WRITE with fd_fdstat_set_rights,
    // then tries to write (ENOTCAPABLE) and to get FD_WRITE back
    // (ENOTCAPABLE); errnos at 300, 304, 308, 312; proc_raise at 316.
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $setr (param i32 i64 i64) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "f")
      (func (export "_start")
        (i32.store (i32.const 300) (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1)
          (i32.const 1) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 200)))
        (i32.store (i32.const 304) (call $setr (i32.load (i32.const 200)) (i64.const 0x2) (i64.const 0)))
        (i32.store (i32.const 208) (i32.const 0))
        (i32.store (i32.const 212) (i32.const 1))
        (i32.store (i32.const 308) (call $write (i32.load (i32.const 200)) (i32.const 208) (i32.const 1) (i32.const 216)))
        (i32.store (i32.const 312) (call $setr (i32.load (i32.const 200)) (i64.const 0x42) (i64.const 0)))
        (i32.store (i32.const 316) (call $raise (i32.const 6)))))
    "#;
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, instance) = instantiate(wat, preopen(tmp.path()));
    kiln::wasi::run_command(&mut store, &instance).unwrap();
    let errnos: Vec<u32> = (300..320).step_by(4).map(|at| mem_u32(&mut store, &instance, at)).collect();
    let nc = Errno::NOTCAPABLE.raw() as u32;
    assert_eq!(errnos, vec![0, 0, nc, nc, Errno::NOSYS.raw() as u32]);
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"");
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
