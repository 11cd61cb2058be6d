//! Conversions between value types: wrapping, extension, float/int
//! conversion (trapping and saturating), demotion, promotion and
//! reinterpretation.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    pub(super) fn conversions(&mut self, op: &O<'_>) -> CompileResult<bool> {
        use types::{F32, F64, I32, I64};
        macro_rules! conv {
            ($inst:ident, $ty:expr) => {
                self.unary(|t, a| t.builder.ins().$inst($ty, a))
            };
        }
        match *op {
            O::I32WrapI64 => conv!(ireduce, I32),
            O::I64ExtendI32S => conv!(sextend, I64),
            O::I64ExtendI32U => conv!(uextend, I64),

            O::I32TruncF32S | O::I32TruncF64S => conv!(fcvt_to_sint, I32),
            O::I32TruncF32U | O::I32TruncF64U => conv!(fcvt_to_uint, I32),
            O::I64TruncF32S | O::I64TruncF64S => conv!(fcvt_to_sint, I64),
            O::I64TruncF32U | O::I64TruncF64U => conv!(fcvt_to_uint, I64),
            O::I32TruncSatF32S | O::I32TruncSatF64S => conv!(fcvt_to_sint_sat, I32),
            O::I32TruncSatF32U | O::I32TruncSatF64U => conv!(fcvt_to_uint_sat, I32),
            O::I64TruncSatF32S | O::I64TruncSatF64S => conv!(fcvt_to_sint_sat, I64),
            O::I64TruncSatF32U | O::I64TruncSatF64U => conv!(fcvt_to_uint_sat, I64),

            O::F32ConvertI32S | O::F32ConvertI64S => conv!(fcvt_from_sint, F32),
            O::F32ConvertI32U | O::F32ConvertI64U => conv!(fcvt_from_uint, F32),
            O::F64ConvertI32S | O::F64ConvertI64S => conv!(fcvt_from_sint, F64),
            O::F64ConvertI32U | O::F64ConvertI64U => conv!(fcvt_from_uint, F64),
            O::F32DemoteF64 => conv!(fdemote, F32),
            O::F64PromoteF32 => conv!(fpromote, F64),

            O::I32ReinterpretF32 => self.unary(|t, a| t.builder.ins().bitcast(I32, MemFlagsData::new(), a)),
            O::I64ReinterpretF64 => self.unary(|t, a| t.builder.ins().bitcast(I64, MemFlagsData::new(), a)),
            O::F32ReinterpretI32 => self.unary(|t, a| t.builder.ins().bitcast(F32, MemFlagsData::new(), a)),
            O::F64ReinterpretI64 => self.unary(|t, a| t.builder.ins().bitcast(F64, MemFlagsData::new(), a)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
