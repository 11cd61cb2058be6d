//! The fuzz targets of `kiln-fuzzing` as bounded loops: each runs on
//! deterministic pseudo-random inputs, a few hundred by default, so CI
//! exercises them on every change. (`fuzz/` runs the same targets under
//! libFuzzer; see `fuzz/README.md`.)
//!
//! - `KILN_FUZZ_ITERS=N` runs N inputs per target instead (a long run:
//!   `KILN_FUZZ_ITERS=10000000 cargo test --test all fuzz::`).
//! - `KILN_DIFF_ITERS=N` sets the differential target's count alone (it
//!   wins over `KILN_FUZZ_ITERS` there), as before the targets moved here.
//! - `KILN_FUZZ_SEED=S` starts at seed S instead of 0: with
//!   `KILN_FUZZ_ITERS=1` it replays the one input a failure names.
//!
//! - `KILN_FUZZ_TRACE=1` prints each seed before running it: the last one
//!   printed names an input that aborts the process (a stack overflow).
//! - `KILN_FUZZ_KEEP_GOING=1` goes on past failures and fails at the end
//!   with one line per distinct panic location (for long runs).
//!
//! The differential loop generates SIMD and relaxed SIMD too, and fails
//! unless at least a tenth of its modules use SIMD (`simd` in its totals).
//!
//! A failing input is written to the temporary directory, and the panic
//! says its seed and path; the file is also a libFuzzer input for `fuzz/`.
//! Inputs that once failed live under `fuzz/regressions/<target>/` and run
//! here on every test.
//!
//! Bugs found but not yet fixed are listed in [`KNOWN`] by panic site:
//! the loops count them and go on (`KILN_FUZZ_STRICT=1` fails on them too).
//! The list is empty: the nine artifact-loading bugs fuzzing found were
//! fixed by the complete metadata validation, and their inputs are
//! regressions now.

use kiln_fuzzing::{Stats, input_for_seed};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Open bugs, as (file that panics, message): a panic matching one is
/// counted, not failed, unless `KILN_FUZZ_STRICT` is set. Lines are left
/// out so that edits elsewhere in those files do not un-know the bug.
/// Each gets a reproducer under `fuzz/regressions/<target>/` once fixed.
const KNOWN: &[(&str, &str)] = &[];

thread_local! {
    /// Where the last panic on this thread happened, and its message.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Set while shrinking: panics are expected and not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Records every panic's location (`catch_unwind` only gets the message);
/// known ones are not printed.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let first_line = message.lines().next().unwrap_or_default().to_string();
            let known = is_known(&location, &first_line);
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{location}: {first_line}")));
            let quiet = QUIET.with(Cell::get) || (known && std::env::var_os("KILN_FUZZ_STRICT").is_none());
            if !quiet {
                previous(info);
            }
        }));
    });
}

fn is_known(location: &str, message: &str) -> bool {
    KNOWN
        .iter()
        .any(|(at, msg)| location.rsplit_once(':').map_or(location, |(file, _)| file) == *at && message.contains(msg))
}

fn regression_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[derive(Debug, Default)]
struct Totals {
    inputs: u64,
    known_bugs: u64,
    executed: u64,
    accepted: u64,
    calls: u64,
    simd: u64,
}

