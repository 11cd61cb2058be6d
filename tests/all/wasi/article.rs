//! The scenarios of the WASI article in `../shared/seeds`: `writer.wat`
//! and `creator.wat` under `wasi_unstable`, their errnos, tracing, and the
//! directory-listing `sizer` program with and without a preopen.

use super::*;

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
    // The article's own command line: `RUST_LOG=trace wasmtime writer.wat -d`.
    let o = kiln().env("RUST_LOG", "trace").arg(fixture("wat/writer.wat")).arg("-d").output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let err = text(&o.stderr);
    assert!(err.contains("fd_write(fd=1, iovs=0x0, iovs_len=1, nwritten=0x14)"), "{err}");
    assert!(err.contains("| *nwritten=20"), "{err}");
    assert!(err.contains("-> errno=ESUCCESS"), "{err}");
    assert_eq!(o.stdout, WRITER_OUT);
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
    kiln_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let mut store = Store::new(engine(), Host { wasi: preopen(tmp.path()) });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(kiln_wasi::run_command(&mut store, &instance).unwrap(), 76);
    let errno = instance.get_global(&mut store, "errno").unwrap().get(&mut store);
    assert_eq!(errno.i32(), Some(76));
    assert_eq!(mem_u32(&mut store, &instance, 0), 76);
}

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
