//! Differential execution against wasmi, the oracle.
//!
//! The fuzzer's bytes drive wasm-smith to a valid WebAssembly 2.0 module
//! with 128-bit SIMD and relaxed SIMD but no threads or later proposals,
//! with fuel counters woven in so every call terminates. kiln and wasmi each
//! instantiate it and call every exported function in name order (calls
//! share memory, globals and fuel), with arguments picked by position from
//! a table of interesting values. Whether instantiation worked, each call's
//! results or trap, and the exported memories (by length and hash) and
//! globals afterwards must agree; `v128` values compare by their 128 bits.
//!
//! NaN bit patterns are nondeterministic in wasm, so wasm-smith
//! canonicalises every float result, scalar and vector lanes alike
//! (`canonicalize_nans`). Relaxed SIMD is compared directly: kiln runs it
//! deterministically by default (as wasmtime's `relaxed_simd_deterministic`)
//! and wasmi 2 implements the same choices: `relaxed_swizzle` as
//! `i8x16.swizzle`, `relaxed_trunc*` as the saturating truncations,
//! `relaxed_madd`/`nmadd` fused, `relaxed_laneselect` as `v128.bitselect`,
//! `relaxed_min`/`max` as `min`/`max`, `relaxed_q15mulr_s` saturating, and
//! `relaxed_dot_i8x16_i7x16_*` with both operands signed. Any disagreement
//! there is a bug in one of them, not a permitted difference. Where wasm
//! leaves a resource limit to the engine, wasmi gets kiln's: a table grows
//! to at most `MAX_TABLE_ELEMENTS`.

use crate::{Stats, fnv};
use arbitrary::Unstructured;

/// The wasm-smith configuration: what both engines support, bounded so a
/// module compiles and runs in milliseconds.
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: true,
        relaxed_simd_enabled: true,
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

/// The most elements a table may grow to: kiln's limit, given to wasmi too.
const TABLE_ELEMENTS: usize = kiln_runtime_support::vm::table::MAX_TABLE_ELEMENTS as usize;

/// Fuel per loop and call that wasm-smith weaves into the module.
const FUEL: u32 = 1_000;

/// One argument of each type: (i32, i64, f32 bits, f64 bits, v128 bits).
type Arg = (i32, i64, u32, u64, u128);

/// Interesting argument values, picked by position so both engines get the
/// same arguments. The v128s mix lane patterns: zero, all ones, sign bits
/// of every lane width, f32/f64 specials and a byte ramp.
const ARGS: [Arg; 8] = [
    (0, 0, 0, 0, 0),
    (1, 1, 0x3fc0_0000, 0x3ff8_0000_0000_0000, 0x3ff8_0000_0000_0000_3fc0_0000_0000_0001),
    (-1, -1, 0x8000_0000, 0x8000_0000_0000_0000, u128::MAX),
    (i32::MIN, i64::MIN, 0x7fc0_0000, 0x7ff8_0000_0000_0000, 0x8000_0000_0000_0000_8000_8000_8080_8080),
    (i32::MAX, i64::MAX, 0x7f80_0000, 0x7ff0_0000_0000_0000, 0x7f80_0000_ff80_0000_4f00_0000_7fc0_0000),
    (65536, 65536, 0xff80_0000, 0xfff0_0000_0000_0000, 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100),
    (65535, 4_294_967_295, 0x4f00_0000, 0x41e0_0000_0000_0000, 0x41e0_0000_0000_0000_c1e0_0000_0000_0000),
    (7, -7, 0x7149_f2ca, 0x4415_af1d_78b5_8c40, 0x7fff_8000_0001_ffff_7f80_0180_ff01_7f00),
];

fn arg(i: usize) -> Arg {
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

/// The bits of kiln's `v128` payload, and a payload from bits: generic, so
/// the same code suits a bare `u128` and a `V128` that converts to and
/// from one.
fn v128_bits(x: impl Into<u128>) -> u128 {
    x.into()
}

fn v128_of<T: From<u128>>(bits: u128) -> T {
    T::from(bits)
}

fn kiln_val(v: &kiln::Val) -> String {
    match v {
        kiln::Val::I32(x) => format!("i32:{x}"),
        kiln::Val::I64(x) => format!("i64:{x}"),
        kiln::Val::F32(b) => format!("f32:{b:#x}"),
        kiln::Val::F64(b) => format!("f64:{b:#x}"),
        kiln::Val::V128(x) => format!("v128:{:#034x}", v128_bits(*x)),
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
        wasmi::Val::V128(x) => format!("v128:{:#034x}", x.as_u128()),
    }
}

/// Runs a module on kiln. Panics if kiln refuses it: every module the
/// configuration generates is one kiln must accept.
pub fn run_kiln(wasm: &[u8]) -> Run {
    let engine = kiln::Engine::default();
    let module = match kiln::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => panic!("kiln refused a valid generated module: {e:#}"),
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
                    kiln::ValType::V128 => kiln::Val::V128(v128_of(arg(i).4)),
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
    // kiln refuses to grow a table past MAX_TABLE_ELEMENTS; wasmi has no
    // limit of its own and grows one to billions of elements. Either is
    // allowed, so the oracle gets kiln's limit.
    let limits = wasmi::StoreLimitsBuilder::new().table_elements(TABLE_ELEMENTS).build();
    let mut store = wasmi::Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let linker = wasmi::Linker::<wasmi::StoreLimits>::new(&engine);
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
                    wasmi::ValType::V128 => wasmi::Val::V128(arg(i).4.into()),
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
    Stats { executed: true, accepted: true, calls: ours.calls.len(), simd: uses_simd(wasm) }
}

/// Whether `wasm` uses 128-bit SIMD: it no longer validates without the
/// SIMD and relaxed SIMD proposals.
pub fn uses_simd(wasm: &[u8]) -> bool {
    let mut features = wasmparser::WasmFeatures::default();
    features.remove(wasmparser::WasmFeatures::SIMD | wasmparser::WasmFeatures::RELAXED_SIMD);
    wasmparser::Validator::new_with_features(features).validate_all(wasm).is_err()
}

/// The differential target: generate a module from `data`, run it on both
/// engines, compare.
pub fn differential(data: &[u8]) -> Stats {
    match generate(data) {
        Some(wasm) => compare(&wasm),
        None => Stats::default(),
    }
}
