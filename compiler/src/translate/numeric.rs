//! Constants, integer and float arithmetic, bitwise operations and
//! comparisons, and the sign-extension operators.
//!
//! Cranelift's instructions already have wasm semantics here: shifts and
//! rotates mask their count, `sdiv`/`udiv`/`srem`/`urem` trap on a zero
//! divisor and `sdiv` on overflow, `fmin`/`fmax` propagate NaN and order
//! the zeros, and `nearest` rounds ties to even.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{InstBuilder, Value, types};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    pub(super) fn binary(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    pub(super) fn unary(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let v = f(self, a);
        self.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binary(|t, a, b| {
            let c = t.builder.ins().icmp(cc, a, b);
            t.builder.ins().uextend(types::I32, c)
        });
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binary(|t, a, b| {
            let c = t.builder.ins().fcmp(cc, a, b);
            t.builder.ins().uextend(types::I32, c)
        });
    }

    fn eqz(&mut self) {
        self.unary(|t, a| {
            let c = t.builder.ins().icmp_imm_s(IntCC::Equal, a, 0);
            t.builder.ins().uextend(types::I32, c)
        });
    }

    /// Sign-extends the low `from` bits of an `to`-typed value.
    fn sign_extend_low(&mut self, from: cranelift_codegen::ir::Type, to: cranelift_codegen::ir::Type) {
        self.unary(|t, a| {
            let low = t.builder.ins().ireduce(from, a);
            t.builder.ins().sextend(to, low)
        });
    }

    pub(super) fn numeric(&mut self, op: &O<'_>) -> CompileResult<bool> {
        macro_rules! bin {
            ($inst:ident) => {
                self.binary(|t, a, b| t.builder.ins().$inst(a, b))
            };
        }
        macro_rules! un {
            ($inst:ident) => {
                self.unary(|t, a| t.builder.ins().$inst(a))
            };
        }
        match *op {
            O::I32Const { value } => {
                let v = self.builder.ins().iconst(types::I32, i64::from(value));
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.builder.ins().iconst(types::I64, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.builder.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.builder.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            O::I32Add | O::I64Add => bin!(iadd),
            O::I32Sub | O::I64Sub => bin!(isub),
            O::I32Mul | O::I64Mul => bin!(imul),
            O::I32DivS | O::I64DivS => bin!(sdiv),
            O::I32DivU | O::I64DivU => bin!(udiv),
            O::I32RemS | O::I64RemS => bin!(srem),
            O::I32RemU | O::I64RemU => bin!(urem),
            O::I32And | O::I64And => bin!(band),
            O::I32Or | O::I64Or => bin!(bor),
            O::I32Xor | O::I64Xor => bin!(bxor),
            O::I32Shl | O::I64Shl => bin!(ishl),
            O::I32ShrS | O::I64ShrS => bin!(sshr),
            O::I32ShrU | O::I64ShrU => bin!(ushr),
            O::I32Rotl | O::I64Rotl => bin!(rotl),
            O::I32Rotr | O::I64Rotr => bin!(rotr),
            O::I32Clz | O::I64Clz => un!(clz),
            O::I32Ctz | O::I64Ctz => un!(ctz),
            O::I32Popcnt | O::I64Popcnt => un!(popcnt),

            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),

            O::I32Extend8S => self.sign_extend_low(types::I8, types::I32),
            O::I32Extend16S => self.sign_extend_low(types::I16, types::I32),
            O::I64Extend8S => self.sign_extend_low(types::I8, types::I64),
            O::I64Extend16S => self.sign_extend_low(types::I16, types::I64),
            O::I64Extend32S => self.sign_extend_low(types::I32, types::I64),

            O::F32Add | O::F64Add => bin!(fadd),
            O::F32Sub | O::F64Sub => bin!(fsub),
            O::F32Mul | O::F64Mul => bin!(fmul),
            O::F32Div | O::F64Div => bin!(fdiv),
            O::F32Min | O::F64Min => bin!(fmin),
            O::F32Max | O::F64Max => bin!(fmax),
            O::F32Copysign | O::F64Copysign => bin!(fcopysign),
            O::F32Abs | O::F64Abs => un!(fabs),
            O::F32Neg | O::F64Neg => un!(fneg),
            O::F32Sqrt | O::F64Sqrt => un!(sqrt),
            O::F32Ceil | O::F64Ceil => un!(ceil),
            O::F32Floor | O::F64Floor => un!(floor),
            O::F32Trunc | O::F64Trunc => un!(trunc),
            O::F32Nearest | O::F64Nearest => un!(nearest),

            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
