//! The WASI host through the embedding API, in-process: pipes, args and
//! environment, reactors, preopens and rights, the `wasi_unstable` layouts,
//! sockets, and the list of functions in both namespaces.

use super::*;

#[test]
fn api_stdout_goes_to_a_memory_pipe() {
    let out = MemoryOutputPipe::new(1024);
    let wasi = WasiCtxBuilder::new().stdout(out.clone()).build();
    let (mut store, instance) = instantiate(WRITER, wasi);
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 0);
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
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 42);
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

/// The four args/environ imports, as `$asz`, `$aget`, `$esz` and `$eget`.
const ARGS_ENV_IMPORTS: &str = r#"
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $asz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $aget (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $esz (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $eget (param i32 i32) (result i32)))"#;

#[test]
fn api_args_and_environment() {
    let wat = format!(
        r#"
    (module {ARGS_ENV_IMPORTS}
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $asz (i32.const 0) (i32.const 4)))
        (drop (call $aget (i32.const 16) (i32.const 256)))
        (drop (call $esz (i32.const 8) (i32.const 12)))
        (drop (call $eget (i32.const 64) (i32.const 512)))))
    "#
    );
    let wasi = WasiCtxBuilder::new().args(&["prog", "one", "zwei"]).env("K", "v").envs(&[("A", "1")]).build();
    let (mut store, instance) = instantiate(&wat, wasi);
    kiln_wasi::run_command(&mut store, &instance).unwrap();
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

/// String buffers may end exactly at the end of a 4 GiB memory: the host
/// must neither overflow nor refuse. Both calls return their errno at 32/36.
#[test]
fn api_args_and_environ_buffers_may_end_at_4_gib() {
    let wat = format!(
        r#"
    (module {ARGS_ENV_IMPORTS}
      (memory (export "memory") 65536)
      (func (export "_start")
        (drop (call $asz (i32.const 0) (i32.const 4)))
        (i32.store (i32.const 32)
          (call $aget (i32.const 16) (i32.sub (i32.const 0) (i32.load (i32.const 4)))))
        (drop (call $esz (i32.const 8) (i32.const 12)))
        (i32.store (i32.const 36)
          (call $eget (i32.const 64) (i32.sub (i32.const 0) (i32.load (i32.const 12)))))))
    "#
    );
    let wasi = WasiCtxBuilder::new().args(&["prog", "one"]).env("K", "v").build();
    let (mut store, instance) = instantiate(&wat, wasi);
    kiln_wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(mem_u32(&mut store, &instance, 32), 0, "args_get errno");
    assert_eq!(mem_u32(&mut store, &instance, 36), 0, "environ_get errno");
    let end = 1usize << 32;
    assert_eq!(mem_u32(&mut store, &instance, 16) as usize, end - 9);
    assert_eq!(mem_u32(&mut store, &instance, 20) as usize, end - 4);
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    // environ's buffer also ends at 4 GiB, so it overwrote args' "one\0".
    assert_eq!(&mem.data(&store)[end - 9..end - 4], b"prog\0");
    assert_eq!(&mem.data(&store)[end - 4..], b"K=v\0");
    assert_eq!(mem_u32(&mut store, &instance, 64) as usize, end - 4);
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
    kiln_wasi::initialize_reactor(&mut store, &instance).unwrap();
    assert_eq!(out.contents_string(), "reactor ready\n");
    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
    assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 6);
}

