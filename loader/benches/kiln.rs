//! kiln's speed goals, measured with criterion: compile a mid-size module
//! (to artifact bytes, and to a loaded `Module`), load its artifact,
//! instantiate it, and call across the host/wasm boundary both ways; and
//! instantiate a module with a 16 MiB data segment against one without,
//! with copy-on-write memory images on and off (`cow_instantiate`).
//!
//! Run with `cargo bench -p kiln --bench kiln`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use kiln::{
    Config, Engine, Func, Instance, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig, Store,
};
use std::fmt::Write;
use std::hint::black_box;

/// A generated module of `n` functions with loops, arithmetic, memory
/// traffic, calls and a table: about 1,000 lines of WAT per 40 functions.
fn mid_size_module(n: usize) -> String {
    let mut wat = String::from("(module\n  (import \"host\" \"nop\" (func $nop))\n  (memory 1)\n");
    let _ = writeln!(wat, "  (table {n} funcref)");
    wat.push_str("  (type $t (func (param i32) (result i32)))\n");
    wat.push_str("  (func (export \"empty\"))\n  (func (export \"call_host\") call $nop)\n");
    for i in 0..n {
        let _ = writeln!(
            wat,
            r#"  (func $f{i} (export "f{i}") (param $x i32) (result i32) (local $acc i32) (local $k i32)
    (local.set $k (i32.const 0))
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $k) (local.get $x)))
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $k) (i32.const {mul}))))
      (i32.store offset={off} (i32.and (local.get $k) (i32.const 1020)) (local.get $acc))
      (local.set $acc (i32.xor (local.get $acc) (i32.load offset={off} (i32.and (local.get $acc) (i32.const 1020)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $top)))
    (if (result i32) (i32.gt_u (local.get $x) (i32.const 1000))
      (then (call_indirect (type $t) (i32.shr_u (local.get $x) (i32.const 1)) (i32.const {prev})))
      (else (i32.add (local.get $acc) (f64.lt (f64.convert_i32_u (local.get $acc)) (f64.const 1.5))))))"#,
            mul = i * 7 + 3,
            off = (i % 16) * 4,
            prev = i.saturating_sub(1),
        );
    }
    wat.push_str("  (elem (i32.const 0)");
    for i in 0..n {
        let _ = write!(wat, " $f{i}");
    }
    wat.push_str(")\n)\n");
    wat
}

fn benches(c: &mut Criterion) {
    let engine = Engine::default();
    let wasm = wat::parse_str(mid_size_module(200)).expect("generated module parses");
    let mut group = c.benchmark_group("kiln");
    group.sample_size(20);
    group.bench_function("compile_mid_size_module", |b| {
        b.iter(|| engine.precompile_module(black_box(&wasm)).unwrap());
    });
    group.bench_function("module_new_mid_size_module", |b| {
        b.iter(|| Module::new(&engine, black_box(&wasm)).unwrap());
    });
    let artifact = engine.precompile_module(&wasm).unwrap();
    group.bench_function("load_artifact", |b| {
        // SAFETY: the artifact was just produced by kiln.
        b.iter(|| unsafe { Module::deserialize(&engine, black_box(&artifact)) }.unwrap());
    });
    group.finish();

    // SAFETY: as above.
    let module = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.func_wrap("host", "nop", || {}).unwrap();
    // A store per instance, as a server does per request; the store's
    // creation and drop (unmapping the memory) are part of the cost.
    c.bench_function("instantiate", |b| {
        b.iter(|| {
            let mut store = Store::new(&engine, ());
            let nop = Func::wrap(&mut store, || {});
            Instance::new(&mut store, &module, &[nop.into()]).unwrap();
        });
    });
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let empty = instance.get_typed_func::<(), ()>(&mut store, "empty").unwrap();
    c.bench_function("call_host_to_wasm_empty", |b| b.iter(|| empty.call(&mut store, ()).unwrap()));
    let call_host = instance.get_typed_func::<(), ()>(&mut store, "call_host").unwrap();
    c.bench_function("call_wasm_to_host_empty", |b| b.iter(|| call_host.call(&mut store, ()).unwrap()));
}

