//! 128-bit SIMD kernels compiled by kiln beside the same algorithms in
//! native Rust with SSE intrinsics: a dot product, a byte search, a batch
//! of 4×4 matrix products and a checksum. The wasm side is the kernel
//! module built from `tests/simd-guests/rust` (`core::arch::wasm32`,
//! `bin/simd_kernels.wasm`); the native side is `native.rs`. Each pair is
//! checked to compute the same result before it is timed (`kernels.rs`).
//!
//! Run with `cargo bench -p kiln --bench simd`; `benches/simd.sh` runs it
//! and the paired bench (`paired.rs`) and prints the kiln/native ratios.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

mod kernels;
mod native;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kernels::{Kernel, Kernels, Work};

fn benches(c: &mut Criterion) {
    let mut kernels = Kernels::new();
    let mut group = c.benchmark_group("simd");
    group.sample_size(50);
    for kernel in Kernel::ALL {
        group.throughput(match kernel.work() {
            Work::Bytes(n) => Throughput::Bytes(n as u64),
            Work::Elements(n) => Throughput::Elements(n as u64),
        });
        group.bench_function(format!("{}/kiln", kernel.name()), |b| b.iter(|| kernels.kiln(kernel)));
        group.bench_function(format!("{}/native", kernel.name()), |b| b.iter(|| kernels.native(kernel)));
    }
    group.finish();
}

criterion_group!(simd_benches, benches);
criterion_main!(simd_benches);