#[test]
fn api_read_only_preopen_refuses_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let wasi = WasiCtxBuilder::new().preopened_dir(tmp.path(), "/data", FsPerms::ReadOnly).unwrap().build();
    assert_eq!(run_wat(&mkdir_module(b"new", 3), wasi), Errno::NOTCAPABLE.raw() as i32);
    assert!(!tmp.path().join("new").exists());
    let wasi = WasiCtxBuilder::new().preopened_dir(tmp.path(), "/data", FsPerms::ReadWrite).unwrap().build();
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
    kiln_wasi::run_command(&mut store, &instance).unwrap();
    for at in [100, 104, 108] {
        assert_eq!(mem_u32(&mut store, &instance, at), 0, "errno at {at}");
    }
    assert_eq!(mem_u64(&mut store, &instance, 200), 0);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 8), ino);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 24), 1);
    assert_eq!(mem_u64(&mut store, &instance, 256 + 32), 10);

    // wasi_unstable: whence 1 is END; nlink is a u32 at 20, size at 24.
    let (mut store, instance) = instantiate(&seek_stat_module("wasi_unstable"), preopen(tmp.path()));
    kiln_wasi::run_command(&mut store, &instance).unwrap();
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
    kiln_wasi::run_command(&mut store, &instance).unwrap();
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
    kiln_wasi::run_command(&mut store, &instance).unwrap();
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
    // stores the errnos of the three opens, packed in bytes, at 256 (an exit
    // status could not carry them: proc_exit refuses statuses from 126 on).
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "../sentinel.txt")
      (data (i32.const 32) "link")
      (data (i32.const 64) "abs_link")
      (func $try (param $p i32) (param $n i32) (result i32)
        (call $open (i32.const 3) (i32.const 1) (local.get $p) (local.get $n)
          (i32.const 8) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 128)))
      (func (export "_start")
        (i32.store (i32.const 256)
          (i32.or (call $try (i32.const 0) (i32.const 15))
            (i32.or (i32.shl (call $try (i32.const 32) (i32.const 4)) (i32.const 8))
              (i32.shl (call $try (i32.const 64) (i32.const 8)) (i32.const 16)))))))
    "#;
    let (mut store, instance) = instantiate(wat, preopen(&root));
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 0);
    let code = mem_u32(&mut store, &instance, 256) as i32;
    let nc = Errno::NOTCAPABLE.raw() as i32;
    assert_eq!(code, nc | (nc << 8) | (nc << 16), "{code:#x}");
    assert_eq!(std::fs::read_to_string(&sentinel).unwrap(), "untouched");
    assert_eq!(std::fs::metadata(&sentinel).unwrap().modified().unwrap(), before);
}

#[test]
fn reactor_wat_in_process_and_from_the_cli() {
    let module = Module::from_file(engine(), fixture("wat/reactor.wat")).unwrap();
    let mut linker = Linker::new(engine());
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let out = MemoryOutputPipe::new(1024);
    let mut store = Store::new(engine(), Host { wasi: WasiCtxBuilder::new().stdout(out.clone()).build() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let get = instance.get_typed_func::<(), i32>(&mut store, "get").unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 0);
    kiln_wasi::initialize_reactor(&mut store, &instance).unwrap();
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
fn api_context_is_send() {
    fn is_send<T: Send>() {}
    is_send::<WasiCtx>();
    is_send::<Store<Host>>();
}

/// `path_open(3, SYMLINK_FOLLOW, path, O_CREAT, rights)` then `fd_write`
/// of 1 byte, with `root` preopened; returns `open errno | write errno << 8`.
fn creat_errnos(root: &Path, path: &str, rights: u64) -> i32 {
    let wat = format!(
        r#"(module
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{path}")
          (func (export "_start")
            (local $e i32)
            (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const {len})
              (i32.const 1) (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const 200)))
            (i32.store (i32.const 300) (local.get $e))
            (if (local.get $e) (then (return)))
            (i32.store (i32.const 208) (i32.const 0))
            (i32.store (i32.const 212) (i32.const 1))
            (i32.store (i32.const 300)
              (i32.shl (call $write (i32.load (i32.const 200)) (i32.const 208) (i32.const 1) (i32.const 216))
                       (i32.const 8)))))"#,
        len = path.len()
    );
    let (mut store, instance) = instantiate(&wat, preopen(root));
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 0);
    mem_u32(&mut store, &instance, 300) as i32
}

#[test]
fn api_creat_respects_access_mode_and_the_sandbox() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    // O_CREAT with only FD_READ: created, but not writable (EBADF).
    assert_eq!(creat_errnos(&root, "ro.txt", 1 << 1), 8 << 8);
    assert_eq!(std::fs::read(root.join("ro.txt")).unwrap(), b"");
    // With FD_WRITE: written.
    assert_eq!(creat_errnos(&root, "rw.txt", (1 << 1) | (1 << 6)), 0);
    assert_eq!(std::fs::read(root.join("rw.txt")).unwrap(), b"r");
    // Through a dangling symlink that points out of the preopen: refused,
    // and nothing appears outside.
    std::os::unix::fs::symlink("../created_outside", root.join("evil")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("abs_outside"), root.join("evil_abs")).unwrap();
    let nc = Errno::NOTCAPABLE.raw() as i32;
    assert_eq!(creat_errnos(&root, "evil", (1 << 1) | (1 << 6)), nc);
    assert_eq!(creat_errnos(&root, "evil", 1 << 1), nc);
    assert_eq!(creat_errnos(&root, "evil_abs", (1 << 1) | (1 << 6)), nc);
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
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
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
    kiln_wasi::run_command(&mut store, &instance).unwrap();
    let errnos: Vec<u32> = (300..320).step_by(4).map(|at| mem_u32(&mut store, &instance, at)).collect();
    let nc = Errno::NOTCAPABLE.raw() as u32;
    assert_eq!(errnos, vec![0, 0, nc, nc, Errno::NOSYS.raw() as u32]);
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"");
}

