//! Debuggers see wasm functions: loaded code is registered with the GDB JIT
//! interface, so `gdb`'s backtrace through a trapping guest names its
//! functions. Needs `gdb` (`.ci/run` installs it).

use std::process::Command;

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
