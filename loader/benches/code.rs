//! How close kiln's generated code comes to native: the kernels in
//! `kernels.wat` run compiled by kiln, next to the same algorithms written
//! in Rust and compiled by rustc. Each pair is checked to compute the same
//! result before it is timed.
//!
//! Run with `cargo bench -p kiln --bench code`. To measure what deadlines
//! cost, set `KILN_BENCH_DEADLINES` to `epoch`, `fuel` or `epoch,fuel`:
//! the kernels are then compiled with those checks (with a deadline and
//! fuel that never run out), under the same benchmark names, so
//! criterion reports the change against a run without.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use kiln::{Config, Engine, Instance, Module, Store, TypedFunc};
use std::hint::black_box;

const FIB_N: i32 = 25;
const SIEVE_N: i32 = 500_000;
const MATMUL_N: i32 = 64;
const FNV_LEN: i32 = 256 * 1024;

fn fib(n: i32) -> i32 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn sieve(flags: &mut [u8]) -> i32 {
    let n = flags.len();
    flags.fill(1);
    let mut i = 2;
    while i * i <= n {
        if flags[i] != 0 {
            let mut j = i * i;
            while j < n {
                flags[j] = 0;
                j += i;
            }
        }
        i += 1;
    }
    flags[2..].iter().map(|f| i32::from(*f)).sum()
}

fn matmul(n: usize, a: &mut [f64], b: &mut [f64], c: &mut [f64]) -> f64 {
    for k in 0..n * n {
        a[k] = (k % 7) as f64;
        b[k] = (k % 5) as f64;
    }
    let mut sum = 0.0;
    for i in 0..n {
        for j in 0..n {
            let mut acc = 0.0;
            for k in 0..n {
                acc += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = acc;
            sum += acc;
        }
    }
    sum
}

fn fnv(bytes: &mut [u8]) -> i64 {
    for (k, b) in bytes.iter_mut().enumerate() {
        *b = (k as u32).wrapping_mul(31) as u8;
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes.iter() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100000001b3);
    }
    h as i64
}

/// The engine `KILN_BENCH_DEADLINES` asks for, and whether it uses fuel.
fn engine() -> (Engine, bool) {
    let wanted = std::env::var("KILN_BENCH_DEADLINES").unwrap_or_default();
    let mut config = Config::new();
    let mut fuel = false;
    for item in wanted.split(',').filter(|s| !s.is_empty()) {
        match item {
            "epoch" => config.epoch_interruption(true),
            "fuel" => {
                fuel = true;
                config.consume_fuel(true)
            }
            other => panic!("KILN_BENCH_DEADLINES: unknown `{other}` (expected epoch, fuel)"),
        };
    }
    (Engine::new(&config).expect("bench configuration is valid"), fuel)
}

fn benches(c: &mut Criterion) {
    let (engine, fuel) = engine();
    let module = Module::new(&engine, include_str!("kernels.wat")).expect("kernels compile");
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(u64::MAX);
    if fuel {
        store.set_fuel(u64::MAX).unwrap();
    }
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let wasm_fib: TypedFunc<i32, i32> = instance.get_typed_func(&mut store, "fib").unwrap();
    let wasm_sieve: TypedFunc<i32, i32> = instance.get_typed_func(&mut store, "sieve").unwrap();
    let wasm_matmul: TypedFunc<i32, f64> = instance.get_typed_func(&mut store, "matmul").unwrap();
    let wasm_fnv: TypedFunc<i32, i64> = instance.get_typed_func(&mut store, "fnv").unwrap();

    let mut flags = vec![0u8; SIEVE_N as usize];
    let n = MATMUL_N as usize;
    let (mut a, mut b, mut m) = (vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]);
    let mut bytes = vec![0u8; FNV_LEN as usize];

    // The two sides must agree before their times mean anything.
    assert_eq!(wasm_fib.call(&mut store, FIB_N).unwrap(), fib(FIB_N));
    assert_eq!(wasm_sieve.call(&mut store, SIEVE_N).unwrap(), sieve(&mut flags));
    assert_eq!(wasm_matmul.call(&mut store, MATMUL_N).unwrap(), matmul(n, &mut a, &mut b, &mut m));
    assert_eq!(wasm_fnv.call(&mut store, FNV_LEN).unwrap(), fnv(&mut bytes));

    let mut group = c.benchmark_group("code");
    group.sample_size(20);
    group.bench_function("fib/kiln", |bench| bench.iter(|| wasm_fib.call(&mut store, black_box(FIB_N)).unwrap()));
    group.bench_function("fib/native", |bench| bench.iter(|| fib(black_box(FIB_N))));
    group.bench_function("sieve/kiln", |bench| bench.iter(|| wasm_sieve.call(&mut store, black_box(SIEVE_N)).unwrap()));
    group.bench_function("sieve/native", |bench| bench.iter(|| sieve(black_box(&mut flags))));
    group.bench_function("matmul/kiln", |bench| {
        bench.iter(|| wasm_matmul.call(&mut store, black_box(MATMUL_N)).unwrap())
    });
    group.bench_function("matmul/native", |bench| bench.iter(|| matmul(black_box(n), &mut a, &mut b, &mut m)));
    group.bench_function("fnv/kiln", |bench| bench.iter(|| wasm_fnv.call(&mut store, black_box(FNV_LEN)).unwrap()));
    group.bench_function("fnv/native", |bench| bench.iter(|| fnv(black_box(&mut bytes))));
    group.finish();
}

criterion_group!(code_benches, benches);
criterion_main!(code_benches);
