//! The modules the instantiation benchmarks measure, each as wasm bytes.
//!
//! Each case isolates one cost of instantiation: the fixed cost (`empty`),
//! a memory and exports (`small`), many functions escaping into a table
//! through an element segment (`funcs_200`), a real program (`logscan`, a
//! Rust WASI program of more than 1 MB) and a large data segment
//! (`data_16mib`).

use std::fmt::Write;

/// One module to measure.
pub struct Case {
    /// The name used in benchmark ids and in `compare.sh`'s table.
    pub name: &'static str,
    /// What the table prints for it.
    pub description: &'static str,
    /// The module's binary.
    pub wasm: Vec<u8>,
}

/// The committed large guest (built by `benches/guests/build.sh`).
pub const LOGSCAN_WASM: &[u8] = include_bytes!("../../guests/logscan.wasm");

/// The size of the data segment of `data_16mib`.
pub const DATA_SEGMENT_BYTES: usize = 16 << 20;

/// Every case, in the order the table prints them.
pub fn cases() -> anyhow::Result<Vec<Case>> {
    Ok(vec![
        Case { name: "empty", description: "empty module", wasm: wat::parse_str("(module)")? },
        Case { name: "small", description: "small (a memory, 2 functions)", wasm: wat::parse_str(SMALL_WAT)? },
        Case {
            name: "funcs_200",
            description: "200 functions + funcref table",
            wasm: wat::parse_str(funcs_with_table(200))?,
        },
        Case { name: "logscan", description: "logscan, a Rust WASI program", wasm: LOGSCAN_WASM.to_vec() },
        Case {
            name: "data_16mib",
            description: "a 16 MiB data segment",
            wasm: data_segment_module(DATA_SEGMENT_BYTES),
        },
    ])
}

/// A memory and a couple of functions, one of them using it.
const SMALL_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $counter))
    (i32.load (i32.const 0)))
)"#;

/// `n` small functions, all exported and all placed in a funcref table by
/// one active element segment, plus a dispatcher using `call_indirect`.
fn funcs_with_table(n: usize) -> String {
    let mut wat = String::from("(module\n  (type $t (func (param i32) (result i32)))\n  (memory 1)\n");
    let _ = writeln!(wat, "  (table {n} funcref)");
    for i in 0..n {
        let _ = writeln!(
            wat,
            "  (func $f{i} (export \"f{i}\") (type $t) (i32.add (i32.mul (local.get 0) (i32.const {})) (i32.const {i})))",
            i * 2 + 1
        );
    }
    wat.push_str(
        "  (func (export \"dispatch\") (param i32 i32) (result i32)\n    (call_indirect (type $t) (local.get 1) (local.get 0)))\n",
    );
    wat.push_str("  (elem (i32.const 0) func");
    for i in 0..n {
        let _ = write!(wat, " $f{i}");
    }
    wat.push_str(")\n)\n");
    wat
}

/// A module whose memory is exactly as large as its one active data
/// segment of `bytes` bytes (non-zero throughout, so no page is blank).
/// Encoded directly: the text form of 16 MiB would be 48 MB of escapes.
fn data_segment_module(bytes: usize) -> Vec<u8> {
    let pages = bytes.div_ceil(65536);
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    // Memory section: one memory, minimum `pages`, no maximum.
    let mut memory = vec![1, 0];
    leb128(&mut memory, pages);
    section(&mut wasm, 5, &memory);
    // Data section: one active segment for memory 0 at `i32.const 0`.
    let mut data = vec![1, 0, 0x41, 0, 0x0b];
    leb128(&mut data, bytes);
    data.extend((0..bytes).map(|i| (i % 251) as u8 | 1));
    section(&mut wasm, 11, &data);
    wasm
}

fn section(wasm: &mut Vec<u8>, id: u8, body: &[u8]) {
    wasm.push(id);
    leb128(wasm, body.len());
    wasm.extend_from_slice(body);
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_case_compiles() {
        for case in super::cases().unwrap() {
            let engine = kiln::Engine::default();
            kiln::Module::new(&engine, &case.wasm).unwrap_or_else(|e| panic!("{}: {e:#}", case.name));
        }
    }
}
