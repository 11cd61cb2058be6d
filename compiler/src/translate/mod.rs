//! Function bodies to Cranelift IR.
//!
//! [`translate_function`] drives a [`FuncTranslator`] over the operators of
//! one body. Each operator is
//! 1. checked for the 2.0 encoding of its reserved bytes and validated by
//!    wasmparser's `FuncValidator` (so translation only ever sees valid code
//!    and can rely on the stack shapes the validator proved), then
//! 2. routed: in reachable code through the [`wasmparser::VisitOperator`]
//!    implementation in `visit` (exhaustive over wasmparser's operator
//!    list; operators of unsupported proposals are refused in one place,
//!    `unsupported`), in unreachable code to `unreachable`, which only
//!    keeps the control stack right.
//!
//! The work is done by one file per operator family: `control`,
//! `locals_globals`, `numeric`, `conversions`, `memory`, `table`, `call`,
//! and the SIMD families under `simd` (routed by `visit_simd`).
//! Every VMContext and linear-memory access goes through the environment
//! layer, `env` and `heap`; the families never name layout offsets.
//! Five clean-ups run on the finished function: `merge_blocks` (a block
//! whose only entry is a `jump` joins its predecessor), `load_fold`
//! (vector loads typed as their users read them, and put second in
//! commutative operators), so that the backend can fold loads into the
//! instructions using them, `zext_params` (a loop's `i32` addresses
//! carried around it zero-extended, so that no access in the loop
//! extends them again) and, when Cranelift optimises, `loop_rotate` (a
//! loop whose header only tests its bound tests it again on the back
//! edge, and branches back to the body), and `exit_remat` (a loop exit
//! that reads a value computed from a vector load in the loop computes it
//! again, so that the load stays foldable in the loop).
//!
//! Invariants while translating:
//! - `stack` mirrors the wasm operand stack as Cranelift values; its height
//!   is what the validator says it is whenever code is reachable.
//! - When code is unreachable (`reachable == false`) nothing is emitted.
//! - Every frame in `control` records the stack height below its params.

mod call;
mod control;
mod conversions;
pub mod deadline;
pub mod env;
mod exit_remat;
pub mod heap;
mod load_fold;
mod locals_globals;
mod loop_rotate;
mod memory;
mod merge_blocks;
mod numeric;
mod simd;
pub mod stack;
pub mod state;
mod table;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod unreachable;
mod unsupported;
mod visit;
mod visit_simd;
mod zext_params;

pub use env::FuncEnv;

use crate::error::{CompileResult, bail_bug};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, Type, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use kiln_environ::libcalls::{Libcall, LibcallType};
use kiln_environ::*;
use locals_globals::Locals;
use stack::OperandStack;
use state::{ControlFrame, ControlStack};
use std::collections::HashMap;
use wasmparser::{FuncValidator, FunctionBody, ValidatorResources, VisitOperator};

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
    stack: OperandStack,
    control: ControlStack,
    reachable: bool,
    vmctx: Value,
    locals: Locals,
    func_refs: HashMap<FuncIndex, ir::FuncRef>,
    sig_refs: HashMap<SignatureIndex, ir::SigRef>,
    libcall_sigs: HashMap<Libcall, ir::SigRef>,
    /// The function's copy of the store's `fuel_consumed`, when compiled
    /// with fuel (see `deadline`).
    fuel: Option<Variable>,
    /// Fuel of the operators since the last flush into `fuel`.
    fuel_pending: i64,
    /// The new-epoch trampoline, once a check has imported it.
    new_epoch: Option<ir::FuncRef>,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    /// A translator at the start of a function whose entry block is
    /// current, with `vmctx` its VMContext parameter.
    fn new(builder: FunctionBuilder<'f>, env: &'a FuncEnv<'a>, vmctx: Value) -> Self {
        Self {
            builder,
            env,
            stack: OperandStack::default(),
            control: ControlStack::default(),
            reachable: true,
            vmctx,
            locals: Locals::default(),
            func_refs: HashMap::new(),
            sig_refs: HashMap::new(),
            libcall_sigs: HashMap::new(),
            fuel: None,
            fuel_pending: 0,
            new_epoch: None,
        }
    }
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
    env.declare_stack_limit(func)?;

    let mut builder = FunctionBuilder::new(func, ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let vmctx = builder.block_params(entry)[0];
    let params: Vec<Value> = builder.block_params(entry)[2..].to_vec();

    let mut t = FuncTranslator::new(builder, env, vmctx);
    for (p, wasm_ty) in params.iter().zip(ty.params.iter()) {
        t.locals.declare_param(&mut t.builder, ir_type(*wasm_ty), *p);
    }
    t.declare_locals(body, validator)?;
    t.deadline_function_entry()?;
    let ret = t.builder.create_block();
    for r in ty.results.iter() {
        t.builder.append_block_param(ret, ir_type(*r));
    }
    t.control.push(ControlFrame::function(ret, ty.results.len()));
    t.translate_body(body, validator)?;
    t.builder.seal_all_blocks();
    let frontend_config = env.isa.frontend_config();
    t.builder.finalize(frontend_config);
    merge_blocks::merge_blocks(func);
    load_fold::fold_vector_loads(func);
    zext_params::widen_loop_addresses(func);
    if env.isa.flags().opt_level() != cranelift_codegen::settings::OptLevel::None {
        loop_rotate::rotate_loops(func);
    }
    exit_remat::repeat_chains_on_exits(func);
    Ok(())
}

