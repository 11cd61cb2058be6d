//! The `wasi_suite` guest: one subcommand per area of preview1, each run
//! in a fresh directory and compared with its expected output.

use super::*;

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
    for code in [0, 1, 3, 113, 125] {
        let o = suite_in(tmp.path(), &["exit", &code.to_string()], None);
        assert_eq!(o.status.code(), Some(code), "{}", show(&o));
        assert!(o.stderr.is_empty(), "{}", show(&o));
    }
    // From 126 on, a status would pass for a shell's or a signal's: an error.
    for code in [126, 134, 139] {
        let o = suite_in(tmp.path(), &["exit", &code.to_string()], None);
        assert_eq!(o.status.code(), Some(1), "{}", show(&o));
        assert!(text(&o.stderr).contains(&format!("proc_exit({code})")), "{}", show(&o));
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
