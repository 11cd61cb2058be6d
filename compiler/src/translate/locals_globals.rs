//! `local.*` and `global.*`.

use super::{FuncTranslator, readonly, trusted};
use crate::error::CompileResult;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_entity::EntityRef;
use kiln_environ::GlobalIndex;
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// The address of a global's storage: a base value and an offset.
    fn global_address(&mut self, index: GlobalIndex) -> (Value, i32) {
        match self.env.info.defined_global_index(index) {
            Some(def) => (self.vmctx, self.env.offsets.defined_global(def) as i32),
            None => {
                let offset = self.env.offsets.imported_global(index);
                (self.load_vmctx_readonly(offset), 0)
            }
        }
    }

    pub(super) fn locals_globals(&mut self, op: &O<'_>) -> CompileResult<bool> {
        match *op {
            O::LocalGet { local_index } => {
                let (var, _) = self.locals[local_index as usize];
                let v = self.builder.use_var(var);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                let (var, _) = self.locals[local_index as usize];
                self.builder.def_var(var, v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                let (var, _) = self.locals[local_index as usize];
                self.builder.def_var(var, v);
            }
            O::GlobalGet { global_index } => {
                let index = GlobalIndex::new(global_index as usize);
                let ty = self.env.info.globals[index];
                let (base, offset) = self.global_address(index);
                let flags = if ty.mutable { trusted() } else { readonly() };
                let v = self.builder.ins().load(super::ir_type(ty.content), flags, base, offset);
                self.push(v);
            }
            O::GlobalSet { global_index } => {
                let index = GlobalIndex::new(global_index as usize);
                let v = self.pop();
                let (base, offset) = self.global_address(index);
                self.builder.ins().store(trusted(), v, base, offset);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
