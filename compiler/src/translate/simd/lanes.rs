//! `v128.const`, `i8x16.shuffle`, `i8x16.swizzle`, the splats, and lane
//! extraction and replacement.
//!
//! Lane indices are immediates the validator has checked against the lane
//! count. Lanes narrower than an i32 travel as i32 on the operand stack, so
//! they are narrowed (`ireduce`) going in and widened coming out.

use super::super::FuncTranslator;
use super::V128;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Type, types};

/// How an `extract_lane` of a narrow lane widens it to i32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneExtend {
    /// The lane is already a stack type (i32, i64, f32, f64).
    None,
    /// Sign-extend to i32.
    Signed,
    /// Zero-extend to i32.
    Unsigned,
}

impl FuncTranslator<'_, '_> {
    /// `v128.const`
    pub(in super::super) fn v128_const(&mut self, bytes: [u8; 16]) -> CompileResult<()> {
        let c = self.builder.func.dfg.constants.insert(bytes.to_vec().into());
        let v = self.builder.ins().vconst(V128, c);
        self.push_v(v)
    }

    /// `i8x16.shuffle`
    pub(in super::super) fn i8x16_shuffle(&mut self, lanes: [u8; 16]) -> CompileResult<()> {
        let (a, b) = self.pop2_v(types::I8X16)?;
        let mask = self.builder.func.dfg.immediates.push(lanes.to_vec().into());
        let v = self.builder.ins().shuffle(a, b, mask);
        self.push_v(v)
    }

    /// `i8x16.swizzle`: Cranelift's `swizzle` has its semantics (indices
    /// out of range select zero).
    pub(in super::super) fn i8x16_swizzle(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(types::I8X16)?;
        let v = self.builder.ins().swizzle(a, b);
        self.push_v(v)
    }

    /// `*.splat` to vector type `ty`.
    pub(in super::super) fn splat(&mut self, ty: Type) -> CompileResult<()> {
        let s = self.pop()?;
        let s = self.narrow_to_lane(s, ty.lane_type());
        let v = self.builder.ins().splat(ty, s);
        self.push_v(v)
    }

    /// `*.extract_lane*` of lane `lane` of a `ty` vector.
    pub(in super::super) fn extract_lane(&mut self, ty: Type, lane: u8, extend: LaneExtend) -> CompileResult<()> {
        let v = self.pop_v(ty)?;
        let x = self.builder.ins().extractlane(v, lane);
        let x = match extend {
            LaneExtend::None => x,
            LaneExtend::Signed => self.builder.ins().sextend(types::I32, x),
            LaneExtend::Unsigned => self.builder.ins().uextend(types::I32, x),
        };
        self.push(x);
        Ok(())
    }

    /// `*.replace_lane` of lane `lane` of a `ty` vector.
    pub(in super::super) fn replace_lane(&mut self, ty: Type, lane: u8) -> CompileResult<()> {
        let s = self.pop()?;
        let v = self.pop_v(ty)?;
        let s = self.narrow_to_lane(s, ty.lane_type());
        let r = self.builder.ins().insertlane(v, s, lane);
        self.push_v(r)
    }

    /// A scalar from the operand stack as a `lane`-typed value: i8 and i16
    /// lanes take the low bits of an i32.
    fn narrow_to_lane(&mut self, s: cranelift_codegen::ir::Value, lane: Type) -> cranelift_codegen::ir::Value {
        if self.builder.func.dfg.value_type(s) == lane { s } else { self.builder.ins().ireduce(lane, s) }
    }
}
