//! 128-bit SIMD kernels compiled by kiln beside the same algorithms in
//! native Rust with SSE intrinsics: a dot product, a byte search, a batch
//! of 4×4 matrix products and a checksum. The wasm side is the kernel
//! module built from `tests/simd-guests/rust` (`core::arch::wasm32`,
//! `bin/simd_kernels.wasm`); the native side is `native.rs`. Each pair is
//! checked to compute the same result before it is timed.
//!
//! Run with `cargo bench -p kiln --bench simd`; `benches/simd.sh` runs it
//! and prints the kiln/native ratios.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

mod native;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiln::{Engine, Instance, Memory, Module, Store, TypedFunc};
use std::hint::black_box;

/// Floats per dot-product operand (64 KiB each).
const DOT_N: usize = 16 * 1024;
/// Bytes searched; the needle is the last one.
const FIND_N: usize = 256 * 1024;
/// Matrices per batch.
const MAT4_N: usize = 1024;
/// Bytes checksummed.
const CHECKSUM_N: usize = 256 * 1024;

const KERNELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/simd-guests/bin/simd_kernels.wasm");

/// The kernel module, instantiated, with its arena.
struct Wasm {
    store: Store<()>,
    memory: Memory,
    arena: u32,
}

impl Wasm {
    fn new() -> (Self, Instance) {
        let engine = Engine::default();
        let module = Module::from_file(&engine, KERNELS).expect("the kernel module compiles");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let arena = instance.get_typed_func::<(), u32>(&mut store, "arena").unwrap().call(&mut store, ()).unwrap();
        (Wasm { store, memory, arena }, instance)
    }

    /// Writes `bytes` at arena offset `at`; returns the wasm address.
    fn put(&mut self, at: usize, bytes: &[u8]) -> u32 {
        let addr = self.arena + at as u32;
        self.memory.write(&mut self.store, addr as usize, bytes).unwrap();
        addr
    }

    fn get(&self, addr: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        self.memory.read(&self.store, addr as usize, &mut out).unwrap();
        out
    }
}

fn data(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn floats(n: usize, seed: u32) -> Vec<f32> {
    data(n * 4, seed).chunks_exact(4).map(|c| f32::from(u16::from_le_bytes([c[0], c[1]])) / 32768.0 - 1.0).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

fn benches(c: &mut Criterion) {
    assert!(native::available(), "the native kernels need SSE4.1 and SSSE3");
    let (mut wasm, instance) = Wasm::new();
    let store = &mut wasm.store;
    let dot: TypedFunc<(u32, u32, u32), f32> = instance.get_typed_func(&mut *store, "dot_f32").unwrap();
    let find: TypedFunc<(u32, u32, u32), i32> = instance.get_typed_func(&mut *store, "find_byte").unwrap();
    let mat4: TypedFunc<(u32, u32, u32, u32), ()> = instance.get_typed_func(&mut *store, "mat4_batch").unwrap();
    let checksum: TypedFunc<(u32, u32), u32> = instance.get_typed_func(&mut *store, "checksum_bytes").unwrap();

    let mut group = c.benchmark_group("simd");
    group.sample_size(50);

    // Dot product.
    let (a, b) = (floats(DOT_N, 1), floats(DOT_N, 2));
    let (pa, pb) = (wasm.put(0, &f32_bytes(&a)), wasm.put(DOT_N * 4, &f32_bytes(&b)));
    // SAFETY: `available` was checked above.
    let want = unsafe { native::dot(&a, &b) };
    assert_eq!(dot.call(&mut wasm.store, (pa, pb, DOT_N as u32)).unwrap().to_bits(), want.to_bits());
    group.throughput(Throughput::Bytes((DOT_N * 8) as u64));
    group.bench_function("dot/kiln", |bench| {
        bench.iter(|| dot.call(&mut wasm.store, (black_box(pa), pb, DOT_N as u32)).unwrap())
    });
    // SAFETY: as above.
    group.bench_function("dot/native", |bench| bench.iter(|| unsafe { native::dot(black_box(&a), &b) }));

    // Byte search, the needle in the last byte.
    let mut hay: Vec<u8> = data(FIND_N, 3).into_iter().map(|x| x & 0x7f).collect();
    hay[FIND_N - 1] = 0xff;
    let p = wasm.put(0, &hay);
    // SAFETY: as above.
    assert_eq!(unsafe { native::find(&hay, 0xff) }, Some(FIND_N - 1));
    assert_eq!(find.call(&mut wasm.store, (p, FIND_N as u32, 0xff)).unwrap(), (FIND_N - 1) as i32);
    group.throughput(Throughput::Bytes(FIND_N as u64));
    group.bench_function("find/kiln", |bench| {
        bench.iter(|| find.call(&mut wasm.store, (black_box(p), FIND_N as u32, 0xff)).unwrap())
    });
    // SAFETY: as above.
    group.bench_function("find/native", |bench| bench.iter(|| unsafe { native::find(black_box(&hay), 0xff) }));

    // 4×4 matrix products.
    let ms = floats(MAT4_N * 16, 4);
    let a: Vec<[f32; 16]> = ms.chunks_exact(16).map(|m| m.try_into().unwrap()).collect();
    let b: [f32; 16] = floats(16, 5).try_into().unwrap();
    let mut out = vec![[0.0f32; 16]; MAT4_N];
    let (pa, pb) = (wasm.put(0, &f32_bytes(&ms)), wasm.put(MAT4_N * 64, &f32_bytes(&b)));
    let pout = wasm.arena + (MAT4_N * 64 + 64) as u32;
    // SAFETY: as above.
    unsafe { native::mat4_batch(&a, &b, &mut out) };
    mat4.call(&mut wasm.store, (pa, pb, pout, MAT4_N as u32)).unwrap();
    assert!(wasm.get(pout, MAT4_N * 64) == f32_bytes(out.as_flattened()), "4×4 products differ");
    group.throughput(Throughput::Elements(MAT4_N as u64));
    group.bench_function("mat4/kiln", |bench| {
        bench.iter(|| mat4.call(&mut wasm.store, (black_box(pa), pb, pout, MAT4_N as u32)).unwrap())
    });
    group.bench_function("mat4/native", |bench| {
        // SAFETY: as above.
        bench.iter(|| unsafe { native::mat4_batch(black_box(&a), &b, &mut out) })
    });

    // Checksum.
    let bytes = data(CHECKSUM_N, 6);
    let p = wasm.put(0, &bytes);
    // SAFETY: as above.
    let want = unsafe { native::checksum(&bytes) };
    assert_eq!(checksum.call(&mut wasm.store, (p, CHECKSUM_N as u32)).unwrap(), want);
    group.throughput(Throughput::Bytes(CHECKSUM_N as u64));
    group.bench_function("checksum/kiln", |bench| {
        bench.iter(|| checksum.call(&mut wasm.store, (black_box(p), CHECKSUM_N as u32)).unwrap())
    });
    // SAFETY: as above.
    group.bench_function("checksum/native", |bench| bench.iter(|| unsafe { native::checksum(black_box(&bytes)) }));
    group.finish();
}

criterion_group!(simd_benches, benches);
criterion_main!(simd_benches);
