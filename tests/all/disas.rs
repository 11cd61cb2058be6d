//! Golden codegen tests: every `tests/disas/*.wat` is translated to
//! Cranelift IR and compared with the `.clif` file next to it.
//!
//! `BLESS=1 cargo test --test all disas` rewrites the expectations instead;
//! review the diff before committing it. See `tests/disas/README.md`.
//!
//! A `.wat` whose first line is `;; flags: epoch fuel` (either or both) is
//! compiled with that deadline instrumentation; all others without.

use kiln_compiler::{CompilerConfig, Tunables, clif_of};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn disas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/disas")
}

/// The expectation text of one module: each function's CLIF under a
/// header line with its symbol name.
fn render(wat: &Path) -> String {
    let source = std::fs::read(wat).unwrap_or_else(|e| panic!("{}: {e}", wat.display()));
    let config = CompilerConfig { tunables: flags(&source), ..Default::default() };
    let functions = clif_of(&source, &config).unwrap_or_else(|e| panic!("{}: {e}", wat.display()));
    let mut out = String::new();
    for (name, clif) in functions {
        writeln!(out, ";; function {name}").unwrap();
        out.push_str(clif.trim_end());
        out.push_str("\n\n");
    }
    out
}

/// The settings a `;; flags: ...` first line asks for.
fn flags(source: &[u8]) -> Tunables {
    let first = source.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let mut tunables = Tunables::default();
    if let Some(list) = first.strip_prefix(";; flags:") {
        for flag in list.split_whitespace() {
            match flag {
                "epoch" => tunables.epoch_interruption = true,
                "fuel" => tunables.consume_fuel = true,
                "relaxed-native" => tunables.relaxed_simd_deterministic = false,
                other => panic!("unknown disas flag `{other}` (known: epoch, fuel, relaxed-native)"),
            }
        }
    }
    tunables
}

/// A line diff (longest common subsequence), `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            writeln!(out, "  {}", a[i]).unwrap();
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            writeln!(out, "+ {}", b[j]).unwrap();
            j += 1;
        } else {
            writeln!(out, "- {}", a[i]).unwrap();
            i += 1;
        }
    }
    out
}

#[test]
fn disas_matches_expectations() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0");
    let mut wats: Vec<PathBuf> = std::fs::read_dir(disas_dir())
        .expect("tests/disas exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    wats.sort();
    assert!(wats.len() >= 30, "expected at least 30 golden tests, found {}", wats.len());
    let mut failures = Vec::new();
    for wat in &wats {
        let actual = render(wat);
        let expected_path = wat.with_extension("clif");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            eprintln!("--- {} (- expected, + actual)\n{}", expected_path.display(), diff(&expected, &actual));
            failures.push(wat.file_name().unwrap_or_default().to_string_lossy().into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden test(s) differ: {}; rerun with BLESS=1 to accept the new output",
        failures.len(),
        failures.join(", ")
    );
}

#[test]
fn flags_lines_select_deadlines() {
    assert_eq!(
        flags(b";; flags: epoch fuel\n(module)"),
        Tunables { epoch_interruption: true, consume_fuel: true, ..Tunables::default() }
    );
    assert_eq!(
        flags(b";; flags: fuel\n"),
        Tunables { epoch_interruption: false, consume_fuel: true, ..Tunables::default() }
    );
    assert_eq!(flags(b";; A comment.\n(module)"), Tunables::default());
}

#[test]
fn diff_marks_changed_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n+ x\n- b\n  c\n");
}
