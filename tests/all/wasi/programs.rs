//! Real programs of some size: `transform` reads, transforms and writes
//! files, and must match its native output.

use super::*;

#[test]
fn transform_matches_the_expected_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let src = fixture("data/transform-input");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir(input.join(e.file_name())).unwrap();
        } else {
            std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
        }
    }
    let o = kiln()
        .current_dir(tmp.path())
        .arg(fixture("bin/transform.wasm"))
        .args(["--dir=.", "in", "out"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let expected = fixture("expected/transform");
    let mut names: Vec<_> = std::fs::read_dir(&expected).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    let mut produced: Vec<_> =
        std::fs::read_dir(tmp.path().join("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
    produced.sort();
    assert_eq!(produced, names);
    for name in &names {
        let want = std::fs::read(expected.join(name)).unwrap();
        let got = std::fs::read(tmp.path().join("out").join(name)).unwrap();
        assert!(got == want, "{} differs from the expected output", name.to_string_lossy());
    }
    assert!(o.stdout == std::fs::read(expected.join("report.txt")).unwrap(), "stdout is not the report");
    // Without a preopen it cannot read its input: exit 1, with a message.
    let o = kiln().current_dir(tmp.path()).arg(fixture("bin/transform.wasm")).args(["in", "out2"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(!tmp.path().join("out2").exists());
}

#[test]
fn sizer_lists_the_transform_input() {
    let dir = fixture("data/transform-input");
    let d = dir.to_str().unwrap();
    let o = kiln().arg(fixture("bin/sizer.wasm")).arg(format!("--dir={d}")).arg(d).output().unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "{}", show(&o));
    let mut lines: Vec<String> =
        text(&o.stdout)
            .lines()
            .map(|l| {
                if l.starts_with("filename: \"skip.txt\"") {
                    "skip.txt (a directory)".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
    lines.sort();
    let want = [
        "filename: \"01-kiln.txt\", filesize: 878 bytes",
        "filename: \"02-river.txt\", filesize: 643 bytes",
        "filename: \"03-unicode.txt\", filesize: 284 bytes",
        "filename: \"04-empty.txt\", filesize: 0 bytes",
        "filename: \"05-numbers.txt\", filesize: 161 bytes",
        "filename: \"notes.md\", filesize: 55 bytes",
        "skip.txt (a directory)",
    ];
    assert_eq!(lines, want, "{}", show(&o));
}
