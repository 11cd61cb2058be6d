//! Profilers see wasm functions: `--profile=perfmap` and
//! `Config::profiler(ProfilingStrategy::PerfMap)` write `/tmp/perf-PID.map`;
//! `--profile=jitdump` writes `jit-PID.dump` with the code itself.

use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;
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
        .args(["run", "--profile=vtune", "--invoke", "fib", "calc.wat", "3"])
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

/// A jitdump file's records: `(name, address, code)` per code load, and
/// `(address, [(address, line, file)])` per debug-info record, after
/// checking its header names this host's machine and process `pid` and
/// that each debug-info record comes right before its code's load.
type Jitdump = (Vec<(String, u64, Vec<u8>)>, Vec<(u64, Vec<(u64, u32, String)>)>);

fn parse_jitdump(bytes: &[u8], pid: u32) -> Jitdump {
    let u32_at = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
    let c_string = |at: usize| {
        let len = bytes[at..].iter().position(|b| *b == 0).unwrap();
        String::from_utf8(bytes[at..at + len].to_vec()).unwrap()
    };
    assert_eq!(u32_at(0), 0x4a69_5444, "the magic");
    assert_eq!((u32_at(4), u32_at(8)), (1, 40), "version 1, a 40-byte header");
    let machine = if cfg!(target_arch = "aarch64") { object::elf::EM_AARCH64 } else { object::elf::EM_X86_64 };
    assert_eq!(u32_at(12), u32::from(machine));
    assert_eq!(u32_at(20), pid);
    let (mut loads, mut debug) = (vec![], vec![]);
    let mut pending_debug = None;
    let mut at = 40;
    while at < bytes.len() {
        let (id, size) = (u32_at(at), u32_at(at + 4) as usize);
        match id {
            0 => {
                assert_eq!(u32_at(at + 16), pid);
                let (address, len) = (u64_at(at + 32), u64_at(at + 40) as usize);
                let name = c_string(at + 56);
                let code_at = at + 56 + name.len() + 1;
                assert_eq!(code_at + len, at + size, "{name}: the record is its code");
                if let Some(debug_for) = pending_debug.take() {
                    assert_eq!(debug_for, address, "{name}: the debug info before it is its own");
                }
                loads.push((name, address, bytes[code_at..code_at + len].to_vec()));
            }
            2 => {
                let (address, n) = (u64_at(at + 16), u64_at(at + 24));
                let mut entry = at + 32;
                let mut rows = vec![];
                for _ in 0..n {
                    let file = c_string(entry + 16);
                    rows.push((u64_at(entry), u32_at(entry + 8), file.clone()));
                    entry += 16 + file.len() + 1;
                }
                assert_eq!(entry, at + size, "the entries fill the record");
                assert!(pending_debug.replace(address).is_none(), "two debug-info records in a row");
                debug.push((address, rows));
            }
            other => panic!("a record of kind {other}"),
        }
        at += size;
    }
    assert_eq!(at, bytes.len());
    assert!(pending_debug.is_none(), "debug info for no code");
    (loads, debug)
}

/// Runs `kiln run --profile=jitdump ARGS` in `dir`, with `JITDUMPDIR` set
/// to `dump_dir` if there is one, and returns its stdout and the jitdump
/// it wrote (in `dump_dir`, or else in `dir`).
fn jitdump_of_run(dir: &Path, args: &[&str], dump_dir: Option<&Path>) -> (String, Jitdump) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiln"));
    command.args(["run", "--profile=jitdump"]).args(args).current_dir(dir).stdout(Stdio::piped());
    match dump_dir {
        Some(d) => command.env("JITDUMPDIR", d),
        None => command.env_remove("JITDUMPDIR"),
    };
    let child = command.spawn().unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "kiln run {args:?}");
    let path = dump_dir.unwrap_or(dir).join(format!("jit-{pid}.dump"));
    let dump = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (String::from_utf8_lossy(&out.stdout).trim().to_string(), parse_jitdump(&dump, pid))
}