/// Two leaks the sandbox must not have: `path_readlink` of a link to an
/// absolute host path, and the inode of the preopen's host parent in `..`
/// when the preopen is listed through a second descriptor (opened as ".").
#[test]
fn api_no_host_paths_or_inodes_leak() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("abs")).unwrap();
    std::os::unix::fs::symlink("inside.txt", root.join("rel")).unwrap();
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "path_readlink"
        (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "abs")
      (data (i32.const 4) "rel")
      (data (i32.const 8) ".")
      (func (export "_start")
        ;; errno of readlink("abs") at 100, bytes used at 104, buffer at 200
        (i32.store (i32.const 100)
          (call $readlink (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 200) (i32.const 64) (i32.const 104)))
        ;; errno of readlink("rel") at 108, bytes used at 112, buffer at 300
        (i32.store (i32.const 108)
          (call $readlink (i32.const 3) (i32.const 4) (i32.const 3) (i32.const 300) (i32.const 64) (i32.const 112)))
        ;; open "." as a directory with FD_READDIR: errno at 116, fd at 120
        (i32.store (i32.const 116)
          (call $open (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 2)
            (i64.const 0x4000) (i64.const 0) (i32.const 0) (i32.const 120)))
        ;; list it into 1024.. (4 KiB): errno at 124, bytes used at 128
        (i32.store (i32.const 124)
          (call $readdir (i32.load (i32.const 120)) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 128)))))
    "#;
    let mut b = WasiCtxBuilder::new();
    b.preopened_dir(&root, "/", FsPerms::ReadWrite).unwrap();
    let (mut store, instance) = instantiate(wat, b.build());
    kiln_wasi::run_command(&mut store, &instance).unwrap();

    assert_eq!(mem_u32(&mut store, &instance, 100), Errno::NOTCAPABLE.raw() as u32, "readlink of /etc/hostname");
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    assert!(mem.data(&store)[200..264].iter().all(|b| *b == 0), "nothing of the target was written");
    assert_eq!(mem_u32(&mut store, &instance, 108), 0, "a relative link reads as usual");
    let used = mem_u32(&mut store, &instance, 112) as usize;
    assert_eq!(&mem.data(&store)[300..300 + used], b"inside.txt");

    assert_eq!(mem_u32(&mut store, &instance, 116), 0, "open .");
    assert_eq!(mem_u32(&mut store, &instance, 124), 0, "readdir");
    let used = mem_u32(&mut store, &instance, 128) as usize;
    let listing = mem.data(&store)[1024..1024 + used].to_vec();
    let parent_ino = std::fs::metadata(tmp.path()).unwrap().ino();
    let (mut at, mut saw_dotdot) = (0, false);
    while at + 24 <= listing.len() {
        let ino = u64::from_le_bytes(listing[at + 8..at + 16].try_into().unwrap());
        let namlen = u32::from_le_bytes(listing[at + 16..at + 20].try_into().unwrap()) as usize;
        let name = &listing[at + 24..(at + 24 + namlen).min(listing.len())];
        assert_ne!(ino, parent_ino, "entry {:?} reveals the host parent's inode", String::from_utf8_lossy(name));
        saw_dotdot |= name == b"..";
        at += 24 + namlen;
    }
    assert!(saw_dotdot, "the listing has a `..` entry to check");
}

