//! `call` and `call_indirect`.
//!
//! Every wasm function takes `(callee_vmctx, caller_vmctx, params...)`.
//! - A defined callee is called directly, PC-relative, with our own
//!   VMContext as both contexts.
//! - An imported callee is called through its `VMFuncRef` slot in the
//!   VMContext (code pointer and callee context).
//! - `call_indirect` loads a `VMFuncRef` from the table, traps on null and
//!   on a type mismatch (comparing engine-wide type ids), then calls it
//!   like an import.

use super::{FuncTranslator, readonly, trusted};
use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value};
use kiln_environ::{FuncIndex, SignatureIndex, TableIndex, TrapCode, TypeIndex};

impl FuncTranslator<'_, '_> {
    fn sig_ref(&mut self, sig: SignatureIndex) -> CompileResult<ir::SigRef> {
        if let Some(s) = self.sig_refs.get(&sig) {
            return Ok(*s);
        }
        let Some(ty) = self.env.info.signatures.get(sig) else { bail_bug!("{sig} is not a signature") };
        let s = self.builder.import_signature(super::wasm_signature(self.env.call_conv(), self.pointer_type(), ty));
        self.sig_refs.insert(sig, s);
        Ok(s)
    }

    fn num_params(&self, sig: SignatureIndex) -> CompileResult<usize> {
        match self.env.info.signatures.get(sig) {
            Some(ty) => Ok(ty.params.len()),
            None => bail_bug!("{sig} is not a signature"),
        }
    }

    fn direct_func_ref(&mut self, func: FuncIndex, sig: SignatureIndex) -> CompileResult<ir::FuncRef> {
        if let Some(f) = self.func_refs.get(&func) {
            return Ok(*f);
        }
        let Some(def) = self.env.info.defined_func_index(func) else { bail_bug!("direct call of imported {func}") };
        let sig = self.sig_ref(sig)?;
        let name = self.builder.func.declare_imported_user_function(ir::UserExternalName::new(0, def.as_u32()));
        let f = self.builder.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(func, f);
        Ok(f)
    }

    /// Replaces the arguments on the stack with the call's results.
    fn finish_call(&mut self, inst: ir::Inst, num_params: usize) -> CompileResult<()> {
        self.stack.popn(num_params)?;
        let results = self.builder.inst_results(inst).to_vec();
        self.stack.extend(results);
        Ok(())
    }

    fn call_through_func_ref(
        &mut self,
        sig: SignatureIndex,
        func_ref: Value,
        flags: ir::MemFlagsData,
    ) -> CompileResult<()> {
        let (code, callee_vmctx) = self.env.func_ref_callee(&mut self.builder, func_ref, flags)?;
        let n = self.num_params(sig)?;
        let mut args = Vec::with_capacity(n + 2);
        args.push(callee_vmctx);
        args.push(self.vmctx);
        args.extend_from_slice(self.stack.peekn(n)?);
        let sig_ref = self.sig_ref(sig)?;
        let inst = self.builder.ins().call_indirect(sig_ref, code, &args);
        self.finish_call(inst, n)
    }

    /// `call`
    pub(super) fn call(&mut self, func: FuncIndex) -> CompileResult<()> {
        let info = self.env.info;
        let Some(f) = info.functions.get(func) else { bail_bug!("{func} is not a function") };
        let sig = f.signature;
        if info.is_imported_func(func) {
            let slot = self.env.func_ref(&mut self.builder, self.vmctx, func)?;
            return self.call_through_func_ref(sig, slot, readonly());
        }
        let callee = self.direct_func_ref(func, sig)?;
        let n = self.num_params(sig)?;
        let mut args = Vec::with_capacity(n + 2);
        args.push(self.vmctx);
        args.push(self.vmctx);
        args.extend_from_slice(self.stack.peekn(n)?);
        let inst = self.builder.ins().call(callee, &args);
        self.finish_call(inst, n)
    }

    /// `call_indirect`
    pub(super) fn call_indirect(&mut self, ty: TypeIndex, table: TableIndex) -> CompileResult<()> {
        let Some(&sig) = self.env.info.types.get(ty) else { bail_bug!("{ty} is not in the type section") };
        let index = self.pop()?;
        let addr =
            self.env.table_element_address(&mut self.builder, self.vmctx, table, index, TrapCode::TableOutOfBounds)?;
        let (ptr, flags) = (self.pointer_type(), self.env.table_element_flags());
        let entry = self.builder.ins().load(ptr, flags, addr, 0);
        self.trapz(entry, TrapCode::IndirectCallToNull);
        let actual = self.env.func_ref_type_id(&mut self.builder, entry)?;
        let expected = self.env.type_id(&mut self.builder, self.vmctx, sig)?;
        let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
        self.trapnz(mismatch, TrapCode::BadSignature);
        self.call_through_func_ref(sig, entry, trusted())
    }
}
