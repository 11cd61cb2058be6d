//! `wasi_suite`: one guest that exercises the WASI preview1 host, area by area.
//!
//! Usage: `wasi_suite <subcommand> [args...]`. Subcommands: `preopen`, `args`, `env`,
//! `clocks`, `random`, `poll`, `files`, `dirs`, `errors`, `escape`, `stdin`, `exit`.
//! (See ../../../../README.md for what each one checks and its exact expected output.)
//!
//! Output rules, so a test can compare stdout byte for byte:
//! - one line per check: `name: ok` or `name: FAIL <detail>`;
//! - before each error check, `errno name=<number>` with the errno the host returned;
//! - a few `key=value` lines that echo deterministic inputs (argv, environ);
//! - nothing time- or host-dependent (no timestamps, no host paths, no inode numbers).
//!
//! Exit code: 0 when every check passed, 1 when any failed, 2 for a usage error.
//! File system subcommands work on the first preopen (fd 3) inside a scratch
//! directory named `suite_<subcommand>`, which they remove again before exiting,
//! so the preopened directory is left as it was found.

mod clocks;
mod dirs;
mod errors;
mod files;
mod misc;
mod raw;

use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;

/// Collects check results and prints them in the suite's line format.
pub struct Report {
    failures: u32,
}

impl Report {
    fn new() -> Self {
        Report { failures: 0 }
    }

    fn line(&self, s: String) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }

    pub fn ok(&mut self, name: &str) {
        self.line(format!("{name}: ok"));
    }

    pub fn fail(&mut self, name: &str, detail: impl Display) {
        self.failures += 1;
        self.line(format!("{name}: FAIL {detail}"));
    }

    /// `name: ok` if `cond`, else `name: FAIL <detail>`.
    pub fn check(&mut self, name: &str, cond: bool, detail: impl FnOnce() -> String) -> bool {
        if cond {
            self.ok(name);
        } else {
            let d = detail();
            self.fail(name, d);
        }
        cond
    }

    /// The non-generic half of `result`/`expect`, so their many instantiations stay tiny.
    #[inline(never)]
    fn verdict(&mut self, name: &str, pass: bool, is_err: bool, shown: &dyn std::fmt::Debug) {
        if pass {
            self.ok(name);
        } else if is_err {
            self.fail(name, format!("error {shown:?}"));
        } else {
            self.fail(name, format!("unexpected value {shown:?}"));
        }
    }

    /// Passes on `Ok`; on `Err` fails with the error. Returns the value.
    pub fn result<T, E: std::fmt::Debug>(&mut self, name: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => {
                self.ok(name);
                Some(v)
            }
            Err(e) => {
                self.verdict(name, false, true, &e);
                None
            }
        }
    }

    /// Passes on `Ok(v)` when `pred(&v)` holds.
    pub fn expect<T: std::fmt::Debug, E: std::fmt::Debug>(
        &mut self,
        name: &str,
        r: Result<T, E>,
        pred: impl FnOnce(&T) -> bool,
    ) -> Option<T> {
        let pass = matches!(&r, Ok(v) if pred(v));
        match &r {
            Ok(v) => self.verdict(name, pass, false, v),
            Err(e) => self.verdict(name, false, true, e),
        }
        r.ok().filter(|_| pass)
    }

    /// An error check: prints `errno name=<got>` then passes if `got` is in `allowed`
    /// (success counts as errno 0).
    pub fn errno<T>(&mut self, name: &str, r: Result<T, raw::Errno>, allowed: &[raw::Errno]) -> raw::Errno {
        let got = match r {
            Ok(_) => raw::ESUCCESS,
            Err(e) => e,
        };
        self.errno_code(name, got, allowed)
    }

    #[inline(never)]
    fn errno_code(&mut self, name: &str, got: raw::Errno, allowed: &[raw::Errno]) -> raw::Errno {
        self.line(format!("errno {name}={got}"));
        if allowed.contains(&got) {
            self.ok(name);
        } else {
            self.fail(name, format!("got errno {got}, expected one of {allowed:?}"));
        }
        got
    }

    /// An informational `key=value` line (inputs echoed back; never host-dependent).
    pub fn value(&mut self, key: &str, value: impl Display) {
        self.line(format!("{key}={value}"));
    }

    fn finish(self) -> ! {
        let _ = std::io::stdout().flush();
        std::process::exit(if self.failures == 0 { 0 } else { 1 })
    }
}

/// The preopened directory every file system subcommand works in.
pub struct Ctx {
    /// Its descriptor (always 3: the first preopen).
    pub fd: raw::Fd,
    /// Its guest path as the host named it, for std calls (wasi-libc resolves
    /// paths against preopens by name).
    pub root: PathBuf,
}

impl Ctx {
    /// The std path of `rel` inside the preopen.
    pub fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// Finds the preopen at fd 3; prints a `preopen: FAIL` line and exits 1 without one.
pub fn preopen(report: &mut Report) -> Ctx {
    match raw::prestat_dir_name(3) {
        Ok(name) if !name.is_empty() => match String::from_utf8(name) {
            Ok(s) => Ctx { fd: 3, root: PathBuf::from(s) },
            Err(_) => {
                report.fail("preopen", "fd 3 has a non-UTF-8 name");
                std::process::exit(1)
            }
        },
        Ok(_) => {
            report.fail("preopen", "fd 3 has an empty name");
            std::process::exit(1)
        }
        Err(e) => {
            report.fail("preopen", format!("fd_prestat_get(3) -> errno {e}: run with a preopened directory"));
            std::process::exit(1)
        }
    }
}

const USAGE: &str =
    "usage: wasi_suite <preopen|args|env|clocks|random|poll|files|dirs|errors|escape|stdin|exit> [args...]";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(cmd) = args.get(1) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let rest = &args[2..];
    let mut report = Report::new();
    match cmd.as_str() {
        "preopen" => misc::preopen(&mut report),
        "args" => misc::args(&mut report),
        "env" => misc::env(&mut report, rest),
        "clocks" => clocks::clocks(&mut report),
        "random" => clocks::random(&mut report),
        "poll" => clocks::poll(&mut report),
        "files" => files::files(&mut report),
        "dirs" => dirs::dirs(&mut report),
        "errors" => errors::errors(&mut report, rest),
        "escape" => errors::escape(&mut report),
        "stdin" => misc::stdin(),
        "exit" => misc::exit(rest),
        other => {
            eprintln!("unknown subcommand {other:?}\n{USAGE}");
            std::process::exit(2);
        }
    }
    report.finish()
}
