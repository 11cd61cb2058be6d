//! Conversions between integer and float lanes, and between f32x4 and
//! f64x2.
//!
//! Float-to-integer conversions saturate (`trunc_sat`): NaN gives 0 and
//! out-of-range values the nearest bound, as Cranelift's `fcvt_to_*_sat`
//! do. The f64x2 forms make two i64 lanes and narrow them, saturating, into
//! the low half of an i32x4 whose high half is zero.

use super::super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Value, types};

impl FuncTranslator<'_, '_> {
    /// `i32x4.trunc_sat_f32x4_{s,u}`
    pub(in super::super) fn i32x4_trunc_sat_f32x4(&mut self, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(types::F32X4)?;
        let ins = self.builder.ins();
        let v = if signed { ins.fcvt_to_sint_sat(types::I32X4, a) } else { ins.fcvt_to_uint_sat(types::I32X4, a) };
        self.push_v(v)
    }

    /// Two saturated i64 lanes narrowed into the low half of an i32x4,
    /// zeros above.
    pub(super) fn narrow_i64x2_zero(&mut self, wide: Value, signed: bool) -> Value {
        let zero = self.zero_v(types::I64X2);
        if signed { self.builder.ins().snarrow(wide, zero) } else { self.builder.ins().uunarrow(wide, zero) }
    }

    /// `i32x4.trunc_sat_f64x2_{s,u}_zero`
    pub(in super::super) fn i32x4_trunc_sat_f64x2_zero(&mut self, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(types::F64X2)?;
        let ins = self.builder.ins();
        let wide = if signed { ins.fcvt_to_sint_sat(types::I64X2, a) } else { ins.fcvt_to_uint_sat(types::I64X2, a) };
        let v = self.narrow_i64x2_zero(wide, signed);
        self.push_v(v)
    }

    /// `f32x4.convert_i32x4_{s,u}`
    pub(in super::super) fn f32x4_convert_i32x4(&mut self, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(types::I32X4)?;
        let ins = self.builder.ins();
        let v = if signed { ins.fcvt_from_sint(types::F32X4, a) } else { ins.fcvt_from_uint(types::F32X4, a) };
        self.push_v(v)
    }

    /// `f64x2.convert_low_i32x4_{s,u}`
    pub(in super::super) fn f64x2_convert_low_i32x4(&mut self, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(types::I32X4)?;
        let ins = self.builder.ins();
        let v = if signed {
            let w = ins.swiden_low(a);
            self.builder.ins().fcvt_from_sint(types::F64X2, w)
        } else {
            let w = ins.uwiden_low(a);
            self.builder.ins().fcvt_from_uint(types::F64X2, w)
        };
        self.push_v(v)
    }

    /// `f32x4.demote_f64x2_zero`
    pub(in super::super) fn f32x4_demote_f64x2_zero(&mut self) -> CompileResult<()> {
        let a = self.pop_v(types::F64X2)?;
        let v = self.builder.ins().fvdemote(a);
        self.push_v(v)
    }

    /// `f64x2.promote_low_f32x4`
    pub(in super::super) fn f64x2_promote_low_f32x4(&mut self) -> CompileResult<()> {
        let a = self.pop_v(types::F32X4)?;
        let v = self.builder.ins().fvpromote_low(a);
        self.push_v(v)
    }
}
