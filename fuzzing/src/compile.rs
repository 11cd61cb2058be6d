//! Compilation of anything: kiln must answer every input with an artifact
//! or an error, never a panic.
//!
//! The first byte of the input picks a mode:
//! - the rest as raw bytes (binary or text: `compile` accepts both);
//! - the rest behind a valid wasm preamble, so the bytes reach the section
//!   parser instead of failing at the magic number;
//! - a wasm-smith module with a random configuration, later proposals
//!   included (SIMD, threads, GC, exceptions, memory64, tail calls, ...):
//!   kiln must refuse what it does not support with an error;
//! - such a module with a few bytes overwritten, so that validation fails
//!   deep inside a function body or a section.
//!
//! Every input goes through `kiln_compiler::compile` (with a random
//! optimization level, sometimes with Cranelift's verifier) and through
//! `kiln::Module::new`, which compiles and then loads the artifact.

use crate::Stats;
use arbitrary::{Arbitrary, Unstructured};
use kiln_compiler::{CompilerConfig, OptLevel, Tunables};

/// Bounds the random configuration so one input compiles in milliseconds.
fn bounded(mut config: wasm_smith::Config) -> wasm_smith::Config {
    config.max_types = config.max_types.min(50);
    config.max_imports = config.max_imports.min(20);
    config.max_funcs = config.max_funcs.min(40);
    config.max_globals = config.max_globals.min(40);
    config.max_exports = config.max_exports.min(40);
    config.max_element_segments = config.max_element_segments.min(20);
    config.max_elements = config.max_elements.min(100);
    config.max_data_segments = config.max_data_segments.min(20);
    config.max_instructions = config.max_instructions.min(300);
    config.max_memories = config.max_memories.min(4);
    config.max_tables = config.max_tables.min(4);
    config.max_table_elements = config.max_table_elements.min(10_000);
    config
}

fn smith_module(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let mut config = bounded(wasm_smith::Config::arbitrary(u).ok()?);
    // Proposals `Config::arbitrary` leaves off.
    config.custom_page_sizes_enabled = u.arbitrary().ok()?;
    config.wide_arithmetic_enabled = u.arbitrary().ok()?;
    config.allow_invalid_funcs = u.ratio(1, 8).ok()?;
    let module = wasm_smith::Module::new(config, u).ok()?;
    Some(module.to_bytes())
}

fn compiler_config(u: &mut Unstructured<'_>) -> CompilerConfig {
    let opt_level = match u.int_in_range(0..=2u8).unwrap_or(0) {
        0 => OptLevel::None,
        1 => OptLevel::Speed,
        _ => OptLevel::SpeedAndSize,
    };
    // The verifier is slow; a few inputs in sixteen use it.
    let verify = u.ratio(1, 16).unwrap_or(false);
    // Deadline checks change every function's code: try them too.
    let tunables = Tunables {
        epoch_interruption: u.arbitrary().unwrap_or(false),
        consume_fuel: u.arbitrary().unwrap_or(false),
        relaxed_simd_deterministic: u.arbitrary().unwrap_or(true),
    };
    CompilerConfig { opt_level, verify, tunables, ..Default::default() }
}

/// Compiles `wasm` both ways. Any error is fine; a panic is a bug, and so is
/// an artifact from the compiler that its own loader refuses.
pub fn compile_both(wasm: &[u8], config: &CompilerConfig) -> Stats {
    let compiled = kiln_compiler::compile(wasm, config);
    let mut engine_config = kiln::Config::new();
    engine_config
        .cranelift_opt_level(config.opt_level)
        .cranelift_debug_verifier(config.verify)
        .epoch_interruption(config.tunables.epoch_interruption)
        .consume_fuel(config.tunables.consume_fuel);
    let engine = kiln::Engine::new(&engine_config).expect("a valid configuration");
    let loaded = kiln::Module::new(&engine, wasm);
    match (&compiled, &loaded) {
        (Ok(_), Err(e)) => panic!("compile succeeded but Module::new failed: {e:#}"),
        (Err(e), Ok(_)) => panic!("Module::new succeeded but compile failed: {e}"),
        _ => {}
    }
    Stats { executed: true, accepted: compiled.is_ok(), ..Stats::default() }
}

/// The compile target.
pub fn compile(data: &[u8]) -> Stats {
    let mut u = Unstructured::new(data);
    let mode = u.int_in_range(0..=7u8).unwrap_or(0);
    let config = compiler_config(&mut u);
    let wasm = match mode {
        0 => u.take_rest().to_vec(),
        1 => {
            let mut wasm = b"\0asm\x01\0\0\0".to_vec();
            wasm.extend_from_slice(u.take_rest());
            wasm
        }
        2..=5 => match smith_module(&mut u) {
            Some(wasm) => wasm,
            None => return Stats::default(),
        },
        _ => {
            let Some(mut wasm) = smith_module(&mut u) else { return Stats::default() };
            let edits = u.int_in_range(1..=4usize).unwrap_or(1);
            for _ in 0..edits {
                let (Ok(at), Ok(byte)) = (u.choose_index(wasm.len()), u.arbitrary::<u8>()) else { break };
                // The preamble stays intact, so the edit lands past it.
                if at >= 8 {
                    wasm[at] = byte;
                }
            }
            wasm
        }
    };
    compile_both(&wasm, &config)
}
