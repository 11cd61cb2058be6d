//! The integer lane operators, i8x16 to i64x2: comparisons, shifts,
//! narrowing and extending, extended multiplies, pairwise additions and
//! the dot product.
//!
//! Lane-wise arithmetic that is one Cranelift instruction with wasm's
//! semantics (`iadd`, `sadd_sat`, `umin`, `avg_round`, `sqmul_round_sat`,
//! `popcnt`, ...) goes through [`FuncTranslator::v_binary`] and
//! [`FuncTranslator::v_unary`] from the visitor. What is composed here is
//! written the way Cranelift's backends pattern-match it: a dot product as
//! `iadd_pairwise` of two widened `imul`s becomes `pmaddwd` on x86-64.

use super::super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, InstructionData, Opcode, Type, Value, ValueDef, types};

/// Which half of the lanes a widening operator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Half {
    /// Lanes `0..n/2`.
    Low,
    /// Lanes `n/2..n`.
    High,
}

impl FuncTranslator<'_, '_> {
    /// A lane-wise comparison on `ty`, giving all-ones or zero lanes.
    pub(in super::super) fn v_icmp(&mut self, cc: IntCC, ty: Type) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let v = self.builder.ins().icmp(cc, a, b);
        self.push_v(v)
    }

    /// A shift of every `ty` lane by an i32 count taken modulo the lane
    /// width, as wasm defines it.
    pub(in super::super) fn v_shift(&mut self, opcode: Opcode, ty: Type) -> CompileResult<()> {
        let count = self.pop()?;
        let a = self.pop_v(ty)?;
        let mask = i64::from(ty.lane_bits() - 1);
        let count = self.builder.ins().band_imm_u(count, mask);
        let (inst, dfg) = self.builder.ins().Binary(opcode, ty, a, count);
        let v = dfg.first_result(inst);
        self.push_v(v)
    }

    /// `*.narrow_*`: two `from` vectors to one of half-width lanes,
    /// saturating signed (`snarrow`) or unsigned (`unarrow`).
    pub(in super::super) fn narrow(&mut self, from: Type, signed: bool) -> CompileResult<()> {
        let (a, b) = self.pop2_v(from)?;
        let v = if signed { self.builder.ins().snarrow(a, b) } else { self.builder.ins().unarrow(a, b) };
        self.push_v(v)
    }

    /// Widens half of the lanes of `a`.
    fn widen(&mut self, a: Value, half: Half, signed: bool) -> Value {
        let ins = self.builder.ins();
        match (half, signed) {
            (Half::Low, true) => ins.swiden_low(a),
            (Half::High, true) => ins.swiden_high(a),
            (Half::Low, false) => ins.uwiden_low(a),
            (Half::High, false) => ins.uwiden_high(a),
        }
    }

    /// `*.extend_{low,high}_*`: half the `from` lanes, widened.
    pub(in super::super) fn extend(&mut self, from: Type, half: Half, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(from)?;
        let v = self.widen(a, half, signed);
        self.push_v(v)
    }

    /// `*.extmul_{low,high}_*`: half the `from` lanes of each operand,
    /// widened and multiplied.
    ///
    /// When both operands are i16x8 lanes widened from bytes of the same
    /// signedness (an extending load or an extend of i8x16), every product
    /// fits in 16 bits: one `imul` of the i16x8 operands, widened, is
    /// exact, and the low and high halves of the same operands share it
    /// (on x86-64 one `pmullw` instead of `pmullw`+`pmulhw` per half).
    pub(in super::super) fn extmul(&mut self, from: Type, half: Half, signed: bool) -> CompileResult<()> {
        let (a, b) = self.pop2_v(from)?;
        if from == types::I16X8 && self.bytes_widened(a) == Some(signed) && self.bytes_widened(b) == Some(signed) {
            let p = self.builder.ins().imul(a, b);
            let v = self.widen(p, half, signed);
            return self.push_v(v);
        }
        let a = self.widen(a, half, signed);
        let b = self.widen(b, half, signed);
        let v = self.builder.ins().imul(a, b);
        self.push_v(v)
    }

    /// Whether vector `v` is i8x16 lanes widened to i16x8, looking through
    /// bitcasts: `Some(signed)` for a sign- or zero-extension, `None` when
    /// it is not (or not known to be).
    fn bytes_widened(&self, v: Value) -> Option<bool> {
        let dfg = &self.builder.func.dfg;
        let mut v = dfg.resolve_aliases(v);
        loop {
            let ValueDef::Result(inst, 0) = dfg.value_def(v) else { return None };
            match dfg.insts[inst] {
                InstructionData::Load { opcode: Opcode::Sload8x8, .. } => return Some(true),
                InstructionData::Load { opcode: Opcode::Uload8x8, .. } => return Some(false),
                InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, arg, .. } => v = dfg.resolve_aliases(arg),
                InstructionData::Unary { opcode, arg } => {
                    let from_bytes = dfg.value_type(arg) == types::I8X16;
                    match opcode {
                        Opcode::SwidenLow | Opcode::SwidenHigh if from_bytes => return Some(true),
                        Opcode::UwidenLow | Opcode::UwidenHigh if from_bytes => return Some(false),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// `*.extadd_pairwise_*`: adjacent `from` lanes widened and summed.
    pub(in super::super) fn extadd_pairwise(&mut self, from: Type, signed: bool) -> CompileResult<()> {
        let a = self.pop_v(from)?;
        let lo = self.widen(a, Half::Low, signed);
        let hi = self.widen(a, Half::High, signed);
        let v = self.builder.ins().iadd_pairwise(lo, hi);
        self.push_v(v)
    }

    /// The products of the signed lanes of `a` and `b`, widened, with
    /// adjacent pairs summed: one lane of twice the width per pair.
    pub(super) fn signed_dot(&mut self, a: Value, b: Value) -> Value {
        let alo = self.widen(a, Half::Low, true);
        let blo = self.widen(b, Half::Low, true);
        let lo = self.builder.ins().imul(alo, blo);
        let ahi = self.widen(a, Half::High, true);
        let bhi = self.widen(b, Half::High, true);
        let hi = self.builder.ins().imul(ahi, bhi);
        self.builder.ins().iadd_pairwise(lo, hi)
    }

    /// `i32x4.dot_i16x8_s`
    pub(in super::super) fn i32x4_dot_i16x8_s(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(cranelift_codegen::ir::types::I16X8)?;
        let v = self.signed_dot(a, b);
        self.push_v(v)
    }
}
