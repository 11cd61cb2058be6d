//! kiln's fuzz targets, as ordinary functions of the fuzzer's bytes.
//!
//! Each target takes `&[u8]` and panics only when it finds a bug; every
//! `Err` from kiln on a bad input is an expected answer. The same functions
//! back two drivers:
//! - the cargo-fuzz crate in `fuzz/` (libFuzzer, coverage guided), and
//! - the bounded loops in `tests/all/fuzz.rs`, which feed them
//!   deterministic pseudo-random bytes from [`input_for_seed`].
//!
//! Targets:
//! - [`differential()`]: a wasm-smith module runs on kiln and on wasmi; the
//!   results, traps and final exported state must agree.
//! - [`compile()`]: arbitrary bytes and random-feature wasm-smith modules
//!   go through `kiln_compiler::compile` and `kiln::Module::new`.
//! - [`artifact_load()`]: a real artifact, its metadata and ELF structure
//!   mutated and the checksum resealed, goes through
//!   `kiln::Module::deserialize`, instantiation and calls.
//!
//! [`wasi_oracle`] also runs a WASI command on wasmi, so a real guest's
//! output can be checked against the oracle's.

pub mod artifact_load;
pub mod compile;
pub mod differential;
pub mod wasi_oracle;

pub use artifact_load::artifact_load;
pub use compile::compile;
pub use differential::differential;

/// What one run of a target did, so drivers can count real executions
/// apart from inputs the generator could not use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// The input made a module (or an artifact) that reached kiln.
    pub executed: bool,
    /// kiln accepted it: compiled, or loaded.
    pub accepted: bool,
    /// Exported functions called.
    pub calls: usize,
    /// The module uses 128-bit SIMD (a `v128` type or a SIMD operator).
    pub simd: bool,
}

/// Deterministic pseudo-random bytes for `seed` (xorshift64*), so a bounded
/// run can be replayed from the seed it prints.
pub fn input_for_seed(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// FNV-1a, to compare memories without printing them.
pub(crate) fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}
