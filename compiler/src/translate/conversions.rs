//! Conversions between value types: wrapping, extension, float/int
//! conversion (trapping and saturating), demotion, promotion and
//! reinterpretation.
//!
//! Cranelift's conversions have wasm semantics: `fcvt_to_*int` trap on NaN
//! and on overflow, the `_sat` forms saturate.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Opcode, Type};

impl FuncTranslator<'_, '_> {
    /// A conversion that is the Cranelift instruction `opcode` producing `to`.
    pub(super) fn convert(&mut self, opcode: Opcode, to: Type) -> CompileResult<()> {
        let a = self.pop()?;
        self.unary_to(opcode, to, a)
    }

    /// `*.reinterpret_*`: the same bits as another type.
    pub(super) fn reinterpret(&mut self, to: Type) -> CompileResult<()> {
        let a = self.pop()?;
        let v = self.builder.ins().bitcast(to, MemFlagsData::new(), a);
        self.push(v);
        Ok(())
    }
}