fn leb128(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { byte } else { byte | 0x80 });
        if n == 0 {
            break;
        }
    }
}

/// A binary module with a memory of `pages` pages and, unless `data_len`
/// is 0, one active segment of that many non-zero bytes at offset 0 (a
/// 16 MiB string is too much for the text format).
fn memory_module(pages: usize, data_len: usize) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    let mut memory = vec![1, 0];
    leb128(pages, &mut memory);
    wasm.push(5);
    leb128(memory.len(), &mut wasm);
    wasm.extend_from_slice(&memory);
    if data_len > 0 {
        let mut data = vec![1, 0, 0x41, 0, 0x0b];
        leb128(data_len, &mut data);
        data.extend((0..data_len).map(|i| (i % 251) as u8 | 1));
        wasm.push(11);
        leb128(data.len(), &mut wasm);
        wasm.extend_from_slice(&data);
    }
    wasm
}

/// Instantiate + drop (a new store each time) of a memory of 257 pages,
/// empty or holding a 16 MiB data segment, with copy-on-write on (from a
/// memfd, and from the artifact file) and off, on demand and pooled.
fn cow_benches(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("kiln-cow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut group = c.benchmark_group("cow_instantiate");
    for (name, data_len) in [("empty", 0), ("data_16mib", 16 << 20)] {
        let wasm = memory_module(257, data_len);
        for (mode, cow, pooled) in [("cow", true, false), ("copy", false, false), ("cow_pooled", true, true)] {
            let mut config = kiln::Config::new();
            config.memory_init_cow(cow);
            if pooled {
                let mut pool = PoolingAllocationConfig::new();
                pool.total_memories(8).total_tables(8).total_core_instances(8);
                config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
            }
            let engine = Engine::new(&config).unwrap();
            let module = Module::new(&engine, &wasm).unwrap();
            let path = dir.join(format!("{name}.kiln"));
            std::fs::write(&path, module.serialize().unwrap()).unwrap();
            // SAFETY: kiln wrote the file just now, and nothing changes it.
            let from_file = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
            let sources = if cow { vec![("memfd", module), ("file", from_file)] } else { vec![("bytes", module)] };
            for (source, module) in sources {
                group.bench_function(format!("{name}/{mode}/{source}"), |b| {
                    b.iter(|| {
                        let mut store = Store::new(&engine, ());
                        black_box(Instance::new(&mut store, &module, &[]).unwrap());
                    });
                });
            }
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small module: one host import, a memory, a global and two exports.
const SMALL: &str = r#"(module
  (import "host" "nop" (func $nop))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "run") call $nop (global.set $g (i32.const 1))))"#;

/// Per-request instantiation, as a server does it: a new `Store`, then
/// `InstancePre::instantiate`, then drop, on demand and pooled.
fn per_request(c: &mut Criterion) {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_memories(64).total_tables(64).total_core_instances(64);
    pool.table_keep_resident(64 << 10);
    let mut pooled = Config::new();
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engines = [("on_demand", Engine::default()), ("pooling", Engine::new(&pooled).unwrap())];
    let mid = mid_size_module(200);
    let mut group = c.benchmark_group("per_request");
    for (name, engine) in &engines {
        for (module_name, wat) in [("small", SMALL), ("200_funcs_table", mid.as_str())] {
            let artifact = engine.precompile_module(wat.as_bytes()).unwrap();
            // SAFETY: the artifact was just produced by kiln.
            let module = unsafe { Module::deserialize(engine, &artifact) }.unwrap();
            let mut linker: Linker<()> = Linker::new(engine);
            linker.func_wrap("host", "nop", || {}).unwrap();
            let pre = linker.instantiate_pre(&module).unwrap();
            group.bench_function(format!("{module_name}/{name}"), |b| {
                b.iter(|| {
                    let mut store = Store::new(engine, ());
                    black_box(pre.instantiate(&mut store).unwrap());
                });
            });
        }
    }
    group.finish();
}

criterion_group!(kiln_benches, benches, cow_benches, per_request);
criterion_main!(kiln_benches);
