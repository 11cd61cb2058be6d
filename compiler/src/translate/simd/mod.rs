//! Fixed-width SIMD and relaxed SIMD: `v128` values as Cranelift vector
//! types, so that every operator becomes SSE/AVX (or NEON) code.
//!
//! One representation crosses operator boundaries: every `v128` on the
//! operand stack, in a local, a block parameter, a global, or a call is an
//! `i8x16` (what [`super::ir_type`] gives `v128`). An operator pops its
//! operands as the lane type it works on ([`FuncTranslator::pop_v`]
//! bitcasts them, which costs nothing: it is the same register) and pushes
//! its result back as `i8x16` ([`FuncTranslator::push_v`]). Cranelift folds
//! the bitcast pairs away.
//!
//! The families, one file each: `lanes` (constants, shuffles, splats,
//! lane access), `bitwise` (and the boolean reductions), `integer`,
//! `float`, `conversions`, `memory` (loads and stores, through the same
//! heap addressing, and so the same guard-region bounds elision, as scalar
//! accesses) and `relaxed` (relaxed SIMD, deterministic unless the engine
//! says otherwise). The routing from wasmparser's operators is in
//! `visit_simd`.
//!
//! A few operators need CPU features Cranelift has no fallback for (the
//! vector rounding instructions need SSE4.1 on x86-64; the fused
//! multiply-add of deterministic relaxed SIMD needs FMA): compiled for a
//! target without them, they are refused with the feature named
//! ([`FuncTranslator::require_cpu`]), never miscompiled.

mod bitwise;
mod conversions;
mod float;
mod integer;
mod lanes;
mod memory;
mod relaxed;
#[cfg(test)]
mod tests;

pub use integer::Half;
pub use lanes::LaneExtend;
pub use memory::ExtendLoad;

use super::FuncTranslator;
use crate::error::{CompileResult, unsupported};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Opcode, Type, Value, types};

/// The type every `v128` has between operators.
pub const V128: Type = types::I8X16;

/// The CPU capabilities some SIMD lowerings depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuNeed {
    /// Vector `ceil`/`floor`/`trunc`/`nearest` (SSE4.1 on x86-64).
    Round,
    /// A fused multiply-add instruction (FMA on x86-64).
    Fma,
}

impl FuncTranslator<'_, '_> {
    /// Reinterprets vector `v` as `ty`, the same 128 bits.
    pub(super) fn bitcast_v(&mut self, ty: Type, v: Value) -> Value {
        if self.builder.func.dfg.value_type(v) == ty {
            return v;
        }
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        self.builder.ins().bitcast(ty, flags, v)
    }

    /// Pops a `v128` as lane type `ty`.
    pub(super) fn pop_v(&mut self, ty: Type) -> CompileResult<Value> {
        let v = self.pop()?;
        Ok(self.bitcast_v(ty, v))
    }

    /// Pops two `v128`s as `ty`, in push order.
    pub(super) fn pop2_v(&mut self, ty: Type) -> CompileResult<(Value, Value)> {
        let (a, b) = self.pop2()?;
        Ok((self.bitcast_v(ty, a), self.bitcast_v(ty, b)))
    }

    /// Pops three `v128`s as `ty`, in push order.
    pub(super) fn pop3_v(&mut self, ty: Type) -> CompileResult<(Value, Value, Value)> {
        let (a, b, c) = self.pop3()?;
        Ok((self.bitcast_v(ty, a), self.bitcast_v(ty, b), self.bitcast_v(ty, c)))
    }

    /// Pushes a vector result as a `v128`.
    pub(super) fn push_v(&mut self, v: Value) -> CompileResult<()> {
        let v = self.bitcast_v(V128, v);
        self.push(v);
        Ok(())
    }

    /// A lane-wise binary operator that is the Cranelift instruction
    /// `opcode` on `ty`.
    pub(super) fn v_binary(&mut self, opcode: Opcode, ty: Type) -> CompileResult<()> {
        let (a, b) = self.pop2_v(ty)?;
        let (inst, dfg) = self.builder.ins().Binary(opcode, ty, a, b);
        let v = dfg.first_result(inst);
        self.push_v(v)
    }

    /// A lane-wise unary operator that is the Cranelift instruction
    /// `opcode` on `ty`.
    pub(super) fn v_unary(&mut self, opcode: Opcode, ty: Type) -> CompileResult<()> {
        let a = self.pop_v(ty)?;
        let (inst, dfg) = self.builder.ins().Unary(opcode, ty, a);
        let v = dfg.first_result(inst);
        self.push_v(v)
    }

    /// A zero vector of type `ty`.
    pub(super) fn zero_v(&mut self, ty: Type) -> Value {
        let c = self.builder.func.dfg.constants.insert(vec![0u8; 16].into());
        self.builder.ins().vconst(ty, c)
    }

    /// Refuses `op` when the target lacks what its lowering needs.
    pub(super) fn require_cpu(&self, need: CpuNeed, op: &str) -> CompileResult<()> {
        let isa = self.env.isa;
        let x86 = matches!(isa.triple().architecture, target_lexicon::Architecture::X86_64);
        let (has, feature) = match need {
            CpuNeed::Round => (isa.has_round(), "has_sse41"),
            CpuNeed::Fma => (isa.has_native_fma(), if x86 { "has_fma and has_avx" } else { "fma" }),
        };
        if !has {
            unsupported!("{op} needs the {feature} CPU feature, which the compilation target lacks");
        }
        Ok(())
    }

    /// Whether the target is x86-64, where relaxed SIMD has faster
    /// non-deterministic lowerings.
    pub(super) fn is_x86(&self) -> bool {
        matches!(self.env.isa.triple().architecture, target_lexicon::Architecture::X86_64)
    }
}
