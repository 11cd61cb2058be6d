//! Small SIMD kernels written with `core::arch::wasm32` intrinsics, each
//! beside a scalar version that computes bit for bit the same result (the
//! scalar float code adds in the same order as the vector lanes do).
//!
//! The `simd` functions exist only on `wasm32` with `simd128`; the scalar
//! ones build everywhere, so the demo's native build prints the values a
//! test expects. Without the `std` feature the crate is `no_std` (for the
//! benchmark's library module) and leaves out `roots`, whose scalar
//! version needs `f32::sqrt` from std.

#![cfg_attr(not(feature = "std"), no_std)]

pub mod checksum;
pub mod count;
pub mod data;
pub mod dot;
pub mod find;
pub mod hex;
pub mod mat4;
pub mod pixels;
#[cfg(feature = "std")]
pub mod roots;