/// Runs `target` on `iters` inputs; `len(seed)` is each input's length.
fn bounded(name: &str, iters: u64, len: fn(u64) -> usize, target: fn(&[u8]) -> Stats) -> Totals {
    install_panic_hook();
    let start = env_u64("KILN_FUZZ_SEED").unwrap_or(0);
    let strict = std::env::var_os("KILN_FUZZ_STRICT").is_some();
    let keep_going = std::env::var_os("KILN_FUZZ_KEEP_GOING").is_some();
    let trace = std::env::var_os("KILN_FUZZ_TRACE").is_some();
    // By panic location: (first message, first seed, count).
    let mut failures: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
    let mut totals = Totals::default();
    for seed in start..start.saturating_add(iters) {
        let data = input_for_seed(seed, len(seed));
        if trace {
            eprintln!("fuzz {name}: seed {seed}");
        }
        totals.inputs += 1;
        let stats = match catch_unwind(AssertUnwindSafe(|| target(&data))) {
            Ok(stats) => stats,
            Err(panic) => {
                let what = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
                let (location, message) = what.split_once(": ").unwrap_or((&what, ""));
                if !strict && is_known(location, message) {
                    totals.known_bugs += 1;
                    continue;
                }
                let data = shrink(&data, target, location);
                let path = std::env::temp_dir().join(format!("kiln-fuzz-{name}-seed-{seed}.bin"));
                let _ = std::fs::write(&path, &data);
                eprintln!(
                    "fuzz target `{name}` failed on seed {seed} ({what}); input written to {}\n\
                     replay: KILN_FUZZ_SEED={seed} KILN_FUZZ_ITERS=1 cargo test --test all fuzz::{name}",
                    path.display()
                );
                if !keep_going {
                    resume_unwind(panic);
                }
                failures.entry(location.to_string()).or_insert((message.to_string(), seed, 0)).2 += 1;
                continue;
            }
        };
        totals.executed += u64::from(stats.executed);
        totals.accepted += u64::from(stats.accepted);
        totals.calls += stats.calls as u64;
        totals.simd += u64::from(stats.simd);
    }
    println!("fuzz {name}: {totals:?}");
    if !failures.is_empty() {
        let lines: Vec<_> =
            failures.iter().map(|(at, (msg, seed, n))| format!("{n}x {at}: {msg} (first seed {seed})")).collect();
        panic!("fuzz target `{name}`: {} distinct failures\n{}", failures.len(), lines.join("\n"));
    }
    totals
}

/// Where `target` panics on `data`, if it does.
fn panic_location(data: &[u8], target: fn(&[u8]) -> Stats) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| target(data))).err()?;
    let what = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
    Some(what.split_once(": ").map_or(what.clone(), |(at, _)| at.to_string()))
}

/// A smaller input that panics at the same place: the shortest such prefix
/// (inputs that run out read as zeros), then with each byte zeroed where
/// that keeps the panic.
fn shrink(data: &[u8], target: fn(&[u8]) -> Stats, location: &str) -> Vec<u8> {
    let fails = |d: &[u8]| panic_location(d, target).as_deref() == Some(location);
    QUIET.with(|q| q.set(true));
    let len = (0..data.len()).find(|&n| fails(&data[..n])).unwrap_or(data.len());
    let mut small = data[..len].to_vec();
    for i in 0..small.len() {
        let keep = std::mem::replace(&mut small[i], 0);
        if keep != 0 && !fails(&small) {
            small[i] = keep;
        }
    }
    QUIET.with(|q| q.set(false));
    small
}

#[test]
fn differential() {
    let iters = env_u64("KILN_DIFF_ITERS").or_else(|| env_u64("KILN_FUZZ_ITERS")).unwrap_or(400);
    let t = bounded("differential", iters, |_| 8192, kiln_fuzzing::differential);
    assert!(t.calls > iters / 2, "too few calls compared: {t:?}");
    // SIMD is enabled in the generator: a real share of the modules use it.
    assert!(t.simd * 10 >= t.executed, "too few modules with SIMD: {t:?}");
}

#[test]
fn compile() {
    let iters = env_u64("KILN_FUZZ_ITERS").unwrap_or(300);
    // From a few bytes (raw-input modes) to enough for a large module.
    let t = bounded("compile", iters, |seed| 16 << (seed % 9), kiln_fuzzing::compile);
    assert!(t.executed > iters / 2 && t.accepted > 0, "the generator is starved: {t:?}");
}

#[test]
fn artifact_load() {
    let iters = env_u64("KILN_FUZZ_ITERS").unwrap_or(500);
    let t = bounded("artifact_load", iters, |_| 128, kiln_fuzzing::artifact_load);
    assert!(t.accepted > 0 && t.calls > 0, "no mutated artifact loaded and ran: {t:?}");
}

/// Every input once found failing, run through its target.
fn regressions(target: &str, run: fn(&[u8]) -> Stats) {
    let dir = regression_dir().join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if catch_unwind(|| run(&data)).is_err() {
            panic!("regression {} fails again", path.display());
        }
    }
}

#[test]
fn regressions_stay_fixed() {
    regressions("differential", kiln_fuzzing::differential);
    regressions("compile", kiln_fuzzing::compile);
    regressions("artifact_load", kiln_fuzzing::artifact_load);
}
