//! The two kinds of trampolines compiled into every artifact.
//!
//! - **array-to-wasm**, one per escaping function: the host calls it with
//!   the array convention `(callee_vmctx, caller_vmctx, values, len)`; it
//!   loads the parameters from `values`, calls the function, and stores the
//!   results back into `values`.
//! - **wasm-to-array**, one per signature: wasm calls a host function
//!   through it with the wasm convention; it records its frame pointer in
//!   the store context (for backtraces of host errors), spills the
//!   parameters into a stack buffer, calls the host's array entry point
//!   found in the `VMHostFuncContext`, and returns the results from the
//!   buffer.
//!
//! Values in the array are 16-byte slots holding the value in their low
//! bytes, little-endian.

use crate::translate::{ir_type, trusted, wasm_signature};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, Signature, StackSlotData, StackSlotKind, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use kiln_environ::WasmFuncType;
use kiln_environ::vmoffsets::{header, host_func, store_context};

/// Size of one value slot in the array convention.
pub const VALUE_SLOT: u32 = 16;

/// The native signature of the array convention.
pub fn array_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
    sig
}

/// Starts the single block of a trampoline and returns its parameters.
fn enter(b: &mut FunctionBuilder<'_>) -> Vec<ir::Value> {
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    b.block_params(block).to_vec()
}

/// Builds the array-to-wasm trampoline for a function of type `ty` whose
/// code is the user function `(0, callee)`.
pub fn array_to_wasm(isa: &dyn TargetIsa, ty: &WasmFuncType, callee: u32, name: UserFuncName) -> ir::Function {
    let ptr = isa.pointer_type();
    let mut func = ir::Function::with_name_signature(name, array_signature(isa));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let p = enter(&mut b);
    let (callee_vmctx, caller_vmctx, values) = (p[0], p[1], p[2]);

    let wasm_sig = b.import_signature(wasm_signature(isa.default_call_conv(), ptr, ty));
    let name_ref = b.func.declare_imported_user_function(ir::UserExternalName::new(0, callee));
    let callee = b.import_function(ir::ExtFuncData {
        name: ir::ExternalName::user(name_ref),
        signature: wasm_sig,
        colocated: true,
        patchable: false,
    });
    let mut args = vec![callee_vmctx, caller_vmctx];
    for (i, t) in ty.params.iter().enumerate() {
        args.push(b.ins().load(ir_type(*t), trusted(), values, (i as u32 * VALUE_SLOT) as i32));
    }
    let call = b.ins().call(callee, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.iter().enumerate() {
        b.ins().store(trusted(), *r, values, (i as u32 * VALUE_SLOT) as i32);
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// Builds the wasm-to-array trampoline for host functions of type `ty`.
pub fn wasm_to_array(isa: &dyn TargetIsa, ty: &WasmFuncType, name: UserFuncName) -> ir::Function {
    let ptr = isa.pointer_type();
    let mut func = ir::Function::with_name_signature(name, wasm_signature(isa.default_call_conv(), ptr, ty));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let p = enter(&mut b);
    let (callee_vmctx, caller_vmctx) = (p[0], p[1]);

    // Record where wasm left off, for backtraces of host errors.
    let store_ctx = b.ins().load(ptr, trusted(), caller_vmctx, header::STORE_CONTEXT as i32);
    let fp = b.ins().get_frame_pointer(ptr);
    b.ins().store(trusted(), fp, store_ctx, store_context::LAST_WASM_EXIT_FP as i32);

    let len = ty.params.len().max(ty.results.len()).max(1) as u32;
    let slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, len * VALUE_SLOT, 4));
    let values = b.ins().stack_addr(ptr, slot, 0);
    for (i, v) in p[2..].iter().enumerate() {
        b.ins().store(trusted(), *v, values, (i as u32 * VALUE_SLOT) as i32);
    }
    let host = b.ins().load(ptr, trusted(), callee_vmctx, host_func::ARRAY_CALL as i32);
    let array_sig = b.import_signature(array_signature(isa));
    let len_v = b.ins().iconst(ptr, i64::from(len));
    b.ins().call_indirect(array_sig, host, &[callee_vmctx, caller_vmctx, values, len_v]);
    let mut results = Vec::with_capacity(ty.results.len());
    for (i, t) in ty.results.iter().enumerate() {
        results.push(b.ins().load(ir_type(*t), trusted(), values, (i as u32 * VALUE_SLOT) as i32));
    }
    b.ins().return_(&results);
    b.finalize(isa.frontend_config());
    func
}
