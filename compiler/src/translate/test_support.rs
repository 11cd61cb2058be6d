//! Fixtures for the translator's unit tests: a small module, its
//! environment for the host ISA, and a function under construction.

use super::FuncEnv;
use super::env::target_ptr;
use crate::CompilerConfig;
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, Value, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa, TargetFrontendConfig};
use cranelift_entity::EntityRef;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use kiln_environ::vmoffsets::{TargetPtr, VMOffsets};
use kiln_environ::*;

/// A module with one memory, one table, an imported and a defined global,
/// an imported function and two defined ones (the second without a
/// `VMFuncRef` slot), all of type `(i32) -> i32`.
pub fn module() -> ModuleInfo {
    let mut m = ModuleInfo { num_imported_funcs: 1, num_imported_globals: 1, num_func_refs: 1, ..Default::default() };
    let sig = m
        .signatures
        .push(WasmFuncType { params: vec![WasmValType::I32].into(), results: vec![WasmValType::I32].into() });
    m.types.push(sig);
    m.functions.push(FunctionInfo { signature: sig, func_ref: None });
    m.functions.push(FunctionInfo { signature: sig, func_ref: Some(FuncRefIndex::new(0)) });
    m.functions.push(FunctionInfo { signature: sig, func_ref: None });
    let limits = Limits { min: 1, max: None };
    m.memories.push(MemoryType { limits });
    m.tables.push(TableType { element: WasmRefType::Func, limits });
    m.globals.push(GlobalType { content: WasmValType::I64, mutable: true });
    m.globals.push(GlobalType { content: WasmValType::I32, mutable: false });
    m
}

/// The host ISA and the module's layout on it.
pub fn target(info: &ModuleInfo) -> (OwnedTargetIsa, VMOffsets<TargetPtr>) {
    let isa = crate::build_isa(&CompilerConfig::default()).expect("host ISA");
    let offsets = VMOffsets::with_ptr(target_ptr(&*isa).expect("supported pointer size"), info);
    (isa, offsets)
}

/// An empty `fn(vmctx, i32)` in the ISA's calling convention, the shape
/// every translator unit test emits into.
pub fn vmctx_i32_function(isa: &dyn cranelift_codegen::isa::TargetIsa) -> ir::Function {
    let mut func = ir::Function::new();
    func.signature.call_conv = isa.default_call_conv();
    func.signature.params.push(AbiParam::special(isa.pointer_type(), ir::ArgumentPurpose::VMContext));
    func.signature.params.push(AbiParam::new(types::I32));
    func
}

/// A builder for `func`, positioned in a new entry block that takes the
/// function's parameters, and those parameters: the start of every
/// function the unit tests build.
pub fn builder_at_entry<'a>(
    func: &'a mut ir::Function,
    ctx: &'a mut FunctionBuilderContext,
) -> (FunctionBuilder<'a>, Vec<Value>) {
    let mut b = FunctionBuilder::new(func, ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    (b, params)
}

/// A System V `fn(params) -> returns` for a 64-bit target, its body
/// written by `body` from the entry block (given the parameters), then
/// sealed and finalized: the input of the unit tests of kiln's own IR
/// passes, which need no module or ISA.
pub fn sysv_function(
    params: &[ir::Type],
    returns: &[ir::Type],
    body: impl FnOnce(&mut FunctionBuilder<'_>, &[Value]),
) -> ir::Function {
    let mut sig = ir::Signature::new(CallConv::SystemV);
    sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    sig.returns.extend(returns.iter().map(|t| AbiParam::new(*t)));
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), sig);
    let mut ctx = FunctionBuilderContext::new();
    let (mut b, params) = builder_at_entry(&mut func, &mut ctx);
    body(&mut b, &params);
    b.seal_all_blocks();
    b.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    });
    func
}

/// Builds `fn(vmctx, i32) -> ()` whose body `emit` writes (given the
/// environment, the builder, the vmctx and the i32 parameter), and returns
/// its CLIF text, or the error `emit` returned.
pub fn emit<T>(
    emit: impl FnOnce(&FuncEnv<'_>, &mut FunctionBuilder<'_>, Value, Value) -> crate::error::CompileResult<T>,
) -> crate::error::CompileResult<String> {
    let info = module();
    let (isa, offsets) = target(&info);
    let env = FuncEnv {
        info: &info,
        offsets: &offsets,
        isa: &*isa,
        wasm: &[],
        tunables: Default::default(),
        debug_info: false,
    };
    let mut func = vmctx_i32_function(&*isa);
    let mut ctx = FunctionBuilderContext::new();
    let (mut b, params) = builder_at_entry(&mut func, &mut ctx);
    b.seal_all_blocks();
    emit(&env, &mut b, params[0], params[1])?;
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    Ok(func.display().to_string())
}

/// Runs `f` on a translator positioned in the entry block of a fresh
/// `fn(vmctx, i32)` compiled for `isa` with `tunables`, inside its
/// function frame: the fixture of the operator-level unit tests.
pub fn with_translator_on(isa: OwnedTargetIsa, tunables: Tunables, f: impl FnOnce(&mut super::FuncTranslator<'_, '_>)) {
    let info = module();
    let offsets = VMOffsets::with_ptr(target_ptr(&*isa).expect("supported pointer size"), &info);
    let env = FuncEnv { info: &info, offsets: &offsets, isa: &*isa, wasm: &[], tunables, debug_info: false };
    let mut func = vmctx_i32_function(&*isa);
    let mut ctx = FunctionBuilderContext::new();
    let (mut builder, params) = builder_at_entry(&mut func, &mut ctx);
    let vmctx = params[0];
    let ret = builder.create_block();
    let mut t = super::FuncTranslator::new(builder, &env, vmctx);
    t.control.push(super::state::ControlFrame::function(ret, 0));
    f(&mut t);
}

/// `func`'s text, once Cranelift's verifier has passed it (a failure
/// panics with the errors and the function).
pub fn verified(func: &ir::Function) -> String {
    let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
    cranelift_codegen::verify_function(func, &flags).unwrap_or_else(|e| panic!("{e}\n{}", func.display()));
    func.display().to_string()
}
