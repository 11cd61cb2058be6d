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
    run_group_with(name, files, None)
}

/// [`run_group`] on engines made with `config` (the runner's own, with
/// deterministic relaxed SIMD, when `None`).
fn run_group_with(name: &str, files: usize, config: Option<&kiln::Config>) -> usize {
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
                        let report = match config {
                            Some(c) => kiln_wast::run_file_with_config(&file, c),
                            None => kiln_wast::run_file(&file),
                        };
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

/// The relaxed-SIMD files again with the host's native instructions: every
/// result must be one the proposal allows (the scripts' `either`).
#[test]
fn simd_relaxed_native_passes_every_directive() {
    let mut config = kiln::Config::new();
    config.relaxed_simd_deterministic(false);
    let passed = run_group_with("proposal-relaxed-simd", 7, Some(&config));
    assert!(passed > 80, "suspiciously few directives ran: {passed}");
    run_group_with("3.0-simd", 9, Some(&config));
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

#[test]
fn runner_checks_v128_lanes_nan_patterns_and_either() {
    let script = r#"
        (module (func (export "v") (result v128) v128.const i32x4 1 2 3 4)
                (func (export "nan") (result v128) v128.const f32x4 nan -nan:0x600000 1 2)
                (func (export "id") (param v128) (result v128) local.get 0))
        (assert_return (invoke "v") (v128.const i32x4 1 2 3 4))
        (assert_return (invoke "v") (v128.const i64x2 0x0000000200000001 0x0000000400000003))
        (assert_return (invoke "v") (v128.const i32x4 1 2 3 5))
        (assert_return (invoke "nan") (v128.const f32x4 nan:canonical nan:arithmetic 1 2))
        (assert_return (invoke "nan") (v128.const f32x4 nan:canonical nan:canonical 1 2))
        (assert_return (invoke "id" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
                       (v128.const i16x8 0x0201 0x0403 0x0605 0x0807 0x0a09 0x0c0b 0x0e0d 0x100f))
        (assert_return (invoke "v") (either (v128.const i32x4 0 0 0 0) (v128.const i32x4 1 2 3 4)))
        (assert_return (invoke "v") (either (v128.const i32x4 0 0 0 0) (v128.const i32x4 4 3 2 1)))
    "#;
    let report = kiln_wast::run_str("v128.wast", script).unwrap();
    assert_eq!(report.failures.len(), 3, "{:#?}", report.failures);
    assert_eq!(report.passed, 6, "{:#?}", report.failures);
    for (failure, line) in report.failures.iter().zip([7, 9, 13]) {
        assert!(failure.starts_with(&format!("v128.wast:{line}:")), "{failure}");
    }
    assert!(report.failures[0].contains("got V128(i32x4 0x00000001 0x00000002 0x00000003 0x00000004)"));
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
