//! Debuggers see wasm functions: loaded code is registered with the GDB JIT
//! interface, so `gdb`'s backtrace through a trapping guest names its
//! functions; with `-D debug-info` the module's DWARF line tables come
//! along, mapped to native code, and `gdb` stops at and steps through the
//! guest's C source lines, in a `kiln run` process and in a `--exe`
//! executable. Needs `gdb` (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A C guest built with `-g -O0` (`tests/debug-guests/build.sh`).
fn squares() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debug-guests/bin/squares.wasm")
}

/// `gdb`'s output for a breakpoint at line 7 of `squares.c` (in `square`,
/// called from line 14), a backtrace, one `next` and one `continue`, on
/// `program args`.
fn gdb_at_line_7(dir: &Path, program: &Path, args: &[&str]) -> String {
    let out = Command::new("gdb")
        .args(["-nx", "-batch", "-ex", "set breakpoint pending on", "-ex", "break squares.c:7"])
        .args(["-ex", "run", "-ex", "bt", "-ex", "next", "-ex", "continue", "--args"])
        .arg(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What stopping at line 7 and stepping to 8 looks like.
fn assert_stepped_through_source(text: &str) {
    assert!(text.contains("square () at ././squares.c:7"), "stopped in square at line 7:\n{text}");
    let frames: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert!(frames.iter().any(|f| f.contains("__original_main () at ././squares.c:14")), "the caller's line:\n{text}");
    assert!(text.lines().any(|l| l.starts_with("8\t")), "`next` went to line 8:\n{text}");
    // The loop calls square three times: continuing stops there again.
    assert!(text.matches("squares.c:7").count() >= 3, "{text}");
}

#[test]
fn gdb_steps_through_the_guests_source_lines_under_kiln_run() {
    let dir = tempfile::tempdir().unwrap();
    let kiln = Path::new(env!("CARGO_BIN_EXE_kiln"));
    let guest = squares();
    let text = gdb_at_line_7(dir.path(), kiln, &["run", "-C", "cache=n", "-D", "debug-info", guest.to_str().unwrap()]);
    assert_stepped_through_source(&text);
}

#[test]
fn gdb_steps_through_the_guests_source_lines_in_an_executable() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["compile", "--exe", "-D", "debug-info", "-o", "squares"])
        .arg(squares())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = gdb_at_line_7(dir.path(), &dir.path().join("squares"), &[]);
    assert_stepped_through_source(&text);
}

#[test]
fn the_object_carries_the_line_table_only_when_asked() {
    use object::{Object, ObjectSection};
    let dir = tempfile::tempdir().unwrap();
    let compile = |flags: &[&str], out: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .arg("compile")
            .arg(squares())
            .args(["-o", out])
            .args(flags)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let with = compile(&["-D", "debug-info"], "with.o");
    let without = compile(&[], "without.o");
    let file = object::File::parse(&*with).unwrap();
    for name in [".debug_info", ".debug_line", ".debug_abbrev"] {
        assert!(file.section_by_name(name).is_some(), "no {name}");
    }
    let names: Vec<String> =
        object::File::parse(&*without).unwrap().sections().filter_map(|s| s.name().ok().map(str::to_string)).collect();
    assert!(!names.iter().any(|n| n.starts_with(".debug_")), "{names:?}");
    // readelf decodes the line table: the C file's lines, at native addresses.
    let o = Command::new("readelf").arg("--debug-dump=decodedline").arg(dir.path().join("with.o")).output().unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.lines().any(|l| l.starts_with("squares.c ") && l.split_whitespace().nth(1) == Some("14")), "{table}");
    // A module without DWARF compiles to the same bytes either way.
    std::fs::write(dir.path().join("plain.wat"), GUEST).unwrap();
    let plain = |flags: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["compile", "plain.wat", "-o", "plain.o"])
            .args(flags)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.path().join("plain.o")).unwrap()
    };
    assert!(plain(&["-D", "debug-info"]) == plain(&[]));
    // And the artifact with DWARF loads and runs.
    let o = Command::new(env!("CARGO_BIN_EXE_kiln")).args(["run", "with.o"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "total 14\n", "{}", String::from_utf8_lossy(&o.stderr));
}

const GUEST: &str = r#"(module $calc
  (func $inner (export "inner") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then unreachable))
    (call $inner (i32.sub (local.get 0) (i32.const 1))))
  (func $outer (export "outer") (result i32) (call $inner (i32.const 3))))"#;

#[test]
fn gdb_backtraces_name_wasm_functions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.wat"), GUEST).unwrap();
    let out = Command::new("gdb")
        .args(["-nx", "-batch", "-ex", "run", "-ex", "bt", "--args", env!("CARGO_BIN_EXE_kiln")])
        .args(["run", "-C", "cache=n", "--invoke", "outer", "calc.wat"])
        .current_dir(dir.path())
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    // The trap stops gdb at the faulting instruction, in `inner` three
    // calls deep, under `outer` and the entry trampoline.
    let frames: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    let named = |name: &str| frames.iter().filter(|f| f.contains(&format!(" in {name} ("))).count();
    assert!(text.contains("SIGILL"), "gdb stopped at the trap:\n{text}");
    assert_eq!(named("calc!inner"), 4, "{text}");
    assert_eq!(named("calc!outer"), 1, "{text}");
    assert!(frames.iter().any(|f| f.contains("calc!array_to_wasm[")), "{text}");
    assert!(frames[0].contains("calc!inner"), "the innermost frame is the trapping function:\n{text}");
}
