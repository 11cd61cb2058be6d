//! `kiln wast FILE...`: runs spec scripts with `kiln-wast` and reports
//! what passed.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// `kiln wast FILE...`: runs each script, prints every failure and a line
/// per file, then `N passed, M failed`. Fails when any directive failed.
pub fn run_files(files: &[PathBuf]) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let report = kiln_wast::run_file(file)?;
        for f in &report.failures {
            eprintln!("{f}");
        }
        println!("{}: {} passed, {} failed", file.display(), report.passed, report.failures.len());
        passed += report.passed;
        failed += report.failures.len();
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
