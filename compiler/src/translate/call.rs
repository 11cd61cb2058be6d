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
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value, types};
use cranelift_entity::EntityRef;
use kiln_environ::vmoffsets::func_ref;
use kiln_environ::{FuncIndex, SignatureIndex, TrapCode, TypeIndex};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    fn sig_ref(&mut self, sig: SignatureIndex) -> ir::SigRef {
        if let Some(s) = self.sig_refs.get(&sig) {
            return *s;
        }
        let ty = &self.env.info.signatures[sig];
        let s = self.builder.import_signature(super::wasm_signature(self.env.call_conv(), self.pointer_type(), ty));
        self.sig_refs.insert(sig, s);
        s
    }

    fn direct_func_ref(&mut self, func: FuncIndex) -> ir::FuncRef {
        if let Some(f) = self.func_refs.get(&func) {
            return *f;
        }
        let info = self.env.info;
        let def = info.defined_func_index(func).expect("direct calls target defined functions");
        let sig = self.sig_ref(info.functions[func].signature);
        let name = self.builder.func.declare_imported_user_function(ir::UserExternalName::new(0, def.index() as u32));
        let f = self.builder.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(func, f);
        f
    }

    fn finish_call(&mut self, inst: ir::Inst, num_params: usize) {
        let new_len = self.stack.len() - num_params;
        self.stack.truncate(new_len);
        let results = self.builder.inst_results(inst).to_vec();
        self.stack.extend(results);
    }

    fn call_through_func_ref(&mut self, sig: SignatureIndex, func_ref_ptr: Value, flags: ir::MemFlagsData) {
        let ptr = self.pointer_type();
        let code = self.builder.ins().load(ptr, flags, func_ref_ptr, func_ref::WASM_CALL as i32);
        let callee_vmctx = self.builder.ins().load(ptr, flags, func_ref_ptr, func_ref::VMCTX as i32);
        let n = self.env.info.signatures[sig].params.len();
        let mut args = Vec::with_capacity(n + 2);
        args.push(callee_vmctx);
        args.push(self.vmctx);
        args.extend_from_slice(self.peekn(n));
        let sig_ref = self.sig_ref(sig);
        let inst = self.builder.ins().call_indirect(sig_ref, code, &args);
        self.finish_call(inst, n);
    }

    pub(super) fn call(&mut self, op: &O<'_>) -> CompileResult<bool> {
        match *op {
            O::Call { function_index } => {
                let func = FuncIndex::new(function_index as usize);
                let info = self.env.info;
                let sig = info.functions[func].signature;
                if info.is_imported_func(func) {
                    let slot =
                        self.builder.ins().iadd_imm_s(self.vmctx, i64::from(self.env.offsets.imported_func(func)));
                    self.call_through_func_ref(sig, slot, readonly());
                } else {
                    let f = self.direct_func_ref(func);
                    let n = info.signatures[sig].params.len();
                    let mut args = Vec::with_capacity(n + 2);
                    args.push(self.vmctx);
                    args.push(self.vmctx);
                    args.extend_from_slice(self.peekn(n));
                    let inst = self.builder.ins().call(f, &args);
                    self.finish_call(inst, n);
                }
            }
            O::CallIndirect { type_index, table_index } => {
                let sig = self.env.info.types[TypeIndex::new(type_index as usize)];
                let index = self.pop();
                let addr = self.table_element_address(table_index, index, TrapCode::TableOutOfBounds);
                let ptr = self.pointer_type();
                let entry = self.builder.ins().load(ptr, trusted(), addr, 0);
                self.trapz(entry, TrapCode::IndirectCallToNull);
                let actual = self.builder.ins().load(types::I32, trusted(), entry, func_ref::TYPE_ID as i32);
                let expected =
                    self.builder.ins().load(types::I32, readonly(), self.vmctx, self.env.offsets.type_id(sig) as i32);
                let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
                self.trapnz(mismatch, TrapCode::BadSignature);
                self.call_through_func_ref(sig, entry, trusted());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn trapz(&mut self, cond: Value, code: TrapCode) {
        self.builder.ins().trapz(cond, crate::trap_codes::ir_trap(code));
    }
}
