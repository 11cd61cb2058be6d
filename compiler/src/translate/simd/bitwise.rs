//! The bitwise `v128` operators and the boolean reductions
//! (`v128.any_true`, `*.all_true`, `*.bitmask`).

use super::super::FuncTranslator;
use super::V128;
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Type, types};

impl FuncTranslator<'_, '_> {
    /// `v128.andnot`: `a & !b`, which is Cranelift's `band_not`.
    pub(in super::super) fn v128_andnot(&mut self) -> CompileResult<()> {
        let (a, b) = self.pop2_v(V128)?;
        let v = self.builder.ins().band_not(a, b);
        self.push_v(v)
    }

    /// `v128.bitselect`: bits of the first operand where the mask is set,
    /// of the second where it is clear.
    pub(in super::super) fn v128_bitselect(&mut self) -> CompileResult<()> {
        let (a, b, mask) = self.pop3_v(V128)?;
        let v = self.builder.ins().bitselect(mask, a, b);
        self.push_v(v)
    }

    /// `v128.any_true`: 1 if any bit is set.
    pub(in super::super) fn v128_any_true(&mut self) -> CompileResult<()> {
        let a = self.pop_v(V128)?;
        let t = self.builder.ins().vany_true(a);
        let v = self.builder.ins().uextend(types::I32, t);
        self.push(v);
        Ok(())
    }

    /// `*.all_true`: 1 if every `ty` lane is nonzero.
    pub(in super::super) fn all_true(&mut self, ty: Type) -> CompileResult<()> {
        let a = self.pop_v(ty)?;
        let t = self.builder.ins().vall_true(a);
        let v = self.builder.ins().uextend(types::I32, t);
        self.push(v);
        Ok(())
    }

    /// `*.bitmask`: the top bit of each `ty` lane, lane 0 lowest.
    pub(in super::super) fn bitmask(&mut self, ty: Type) -> CompileResult<()> {
        let a = self.pop_v(ty)?;
        let v = self.builder.ins().vhigh_bits(types::I32, a);
        self.push(v);
        Ok(())
    }
}