/// The errno of `path_open(3, path, oflags, rights, fdflags)`, for a guest
/// whose only preopen (fd 3) is `dir` with the given permissions.
fn open_errno(dir: &Path, perms: (DirPerms, FilePerms), path: &str, oflags: u32, rights: u64, fdflags: u32) -> i32 {
    let wat = format!(
        r#"(module
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{path}")
          (func (export "_start")
            (call $exit (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const {len})
              (i32.const {oflags}) (i64.const {rights}) (i64.const 0) (i32.const {fdflags}) (i32.const 200)))))"#,
        len = path.len()
    );
    let wasi = WasiCtxBuilder::new().preopened_dir_with_perms(dir, ".", perms.0, perms.1).unwrap().build();
    run_wat(&wat, wasi)
}

/// Partial permissions mean what they say: without `DirPerms::READ` nothing
/// in the directory can be opened or listed (not even through "."), and
/// without `FilePerms::WRITE` nothing can be created or truncated, nor is a
/// file opened for writing on the host because the guest asked for APPEND.
#[test]
fn api_partial_permissions_are_enforced() {
    const CREAT: u32 = 1;
    const DIRECTORY: u32 = 2;
    const TRUNC: u32 = 8;
    const APPEND: u32 = 1;
    const FD_READ: u64 = 1 << 1;
    const FD_READDIR: u64 = 1 << 14;
    let notcapable = Errno::NOTCAPABLE.raw() as i32;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("f"), "data").unwrap();

    let mutate_only = (DirPerms::MUTATE, FilePerms::all());
    assert_eq!(open_errno(dir, mutate_only, ".", DIRECTORY, FD_READDIR, 0), notcapable, "reopen . to list it");
    assert_eq!(open_errno(dir, mutate_only, "f", 0, FD_READ, 0), notcapable, "open an entry");
    let wasi =
        WasiCtxBuilder::new().preopened_dir_with_perms(dir, ".", DirPerms::MUTATE, FilePerms::all()).unwrap().build();
    assert_eq!(run_wat(&mkdir_module(b"made", 4), wasi), 0, "MUTATE still creates directories");
    assert!(dir.join("made").is_dir());

    let read_files = (DirPerms::all(), FilePerms::READ);
    assert_eq!(open_errno(dir, read_files, "f", TRUNC, FD_READ, 0), notcapable, "truncate");
    assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "data");
    assert_eq!(open_errno(dir, read_files, "g", CREAT, FD_READ, 0), notcapable, "create");
    assert!(!dir.join("g").exists());
    assert_eq!(open_errno(dir, read_files, "f", 0, FD_READ, 0), 0, "reading is allowed");
    assert_eq!(open_errno(dir, read_files, "f", 0, FD_READ, APPEND), 0, "APPEND without write opens read-only");

    // With every permission, the same calls succeed.
    let all = (DirPerms::all(), FilePerms::all());
    assert_eq!(open_errno(dir, all, ".", DIRECTORY, FD_READDIR, 0), 0);
    assert_eq!(open_errno(dir, all, "g", CREAT, FD_READ, 0), 0);
    assert_eq!(open_errno(dir, all, "f", TRUNC, FD_READ, 0), 0);
    assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "");
}

/// Opens (creating) `f` under fd 3 with `rights` and `fdflags`, writes
/// "hello", then `fd_pwrite`s "XY" at `offset`. Leaves the errnos of open,
/// write and pwrite at 100, 104 and 108, nwritten at 112 and the offset
/// after the pwrite (`fd_tell`) at 120.
fn pwrite_module(rights: u64, fdflags: u32, offset: i64) -> String {
    format!(
        r#"(module
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_tell" (func $tell (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "f")
          (data (i32.const 200) "hello")
          (data (i32.const 208) "XY")
          (func (export "_start")
            (local $fd i32)
            (i32.store (i32.const 100) (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 1)
              (i32.const 1) (i64.const {rights}) (i64.const 0) (i32.const {fdflags}) (i32.const 16)))
            (local.set $fd (i32.load (i32.const 16)))
            (i32.store (i32.const 32) (i32.const 200))
            (i32.store (i32.const 36) (i32.const 5))
            (i32.store (i32.const 104) (call $write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
            (i32.store (i32.const 32) (i32.const 208))
            (i32.store (i32.const 36) (i32.const 2))
            (i32.store (i32.const 108)
              (call $pwrite (local.get $fd) (i32.const 32) (i32.const 1) (i64.const {offset}) (i32.const 112)))
            (drop (call $tell (local.get $fd) (i32.const 120)))))"#
    )
}

