//! Finding the official spec test suite and its feature groups.
//!
//! The suite is looked for, in order, at `$KILN_SPEC_TESTSUITE`, at
//! `../shared/testsuite` beside the repository, and at the git submodule
//! `tests/spec_testsuite` (fetched with
//! `git submodule update --init tests/spec_testsuite`). A directory counts
//! only if it holds `.wast` files, so an uninitialised submodule (an empty
//! directory) is passed over.
//!
//! Groups come from the suite's `FEATURES.tsv` (`group<TAB>file`) when it
//! has one. The upstream repository has none; there the two groups that are
//! plain top-level files are derived from names: `core-2.0` is every
//! top-level `*.wast` but `simd_*.wast`, and `simd` is those.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The environment variable that names the suite's directory.
pub const SUITE_ENV: &str = "KILN_SPEC_TESTSUITE";

/// The submodule path, relative to the repository root.
pub const SUBMODULE: &str = "tests/spec_testsuite";

/// A located copy of the official spec test suite.
#[derive(Clone, Debug)]
pub struct SpecSuite {
    root: PathBuf,
}

fn has_wast_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "wast")))
        .unwrap_or(false)
}

impl SpecSuite {
    /// Finds the suite for the repository rooted at `repo`, or explains how
    /// to get it.
    pub fn locate(repo: &Path) -> Result<SpecSuite> {
        let mut tried = Vec::new();
        if let Some(dir) = std::env::var_os(SUITE_ENV) {
            let dir = PathBuf::from(dir);
            if has_wast_files(&dir) {
                return Ok(SpecSuite { root: dir });
            }
            bail!("{SUITE_ENV}={} holds no .wast files", dir.display());
        }
        for dir in [repo.join("../shared/testsuite"), repo.join(SUBMODULE)] {
            if has_wast_files(&dir) {
                return Ok(SpecSuite { root: dir });
            }
            tried.push(dir.display().to_string());
        }
        bail!(
            "the official spec test suite was not found (looked in {}). Fetch it with \
             `git submodule update --init {SUBMODULE}`, or set {SUITE_ENV} to a checkout of it",
            tried.join(", ")
        )
    }

    /// The suite's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files of feature group `name`, sorted.
    pub fn group(&self, name: &str) -> Result<Vec<PathBuf>> {
        let tsv = self.root.join("FEATURES.tsv");
        let mut files: Vec<PathBuf> = if tsv.exists() {
            let text = std::fs::read_to_string(&tsv).with_context(|| format!("failed to read {}", tsv.display()))?;
            text.lines()
                .skip(1)
                .filter_map(|l| l.split_once('\t'))
                .filter(|(g, _)| *g == name)
                .map(|(_, f)| self.root.join(f))
                .collect()
        } else {
            let simd = match name {
                "core-2.0" => false,
                "simd" => true,
                _ => bail!("{} has no FEATURES.tsv, so only core-2.0 and simd are known", self.root.display()),
            };
            std::fs::read_dir(&self.root)
                .with_context(|| format!("failed to list {}", self.root.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "wast"))
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("simd_") == simd))
                .collect()
        };
        files.sort();
        if files.is_empty() {
            bail!("feature group `{name}` has no files in {}", self.root.display());
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_derived_without_features_tsv() {
        let dir = std::env::temp_dir().join(format!("kiln-suite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["i32.wast", "simd_lane.wast", "notes.txt"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let suite = SpecSuite { root: dir.clone() };
        assert_eq!(suite.group("core-2.0").unwrap(), vec![dir.join("i32.wast")]);
        assert_eq!(suite.group("simd").unwrap(), vec![dir.join("simd_lane.wast")]);
        assert!(suite.group("3.0-gc").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn features_tsv_wins_when_present() {
        let dir = std::env::temp_dir().join(format!("kiln-suite-tsv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.wast"), "").unwrap();
        std::fs::write(dir.join("FEATURES.tsv"), "group\tfile\nmine\ta.wast\n").unwrap();
        let suite = SpecSuite { root: dir.clone() };
        assert_eq!(suite.group("mine").unwrap(), vec![dir.join("a.wast")]);
        assert!(suite.group("core-2.0").is_err(), "a group FEATURES.tsv does not list is empty");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
