//! Linear-memory addressing: the native address of a wasm load or store,
//! with its bounds check when one is needed.
//!
//! ```text
//! ============================================================================
//!  BOUNDS CHECKS AND THE GUARD REGION
//!
//!  Every 32-bit memory is a reservation of `kiln_environ::heap::
//!  RESERVATION_SIZE` bytes at a base that never moves: 4 GiB for the
//!  memory itself, then `GUARD_SIZE` bytes that are never accessible. Only
//!  the first `current_length` bytes are; the rest of the 4 GiB is mapped
//!  inaccessible too, and becomes accessible as the memory grows.
//!
//!  A wasm access reads `size` bytes at `base + zext(index) + offset`,
//!  where `index` is a 32-bit dynamic value and `offset` a static one.
//!  zext(index) <= 4 GiB - 1, so when `offset + size <= GUARD_SIZE` the
//!  whole access lies below `base + 4 GiB + GUARD_SIZE`: inside the
//!  reservation. If it is out of bounds it touches an inaccessible page,
//!  the fault handler finds the faulting instruction in the trap table
//!  (the access carries the `MemoryOutOfBounds` trap code) and the access
//!  traps. So no check is emitted (`guard_covers`).
//!
//!  A larger static offset could reach past the reservation into unrelated
//!  memory, so those accesses compare `zext(index) + offset + size` with
//!  the current length and trap explicitly before the access.
//! ============================================================================
//! ```

use super::FuncEnv;
use crate::error::{CompileError, CompileResult};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;
use kiln_environ::heap::guard_covers;
use kiln_environ::{MemoryIndex, TrapCode};

/// Where an access goes: Cranelift's `load`/`store` take an address value
/// plus a signed 32-bit immediate offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapAddress {
    /// The address value.
    pub base: Value,
    /// The immediate offset to add.
    pub offset: i32,
}

/// The memory flags of wasm loads and stores: little-endian, possibly
/// unaligned, and trapping as out of bounds when they fault.
pub fn heap_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl FuncEnv<'_> {
    /// The address of a `size`-byte access at 32-bit `index` plus static
    /// `offset` in memory `mem`, with the bounds check the guard region
    /// does not make unnecessary (see the banner above).
    pub fn heap_address(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        mem: MemoryIndex,
        index: Value,
        offset: u64,
        size: u32,
    ) -> CompileResult<HeapAddress> {
        let ptr = self.pointer_type();
        let base = self.memory_base(b, vmctx, mem)?;
        let index = if ptr == types::I32 { index } else { b.ins().uextend(ptr, index) };
        if guard_covers(offset, u64::from(size)) {
            let addr = b.ins().iadd(base, index);
            let Ok(offset) = i32::try_from(offset) else {
                return Err(CompileError::Internal(format!("guarded offset {offset:#x} exceeds i32")));
            };
            return Ok(HeapAddress { base: addr, offset });
        }
        let Some(end) = offset.checked_add(u64::from(size)).and_then(|e| i64::try_from(e).ok()) else {
            return Err(CompileError::Internal(format!("memarg offset {offset:#x} overflows")));
        };
        let len = self.memory_length(b, vmctx, mem)?;
        let access_end = b.ins().iadd_imm_s(index, end);
        let oob = b.ins().icmp(IntCC::UnsignedGreaterThan, access_end, len);
        b.ins().trapnz(oob, ir_trap(TrapCode::MemoryOutOfBounds));
        let addr = b.ins().iadd(base, index);
        let addr = b.ins().iadd_imm_s(addr, end - i64::from(size));
        Ok(HeapAddress { base: addr, offset: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::emit;
    use kiln_environ::heap::GUARD_SIZE;

    /// The CLIF of an i32 load at `offset` from the i32 parameter.
    fn load_at(offset: u64) -> String {
        emit(|env, b, vmctx, index| {
            let a = env.heap_address(b, vmctx, MemoryIndex::from_u32(0), index, offset, 4)?;
            b.ins().load(types::I32, heap_flags(), a.base, a.offset);
            Ok(())
        })
        .expect("translates")
    }

    #[test]
    fn small_offsets_rely_on_the_guard_region() {
        let clif = load_at(16);
        assert!(!clif.contains("trapnz") && !clif.contains("icmp"), "{clif}");
        // The offset stays on the load itself.
        assert!(clif.contains("load.i32 little v") && clif.contains("+16"), "{clif}");
        // Right up to the end of the guard region.
        let clif = load_at(GUARD_SIZE - 4);
        assert!(!clif.contains("trapnz"), "{clif}");
    }

    #[test]
    fn offsets_past_the_guard_region_are_checked() {
        for offset in [GUARD_SIZE - 3, GUARD_SIZE, u64::from(u32::MAX)] {
            let clif = load_at(offset);
            assert!(clif.contains("icmp ugt"), "{clif}");
            assert!(clif.contains("trapnz") && clif.contains("heap_oob"), "{clif}");
            // The check reads the current length through the definition.
            assert_eq!(clif.matches("load.i64").count(), 3, "{clif}");
        }
    }

    #[test]
    fn a_memory_the_module_lacks_is_a_bug() {
        let r = emit(|env, b, vmctx, index| env.heap_address(b, vmctx, MemoryIndex::from_u32(1), index, 0, 4));
        assert!(matches!(r, Err(CompileError::Internal(_))), "{r:?}");
    }
}