/// `fd_pwrite` on an APPEND descriptor writes every byte at the end of the
/// file (Linux's semantics, as wasmtime's), whatever the offset, and leaves
/// the descriptor's offset alone. It positions nothing, so FD_WRITE is all
/// it needs; a descriptor without APPEND still needs FD_SEEK too.
#[test]
fn api_pwrite_on_an_append_descriptor_writes_at_the_end() {
    const FD_SEEK: u64 = 1 << 2;
    const FD_TELL: u64 = 1 << 5;
    const FD_WRITE: u64 = 1 << 6;
    const APPEND: u32 = 1;
    for (rights, offset) in [(FD_WRITE | FD_TELL, 0), (FD_WRITE | FD_TELL | FD_SEEK, 1), (FD_WRITE | FD_TELL, -1)] {
        let tmp = tempfile::tempdir().unwrap();
        let (mut store, instance) = instantiate(&pwrite_module(rights, APPEND, offset), preopen(tmp.path()));
        kiln_wasi::run_command(&mut store, &instance).unwrap();
        for at in [100, 104, 108] {
            assert_eq!(mem_u32(&mut store, &instance, at), 0, "errno at {at}, rights {rights:#x}, offset {offset}");
        }
        assert_eq!(mem_u32(&mut store, &instance, 112), 2, "nwritten");
        assert_eq!(mem_u64(&mut store, &instance, 120), 5, "the offset is where fd_write left it");
        assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"helloXY");
    }
    // Without APPEND, the offset counts, and so does the FD_SEEK right.
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, instance) = instantiate(&pwrite_module(FD_WRITE | FD_TELL | FD_SEEK, 0, 1), preopen(tmp.path()));
    kiln_wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(mem_u32(&mut store, &instance, 108), 0);
    assert_eq!(mem_u64(&mut store, &instance, 120), 5);
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"hXYlo");
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, instance) = instantiate(&pwrite_module(FD_WRITE | FD_TELL, 0, 1), preopen(tmp.path()));
    kiln_wasi::run_command(&mut store, &instance).unwrap();
    assert_eq!(mem_u32(&mut store, &instance, 108), Errno::NOTCAPABLE.raw() as u32);
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"hello");
}

/// `proc_exit` with a status of 126 or more is an error, neither an
/// `I32Exit` nor a trap: such a status would read as "cannot execute", "not
/// found" or a signal (134 is SIGABRT, 139 SIGSEGV) to whoever runs the host.
#[test]
fn api_proc_exit_from_126_on_is_an_error() {
    let exit_with = |status: u32| {
        let wat = format!(
            r#"(module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const {status})) unreachable))"#,
            status = status as i32
        );
        let (mut store, instance) = instantiate(&wat, WasiCtxBuilder::new().build());
        kiln_wasi::run_command(&mut store, &instance)
    };
    for status in [0, 1, 125] {
        assert_eq!(exit_with(status).unwrap(), status as i32);
    }
    for status in [126, 127, 134, 139, 255, 256, u32::MAX] {
        let err = exit_with(status).unwrap_err();
        assert_eq!(err.downcast_ref::<kiln_wasi::InvalidExitStatus>(), Some(&kiln_wasi::InvalidExitStatus(status)));
        assert!(err.downcast_ref::<I32Exit>().is_none(), "{err:?}");
        assert!(err.downcast_ref::<kiln::Trap>().is_none(), "{err:?}");
        assert!(format!("{err:#}").contains(&format!("proc_exit({status})")), "{err:#}");
    }
}

/// `poll_oneoff` takes at most 65536 subscriptions (EINVAL past that, as
/// POSIX poll past its limit): zeroed memory is a valid array of immediate
/// clock subscriptions, and 4 GiB of it would have the host hold ~89
/// million of them. Up to the limit they all fire.
#[test]
fn api_poll_subscription_count_is_bounded() {
    // n zero subscriptions (REALTIME, relative timeout 0) at 0, events after
    // them; the errno at 16, nevents at 20 (both inside the first, already read).
    let poll = |n: u32| {
        let wat = format!(
            r#"(module
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 100)
              (func (export "_start")
                (i32.store (i32.const 6400000)
                  (call $poll (i32.const 0) (i32.const {events}) (i32.const {n}) (i32.const 6400004)))))"#,
            events = n * 48
        );
        let (mut store, instance) = instantiate(&wat, WasiCtxBuilder::new().build());
        kiln_wasi::run_command(&mut store, &instance).unwrap();
        (mem_u32(&mut store, &instance, 6_400_000), mem_u32(&mut store, &instance, 6_400_004))
    };
    assert_eq!(poll(1 << 16), (0, 1 << 16));
    assert_eq!(poll((1 << 16) + 1), (Errno::INVAL.raw() as u32, 0));
}

