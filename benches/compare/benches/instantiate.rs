//! Per-request instantiation, kiln beside wasmtime: for each module of
//! [`kiln_compare::modules::cases`], a new `Store` plus an instance of a
//! precompiled (serialized, then deserialized) module, then both dropped.
//!
//! Ids are `instantiate-<case>/kiln` and `instantiate-<case>/wasmtime`;
//! `benches/compare.sh` turns their estimates into a table.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use kiln_compare::kiln_side::KilnPre;
use kiln_compare::wasmtime_side::WasmtimePre;
use std::time::Duration;

fn benches(c: &mut Criterion) {
    let kiln_engine = kiln_compare::kiln_side::engine().expect("kiln engine");
    let wasmtime_engine = kiln_compare::wasmtime_side::engine().expect("wasmtime engine");
    for case in kiln_compare::modules::cases().expect("benchmark modules build") {
        let kiln = KilnPre::new(&kiln_engine, &case.wasm).unwrap_or_else(|e| panic!("kiln, {}: {e:#}", case.name));
        let wasmtime =
            WasmtimePre::new(&wasmtime_engine, &case.wasm).unwrap_or_else(|e| panic!("wasmtime, {}: {e:#}", case.name));
        // Both must instantiate before their times mean anything.
        kiln.instantiate().unwrap_or_else(|e| panic!("kiln, {}: {e:#}", case.name));
        wasmtime.instantiate().unwrap_or_else(|e| panic!("wasmtime, {}: {e:#}", case.name));

        let mut group = c.benchmark_group(format!("instantiate-{}", case.name));
        group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
        group.bench_function("kiln", |b| b.iter(|| kiln.instantiate().unwrap()));
        group.bench_function("wasmtime", |b| b.iter(|| wasmtime.instantiate().unwrap()));
        group.finish();
    }
}

criterion_group!(instantiate_benches, benches);
criterion_main!(instantiate_benches);
