//! The `v128` loads and stores: whole vectors, the extending loads
//! (`v128.load8x8_s` and friends), splat and zero loads, and the lane
//! loads and stores.
//!
//! Every access takes its address from `FuncEnv::heap_address` with its
//! true width (16 bytes for a whole vector, 8 for an extending load, the
//! lane's width for the lane forms), so the bounds checks are elided by the
//! same guard-region reasoning as scalar accesses (see `heap`). No access
//! needs alignment.

use super::super::FuncTranslator;
use super::super::heap::heap_flags;
use super::V128;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::MemArg;

/// The extending loads: 8 bytes read as half-width lanes and widened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendLoad {
    /// Eight bytes to i16x8.
    I8x8,
    /// Four i16 to i32x4.
    I16x4,
    /// Two i32 to i64x2.
    I32x2,
}

impl FuncTranslator<'_, '_> {
    /// The address of a `bytes`-wide access at the index on top of the
    /// stack.
    fn v_address(&mut self, memarg: &MemArg, index: Value, bytes: u32) -> CompileResult<(Value, i32)> {
        let a = self.heap_address(memarg, index, bytes)?;
        Ok((a.base, a.offset))
    }

    /// `v128.load`
    pub(in super::super) fn v128_load(&mut self, memarg: &MemArg) -> CompileResult<()> {
        let index = self.pop()?;
        let (addr, offset) = self.v_address(memarg, index, 16)?;
        let v = self.builder.ins().load(V128, heap_flags(), addr, offset);
        self.push_v(v)
    }

    /// `v128.store`
    pub(in super::super) fn v128_store(&mut self, memarg: &MemArg) -> CompileResult<()> {
        let v = self.pop_v(V128)?;
        let index = self.pop()?;
        let (addr, offset) = self.v_address(memarg, index, 16)?;
        self.builder.ins().store(heap_flags(), v, addr, offset);
        Ok(())
    }

    /// `v128.load{8x8,16x4,32x2}_{s,u}`
    pub(in super::super) fn v128_load_extend(
        &mut self,
        memarg: &MemArg,
        kind: ExtendLoad,
        signed: bool,
    ) -> CompileResult<()> {
        let index = self.pop()?;
        let (addr, offset) = self.v_address(memarg, index, 8)?;
        let f = heap_flags();
        let ins = self.builder.ins();
        let v = match (kind, signed) {
            (ExtendLoad::I8x8, true) => ins.sload8x8(f, addr, offset),
            (ExtendLoad::I8x8, false) => ins.uload8x8(f, addr, offset),
            (ExtendLoad::I16x4, true) => ins.sload16x4(f, addr, offset),
            (ExtendLoad::I16x4, false) => ins.uload16x4(f, addr, offset),
            (ExtendLoad::I32x2, true) => ins.sload32x2(f, addr, offset),
            (ExtendLoad::I32x2, false) => ins.uload32x2(f, addr, offset),
        };
        self.push_v(v)
    }

    /// `v128.load{8,16,32,64}_splat`: one `ty`-lane element, in every lane.
    pub(in super::super) fn v128_load_splat(&mut self, memarg: &MemArg, ty: Type) -> CompileResult<()> {
        let index = self.pop()?;
        let lane = ty.lane_type();
        let (addr, offset) = self.v_address(memarg, index, lane.bytes())?;
        let s = self.builder.ins().load(lane, heap_flags(), addr, offset);
        let v = self.builder.ins().splat(ty, s);
        self.push_v(v)
    }

    /// `v128.load{32,64}_zero`: one element in lane 0, zeros above.
    pub(in super::super) fn v128_load_zero(&mut self, memarg: &MemArg, ty: Type) -> CompileResult<()> {
        let index = self.pop()?;
        let lane = ty.lane_type();
        let (addr, offset) = self.v_address(memarg, index, lane.bytes())?;
        let s = self.builder.ins().load(lane, heap_flags(), addr, offset);
        let v = self.builder.ins().scalar_to_vector(ty, s);
        self.push_v(v)
    }

    /// `v128.load{8,16,32,64}_lane`: one element into lane `lane` of a
    /// `ty` vector.
    pub(in super::super) fn v128_load_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> CompileResult<()> {
        let v = self.pop_v(ty)?;
        let index = self.pop()?;
        let lane_ty = ty.lane_type();
        let (addr, offset) = self.v_address(memarg, index, lane_ty.bytes())?;
        let s = self.builder.ins().load(lane_ty, heap_flags(), addr, offset);
        let r = self.builder.ins().insertlane(v, s, lane);
        self.push_v(r)
    }

    /// `v128.store{8,16,32,64}_lane`: lane `lane` of a `ty` vector.
    pub(in super::super) fn v128_store_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> CompileResult<()> {
        let v = self.pop_v(ty)?;
        let index = self.pop()?;
        let lane_ty = ty.lane_type();
        let (addr, offset) = self.v_address(memarg, index, lane_ty.bytes())?;
        let s = self.builder.ins().extractlane(v, lane);
        self.builder.ins().store(heap_flags(), s, addr, offset);
        Ok(())
    }
}
