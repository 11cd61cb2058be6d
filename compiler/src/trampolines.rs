//! The trampolines compiled into artifacts: two kinds in every one, and a
//! third in those compiled with epoch interruption.
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
//! - **new-epoch**, one per module with epoch checks: the cold path of a
//!   check calls it with Cranelift's `preserve_all` convention, so that the
//!   call clobbers no register and the loop around the check keeps its
//!   values in registers; it calls the `new_epoch` libcall and traps with
//!   `Interrupt` on a non-zero status.
//!
//! Values in the array are slots of `PtrSize::array_call_value_slot` bytes
//! holding the value in their low bytes, little-endian; the layout rules
//! come from the target's [`PtrSize`].

use crate::translate::{ir_type, libcall_signature, readonly, trusted, wasm_signature};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, Signature, StackSlotData, StackSlotKind, UserFuncName};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use kiln_environ::TrapCode;
use kiln_environ::WasmFuncType;
use kiln_environ::libcalls::Libcall;
use kiln_environ::vmoffsets::{PtrSize, TargetPtr};

/// The native signature of the array convention.
pub fn array_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
    sig
}

/// Starts the single block of a trampoline (or of another one-block
/// function, such as an executable's `main`) and returns its parameters.
pub(crate) fn enter(b: &mut FunctionBuilder<'_>) -> Vec<ir::Value> {
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    b.block_params(block).to_vec()
}

/// Builds the array-to-wasm trampoline for a function of type `ty` whose
/// code is the user function `(0, callee)`.
pub fn array_to_wasm(
    isa: &dyn TargetIsa,
    layout: &TargetPtr,
    ty: &WasmFuncType,
    callee: u32,
    name: UserFuncName,
) -> ir::Function {
    let ptr = isa.pointer_type();
    let slot = |i: usize| (i as u32 * layout.array_call_value_slot()) as i32;
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
        args.push(b.ins().load(ir_type(*t), trusted(), values, slot(i)));
    }
    let call = b.ins().call(callee, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.iter().enumerate() {
        b.ins().store(trusted(), *r, values, slot(i));
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// Builds the wasm-to-array trampoline for host functions of type `ty`.
pub fn wasm_to_array(isa: &dyn TargetIsa, layout: &TargetPtr, ty: &WasmFuncType, name: UserFuncName) -> ir::Function {
    let ptr = isa.pointer_type();
    let value_slot = layout.array_call_value_slot();
    let slot = |i: usize| (i as u32 * value_slot) as i32;
    let mut func = ir::Function::with_name_signature(name, wasm_signature(isa.default_call_conv(), ptr, ty));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let p = enter(&mut b);
    let (callee_vmctx, caller_vmctx) = (p[0], p[1]);

    // Record where wasm left off, for backtraces of host errors.
    let store_ctx = b.ins().load(ptr, trusted(), caller_vmctx, layout.vmctx_store_context() as i32);
    let fp = b.ins().get_frame_pointer(ptr);
    b.ins().store(trusted(), fp, store_ctx, layout.vmstore_context_last_wasm_exit_fp() as i32);

    let len = layout.array_call_slots(ty.params.len(), ty.results.len()) as u32;
    let buffer = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, len * value_slot, 4));
    let values = b.ins().stack_addr(ptr, buffer, 0);
    for (i, v) in p[2..].iter().enumerate() {
        b.ins().store(trusted(), *v, values, slot(i));
    }
    let host = b.ins().load(ptr, trusted(), callee_vmctx, layout.vmhost_func_context_array_call() as i32);
    let array_sig = b.import_signature(array_signature(isa));
    let len_v = b.ins().iconst(ptr, i64::from(len));
    b.ins().call_indirect(array_sig, host, &[callee_vmctx, caller_vmctx, values, len_v]);
    let mut results = Vec::with_capacity(ty.results.len());
    for (i, t) in ty.results.iter().enumerate() {
        results.push(b.ins().load(ir_type(*t), trusted(), values, slot(i)));
    }
    b.ins().return_(&results);
    b.finalize(isa.frontend_config());
    func
}

/// The signature of the new-epoch trampoline: `(vmctx)`, no results,
/// every register preserved.
pub fn new_epoch_signature(isa: &dyn TargetIsa) -> Signature {
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params.push(AbiParam::new(isa.pointer_type()));
    sig
}

/// The new-epoch trampoline.
pub fn new_epoch(isa: &dyn TargetIsa, layout: &TargetPtr, name: UserFuncName) -> ir::Function {
    let ptr = isa.pointer_type();
    let mut func = ir::Function::with_name_signature(name, new_epoch_signature(isa));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let params = enter(&mut b);
    let vmctx = params[0];
    let libcall = Libcall::new_epoch;
    let builtins = b.ins().load(ptr, readonly(), vmctx, layout.vmctx_builtins() as i32);
    let entry = b.ins().load(ptr, readonly(), builtins, libcall.table_offset(layout) as i32);
    let sig = b.import_signature(libcall_signature(isa.default_call_conv(), ptr, libcall));
    let call = b.ins().call_indirect(sig, entry, &[vmctx]);
    let status = b.inst_results(call)[0];
    b.ins().trapnz(status, ir_trap(TrapCode::Interrupt));
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}
