//! `local.*` and `global.*`.
//!
//! Locals are Cranelift variables (SSA construction happens in the
//! frontend); globals live in the VMContext or behind an import pointer,
//! which the environment layer resolves.

use super::FuncTranslator;
use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::{Type, Value};
use cranelift_entity::entity_impl;
use cranelift_frontend::{FunctionBuilder, Variable};
use kiln_environ::GlobalIndex;

/// An index into a function's locals, parameters first.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct LocalIndex(u32);
entity_impl!(LocalIndex, "local");

/// The locals of the function being translated.
#[derive(Debug, Default)]
pub struct Locals {
    vars: Vec<(Variable, Type)>,
}

impl Locals {
    /// Declares the next local with its initial value.
    pub fn declare_param(&mut self, builder: &mut FunctionBuilder<'_>, ty: Type, init: Value) {
        let var = builder.declare_var(ty);
        builder.def_var(var, init);
        self.vars.push((var, ty));
    }

    /// The variable of a local.
    fn var(&self, index: LocalIndex) -> CompileResult<Variable> {
        match self.vars.get(index.as_u32() as usize) {
            Some((var, _)) => Ok(*var),
            None => bail_bug!("{index} out of {} locals", self.vars.len()),
        }
    }
}

impl FuncTranslator<'_, '_> {
    /// `local.get`
    pub(super) fn local_get(&mut self, index: LocalIndex) -> CompileResult<()> {
        let var = self.locals.var(index)?;
        let v = self.builder.use_var(var);
        self.push(v);
        Ok(())
    }

    /// `local.set`
    pub(super) fn local_set(&mut self, index: LocalIndex) -> CompileResult<()> {
        let v = self.pop()?;
        let var = self.locals.var(index)?;
        self.builder.def_var(var, v);
        Ok(())
    }

    /// `local.tee`
    pub(super) fn local_tee(&mut self, index: LocalIndex) -> CompileResult<()> {
        let v = self.stack.top()?;
        let var = self.locals.var(index)?;
        self.builder.def_var(var, v);
        Ok(())
    }

    /// `global.get`
    pub(super) fn global_get(&mut self, index: GlobalIndex) -> CompileResult<()> {
        let v = self.env.load_global(&mut self.builder, self.vmctx, index)?;
        self.push(v);
        Ok(())
    }

    /// `global.set`
    pub(super) fn global_set(&mut self, index: GlobalIndex) -> CompileResult<()> {
        let v = self.pop()?;
        self.env.store_global(&mut self.builder, self.vmctx, index, v)
    }
}
