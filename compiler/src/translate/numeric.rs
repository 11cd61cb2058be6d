//! Constants, integer and float arithmetic, bitwise operations and
//! comparisons, and the sign-extension operators.
//!
//! Cranelift's instructions already have wasm semantics here: shifts and
//! rotates mask their count, `sdiv`/`udiv`/`srem`/`urem` trap on a zero
//! divisor and `sdiv` on overflow, `fmin`/`fmax` propagate NaN and order
//! the zeros, and `nearest` rounds ties to even. So most operators are one
//! Cranelift opcode, which the visitor passes in.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{InstBuilder, Opcode, Type, types};

impl FuncTranslator<'_, '_> {
    /// `i32.const`
    pub(super) fn i32_const(&mut self, value: i32) -> CompileResult<()> {
        let v = self.builder.ins().iconst(types::I32, i64::from(value));
        self.push(v);
        Ok(())
    }

    /// `i64.const`
    pub(super) fn i64_const(&mut self, value: i64) -> CompileResult<()> {
        let v = self.builder.ins().iconst(types::I64, value);
        self.push(v);
        Ok(())
    }

    /// `f32.const`
    pub(super) fn f32_const(&mut self, bits: u32) -> CompileResult<()> {
        let v = self.builder.ins().f32const(Ieee32::with_bits(bits));
        self.push(v);
        Ok(())
    }

    /// `f64.const`
    pub(super) fn f64_const(&mut self, bits: u64) -> CompileResult<()> {
        let v = self.builder.ins().f64const(Ieee64::with_bits(bits));
        self.push(v);
        Ok(())
    }

    /// A binary operator that is the Cranelift instruction `opcode`, typed
    /// by its operands.
    pub(super) fn binary(&mut self, opcode: Opcode) -> CompileResult<()> {
        let (a, b) = self.pop2()?;
        let ty = self.builder.func.dfg.value_type(a);
        let (inst, dfg) = self.builder.ins().Binary(opcode, ty, a, b);
        let v = dfg.first_result(inst);
        self.push(v);
        Ok(())
    }

    /// A unary operator that is the Cranelift instruction `opcode`, typed
    /// by its operand.
    pub(super) fn unary(&mut self, opcode: Opcode) -> CompileResult<()> {
        let a = self.pop()?;
        let ty = self.builder.func.dfg.value_type(a);
        self.unary_to(opcode, ty, a)
    }

    /// Emits the unary `opcode` with controlling type `ty` on `a`, pushing
    /// the result.
    pub(super) fn unary_to(&mut self, opcode: Opcode, ty: Type, a: cranelift_codegen::ir::Value) -> CompileResult<()> {
        let (inst, dfg) = self.builder.ins().Unary(opcode, ty, a);
        let v = dfg.first_result(inst);
        self.push(v);
        Ok(())
    }

    /// An integer comparison, producing an i32 0 or 1.
    pub(super) fn icmp(&mut self, cc: IntCC) -> CompileResult<()> {
        let (a, b) = self.pop2()?;
        let c = self.builder.ins().icmp(cc, a, b);
        let v = self.builder.ins().uextend(types::I32, c);
        self.push(v);
        Ok(())
    }

    /// A float comparison, producing an i32 0 or 1.
    pub(super) fn fcmp(&mut self, cc: FloatCC) -> CompileResult<()> {
        let (a, b) = self.pop2()?;
        let c = self.builder.ins().fcmp(cc, a, b);
        let v = self.builder.ins().uextend(types::I32, c);
        self.push(v);
        Ok(())
    }

    /// `i32.eqz` and `i64.eqz`.
    pub(super) fn eqz(&mut self) -> CompileResult<()> {
        let a = self.pop()?;
        let c = self.builder.ins().icmp_imm_s(IntCC::Equal, a, 0);
        let v = self.builder.ins().uextend(types::I32, c);
        self.push(v);
        Ok(())
    }

    /// Sign-extends the low `from` bits of a `to`-typed value
    /// (`i32.extend8_s` and friends).
    pub(super) fn sign_extend_low(&mut self, from: Type, to: Type) -> CompileResult<()> {
        let a = self.pop()?;
        let low = self.builder.ins().ireduce(from, a);
        let v = self.builder.ins().sextend(to, low);
        self.push(v);
        Ok(())
    }
}
