//! Differential testing: random valid modules (wasm-smith, WebAssembly 2.0
//! without SIMD, with fuel so every call terminates) run on kiln and on
//! wasmi, the oracle. Every exported function is called with zero
//! arguments; results, whether it trapped, and the exported memories and
//! globals afterwards must agree.
//!
//! `KILN_DIFF_ITERS` sets how many modules to try (default 400); a failing
//! seed is reported so it can be replayed.

use arbitrary::Unstructured;

fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        tail_call_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        canonicalize_nans: true,
        export_everything: true,
        max_imports: 0,
        min_funcs: 1,
        max_memories: 1,
        max_tables: 2,
        max_memory32_bytes: 4 << 20,
        max_table_elements: 1000,
        max_instructions: 400,
        ..Default::default()
    }
}

/// Deterministic bytes for a seed (xorshift64*).
fn bytes_for(seed: u64, len: usize) -> Vec<u8> {
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

/// Interesting argument values, picked by position so both engines get the
/// same arguments: (i32, i64, f32 bits, f64 bits).
const ARGS: [(i32, i64, u32, u64); 8] = [
    (0, 0, 0, 0),
    (1, 1, 0x3fc0_0000, 0x3ff8_0000_0000_0000),
    (-1, -1, 0x8000_0000, 0x8000_0000_0000_0000),
    (i32::MIN, i64::MIN, 0x7fc0_0000, 0x7ff8_0000_0000_0000),
    (i32::MAX, i64::MAX, 0x7f80_0000, 0x7ff0_0000_0000_0000),
    (65536, 65536, 0xff80_0000, 0xfff0_0000_0000_0000),
    (65535, 4_294_967_295, 0x4f00_0000, 0x41e0_0000_0000_0000),
    (7, -7, 0x7149_f2ca, 0x4415_af1d_78b5_8c40),
];

fn arg(i: usize) -> (i32, i64, u32, u64) {
    ARGS[i % ARGS.len()]
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Values(Vec<String>),
    Trapped,
}

fn kiln_val(v: &kiln::Val) -> String {
    match v {
        kiln::Val::I32(x) => format!("i32:{x}"),
        kiln::Val::I64(x) => format!("i64:{x}"),
        kiln::Val::F32(b) => format!("f32:{b:#x}"),
        kiln::Val::F64(b) => format!("f64:{b:#x}"),
        kiln::Val::V128(x) => format!("v128:{x:#x}"),
        kiln::Val::FuncRef(f) => format!("funcref:{}", if f.is_some() { "some" } else { "null" }),
        kiln::Val::ExternRef(r) => format!("externref:{}", if r.is_some() { "some" } else { "null" }),
    }
}

fn wasmi_val(v: &wasmi::Val) -> String {
    match v {
        wasmi::Val::I32(x) => format!("i32:{x}"),
        wasmi::Val::I64(x) => format!("i64:{x}"),
        wasmi::Val::F32(f) => format!("f32:{:#x}", f.to_bits()),
        wasmi::Val::F64(f) => format!("f64:{:#x}", f.to_bits()),
        wasmi::Val::FuncRef(f) => format!("funcref:{}", if f.is_null() { "null" } else { "some" }),
        wasmi::Val::ExternRef(r) => format!("externref:{}", if r.is_null() { "null" } else { "some" }),
        other => format!("{other:?}"),
    }
}

/// Runs a module on kiln: (instantiated?, per-export call outcomes, final state).
fn run_kiln(wasm: &[u8]) -> (bool, Vec<(String, Outcome)>, Vec<String>) {
    let engine = kiln::Engine::default();
    let module = kiln::Module::new(&engine, wasm).expect("kiln accepts every valid 2.0 module");
    let mut store = kiln::Store::new(&engine, ());
    let Ok(instance) = kiln::Instance::new(&mut store, &module, &[]) else {
        return (false, Vec::new(), Vec::new());
    };
    let mut exports: Vec<(String, kiln::Extern)> =
        instance.exports(&mut store).into_iter().map(|e| (e.name().to_string(), e.into_extern())).collect();
    // Calls share state (memory, globals, fuel): both engines call in name order.
    exports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut outcomes = Vec::new();
    for (name, ext) in &exports {
        if let kiln::Extern::Func(f) = ext {
            let ty = f.ty(&store);
            let params: Vec<_> = ty
                .params()
                .enumerate()
                .map(|(i, t)| match t {
                    kiln::ValType::I32 => kiln::Val::I32(arg(i).0),
                    kiln::ValType::I64 => kiln::Val::I64(arg(i).1),
                    kiln::ValType::F32 => kiln::Val::F32(arg(i).2),
                    kiln::ValType::F64 => kiln::Val::F64(arg(i).3),
                    other => kiln::Val::default_for(other),
                })
                .collect();
            let mut results: Vec<_> = ty.results().map(kiln::Val::default_for).collect();
            let outcome = match f.call(&mut store, &params, &mut results) {
                Ok(()) => Outcome::Values(results.iter().map(kiln_val).collect()),
                Err(_) => Outcome::Trapped,
            };
            outcomes.push((name.clone(), outcome));
        }
    }
    let mut snapshot = Vec::new();
    for (name, ext) in &exports {
        if let kiln::Extern::Memory(m) = ext {
            let data = m.data(&store);
            snapshot.push(format!("memory {name}: {} bytes, hash {:#x}", data.len(), fnv(data)));
        }
    }
    for (name, ext) in &exports {
        if let kiln::Extern::Global(g) = ext {
            snapshot.push(format!("global {name}: {}", kiln_val(&g.get(&mut store))));
        }
    }
    (true, outcomes, snapshot)
}

fn run_wasmi(wasm: &[u8]) -> (bool, Vec<(String, Outcome)>, Vec<String>) {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).expect("wasmi accepts the module");
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let Ok(instance) = linker.instantiate_and_start(&mut store, &module) else {
        return (false, Vec::new(), Vec::new());
    };
    let mut exports: Vec<(String, wasmi::Extern)> =
        instance.exports(&store).map(|e| (e.name().to_string(), e.into_extern())).collect();
    exports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut outcomes = Vec::new();
    for (name, ext) in &exports {
        if let wasmi::Extern::Func(f) = ext {
            let ty = f.ty(&store);
            let params: Vec<_> = ty
                .params()
                .iter()
                .enumerate()
                .map(|(i, t)| match t {
                    wasmi::ValType::I32 => wasmi::Val::I32(arg(i).0),
                    wasmi::ValType::I64 => wasmi::Val::I64(arg(i).1),
                    wasmi::ValType::F32 => wasmi::Val::F32(f32::from_bits(arg(i).2).into()),
                    wasmi::ValType::F64 => wasmi::Val::F64(f64::from_bits(arg(i).3).into()),
                    other => wasmi::Val::default_for_ty(*other),
                })
                .collect();
            let mut results: Vec<_> = ty.results().iter().map(|t| wasmi::Val::default_for_ty(*t)).collect();
            let outcome = match f.call(&mut store, &params, &mut results) {
                Ok(()) => Outcome::Values(results.iter().map(wasmi_val).collect()),
                Err(_) => Outcome::Trapped,
            };
            outcomes.push((name.clone(), outcome));
        }
    }
    let mut snapshot = Vec::new();
    for (name, ext) in &exports {
        if let wasmi::Extern::Memory(m) = ext {
            let data = m.data(&store);
            snapshot.push(format!("memory {name}: {} bytes, hash {:#x}", data.len(), fnv(data)));
        }
    }
    for (name, ext) in &exports {
        if let wasmi::Extern::Global(g) = ext {
            snapshot.push(format!("global {name}: {}", wasmi_val(&g.get(&store))));
        }
    }
    (true, outcomes, snapshot)
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn kiln_agrees_with_wasmi_on_random_modules() {
    let iters: u64 = std::env::var("KILN_DIFF_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let mut compared = 0;
    for seed in 0..iters {
        let data = bytes_for(seed, 8192);
        let mut u = Unstructured::new(&data);
        let Ok(mut module) = wasm_smith::Module::new(config(), &mut u) else { continue };
        if module.ensure_termination(1_000).is_err() {
            continue;
        }
        let wasm = module.to_bytes();
        // Engines may list exports in different orders; names are unique.
        let normalize = |(ok, mut calls, mut state): (bool, Vec<(String, Outcome)>, Vec<String>)| {
            calls.sort_by(|a, b| a.0.cmp(&b.0));
            state.sort();
            (ok, calls, state)
        };
        let ours = normalize(run_kiln(&wasm));
        let oracle = normalize(run_wasmi(&wasm));
        if ours != oracle {
            let dump = std::env::temp_dir().join(format!("kiln-diff-seed-{seed}.wasm"));
            let _ = std::fs::write(&dump, &wasm);
            panic!(
                "seed {seed} disagrees (module written to {})\nkiln:  {ours:?}\nwasmi: {oracle:?}\n{}",
                dump.display(),
                wasmprinter::print_bytes(&wasm).unwrap_or_default()
            );
        }
        compared += ours.1.len();
    }
    println!("differential: {iters} modules, {compared} export calls compared");
    assert!(compared as u64 > iters / 2, "too few calls compared: {compared}");
}
