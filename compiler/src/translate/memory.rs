//! Loads, stores, `memory.size`/`memory.grow` and the bulk memory
//! operators.
//!
//! ## Bounds checks
//!
//! Every 32-bit memory is a 4 GiB reservation followed by a guard region
//! of `GUARD_SIZE` bytes (see `kiln_environ::heap`). The
//! effective address is `base + zext(index) + offset`; when
//! `offset + access size <= GUARD_SIZE` it always lies inside the
//! reservation, so an out-of-bounds access hits an inaccessible page and
//! the fault becomes a `MemoryOutOfBounds` trap: no check is emitted. Only
//! larger static offsets get an explicit comparison with the current
//! length.

use super::{FuncTranslator, trusted};
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_entity::EntityRef;
use kiln_environ::heap::guard_covers;
use kiln_environ::libcalls::Libcall;
use kiln_environ::vmoffsets::{memory, memory_import};
use kiln_environ::{MemoryIndex, TrapCode};
use wasmparser::{MemArg, MemArgTarget, Operator as O};

fn heap_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl FuncTranslator<'_, '_> {
    fn memory_slot(&self, index: u32) -> u32 {
        self.env.offsets.memory(MemoryIndex::new(index as usize))
    }

    fn memory_length(&mut self, index: u32) -> Value {
        let def = self.load_vmctx_readonly(self.memory_slot(index) + memory_import::DEFINITION);
        let ptr = self.pointer_type();
        self.builder.ins().load(ptr, trusted(), def, memory::CURRENT_LENGTH as i32)
    }

    /// The native address of an access and the immediate offset to use.
    fn heap_address(&mut self, memarg: &MemArg, size: u32) -> (Value, i32) {
        let mem = match memarg.target {
            MemArgTarget::Memory(m) => m,
            MemArgTarget::Array(_) => unreachable!("validated: gc is not enabled"),
        };
        let index = self.pop();
        let base = self.load_vmctx_readonly(self.memory_slot(mem) + memory_import::BASE);
        let index = self.builder.ins().uextend(types::I64, index);
        let end = memarg.offset + u64::from(size);
        if guard_covers(memarg.offset, u64::from(size)) {
            let addr = self.builder.ins().iadd(base, index);
            return (addr, memarg.offset as i32);
        }
        let len = self.memory_length(mem);
        let access_end = self.builder.ins().iadd_imm_s(index, end as i64);
        let oob = self.builder.ins().icmp(IntCC::UnsignedGreaterThan, access_end, len);
        self.trapnz(oob, TrapCode::MemoryOutOfBounds);
        let addr = self.builder.ins().iadd(base, index);
        let addr = self.builder.ins().iadd_imm_s(addr, memarg.offset as i64);
        (addr, 0)
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, kind: LoadKind) {
        let size = match kind {
            LoadKind::Full => ty.bytes(),
            LoadKind::Extend8 { .. } => 1,
            LoadKind::Extend16 { .. } => 2,
            LoadKind::Extend32 { .. } => 4,
        };
        let (addr, offset) = self.heap_address(memarg, size);
        let f = heap_flags();
        let ins = self.builder.ins();
        let v = match kind {
            LoadKind::Full => ins.load(ty, f, addr, offset),
            LoadKind::Extend8 { signed: true } => ins.sload8(ty, f, addr, offset),
            LoadKind::Extend8 { signed: false } => ins.uload8(ty, f, addr, offset),
            LoadKind::Extend16 { signed: true } => ins.sload16(ty, f, addr, offset),
            LoadKind::Extend16 { signed: false } => ins.uload16(ty, f, addr, offset),
            LoadKind::Extend32 { signed: true } => ins.sload32(f, addr, offset),
            LoadKind::Extend32 { signed: false } => ins.uload32(f, addr, offset),
        };
        self.push(v);
    }

    fn store(&mut self, memarg: &MemArg, bytes: u32) {
        let value = self.pop();
        let (addr, offset) = self.heap_address(memarg, bytes);
        let f = heap_flags();
        let value_bytes = self.builder.func.dfg.value_type(value).bytes();
        let ins2 = self.builder.ins();
        match (bytes, value_bytes) {
            (1, _) => ins2.istore8(f, value, addr, offset),
            (2, _) => ins2.istore16(f, value, addr, offset),
            (4, 8) => ins2.istore32(f, value, addr, offset),
            _ => ins2.store(f, value, addr, offset),
        };
    }

    fn i32_const(&mut self, v: u32) -> Value {
        self.builder.ins().iconst(types::I32, i64::from(v as i32))
    }

    pub(super) fn memory(&mut self, op: &O<'_>) -> CompileResult<bool> {
        use types::{F32, F64, I32, I64};
        match op {
            O::I32Load { memarg } => self.load(memarg, I32, LoadKind::Full),
            O::I64Load { memarg } => self.load(memarg, I64, LoadKind::Full),
            O::F32Load { memarg } => self.load(memarg, F32, LoadKind::Full),
            O::F64Load { memarg } => self.load(memarg, F64, LoadKind::Full),
            O::I32Load8S { memarg } => self.load(memarg, I32, LoadKind::Extend8 { signed: true }),
            O::I32Load8U { memarg } => self.load(memarg, I32, LoadKind::Extend8 { signed: false }),
            O::I32Load16S { memarg } => self.load(memarg, I32, LoadKind::Extend16 { signed: true }),
            O::I32Load16U { memarg } => self.load(memarg, I32, LoadKind::Extend16 { signed: false }),
            O::I64Load8S { memarg } => self.load(memarg, I64, LoadKind::Extend8 { signed: true }),
            O::I64Load8U { memarg } => self.load(memarg, I64, LoadKind::Extend8 { signed: false }),
            O::I64Load16S { memarg } => self.load(memarg, I64, LoadKind::Extend16 { signed: true }),
            O::I64Load16U { memarg } => self.load(memarg, I64, LoadKind::Extend16 { signed: false }),
            O::I64Load32S { memarg } => self.load(memarg, I64, LoadKind::Extend32 { signed: true }),
            O::I64Load32U { memarg } => self.load(memarg, I64, LoadKind::Extend32 { signed: false }),
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, 4),
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, 2),
            O::I64Store32 { memarg } => self.store(memarg, 4),
            O::MemorySize { mem } => {
                let len = self.memory_length(*mem);
                let pages = self.builder.ins().ushr_imm_u(len, 16);
                let pages = self.builder.ins().ireduce(I32, pages);
                self.push(pages);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let m = self.i32_const(*mem);
                let r = self.call_libcall(Libcall::memory32_grow, &[m, delta]);
                self.push(r);
            }
            O::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                let m = self.i32_const(*mem);
                self.call_libcall(Libcall::memory_fill, &[m, dst, val, len]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let d = self.i32_const(*dst_mem);
                let s = self.i32_const(*src_mem);
                self.call_libcall(Libcall::memory_copy, &[d, s, dst, src, len]);
            }
            O::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let m = self.i32_const(*mem);
                let d = self.i32_const(*data_index);
                self.call_libcall(Libcall::memory_init, &[m, d, dst, src, len]);
            }
            O::DataDrop { data_index } => {
                let d = self.i32_const(*data_index);
                self.call_libcall(Libcall::data_drop, &[d]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Clone, Copy)]
enum LoadKind {
    Full,
    Extend8 { signed: bool },
    Extend16 { signed: bool },
    Extend32 { signed: bool },
}
