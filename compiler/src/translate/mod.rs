//! Function bodies to Cranelift IR.
//!
//! [`translate_function`] drives a [`FuncTranslator`] over the operators of
//! one body. Each operator is validated first (so translation only ever sees
//! valid code and can rely on the stack shapes the validator proved), then
//! handed to the operator families in turn, one file each:
//! `control`, `locals_globals`, `numeric`, `conversions`, `memory`,
//! `table`, `call`. Each family returns `true` when it handled the operator.
//!
//! Invariants while translating:
//! - `stack` mirrors the wasm operand stack as Cranelift values; its height
//!   is what the validator says it is whenever code is reachable.
//! - When code is unreachable (`reachable == false`) only control operators
//!   are looked at, to keep block nesting right; nothing is emitted.
//! - Every frame in `control` records the stack height below its params.

mod call;
mod control;
mod conversions;
mod locals_globals;
mod memory;
mod numeric;
mod state;
mod table;

use crate::error::{CompileError, CompileResult};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, Type, Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use kiln_environ::libcalls::{Libcall, LibcallType};
use kiln_environ::vmoffsets::{VMOffsets, header, store_context};
use kiln_environ::*;
use state::ControlFrame;
use std::collections::HashMap;
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources};

/// Module-level facts a function translation needs.
pub struct FuncEnv<'a> {
    /// The module.
    pub info: &'a ModuleInfo,
    /// Its VMContext layout.
    pub offsets: &'a VMOffsets,
    /// The target.
    pub isa: &'a dyn TargetIsa,
    /// The module's bytes, for encoding checks.
    pub wasm: &'a [u8],
}

impl FuncEnv<'_> {
    /// The native pointer type.
    pub fn pointer_type(&self) -> Type {
        self.isa.pointer_type()
    }

    /// The calling convention of wasm functions.
    pub fn call_conv(&self) -> CallConv {
        self.isa.default_call_conv()
    }
}

/// The Cranelift type of a wasm value type.
pub fn ir_type(ty: WasmValType) -> Type {
    match ty {
        WasmValType::I32 => types::I32,
        WasmValType::I64 => types::I64,
        WasmValType::F32 => types::F32,
        WasmValType::F64 => types::F64,
        WasmValType::V128 => types::I8X16,
        WasmValType::Ref(_) => types::I64,
    }
}

