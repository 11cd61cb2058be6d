//! The float lane operators of f32x4 and f64x2 that are not a single
//! Cranelift instruction: comparisons, `pmin`/`pmax`, and the roundings
//! (which need a CPU feature on x86-64).
//!
//! `fmin`/`fmax` are Cranelift's instructions, which already propagate NaN
//! and order the zeros as wasm's `min`/`max` do; `fadd` and friends, `fabs`,
//! `fneg` and `sqrt` are one instruction too. The visitor sends those to
//! [`FuncTranslator::v_binary`] and [`FuncTranslator::v_unary`].

use super::super::FuncTranslator;
use super::CpuNeed;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Opcode, Type, Value};

impl FuncTranslator<'_, '_> {
    /// A lane-wise comparison on `ty`, giving all-ones or zero lanes.
    pub(in super::super) fn v_fcmp(&mut self, cc: FloatCC, ty: Type) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let v = self.builder.ins().fcmp(cc, a, b);
        self.push_v(v)
    }

    /// `b < a ? b : a` lane-wise: `pmin` (and relaxed `min` when not
    /// deterministic). In this operand order x86-64 selects `minps`.
    pub(super) fn pseudo_min(&mut self, ty: Type, a: Value, b: Value) -> Value {
        let lt = self.builder.ins().fcmp(FloatCC::LessThan, b, a);
        let lt = self.bitcast_v(ty, lt);
        self.builder.ins().bitselect(lt, b, a)
    }

    /// `a < b ? b : a` lane-wise: `pmax` (and relaxed `max` when not
    /// deterministic). In this operand order x86-64 selects `maxps`.
    pub(super) fn pseudo_max(&mut self, ty: Type, a: Value, b: Value) -> Value {
        let lt = self.builder.ins().fcmp(FloatCC::LessThan, a, b);
        let lt = self.bitcast_v(ty, lt);
        self.builder.ins().bitselect(lt, b, a)
    }

    /// `f32x4.pmin` and `f64x2.pmin`.
    pub(in super::super) fn pmin(&mut self, ty: Type) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let v = self.pseudo_min(ty, a, b);
        self.push_v(v)
    }

    /// `f32x4.pmax` and `f64x2.pmax`.
    pub(in super::super) fn pmax(&mut self, ty: Type) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let v = self.pseudo_max(ty, a, b);
        self.push_v(v)
    }

    /// `ceil`, `floor`, `trunc` and `nearest` (`opcode`) on `ty` lanes.
    pub(in super::super) fn v_round(&mut self, opcode: Opcode, ty: Type, name: &str) -> CompileResult<()> {
        self.require_cpu(CpuNeed::Round, name)?;
        self.v_unary(opcode, ty)
    }
}