impl FuncTranslator<'_, '_> {
    fn declare_locals(
        &mut self,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> CompileResult<()> {
        let mut reader = body.get_locals_reader()?;
        for _ in 0..reader.get_count() {
            let offset = reader.original_position();
            let (count, ty) = reader.read()?;
            validator.define_locals(offset, count, ty)?;
            let ty = crate::environ::val_type(ty)?;
            let ir_ty = ir_type(ty);
            for _ in 0..count {
                let zero = self.zero(ir_ty);
                self.locals.declare_param(&mut self.builder, ir_ty, zero);
            }
        }
        Ok(())
    }

    fn translate_body(
        &mut self,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> CompileResult<()> {
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            let end = reader.original_position();
            let (start, stop) = (offset as usize, end as usize);
            let Some(bytes) = self.env.wasm.get(start..stop) else {
                bail_bug!("operator at {offset:#x}..{end:#x} lies outside the module")
            };
            crate::environ::check_reserved_bytes(&op, bytes, start)?;
            validator.op(offset, &op)?;
            if self.env.debug_info {
                self.builder.set_srcloc(cranelift_codegen::ir::SourceLoc::new(offset as u32));
            }
            // The one place that decides what unreachable code does.
            if self.reachable {
                self.fuel_before_op(&op)?;
                self.visit_operator(&op)?;
                self.fuel_after_op(&op)?;
            } else {
                self.visit_unreachable(&op)?;
            }
        }
        let pos = reader.original_position();
        reader.get_binary_reader().finish_expression(&validator.visitor(pos))?;
        Ok(())
    }

    // ---- small helpers shared by the families ----

    fn pop(&mut self) -> CompileResult<Value> {
        self.stack.pop()
    }

    fn pop2(&mut self) -> CompileResult<(Value, Value)> {
        self.stack.pop2()
    }

    fn pop3(&mut self) -> CompileResult<(Value, Value, Value)> {
        self.stack.pop3()
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
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

    /// An index immediate (memory, table, data or element segment) as the
    /// i32 argument libcalls take.
    fn index_operand(&mut self, index: u32) -> Value {
        self.builder.ins().iconst(types::I32, i64::from(index as i32))
    }

    fn pointer_type(&self) -> Type {
        self.env.pointer_type()
    }

    /// Returns `vals` from the function, writing the fuel back first.
    fn return_values(&mut self, vals: &[Value]) -> CompileResult<()> {
        self.fuel_before_return()?;
        self.builder.ins().return_(vals);
        Ok(())
    }

    /// Emits `trap code` unless `cond` is zero.
    fn trapnz(&mut self, cond: Value, code: TrapCode) {
        self.builder.ins().trapnz(cond, ir_trap(code));
    }

    /// Emits `trap code` if `cond` is zero.
    fn trapz(&mut self, cond: Value, code: TrapCode) {
        self.builder.ins().trapz(cond, ir_trap(code));
    }

    /// Emits a call of a libcall and returns its result; raises the
    /// libcall's trap if it reports failure.
    fn call_libcall(&mut self, libcall: Libcall, args: &[Value]) -> CompileResult<Value> {
        let ptr = self.pointer_type();
        let sig = match self.libcall_sigs.get(&libcall) {
            Some(s) => *s,
            None => {
                let s = self.builder.import_signature(libcall_signature(self.env.call_conv(), ptr, libcall));
                self.libcall_sigs.insert(libcall, s);
                s
            }
        };
        let callee = self.env.builtin(&mut self.builder, self.vmctx, libcall)?;
        let mut full_args = Vec::with_capacity(args.len() + 1);
        full_args.push(self.vmctx);
        full_args.extend_from_slice(args);
        let call = self.builder.ins().call_indirect(sig, callee, &full_args);
        let Some(&result) = self.builder.inst_results(call).first() else {
            bail_bug!("libcall {} has no result", libcall.name())
        };
        match (libcall.trap(), libcall.trap_sentinel()) {
            (Some(code), Some(sentinel)) => {
                let failed = self.builder.ins().icmp_imm_u(IntCC::Equal, result, i64::from(sentinel));
                self.trapnz(failed, code);
            }
            (Some(code), None) => self.trapnz(result, code),
            (None, _) => {}
        }
        Ok(result)
    }
}