#[test]
fn kiln_run_profile_jitdump_records_each_function_with_its_loaded_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.wat"), GUEST).unwrap();
    let compiled = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["compile", "calc.wat", "-o", "calc.o"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(compiled.success());
    let (stdout, (records, debug)) = jitdump_of_run(dir.path(), &["--invoke", "fib", "calc.o", "20"], None);
    assert_eq!(stdout, "6765");
    assert!(debug.is_empty(), "no DWARF, no lines");

    // The same names and disjoint ranges as the perf map.
    let lines: Vec<(u64, u64, String)> = records.iter().map(|(n, a, c)| (*a, c.len() as u64, n.clone())).collect();
    check_calc_lines(&lines);

    // Each record's code is the artifact's, but for the fields the loader
    // relocated. `.text` is loaded whole, so a symbol at offset `o` is the
    // record at the lowest record's address plus `o`.
    let artifact = std::fs::read(dir.path().join("calc.o")).unwrap();
    let object = object::File::parse(&*artifact).unwrap();
    let text = object.section_by_name(".text").unwrap();
    let text_bytes = text.data().unwrap();
    let relocated: Vec<std::ops::Range<u64>> =
        text.relocations().map(|(at, r)| at..at + u64::from(r.size() / 8)).collect();
    let base = records.iter().map(|(_, a, _)| *a).min().unwrap();
    let mut compared = 0;
    for symbol in object.symbols().filter(|s| s.section_index() == Some(text.index())) {
        let start = symbol.address() as usize;
        let Some((name, _, code)) = records.iter().find(|(_, a, _)| *a == base + start as u64) else {
            panic!("no record for `{}` at offset {start:#x}", symbol.name().unwrap());
        };
        assert_eq!(code.len() as u64, symbol.size(), "{name}");
        let expected = &text_bytes[start..start + code.len()];
        for (i, (got, want)) in code.iter().zip(expected).enumerate() {
            let at = (start + i) as u64;
            if !relocated.iter().any(|r| r.contains(&at)) {
                assert_eq!(got, want, "{name}: byte {i} differs from the artifact");
            }
        }
        compared += 1;
    }
    assert_eq!(compared, records.len(), "a record for each function and trampoline");
}

#[test]
fn jitdump_goes_to_jitdumpdir_when_it_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let dumps = dir.path().join("dumps");
    std::fs::create_dir(&dumps).unwrap();
    std::fs::write(dir.path().join("calc.wat"), GUEST).unwrap();
    let (stdout, (records, _)) = jitdump_of_run(dir.path(), &["--invoke", "twice", "calc.wat", "21"], Some(&dumps));
    assert_eq!(stdout, "42");
    assert!(records.iter().any(|(n, _, _)| n == "calc!wasm-function[1]"), "{records:?}");
    let mut in_dir = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name());
    assert!(!in_dir.any(|name| name.to_string_lossy().starts_with("jit-")), "nothing in the current directory");

    // A directory that cannot be written is an error before anything runs.
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["run", "--profile=jitdump", "--invoke", "twice", "calc.wat", "21"])
        .current_dir(dir.path())
        .env("JITDUMPDIR", dir.path().join("missing"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed to create the jitdump file"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn with_debug_info_jitdump_records_each_functions_source_lines() {
    let dir = tempfile::tempdir().unwrap();
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debug-guests/bin/squares.wasm");
    let args = ["-D", "debug-info", "-C", "cache=n", guest.to_str().unwrap()];
    let (stdout, (loads, debug)) = jitdump_of_run(dir.path(), &args, None);
    assert_eq!(stdout, "total 14");
    // `square` (squares.c lines 6 to 9): its rows lie in its code, and
    // line 7, `int y = x * x;`, is among them.
    let (_, address, code) = loads.iter().find(|(n, _, _)| n.ends_with("!square")).expect("a record for square");
    let (_, rows) = debug.iter().find(|(a, _)| a == address).expect("debug info for square");
    assert!(rows.iter().all(|(a, _, _)| (*address..*address + code.len() as u64).contains(a)), "{rows:?}");
    assert!(rows.iter().all(|(_, line, file)| file.ends_with("squares.c") && (6..=9).contains(line)), "{rows:?}");
    assert!(rows.iter().any(|(_, line, _)| *line == 7), "{rows:?}");
    // Trampolines have no lines; every other function with rows has a
    // record, libc's included.
    assert!(debug.len() > 20, "{} functions with lines", debug.len());
    assert!(debug.iter().all(|(a, _)| loads.iter().any(|(n, la, _)| la == a && !n.contains("array_to_wasm"))));
}
