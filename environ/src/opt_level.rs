//! How hard the compiler optimizes. Shared so the loader's `Config` can name
//! it without depending on the compiler.

/// Cranelift optimization level (wasmtime's `OptLevel`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No optimizations: fastest compilation.
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and size.
    SpeedAndSize,
}
