//! The import adapters of a module compiled for a C program, and the
//! `host_imports` table that lists them.
//!
//! The runtime calls every host import the same way; the C functions the
//! program defines each have their own signature. An adapter bridges the
//! two, one per C-defined import, written with Cranelift into the object:
//!
//! ```c
//! kiln_status adapter(kiln_caller *caller, const kiln_val *args, kiln_val *results);
//! ```
//!
//! loads each argument from its 16-byte slot, calls the program's
//! `PREFIX_module_name(caller, p0, ..., &results[0], ...)` and returns its
//! status. A `v128` argument is passed as a pointer to its slot (`const
//! kiln_v128 *`): how C passes a 16-byte struct by value differs between
//! ABIs (two registers, or the stack once they run short), and a pointer
//! is the same everywhere. The table has one pointer per import, in import order: the
//! adapter's address, or null for an import the runtime provides (WASI).

use super::{CImport, CInterface};
use crate::error::{CompileError, CompileResult};
use crate::obj::{CodeKind, compile_ir};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module as _};
use cranelift_object::ObjectModule;
use kiln_environ::WasmValType;
use kiln_environ::c_api::C_VAL_SIZE;

fn err(e: impl std::fmt::Display) -> CompileError {
    CompileError::Internal(format!("C import adapters: {e}"))
}

/// How the adapter passes an argument of `ty` to the C function.
#[derive(Clone, Copy)]
enum CArg {
    /// Loaded from its slot and passed in a register of this type.
    Value(ir::Type),
    /// Passed as the address of its slot.
    Pointer,
}

fn c_arg(ty: WasmValType) -> CompileResult<CArg> {
    Ok(CArg::Value(match ty {
        WasmValType::I32 => ir::types::I32,
        WasmValType::I64 => ir::types::I64,
        WasmValType::F32 => ir::types::F32,
        WasmValType::F64 => ir::types::F64,
        WasmValType::V128 => return Ok(CArg::Pointer),
        // `CInterface::new` refuses references for imports.
        WasmValType::Ref(_) => return Err(err(format!("an import of type {ty}"))),
    }))
}

/// Defines the adapters of `interface` and its `host_imports` table in
/// `module`; returns the table.
pub(crate) fn define(module: &mut ObjectModule, isa: &OwnedTargetIsa, interface: &CInterface) -> CompileResult<DataId> {
    let ptr = isa.pointer_type();
    let mut table = DataDescription::new();
    // Explicit zeros, not `define_zeroinit`: that would place the table in
    // `.bss`, where the adapters' addresses cannot be relocated.
    table.define(vec![0u8; interface.num_imports * ptr.bytes() as usize].into_boxed_slice());
    for import in &interface.imports {
        let adapter = define_adapter(module, isa, import)?;
        let func_ref = module.declare_func_in_data(adapter, &mut table);
        let at = import.index.as_u32() * ptr.bytes();
        table.write_function_addr(at, func_ref);
    }
    let id = module.declare_data(&interface.host_imports_symbol(), Linkage::Local, false, false).map_err(err)?;
    module.define_data(id, &table).map_err(err)?;
    Ok(id)
}

/// The adapter of one import (see the [module docs](self)).
fn define_adapter(module: &mut ObjectModule, isa: &OwnedTargetIsa, import: &CImport) -> CompileResult<FuncId> {
    let ptr = isa.pointer_type();
    let call_conv = CallConv::triple_default(isa.triple());
    let mut adapter_sig = ir::Signature::new(call_conv);
    adapter_sig.params.extend([AbiParam::new(ptr); 3]);
    adapter_sig.returns.push(AbiParam::new(ir::types::I32));
    let mut c_sig = ir::Signature::new(call_conv);
    c_sig.params.push(AbiParam::new(ptr));
    for ty in import.ty.params.iter() {
        c_sig.params.push(AbiParam::new(match c_arg(*ty)? {
            CArg::Value(t) => t,
            CArg::Pointer => ptr,
        }));
    }
    c_sig.params.extend(import.ty.results.iter().map(|_| AbiParam::new(ptr)));
    c_sig.returns.push(AbiParam::new(ir::types::I32));

    let adapter_id = module.declare_function(&import.adapter, Linkage::Local, &adapter_sig).map_err(err)?;
    let c_id = module.declare_function(&import.c_name, Linkage::Import, &c_sig).map_err(err)?;
    let mut func = ir::Function::with_name_signature(UserFuncName::user(0, adapter_id.as_u32()), adapter_sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let params = crate::trampolines::enter(&mut b);
    let (caller, args, results) = (params[0], params[1], params[2]);
    let slot = |i: usize| (i as u32 * C_VAL_SIZE) as i32;
    let mut call_args = vec![caller];
    for (i, ty) in import.ty.params.iter().enumerate() {
        call_args.push(match c_arg(*ty)? {
            CArg::Value(t) => b.ins().load(t, crate::translate::trusted(), args, slot(i)),
            CArg::Pointer => b.ins().iadd_imm_s(args, i64::from(slot(i))),
        });
    }
    for i in 0..import.ty.results.len() {
        call_args.push(b.ins().iadd_imm_s(results, i64::from(slot(i))));
    }
    let callee = module.declare_func_in_func(c_id, b.func);
    let call = b.ins().call(callee, &call_args);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.finalize(isa.frontend_config());

    let compiled = compile_ir(isa, func, adapter_id, CodeKind::Stub)?;
    module.define_function_bytes(adapter_id, compiled.alignment, &compiled.bytes, &compiled.relocs).map_err(err)?;
    Ok(adapter_id)
}
