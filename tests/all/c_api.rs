//! `kiln compile --c-header`: a module linked into a C program. The
//! program (`tests/c-api/main.c`) is compiled with the system's `cc`
//! against the generated header, linked with the module's object and the
//! runtime library `kiln runtime-lib` prints, and run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c-api")
}

use crate::command::{kiln_in as kiln, show};

fn stdout_of(c: &mut Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{c:?}: {}", show(&o));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// Compiles `calc.wat` with `--c-header` into `dir` and links
/// `tests/c-api/main.c` with it into `dir/main`.
fn build_program(dir: &Path) -> PathBuf {
    let o = kiln(dir)
        .arg("compile")
        .arg(sources().join("calc.wat"))
        .args(["-o", "calc.o", "--c-header", "calc.h"])
        .output()
        .unwrap();
    assert!(o.status.success(), "kiln compile --c-header: {}", show(&o));
    let runtime = stdout_of(kiln(dir).arg("runtime-lib"));
    let native = stdout_of(kiln(dir).args(["runtime-lib", "--native-libs"]));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let o = Command::new(&cc)
        .current_dir(dir)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I."])
        .args(["-o", "main"])
        .arg(sources().join("main.c"))
        .arg("calc.o")
        .arg(runtime)
        .args(native.split_whitespace())
        .output()
        .unwrap();
    assert!(o.status.success(), "{cc} main.c calc.o libkiln_runtime.a: {}", show(&o));
    dir.join("main")
}

#[test]
fn a_c_program_calls_exports_defines_imports_and_gets_traps_as_statuses() {
    let tmp = tempfile::tempdir().unwrap();
    let main = build_program(tmp.path());
    let o = Command::new(&main).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    let exact = [
        "add: status 0: 42",
        "mix: status 0: 7",
        "divmod: status 0: -3 -1",
        // 4 * 10 by the C import, + 1 by the guest.
        "scaled: status 0: 41",
        // The guest reads its memory through the caller.
        "note: hello from wasm",
        "greet: status 0",
        "swap-halves: status 0: 8 0 7",
        // v128 into a C import and back: v[i] + 3 * w[i], and v's sum.
        "blend: status 0: 24 8 36, sum 120",
        // WASI, provided by the runtime library.
        "written through WASI",
        "write: status 0",
        "count: a 2, b 1",
        "memory: 65536 bytes, a says Jello, b says hello",
        "no such memory: NULL",
        // A trap leaves the instance usable.
        "after the trap: status 0: 2",
        "wrong arity: status 3: export 1 takes 2 arguments and returns 1 results, not 1 and 0",
        "a memory: status 3: export 0 of this instance is not a function",
        "no such export: status 3: export 99 of this instance is not a function",
        "no instance: status 3: kiln_instance_call: `instance` is NULL",
        // An import calling back into its own instance is refused, and
        // the instance is untouched.
        "reentered add: status 3: the instance is already running on this thread (called from inside one of its imports)",
        "reentered memory: NULL, 0 bytes",
        "reenter: status 0",
        "after reentering: status 0: 42",
        "quit: status 2, exit code 7",
    ];
    for line in exact {
        assert!(lines.contains(&line), "missing `{line}` in:\n{}", show(&o));
    }
    let line = |start: &str| *lines.iter().find(|l| l.starts_with(start)).unwrap_or(&"");
    let scaled = line("scaled(-1): ");
    assert!(scaled.starts_with("scaled(-1): status 1: "), "{scaled}");
    assert!(scaled.contains("the import `env` `scale` failed: negative scale"), "{scaled}");
    let divide = line("divide(1, 0): ");
    assert!(divide.starts_with("divide(1, 0): status 1: ") && divide.contains("integer divide by zero"), "{divide}");
    assert!(divide.contains("wasm backtrace"), "{divide}");
}

#[test]
fn the_header_is_also_cpp() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    build_program(dir);
    let runtime = stdout_of(kiln(dir).arg("runtime-lib"));
    let native = stdout_of(kiln(dir).args(["runtime-lib", "--native-libs"]));
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".to_string());
    let o = Command::new(&cxx)
        .current_dir(dir)
        .args(["-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", "-o", "main-cpp"])
        .arg(sources().join("main.cpp"))
        .arg("calc.o")
        .arg(runtime)
        .args(native.split_whitespace())
        .output()
        .unwrap_or_else(|e| panic!("`{cxx}` (.ci/run installs g++): {e}"));
    assert!(o.status.success(), "{cxx} main.cpp calc.o libkiln_runtime.a: {}", show(&o));
    let o = Command::new(dir.join("main-cpp")).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    // scaled: 2 * 100 by the C++ import, + 1 by the guest; mix: (1 + 0.5)
    // * 4; blend: v[i] * 3 + v[i], and the 3 the guest passed.
    let expected =
        "c++ scaled: status 0: 201\nc++ mix: status 0: 6\nc++ blend: status 0: 4 60, k 3\nc++ divide: status 1\n";
    assert_eq!(String::from_utf8_lossy(&o.stdout), expected, "{}", show(&o));
}

#[test]
fn the_object_imports_the_programs_functions_and_defines_the_descriptor() {
    let tmp = tempfile::tempdir().unwrap();
    build_program(tmp.path());
    let header = std::fs::read_to_string(tmp.path().join("calc.h")).unwrap();
    for decl in [
        "extern const kiln_linked_module calc_module;",
        "kiln_status calc_env_scale(kiln_caller *caller, int32_t p0, int32_t *result0);",
        "kiln_status calc_env_blend(kiln_caller *caller, const kiln_v128 *p0, int32_t p1, const kiln_v128 *p2, kiln_v128 *result0, int32_t *result1);",
        "static inline kiln_status calc_divmod(kiln_instance *instance, int64_t p0, int64_t p1, int64_t *result0, int64_t *result1) {",
    ] {
        assert!(header.contains(decl), "no `{decl}` in the header:\n{header}");
    }
    assert!(!header.contains("fd_write"), "the runtime's WASI imports are not the program's");
    let nm = stdout_of(Command::new("nm").arg(tmp.path().join("calc.o")));
    for sym in ["U calc_env_scale", "U calc_env_note", "D calc_module"] {
        assert!(nm.lines().any(|l| l.ends_with(sym)), "no `{sym}` in nm:\n{nm}");
    }
}

#[test]
fn what_a_c_program_cannot_use_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let refuse = |wat: &str, flags: &[&str]| {
        std::fs::write(tmp.path().join("m.wat"), wat).unwrap();
        let o = kiln(tmp.path()).args(["compile", "m.wat", "--c-header", "m.h"]).args(flags).output().unwrap();
        assert!(!o.status.success(), "{}", show(&o));
        assert!(!tmp.path().join("m.h").exists(), "a refused compile writes no header");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let fuel = refuse("(module)", &["-W", "fuel=5"]);
    assert!(fuel.contains("`-W fuel` cannot be used with `--c-header`"), "{fuel}");
    let memory = refuse(r#"(module (import "env" "m" (memory 1)))"#, &[]);
    assert!(memory.contains("import `env` `m` is a memory: a C program can define only function imports"), "{memory}");
    let clash = refuse(r#"(module (func (export "a-b")) (func (export "a.b")))"#, &[]);
    assert!(clash.contains("would both be the C name `m_a_b`"), "{clash}");
    let prefix = refuse("(module)", &["--c-prefix", "9lives"]);
    assert!(prefix.contains("the C prefix `9lives` is not a C identifier"), "{prefix}");
    let exe = refuse("(module)", &["--exe"]);
    assert!(exe.contains("cannot be used with"), "{exe}");
}
