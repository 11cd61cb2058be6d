//! Profilers see wasm functions: `--profile=perfmap` and
//! `Config::profiler(ProfilingStrategy::PerfMap)` write `/tmp/perf-PID.map`.

use std::process::{Command, Stdio};

const GUEST: &str = r#"(module $calc
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))"#;

/// The `(start, len, name)` lines of a perf map.
fn parse_map(text: &str) -> Vec<(u64, u64, String)> {
    text.lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let start = u64::from_str_radix(parts.next().unwrap(), 16).expect("hex start");
            let len = u64::from_str_radix(parts.next().unwrap(), 16).expect("hex length");
            (start, len, parts.next().expect("a name").to_string())
        })
        .collect()
}

/// Checks the lines of the `calc` module: named functions, disjoint
/// non-empty ranges.
fn check_calc_lines(lines: &[(u64, u64, String)]) {
    let names: Vec<&str> = lines.iter().map(|(_, _, n)| n.as_str()).collect();
    assert!(names.contains(&"calc!fib"), "{names:?}");
    assert!(names.contains(&"calc!wasm-function[1]"), "an unnamed function: {names:?}");
    assert!(names.iter().any(|n| n.starts_with("calc!array_to_wasm[")), "{names:?}");
    let mut ranges: Vec<(u64, u64)> = lines.iter().map(|(s, l, _)| (*s, s + l)).collect();
    ranges.sort();
    assert!(ranges.iter().all(|(s, e)| s < e && *s > 0x1000));
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "overlapping ranges: {ranges:x?}");
}

/// Runs `kiln run --profile=perfmap ARGS` in a directory holding
/// `calc.wat`, and returns its stdout and the lines of the perf map it
/// wrote (which is then removed).
fn perf_map_of_run(args: &[&str]) -> (String, Vec<(u64, u64, String)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.wat"), GUEST).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["run", "--profile=perfmap"])
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let path = format!("/tmp/perf-{pid}.map");
    let text = std::fs::read_to_string(&path).expect("the perf map was written");
    std::fs::remove_file(&path).unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), parse_map(&text))
}

#[test]
fn kiln_run_profile_perfmap_names_wasm_functions() {
    let (stdout, lines) = perf_map_of_run(&["--invoke", "fib", "calc.wat", "20"]);
    assert_eq!(stdout.trim(), "6765");
    check_calc_lines(&lines);
}

#[test]
fn unimplemented_profilers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.wat"), GUEST).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["run", "--profile=jitdump", "--invoke", "fib", "calc.wat", "3"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kiln does not implement this profiler"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["run", "--profile=nonsense", "calc.wat"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad flag is a usage error");
}

#[test]
fn config_profiler_perfmap_appends_each_loaded_module() -> kiln::Result<()> {
    let mut config = kiln::Config::new();
    config.profiler(kiln::ProfilingStrategy::PerfMap);
    let engine = kiln::Engine::new(&config)?;
    let path = kiln::perf_map_path();
    let before = std::fs::read_to_string(&path).unwrap_or_default().lines().count();
    let module = kiln::Module::new(&engine, GUEST)?;
    let text = std::fs::read_to_string(&path)?;
    let lines = parse_map(&text);
    check_calc_lines(&lines[before..]);
    // The addresses are the loaded code's: inside an executable mapping of
    // this process, while the module lives.
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let executable: Vec<(u64, u64)> = maps
        .lines()
        .filter(|l| l.split_whitespace().nth(1).is_some_and(|p| p.contains('x')))
        .filter_map(|l| {
            let (a, b) = l.split_whitespace().next()?.split_once('-')?;
            Some((u64::from_str_radix(a, 16).ok()?, u64::from_str_radix(b, 16).ok()?))
        })
        .collect();
    for (start, len, name) in &lines[before..] {
        assert!(
            executable.iter().any(|(a, b)| a <= start && start + len <= *b),
            "{name} at {start:#x} is in no executable mapping"
        );
    }
    let mut store = kiln::Store::new(&engine, ());
    let instance = kiln::Instance::new(&mut store, &module, &[])?;
    let fib = instance.get_typed_func::<i32, i32>(&mut store, "fib")?;
    assert_eq!(fib.call(&mut store, 10)?, 55);
    Ok(())
}

#[test]
fn with_epoch_checks_the_new_epoch_trampoline_has_its_own_name() {
    let (stdout, lines) = perf_map_of_run(&["-W", "timeout=60s", "--invoke", "twice", "calc.wat", "4"]);
    assert_eq!(stdout.trim(), "8");
    check_calc_lines(&lines);
    let names: Vec<&str> = lines.iter().map(|(_, _, n)| n.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "calc!new_epoch_trampoline").count(), 1, "{names:?}");
    // Every trampoline keeps its own name: the last entry is the last
    // wasm-to-array trampoline, not shifted onto nothing.
    assert_eq!(names.iter().filter(|n| n.starts_with("calc!array_to_wasm[")).count(), 2, "{names:?}");
}