/// The native signature of a wasm function:
/// `(callee_vmctx, caller_vmctx, params...) -> results`.
pub fn wasm_signature(call_conv: CallConv, pointer: Type, ty: &WasmFuncType) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::special(pointer, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(pointer));
    sig.params.extend(ty.params.iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns.extend(ty.results.iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

/// The native signature of a libcall.
pub fn libcall_signature(call_conv: CallConv, pointer: Type, libcall: Libcall) -> Signature {
    let ty = |t: LibcallType| match t {
        LibcallType::I32 => types::I32,
        LibcallType::I64 => types::I64,
        LibcallType::Ptr => pointer,
    };
    let mut sig = Signature::new(call_conv);
    sig.params.extend(libcall.params().iter().map(|t| AbiParam::new(ty(*t))));
    sig.returns.push(AbiParam::new(ty(libcall.result())));
    sig
}

/// Memory flags for loads from the VMContext and runtime structures,
/// which are always valid and aligned.
pub fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Like [`trusted`], for fields that never change once instantiated, so
/// loads of them may be merged and hoisted.
pub fn readonly() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// The state of one function translation.
pub struct FuncTranslator<'a, 'f> {
    builder: FunctionBuilder<'f>,
    env: &'a FuncEnv<'a>,
    validator: &'a mut FuncValidator<ValidatorResources>,
    stack: Vec<Value>,
    control: Vec<ControlFrame>,
    reachable: bool,
    vmctx: Value,
    locals: Vec<(Variable, Type)>,
    func_refs: HashMap<FuncIndex, ir::FuncRef>,
    sig_refs: HashMap<SignatureIndex, ir::SigRef>,
    libcall_sigs: HashMap<u32, ir::SigRef>,
}

/// Translates one function body into `func`.
pub fn translate_function(
    env: &FuncEnv<'_>,
    index: DefinedFuncIndex,
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    func: &mut ir::Function,
    ctx: &mut FunctionBuilderContext,
) -> CompileResult<()> {
    let func_index = env.info.func_index(index);
    let ty = env.info.func_type(func_index).clone();
    func.signature = wasm_signature(env.call_conv(), env.pointer_type(), &ty);

    // The stack limit lives in the store context the VMContext points to.
    let vmctx_gv = func.create_global_value(ir::GlobalValueData::VMContext);
    let flags = func.dfg.mem_flags.insert(readonly()).map_err(|_| CompileError::Codegen("memflags".into()))?;
    let store_ctx = func.create_global_value(ir::GlobalValueData::Load {
        base: vmctx_gv,
        offset: (header::STORE_CONTEXT as i32).into(),
        global_type: env.pointer_type(),
        flags,
    });
    let flags = func.dfg.mem_flags.insert(trusted()).map_err(|_| CompileError::Codegen("memflags".into()))?;
    let limit = func.create_global_value(ir::GlobalValueData::Load {
        base: store_ctx,
        offset: (store_context::STACK_LIMIT as i32).into(),
        global_type: env.pointer_type(),
        flags,
    });
    func.stack_limit = Some(limit);

    let mut builder = FunctionBuilder::new(func, ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let vmctx = builder.block_params(entry)[0];
    let params: Vec<Value> = builder.block_params(entry)[2..].to_vec();

    let mut t = FuncTranslator {
        builder,
        env,
        validator,
        stack: Vec::new(),
        control: Vec::new(),
        reachable: true,
        vmctx,
        locals: Vec::new(),
        func_refs: HashMap::new(),
        sig_refs: HashMap::new(),
        libcall_sigs: HashMap::new(),
    };
    for (p, wasm_ty) in params.iter().zip(ty.params.iter()) {
        let ty = ir_type(*wasm_ty);
        let var = t.builder.declare_var(ty);
        t.builder.def_var(var, *p);
        t.locals.push((var, ty));
    }
    t.declare_locals(body)?;
    let ret = t.builder.create_block();
    for r in ty.results.iter() {
        t.builder.append_block_param(ret, ir_type(*r));
    }
    t.control.push(ControlFrame::function(ret, ty.results.len()));
    t.translate_body(body)?;
    t.builder.seal_all_blocks();
    let frontend_config = env.isa.frontend_config();
    t.builder.finalize(frontend_config);
    Ok(())
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn declare_locals(&mut self, body: &FunctionBody<'_>) -> CompileResult<()> {
        let mut reader = body.get_locals_reader()?;
        for _ in 0..reader.get_count() {
            let offset = reader.original_position();
            let (count, ty) = reader.read()?;
            self.validator.define_locals(offset, count, ty)?;
            let ty = crate::environ::val_type(ty)?;
            if ty == WasmValType::V128 {
                crate::error::unsupported!("simd");
            }
            let ir_ty = ir_type(ty);
            for _ in 0..count {
                let var = self.builder.declare_var(ir_ty);
                let zero = self.zero(ir_ty);
                self.builder.def_var(var, zero);
                self.locals.push((var, ir_ty));
            }
        }
        Ok(())
    }

    fn translate_body(&mut self, body: &FunctionBody<'_>) -> CompileResult<()> {
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            let end = reader.original_position();
            crate::environ::check_reserved_bytes(&op, &self.env.wasm[offset as usize..end as usize], offset as usize)?;
            self.validator.op(offset, &op)?;
            self.translate_operator(&op)?;
        }
        let pos = reader.original_position();
        reader.get_binary_reader().finish_expression(&self.validator.visitor(pos))?;
        Ok(())
    }

    fn translate_operator(&mut self, op: &Operator<'_>) -> CompileResult<()> {
        if self.control(op)? {
            return Ok(());
        }
        if !self.reachable {
            return Ok(());
        }
        let handled = self.locals_globals(op)?
            || self.numeric(op)?
            || self.conversions(op)?
            || self.memory(op)?
            || self.table(op)?
            || self.call(op)?;
        if handled { Ok(()) } else { Err(CompileError::Unsupported(format!("operator {op:?}"))) }
    }

    // ---- small helpers shared by the families ----

    fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated: operand stack underflow")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.builder.ins().f32const(0.0),
            types::F64 => self.builder.ins().f64const(0.0),
            t if t.is_vector() => {
                let c = self.builder.func.dfg.constants.insert(vec![0u8; 16].into());
                self.builder.ins().vconst(t, c)
            }
            t => self.builder.ins().iconst(t, 0),
        }
    }

    fn pointer_type(&self) -> Type {
        self.env.pointer_type()
    }

    /// Loads a pointer-sized field of the VMContext that never changes.
    fn load_vmctx_readonly(&mut self, offset: u32) -> Value {
        let ptr = self.pointer_type();
        self.builder.ins().load(ptr, readonly(), self.vmctx, offset as i32)
    }

    /// Emits `trap code` unless `cond` is zero.
    fn trapnz(&mut self, cond: Value, code: TrapCode) {
        self.builder.ins().trapnz(cond, ir_trap(code));
    }

    /// Emits a call of a libcall and returns its result; raises the
    /// libcall's trap if it reports failure.
    fn call_libcall(&mut self, libcall: Libcall, args: &[Value]) -> Value {
        let ptr = self.pointer_type();
        let sig = match self.libcall_sigs.get(&(libcall as u32)) {
            Some(s) => *s,
            None => {
                let s = self.builder.import_signature(libcall_signature(self.env.call_conv(), ptr, libcall));
                self.libcall_sigs.insert(libcall as u32, s);
                s
            }
        };
        let builtins = self.load_vmctx_readonly(header::BUILTINS);
        let callee = self.builder.ins().load(ptr, readonly(), builtins, libcall.table_offset() as i32);
        let mut full_args = Vec::with_capacity(args.len() + 1);
        full_args.push(self.vmctx);
        full_args.extend_from_slice(args);
        let call = self.builder.ins().call_indirect(sig, callee, &full_args);
        let result = self.builder.inst_results(call)[0];
        if let Some(code) = libcall.trap() {
            self.trapnz(result, code);
        }
        result
    }
}
