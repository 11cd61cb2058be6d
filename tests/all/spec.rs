//! The official spec suite: every file of the `core-2.0`, `simd`,
//! `3.0-simd` and `proposal-relaxed-simd` groups of `FEATURES.tsv` must
//! pass every directive.

use std::path::PathBuf;

/// The files of a feature group of the official suite; fails with how to
/// get the suite when it is missing.
fn group(name: &str) -> Vec<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let suite = kiln_wast::SpecSuite::locate(&repo).unwrap_or_else(|e| panic!("{e:#}"));
    suite.group(name).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Runs every file of group `name` (which must have `files` files) on all
/// cores and fails on any failure, listing them all; returns how many
/// directives passed.
fn run_group(name: &str, files: usize) -> usize {
    let list = group(name);
    assert_eq!(list.len(), files, "{name} group has {files} files");
    let queue = std::sync::Mutex::new(list);
    let results = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn_scoped(s, || {
                    while let Some(file) = queue.lock().unwrap().pop() {
                        let report = kiln_wast::run_file(&file);
                        results.lock().unwrap().push((file, report));
                    }
                })
                .unwrap();
        }
    });
    let mut passed = 0;
    let mut failures = Vec::new();
    for (file, report) in results.into_inner().unwrap() {
        match report {
            Ok(r) => {
                passed += r.passed;
                failures.extend(r.failures);
            }
            Err(e) => failures.push(format!("{}: {e:#}", file.display())),
        }
    }
    failures.sort();
    println!("{name}: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{name}: {} spec failures:\n{}", failures.len(), failures.join("\n"));
    passed
}

#[test]
fn core_2_0_passes_every_directive() {
    let passed = run_group("core-2.0", 90);
    assert!(passed > 15_000, "suspiciously few directives ran: {passed}");
}

/// The fixed-width SIMD proposal (`simd_*.wast`).
#[test]
fn simd_passes_every_directive() {
    let passed = run_group("simd", 58);
    assert!(passed > 20_000, "suspiciously few directives ran: {passed}");
}

/// The SIMD files of WebAssembly 3.0 (relaxed SIMD among them).
#[test]
fn simd_3_0_passes_every_directive() {
    let passed = run_group("3.0-simd", 9);
    assert!(passed > 400, "suspiciously few directives ran: {passed}");
}

/// The relaxed-SIMD proposal's own files, run deterministically.
#[test]
fn simd_relaxed_passes_every_directive() {
    let passed = run_group("proposal-relaxed-simd", 7);
    assert!(passed > 80, "suspiciously few directives ran: {passed}");
}

#[test]
fn runner_reports_wrong_results_and_wrong_traps() {
    let script = r#"
        (module (func (export "one") (result i32) i32.const 1)
                (func (export "trap") unreachable))
        (assert_return (invoke "one") (i32.const 2))
        (assert_trap (invoke "trap") "integer divide by zero")
        (assert_trap (invoke "one") "unreachable")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_malformed (module quote "(func") "unexpected end")
        (assert_return (invoke "one") (i32.const 1))
    "#;
    let report = kiln_wast::run_str("selftest.wast", script).unwrap();
    assert_eq!(report.passed, 4, "module, assert_invalid, assert_malformed and the last assert_return pass");
    assert_eq!(report.failures.len(), 3, "{:#?}", report.failures);
}

/// Our own regression scripts, one per bug fixed, in `tests/wast/`.
#[test]
fn regression_scripts_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wast");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wast") {
            let report = kiln_wast::run_file(&path).unwrap();
            assert!(report.failures.is_empty(), "{}:\n{}", path.display(), report.failures.join("\n"));
            assert!(report.passed > 0);
            ran += 1;
        }
    }
    assert!(ran >= 4, "regression scripts found: {ran}");
}
