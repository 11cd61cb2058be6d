//! Binary-format rules of WebAssembly 2.0 that wasmparser relaxes because
//! later proposals relaxed them (multi-memory turned the reserved memory
//! bytes into LEB128 indices; memory64 widened memory limits to 64 bits).
//! With those proposals disabled, kiln enforces the 2.0 encoding:
//! - the memory index of `memory.size`, `memory.grow`, `memory.fill`,
//!   `memory.copy` and `memory.init` is a single `0x00` byte;
//! - memory limits are `u32` LEB128s (at most 5 bytes).

use crate::error::CompileError;
use wasmparser::{BinaryReader, Operator};

/// Checks the encoding of a memory section's limits.
pub fn check_memory_section(wasm: &[u8], range: std::ops::Range<usize>) -> Result<(), CompileError> {
    let mut r = BinaryReader::new(&wasm[range.clone()], range.start as u64);
    let count = r.read_var_u32()?;
    for _ in 0..count {
        let flags = r.read_u8()?;
        r.read_var_u32()?;
        if flags & 1 != 0 {
            r.read_var_u32()?;
        }
    }
    Ok(())
}

/// How many trailing reserved zero bytes an operator has, if any.
fn reserved_zero_bytes(op: &Operator<'_>) -> usize {
    match op {
        Operator::MemorySize { .. }
        | Operator::MemoryGrow { .. }
        | Operator::MemoryFill { .. }
        | Operator::MemoryInit { .. } => 1,
        Operator::MemoryCopy { .. } => 2,
        _ => 0,
    }
}

/// Checks that an operator's reserved bytes are single zero bytes. `bytes`
/// is the operator's whole encoding.
pub fn check_reserved_bytes(op: &Operator<'_>, bytes: &[u8], offset: usize) -> Result<(), CompileError> {
    let n = reserved_zero_bytes(op);
    if n == 0 {
        return Ok(());
    }
    // The reserved bytes end the encoding, and the byte before them ends
    // the opcode or the previous immediate, so it has no continuation bit.
    let ok = bytes.len() > n && bytes[bytes.len() - n..].iter().all(|b| *b == 0) && bytes[bytes.len() - n - 1] < 0x80;
    if ok { Ok(()) } else { Err(CompileError::Invalid { message: "zero byte expected".into(), offset }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_zero_is_refused() {
        let op = Operator::MemoryGrow { mem: 0 };
        assert!(check_reserved_bytes(&op, &[0x40, 0x00], 0).is_ok());
        assert!(check_reserved_bytes(&op, &[0x40, 0x80, 0x00], 0).is_err());
        let copy = Operator::MemoryCopy { dst_mem: 0, src_mem: 0 };
        assert!(check_reserved_bytes(&copy, &[0xfc, 0x0a, 0x00, 0x00], 0).is_ok());
        assert!(check_reserved_bytes(&copy, &[0xfc, 0x0a, 0x80, 0x00, 0x00], 0).is_err());
    }
}
