//! The official spec suite: every file of the `core-2.0` group of
//! `FEATURES.tsv` must pass every directive.

use std::path::PathBuf;

/// The files of a feature group of the official suite; fails with how to
/// get the suite when it is missing.
fn group(name: &str) -> Vec<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let suite = kiln_wast::SpecSuite::locate(&repo).unwrap_or_else(|e| panic!("{e:#}"));
    suite.group(name).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn core_2_0_passes_every_directive() {
    let files = group("core-2.0");
    assert_eq!(files.len(), 90, "core-2.0 group has 90 files");
    let queue = std::sync::Mutex::new(files.clone());
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
    println!("core-2.0: {passed} passed, {} failed", failures.len());
    assert!(passed > 15_000, "suspiciously few directives ran: {passed}");
    assert!(failures.is_empty(), "spec failures:\n{}", failures.join("\n"));
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
