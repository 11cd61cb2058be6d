//! Loads, stores, `memory.size`/`memory.grow` and the bulk memory
//! operators.
//!
//! Addresses and bounds checks come from the environment layer
//! (`FuncEnv::heap_address`, see `heap` for the guard-region reasoning);
//! everything that is not a plain access is a libcall.

use super::FuncTranslator;
use super::heap::heap_flags;
use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::{InstBuilder, Type, Value, types};
use kiln_environ::libcalls::Libcall;
use kiln_environ::{DataIndex, MemoryIndex};
use wasmparser::{MemArg, MemArgTarget};

/// How a load widens what it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadKind {
    /// The full width of the result type.
    Full,
    /// 8 bits, sign- or zero-extended.
    Extend8 {
        /// Sign-extend.
        signed: bool,
    },
    /// 16 bits, sign- or zero-extended.
    Extend16 {
        /// Sign-extend.
        signed: bool,
    },
    /// 32 bits, sign- or zero-extended (to i64).
    Extend32 {
        /// Sign-extend.
        signed: bool,
    },
}

fn memory_of(memarg: &MemArg) -> CompileResult<MemoryIndex> {
    match memarg.target {
        MemArgTarget::Memory(m) => Ok(MemoryIndex::from_u32(m)),
        MemArgTarget::Array(_) => bail_bug!("array memargs need gc, which the validator refuses"),
    }
}

impl FuncTranslator<'_, '_> {
    pub(super) fn heap_address(
        &mut self,
        memarg: &MemArg,
        index: Value,
        size: u32,
    ) -> CompileResult<super::heap::HeapAddress> {
        let mem = memory_of(memarg)?;
        self.env.heap_address(&mut self.builder, self.vmctx, mem, index, memarg.offset, size)
    }

    /// A load producing `ty`.
    pub(super) fn load(&mut self, memarg: &MemArg, ty: Type, kind: LoadKind) -> CompileResult<()> {
        let size = match kind {
            LoadKind::Full => ty.bytes(),
            LoadKind::Extend8 { .. } => 1,
            LoadKind::Extend16 { .. } => 2,
            LoadKind::Extend32 { .. } => 4,
        };
        let index = self.pop()?;
        let a = self.heap_address(memarg, index, size)?;
        let (f, addr, offset) = (heap_flags(), a.base, a.offset);
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
        Ok(())
    }

    /// A store of the low `bytes` bytes of the value on top of the stack.
    pub(super) fn store(&mut self, memarg: &MemArg, bytes: u32) -> CompileResult<()> {
        let (index, value) = self.pop2()?;
        let a = self.heap_address(memarg, index, bytes)?;
        let (f, addr, offset) = (heap_flags(), a.base, a.offset);
        let value_bytes = self.builder.func.dfg.value_type(value).bytes();
        let ins = self.builder.ins();
        match (bytes, value_bytes) {
            (1, _) => ins.istore8(f, value, addr, offset),
            (2, _) => ins.istore16(f, value, addr, offset),
            (4, 8) => ins.istore32(f, value, addr, offset),
            _ => ins.store(f, value, addr, offset),
        };
        Ok(())
    }

    /// `memory.size`
    pub(super) fn memory_size(&mut self, mem: MemoryIndex) -> CompileResult<()> {
        let len = self.env.memory_length(&mut self.builder, self.vmctx, mem)?;
        let pages = self.builder.ins().ushr_imm_u(len, 16);
        let pages = self.builder.ins().ireduce(types::I32, pages);
        self.push(pages);
        Ok(())
    }

    /// `memory.grow`
    pub(super) fn memory_grow(&mut self, mem: MemoryIndex) -> CompileResult<()> {
        let delta = self.pop()?;
        let m = self.index_operand(mem.as_u32());
        let r = self.call_libcall(Libcall::memory32_grow, &[m, delta])?;
        self.push(r);
        Ok(())
    }

    /// `memory.fill`
    pub(super) fn memory_fill(&mut self, mem: MemoryIndex) -> CompileResult<()> {
        let (dst, val, len) = self.pop3()?;
        let m = self.index_operand(mem.as_u32());
        self.call_libcall(Libcall::memory_fill, &[m, dst, val, len]).map(|_| ())
    }

    /// `memory.copy`
    pub(super) fn memory_copy(&mut self, dst_mem: MemoryIndex, src_mem: MemoryIndex) -> CompileResult<()> {
        let (dst, src, len) = self.pop3()?;
        let d = self.index_operand(dst_mem.as_u32());
        let s = self.index_operand(src_mem.as_u32());
        self.call_libcall(Libcall::memory_copy, &[d, s, dst, src, len]).map(|_| ())
    }

    /// `memory.init`
    pub(super) fn memory_init(&mut self, data: DataIndex, mem: MemoryIndex) -> CompileResult<()> {
        let (dst, src, len) = self.pop3()?;
        let m = self.index_operand(mem.as_u32());
        let d = self.index_operand(data.as_u32());
        self.call_libcall(Libcall::memory_init, &[m, d, dst, src, len]).map(|_| ())
    }

    /// `data.drop`
    pub(super) fn data_drop(&mut self, data: DataIndex) -> CompileResult<()> {
        let d = self.index_operand(data.as_u32());
        self.call_libcall(Libcall::data_drop, &[d]).map(|_| ())
    }
}
