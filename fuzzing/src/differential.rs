//! Differential execution against wasmi, the oracle.
//!
//! The fuzzer's bytes drive wasm-smith to a valid WebAssembly 2.0 module
//! without SIMD, threads or later proposals, with fuel counters woven in so
//! every call terminates. kiln and wasmi each instantiate it and call every
//! exported function in name order (calls share memory, globals and fuel),
//! with arguments picked by position from a table of interesting values.
//! Whether instantiation worked, each call's results or trap, and the
//! exported memories (by length and hash) and globals afterwards must agree.

use crate::{Stats, fnv};
use arbitrary::Unstructured;

/// The wasm-smith configuration: what both engines support, bounded so a
/// module compiles and runs in milliseconds.
pub fn smith_config() -> wasm_smith::Config {
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

/// Fuel per loop and call that wasm-smith weaves into the module.
const FUEL: u32 = 1_000;

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

/// The result of one exported call.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these values, rendered engine-neutrally.
    Values(Vec<String>),
    /// Trapped (the trap kind is not compared: engines word them apart).
    Trapped,
}

/// What one engine did with a module: whether it instantiated, every
/// export call's outcome by name, and the exported state afterwards.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    /// Instantiation (data and element segments, start function) succeeded.
    pub instantiated: bool,
    /// (export name, outcome), sorted by name.
    pub calls: Vec<(String, Outcome)>,
    /// One line per exported memory and global, sorted.
    pub state: Vec<String>,
}

impl Run {
    fn failed() -> Self {
        Run { instantiated: false, calls: Vec::new(), state: Vec::new() }
    }

    fn normalized(mut self) -> Self {
        // Engines may list exports in different orders; names are unique.
        self.calls.sort_by(|a, b| a.0.cmp(&b.0));
        self.state.sort();
        self
    }
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

/// Runs a module on kiln. Panics if kiln refuses it: every module the
/// configuration generates is one kiln must accept.
pub fn run_kiln(wasm: &[u8]) -> Run {
    let engine = kiln::Engine::default();
    let module = match kiln::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => panic!("kiln refused a valid WebAssembly 2.0 module: {e:#}"),
    };
    let mut store = kiln::Store::new(&engine, ());
    let Ok(instance) = kiln::Instance::new(&mut store, &module, &[]) else {
        return Run::failed();
    };
    let mut exports: Vec<(String, kiln::Extern)> =
        instance.exports(&mut store).into_iter().map(|e| (e.name().to_string(), e.into_extern())).collect();
    // Calls share state (memory, globals, fuel): both engines call in name order.
    exports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut calls = Vec::new();
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
            calls.push((name.clone(), outcome));
        }
    }
    let mut state = Vec::new();
    for (name, ext) in &exports {
        match ext {
            kiln::Extern::Memory(m) => {
                let data = m.data(&store);
                state.push(format!("memory {name}: {} bytes, hash {:#x}", data.len(), fnv(data)));
            }
            kiln::Extern::Global(g) => state.push(format!("global {name}: {}", kiln_val(&g.get(&mut store)))),
            _ => {}
        }
    }
    Run { instantiated: true, calls, state }.normalized()
}

/// Runs a module on wasmi.
pub fn run_wasmi(wasm: &[u8]) -> Run {
    let engine = wasmi::Engine::default();
    let module = match wasmi::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => panic!("wasmi refused the generated module: {e}"),
    };
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let Ok(instance) = linker.instantiate_and_start(&mut store, &module) else {
        return Run::failed();
    };
    let mut exports: Vec<(String, wasmi::Extern)> =
        instance.exports(&store).map(|e| (e.name().to_string(), e.into_extern())).collect();
    exports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut calls = Vec::new();
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
            calls.push((name.clone(), outcome));
        }
    }
    let mut state = Vec::new();
    for (name, ext) in &exports {
        match ext {
            wasmi::Extern::Memory(m) => {
                let data = m.data(&store);
                state.push(format!("memory {name}: {} bytes, hash {:#x}", data.len(), fnv(data)));
            }
            wasmi::Extern::Global(g) => state.push(format!("global {name}: {}", wasmi_val(&g.get(&store)))),
            _ => {}
        }
    }
    Run { instantiated: true, calls, state }.normalized()
}

/// The module `data` generates, or `None` when the bytes are not enough
/// for wasm-smith (or the fuel pass gives up).
pub fn generate(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(data);
    let mut module = wasm_smith::Module::new(smith_config(), &mut u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

/// Compares kiln with wasmi on `wasm`; panics, with both runs and the
/// module as text, when they disagree.
pub fn compare(wasm: &[u8]) -> Stats {
    let ours = run_kiln(wasm);
    let oracle = run_wasmi(wasm);
    if ours != oracle {
        panic!(
            "kiln and wasmi disagree\nkiln:  {ours:?}\nwasmi: {oracle:?}\n{}",
            wasmprinter::print_bytes(wasm).unwrap_or_default()
        );
    }
    Stats { executed: true, accepted: true, calls: ours.calls.len() }
}

/// The differential target: generate a module from `data`, run it on both
/// engines, compare.
pub fn differential(data: &[u8]) -> Stats {
    match generate(data) {
        Some(wasm) => compare(&wasm),
        None => Stats::default(),
    }
}
