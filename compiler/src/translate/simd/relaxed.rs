//! Relaxed SIMD.
//!
//! Each operator has a deterministic lowering, the same result on every
//! host, which is the default (`Tunables::relaxed_simd_deterministic`):
//! - `relaxed_swizzle` is `i8x16.swizzle`;
//! - `relaxed_trunc*` are the saturating `trunc_sat*`;
//! - `relaxed_madd`/`relaxed_nmadd` are fused (`a * b + c`, `-a * b + c`,
//!   rounded once);
//! - `relaxed_laneselect` is `v128.bitselect`;
//! - `relaxed_min`/`relaxed_max` are `min`/`max`;
//! - `relaxed_q15mulr_s` is `q15mulr_sat_s`;
//! - the dot products treat both operands as signed, and the i32x4 form
//!   sums its four products exactly.
//!
//! These are the choices wasmtime's `relaxed_simd_deterministic` makes, so
//! results agree between the two engines. Without determinism, x86-64 uses
//! the single instruction each operator was designed around (`pshufb`,
//! `cvttps2dq`, `blendv*`, `minps`/`maxps`, `pmulhrsw`, `pmaddubsw`, and
//! an unfused multiply-add without FMA); other targets keep the
//! deterministic lowering.

use super::super::FuncTranslator;
use super::CpuNeed;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Type, types};

impl FuncTranslator<'_, '_> {
    fn deterministic(&self) -> bool {
        self.env.tunables.relaxed_simd_deterministic
    }

    /// `i8x16.relaxed_swizzle`
    pub(in super::super) fn relaxed_swizzle(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(types::I8X16)?;
        let v = if !self.deterministic() && self.is_x86() && self.env.isa.has_x86_pshufb_lowering() {
            self.builder.ins().x86_pshufb(a, b)
        } else {
            self.builder.ins().swizzle(a, b)
        };
        self.push_v(v)
    }

    /// `i32x4.relaxed_trunc_f32x4_{s,u}`
    pub(in super::super) fn relaxed_trunc_f32x4(&mut self, signed: bool) -> CompileResult<()> {
        if signed && !self.deterministic() && self.is_x86() {
            let a = self.pop_v(types::F32X4)?;
            let v = self.builder.ins().x86_cvtt2dq(types::I32X4, a);
            return self.push_v(v);
        }
        self.i32x4_trunc_sat_f32x4(signed)
    }

    /// `i32x4.relaxed_trunc_f64x2_{s,u}_zero`
    pub(in super::super) fn relaxed_trunc_f64x2_zero(&mut self, signed: bool) -> CompileResult<()> {
        if signed && !self.deterministic() && self.is_x86() {
            let a = self.pop_v(types::F64X2)?;
            let wide = self.builder.ins().x86_cvtt2dq(types::I64X2, a);
            let v = self.narrow_i64x2_zero(wide, true);
            return self.push_v(v);
        }
        self.i32x4_trunc_sat_f64x2_zero(signed)
    }

    /// `f32x4.relaxed_madd` and friends: `a * b + c`, with `a` negated for
    /// the `nmadd` forms.
    pub(in super::super) fn relaxed_madd(&mut self, ty: Type, negate: bool, name: &str) -> CompileResult<()> {
        let (a, b, c) = self.pop3_v(ty)?;
        let a = if negate { self.builder.ins().fneg(a) } else { a };
        let v = if self.env.isa.has_native_fma() {
            self.builder.ins().fma(a, b, c)
        } else if self.deterministic() {
            // Fused is the deterministic answer, and there is no instruction
            // for it here.
            self.require_cpu(CpuNeed::Fma, name)?;
            self.builder.ins().fma(a, b, c)
        } else {
            let m = self.builder.ins().fmul(a, b);
            self.builder.ins().fadd(m, c)
        };
        self.push_v(v)
    }

    /// `*.relaxed_laneselect` on `ty` lanes.
    pub(in super::super) fn relaxed_laneselect(&mut self, ty: Type) -> CompileResult<()> {
        let (a, b, mask) = self.pop3_v(ty)?;
        let v = if !self.deterministic() && self.env.isa.has_blendv_lowering(ty) {
            self.builder.ins().blendv(mask, a, b)
        } else {
            self.builder.ins().bitselect(mask, a, b)
        };
        self.push_v(v)
    }

    /// `*.relaxed_min` and `*.relaxed_max` on `ty` lanes.
    pub(in super::super) fn relaxed_min_max(&mut self, ty: Type, max: bool) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let v = match (!self.deterministic() && self.is_x86(), max) {
            (true, false) => self.pseudo_min(ty, a, b),
            (true, true) => self.pseudo_max(ty, a, b),
            (false, false) => self.builder.ins().fmin(a, b),
            (false, true) => self.builder.ins().fmax(a, b),
        };
        self.push_v(v)
    }

    /// `i16x8.relaxed_q15mulr_s`
    pub(in super::super) fn relaxed_q15mulr_s(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(types::I16X8)?;
        let v = if !self.deterministic() && self.env.isa.has_x86_pmulhrsw_lowering() {
            self.builder.ins().x86_pmulhrsw(a, b)
        } else {
            self.builder.ins().sqmul_round_sat(a, b)
        };
        self.push_v(v)
    }

    fn fast_dot(&self) -> bool {
        !self.deterministic() && self.env.isa.has_x86_pmaddubsw_lowering()
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s`
    pub(in super::super) fn relaxed_dot_i8x16_i7x16_s(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(types::I8X16)?;
        let v = if self.fast_dot() { self.builder.ins().x86_pmaddubsw(a, b) } else { self.signed_dot(a, b) };
        self.push_v(v)
    }

    /// `i32x4.relaxed_dot_i8x16_i7x16_add_s`
    pub(in super::super) fn relaxed_dot_i8x16_i7x16_add_s(&mut self) -> CompileResult<()> {
        let c = self.pop_v(types::I32X4)?;
        let (a, b) = self.pop2_v(types::I8X16)?;
        let dot = if self.fast_dot() {
            let d16 = self.builder.ins().x86_pmaddubsw(a, b);
            let lo = self.builder.ins().swiden_low(d16);
            let hi = self.builder.ins().swiden_high(d16);
            self.builder.ins().iadd_pairwise(lo, hi)
        } else {
            // Exactly: widen the i16 products to i32 before summing, so the
            // one pair that overflows i16 (-128 * -128 twice) does not wrap.
            let alo = self.builder.ins().swiden_low(a);
            let blo = self.builder.ins().swiden_low(b);
            let lo = self.builder.ins().imul(alo, blo);
            let ahi = self.builder.ins().swiden_high(a);
            let bhi = self.builder.ins().swiden_high(b);
            let hi = self.builder.ins().imul(ahi, bhi);
            let ins = |t: &mut Self, v, high: bool| {
                if high { t.builder.ins().swiden_high(v) } else { t.builder.ins().swiden_low(v) }
            };
            let (lo_lo, lo_hi) = (ins(self, lo, false), ins(self, lo, true));
            let (hi_lo, hi_hi) = (ins(self, hi, false), ins(self, hi, true));
            let s_lo = self.builder.ins().iadd_pairwise(lo_lo, lo_hi);
            let s_hi = self.builder.ins().iadd_pairwise(hi_lo, hi_hi);
            self.builder.ins().iadd_pairwise(s_lo, s_hi)
        };
        let v = self.builder.ins().iadd(dot, c);
        self.push_v(v)
    }
}
