//! 128-bit SIMD in real programs: the Rust and C guests under
//! `tests/simd-guests` (built with `simd128`, each kernel checked against a
//! scalar version inside the program) must print the expected results on
//! kiln (API and command line) and on wasmi, the oracle; the benchmark's
//! kernel module must compute what scalar Rust does; and compiled SIMD
//! must be real vector instructions (`objdump -d`).

mod guests;
mod kernels;
mod objdump;

use std::path::{Path, PathBuf};

/// A file under `tests/simd-guests`; fails clearly when it is missing.
fn fixture(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/simd-guests").join(rel);
    assert!(p.exists(), "missing fixture {} (see tests/simd-guests/build.sh)", p.display());
    p
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}