/// Descriptor numbers near and at `u32::MAX` (-1 as an i32) are just
/// descriptors that are not open: EBADF from every call, no trap, and
/// `fd_renumber` cannot create one.
#[test]
fn api_huge_descriptor_numbers_are_ebadf() {
    for fd in [u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1, 1 << 16] {
        let fd = fd as i32;
        let wat = format!(
            r#"(module
              (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_filestat_get" (func $filestat (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_tell" (func $tell (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_sync" (func $sync (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_allocate" (func $allocate (param i32 i64 i64) (result i32)))
              (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "x")
              (func $at (param $i i32) (param $e i32) (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))) (local.get $e)))
              (func (export "_start")
                (i32.store (i32.const 64) (i32.const 128))
                (i32.store (i32.const 68) (i32.const 8))
                (call $at (i32.const 0) (call $close (i32.const {fd})))
                (call $at (i32.const 1) (call $fdstat (i32.const {fd}) (i32.const 256)))
                (call $at (i32.const 2) (call $filestat (i32.const {fd}) (i32.const 256)))
                (call $at (i32.const 3) (call $seek (i32.const {fd}) (i64.const 0) (i32.const 0) (i32.const 256)))
                (call $at (i32.const 4) (call $tell (i32.const {fd}) (i32.const 256)))
                (call $at (i32.const 5) (call $read (i32.const {fd}) (i32.const 64) (i32.const 1) (i32.const 256)))
                (call $at (i32.const 6) (call $write (i32.const {fd}) (i32.const 64) (i32.const 1) (i32.const 256)))
                (call $at (i32.const 7) (call $pwrite (i32.const {fd}) (i32.const 64) (i32.const 1) (i64.const 0) (i32.const 256)))
                (call $at (i32.const 8) (call $readdir (i32.const {fd}) (i32.const 128) (i32.const 64) (i64.const 0) (i32.const 256)))
                (call $at (i32.const 9) (call $prestat (i32.const {fd}) (i32.const 256)))
                (call $at (i32.const 10) (call $renumber (i32.const 1) (i32.const {fd})))
                (call $at (i32.const 11) (call $renumber (i32.const {fd}) (i32.const 1)))
                (call $at (i32.const 12) (call $sync (i32.const {fd})))
                (call $at (i32.const 13) (call $allocate (i32.const {fd}) (i64.const 0) (i64.const 1)))
                (call $at (i32.const 14) (call $mkdir (i32.const {fd}) (i32.const 0) (i32.const 1)))
                (call $at (i32.const 15) (call $shutdown (i32.const {fd}) (i32.const 3)))
                ;; stdout is still fd 1.
                (call $at (i32.const 16) (call $fdstat (i32.const 1) (i32.const 256)))))"#
        );
        let (mut store, instance) = instantiate(&wat, WasiCtxBuilder::new().build());
        kiln_wasi::run_command(&mut store, &instance).unwrap();
        for i in 0..16 {
            assert_eq!(mem_u32(&mut store, &instance, 1024 + 4 * i), Errno::BADF.raw() as u32, "call {i}, fd {fd}");
        }
        assert_eq!(mem_u32(&mut store, &instance, 1024 + 64), 0, "fd 1 survived, fd {fd}");
    }
}

/// wasmtime-wasi's preview1 spellings: `WasiCtxBuilder::build_p1`,
/// `p1::WasiP1Ctx` in the store and `p1::add_to_linker_sync`.
#[test]
fn api_p1_spellings_follow_wasmtime_wasi() {
    use kiln_wasi::p1::{self, WasiP1Ctx};
    let out = MemoryOutputPipe::new(1024);
    let wasi: WasiP1Ctx = WasiCtxBuilder::new().stdout(out.clone()).build_p1();
    let engine = kiln::Engine::default();
    let module = kiln::Module::new(&engine, WRITER).unwrap();
    let mut linker: kiln::Linker<WasiP1Ctx> = kiln::Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |t| t).unwrap();
    let mut store = kiln::Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(out.contents(), b"Hooray it's WASI\n");
}
