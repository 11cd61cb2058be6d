//! The environment layer: everything compiled code knows about the runtime.
//!
//! Every load from or store to the VMContext and the runtime structures it
//! points to (memory and table definitions, globals, `VMFuncRef`s, type
//! ids, the store context, the builtins table) is emitted here, with the
//! offsets of the target's [`VMOffsets`] and its [`PtrSize`] rules. The
//! operator families ask this layer for values and addresses; they never
//! name a layout offset. Linear-memory addressing and its bounds checks are
//! the `heap` submodule's.

use super::{readonly, trusted};
use crate::error::{CompileError, CompileResult, bail_bug};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::FunctionBuilder;
use kiln_environ::libcalls::Libcall;
use kiln_environ::vmoffsets::{PtrSize, TargetPtr, VMOffsets};
use kiln_environ::*;

/// Module-level facts a function translation needs.
pub struct FuncEnv<'a> {
    /// The module.
    pub info: &'a ModuleInfo,
    /// Its VMContext layout for the target.
    pub offsets: &'a VMOffsets<TargetPtr>,
    /// The target.
    pub isa: &'a dyn TargetIsa,
    /// The module's bytes, for encoding checks.
    pub wasm: &'a [u8],
    /// The deadline instrumentation to emit.
    pub tunables: Tunables,
    /// Give every instruction its wasm operator's module offset as source
    /// location, for the debug line table (`-D debug-info`).
    pub debug_info: bool,
}

/// The layout-rule set of a target ISA.
pub fn target_ptr(isa: &dyn TargetIsa) -> CompileResult<TargetPtr> {
    let bytes = isa.pointer_bytes();
    match TargetPtr::new(bytes) {
        Some(p) => Ok(p),
        None => Err(CompileError::Unsupported(format!("targets with {bytes}-byte pointers"))),
    }
}

fn imm(offset: u32) -> CompileResult<i32> {
    match i32::try_from(offset) {
        Ok(o) => Ok(o),
        Err(_) => Err(CompileError::Limit(format!("VMContext offset {offset:#x} exceeds 2 GiB"))),
    }
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

    /// The target's layout rules.
    pub fn ptr(&self) -> &TargetPtr {
        self.offsets.ptr()
    }

    /// Loads a pointer-sized field of the VMContext that never changes.
    fn load_vmctx_readonly(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, offset: u32) -> CompileResult<Value> {
        Ok(b.ins().load(self.pointer_type(), readonly(), vmctx, imm(offset)?))
    }

    /// Points `func`'s stack limit at the store context's, so every
    /// prologue checks it.
    pub fn declare_stack_limit(&self, func: &mut ir::Function) -> CompileResult<()> {
        let memflags = |func: &mut ir::Function, f: MemFlagsData| {
            func.dfg.mem_flags.insert(f).map_err(|_| CompileError::Limit("too many memory flag sets".into()))
        };
        let vmctx = func.create_global_value(ir::GlobalValueData::VMContext);
        let flags = memflags(func, readonly())?;
        let store_ctx = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx,
            offset: imm(self.ptr().vmctx_store_context())?.into(),
            global_type: self.pointer_type(),
            flags,
        });
        let flags = memflags(func, trusted())?;
        let limit = func.create_global_value(ir::GlobalValueData::Load {
            base: store_ctx,
            offset: imm(self.ptr().vmstore_context_stack_limit())?.into(),
            global_type: self.pointer_type(),
            flags,
        });
        func.stack_limit = Some(limit);
        Ok(())
    }

    /// The entry point of a libcall, from the builtins table.
    pub fn builtin(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, libcall: Libcall) -> CompileResult<Value> {
        let builtins = self.load_vmctx_readonly(b, vmctx, self.ptr().vmctx_builtins())?;
        Ok(b.ins().load(self.pointer_type(), readonly(), builtins, imm(libcall.table_offset(self.ptr()))?))
    }

    // ---- deadlines (the store context's fuel and epoch fields) ----

    /// The store context pointer, which never changes.
    fn store_context(&self, b: &mut FunctionBuilder<'_>, vmctx: Value) -> CompileResult<Value> {
        self.load_vmctx_readonly(b, vmctx, self.ptr().vmctx_store_context())
    }

    /// Loads the store's `fuel_consumed` (an i64).
    pub fn load_fuel(&self, b: &mut FunctionBuilder<'_>, vmctx: Value) -> CompileResult<Value> {
        let ctx = self.store_context(b, vmctx)?;
        Ok(b.ins().load(types::I64, trusted(), ctx, imm(self.ptr().vmstore_context_fuel_consumed())?))
    }

    /// Stores the store's `fuel_consumed`.
    pub fn store_fuel(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, fuel: Value) -> CompileResult<()> {
        let ctx = self.store_context(b, vmctx)?;
        b.ins().store(trusted(), fuel, ctx, imm(self.ptr().vmstore_context_fuel_consumed())?);
        Ok(())
    }

    /// The engine's current epoch and the store's deadline, both i64.
    pub fn epoch_and_deadline(&self, b: &mut FunctionBuilder<'_>, vmctx: Value) -> CompileResult<(Value, Value)> {
        // Both pointers never change, so they are hoisted out of loops; the
        // check's cold call clobbers no register (`preserve_all`), so they
        // cost the loop two registers, not spills.
        let ctx = self.store_context(b, vmctx)?;
        let epoch_ptr =
            b.ins().load(self.pointer_type(), readonly(), ctx, imm(self.ptr().vmstore_context_epoch_ptr())?);
        // Another thread increments the epoch: a plain aligned load, never
        // merged with another (the flags are not readonly).
        let epoch = b.ins().load(types::I64, trusted(), epoch_ptr, 0);
        let deadline = b.ins().load(types::I64, trusted(), ctx, imm(self.ptr().vmstore_context_epoch_deadline())?);
        Ok((epoch, deadline))
    }

    // ---- memories ----

    fn memory_slot(&self, mem: MemoryIndex) -> CompileResult<u32> {
        if mem.as_u32() as usize >= self.info.memories.len() {
            bail_bug!("{mem} out of {} memories", self.info.memories.len());
        }
        Ok(self.offsets.memory(mem))
    }

    /// A memory's base address (which never moves).
    pub fn memory_base(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, mem: MemoryIndex) -> CompileResult<Value> {
        let slot = self.memory_slot(mem)?;
        self.load_vmctx_readonly(b, vmctx, slot + self.ptr().vmmemory_import_base())
    }

    /// A memory's current length in bytes, pointer-sized.
    pub fn memory_length(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, mem: MemoryIndex) -> CompileResult<Value> {
        let slot = self.memory_slot(mem)?;
        let def = self.load_vmctx_readonly(b, vmctx, slot + self.ptr().vmmemory_import_definition())?;
        let offset = imm(self.ptr().vmmemory_definition_current_length())?;
        Ok(b.ins().load(self.pointer_type(), trusted(), def, offset))
    }

    // ---- tables ----

    fn table_definition(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, table: TableIndex) -> CompileResult<Value> {
        if table.as_u32() as usize >= self.info.tables.len() {
            bail_bug!("{table} out of {} tables", self.info.tables.len());
        }
        self.load_vmctx_readonly(b, vmctx, self.offsets.table(table))
    }

    /// A table's current number of elements, pointer-sized.
    pub fn table_length(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, table: TableIndex) -> CompileResult<Value> {
        let def = self.table_definition(b, vmctx, table)?;
        Ok(b.ins().load(self.pointer_type(), trusted(), def, imm(self.ptr().vmtable_definition_current_elements())?))
    }

    /// The address of element `index` (an i32) of a table, trapping with
    /// `code` when it is out of bounds.
    pub fn table_element_address(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        table: TableIndex,
        index: Value,
        code: TrapCode,
    ) -> CompileResult<Value> {
        let ptr = self.pointer_type();
        let def = self.table_definition(b, vmctx, table)?;
        let len = b.ins().load(ptr, trusted(), def, imm(self.ptr().vmtable_definition_current_elements())?);
        let index = if ptr == types::I32 { index } else { b.ins().uextend(ptr, index) };
        let oob = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        b.ins().trapnz(oob, ir_trap(code));
        let base = b.ins().load(ptr, trusted(), def, imm(self.ptr().vmtable_definition_base())?);
        // Elements are pointer-sized, a power of two.
        let shift = self.ptr().table_element_size().trailing_zeros();
        let scaled = b.ins().ishl_imm_u(index, i64::from(shift));
        Ok(b.ins().iadd(base, scaled))
    }

    /// The memory flags of table element accesses.
    pub fn table_element_flags(&self) -> MemFlagsData {
        trusted()
    }

    // ---- globals ----

    /// The address of a global's storage: a base value and an offset.
    fn global_address(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        index: GlobalIndex,
    ) -> CompileResult<(Value, i32)> {
        if index.as_u32() as usize >= self.info.globals.len() {
            bail_bug!("{index} out of {} globals", self.info.globals.len());
        }
        match self.info.defined_global_index(index) {
            Some(def) => Ok((vmctx, imm(self.offsets.defined_global(def))?)),
            None => Ok((self.load_vmctx_readonly(b, vmctx, self.offsets.imported_global(index))?, 0)),
        }
    }

    /// Loads a global's value.
    pub fn load_global(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, index: GlobalIndex) -> CompileResult<Value> {
        let (base, offset) = self.global_address(b, vmctx, index)?;
        let ty = self.info.globals[index];
        let flags = if ty.mutable { trusted() } else { readonly() };
        Ok(b.ins().load(super::ir_type(ty.content), flags, base, offset))
    }

    /// Stores a global's value.
    pub fn store_global(
        &self,
        b: &mut FunctionBuilder<'_>,
        vmctx: Value,
        index: GlobalIndex,
        v: Value,
    ) -> CompileResult<()> {
        let (base, offset) = self.global_address(b, vmctx, index)?;
        b.ins().store(trusted(), v, base, offset);
        Ok(())
    }

    // ---- functions ----

    /// The `VMFuncRef` of a function, for `ref.func` and imported calls: an
    /// imported function's slot, or a defined function's own slot.
    pub fn func_ref(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, func: FuncIndex) -> CompileResult<Value> {
        let Some(f) = self.info.functions.get(func) else {
            bail_bug!("{func} out of {} functions", self.info.functions.len())
        };
        let offset = if self.info.is_imported_func(func) {
            self.offsets.imported_func(func)
        } else {
            let Some(slot) = f.func_ref else { bail_bug!("{func} has no VMFuncRef slot (not declared)") };
            self.offsets.func_ref(slot)
        };
        Ok(b.ins().iadd_imm_s(vmctx, i64::from(offset)))
    }

    /// A `VMFuncRef`'s wasm-convention code pointer and callee VMContext.
    pub fn func_ref_callee(
        &self,
        b: &mut FunctionBuilder<'_>,
        func_ref: Value,
        flags: MemFlagsData,
    ) -> CompileResult<(Value, Value)> {
        let ptr = self.pointer_type();
        let code = b.ins().load(ptr, flags, func_ref, imm(self.ptr().vmfunc_ref_wasm_call())?);
        let callee_vmctx = b.ins().load(ptr, flags, func_ref, imm(self.ptr().vmfunc_ref_vmctx())?);
        Ok((code, callee_vmctx))
    }

    /// A `VMFuncRef`'s type id.
    pub fn func_ref_type_id(&self, b: &mut FunctionBuilder<'_>, func_ref: Value) -> CompileResult<Value> {
        Ok(b.ins().load(types::I32, trusted(), func_ref, imm(self.ptr().vmfunc_ref_type_id())?))
    }

    /// The engine-wide type id of one of the module's signatures.
    pub fn type_id(&self, b: &mut FunctionBuilder<'_>, vmctx: Value, sig: SignatureIndex) -> CompileResult<Value> {
        if sig.as_u32() as usize >= self.info.signatures.len() {
            bail_bug!("{sig} out of {} signatures", self.info.signatures.len());
        }
        Ok(b.ins().load(types::I32, readonly(), vmctx, imm(self.offsets.type_id(sig))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::{emit, module, target};

    #[test]
    fn globals_defined_inline_imported_through_a_pointer() {
        let info = module();
        let (_, offsets) = target(&info);
        let clif = emit(|env, b, vmctx, _| env.load_global(b, vmctx, GlobalIndex::from_u32(1))).unwrap();
        // A defined immutable global: one readonly load at its VMContext offset.
        let defined = offsets.defined_global(DefinedGlobalIndex::from_u32(0));
        assert!(clif.contains(&format!("load.i32 notrap aligned readonly can_move v0+{defined}")), "{clif}");
        let clif = emit(|env, b, vmctx, _| env.load_global(b, vmctx, GlobalIndex::from_u32(0))).unwrap();
        // An imported mutable one: its pointer, then a plain load.
        let imported = offsets.imported_global(GlobalIndex::from_u32(0));
        assert!(clif.contains(&format!("readonly can_move v0+{imported}")), "{clif}");
        assert!(clif.contains("load.i64 notrap aligned v"), "{clif}");
    }

    #[test]
    fn memory_fields_come_from_the_layout() {
        let info = module();
        let (isa, offsets) = target(&info);
        let ptr = target_ptr(&*isa).unwrap();
        let slot = offsets.memory(MemoryIndex::from_u32(0));
        let clif = emit(|env, b, vmctx, _| env.memory_length(b, vmctx, MemoryIndex::from_u32(0))).unwrap();
        assert!(clif.contains(&format!("v0+{}", slot + ptr.vmmemory_import_definition())), "{clif}");
        assert!(clif.contains(&format!("+{}", ptr.vmmemory_definition_current_length())), "{clif}");
    }

    #[test]
    fn func_refs_of_imports_and_declared_functions() {
        let info = module();
        let (_, offsets) = target(&info);
        let clif = emit(|env, b, vmctx, _| env.func_ref(b, vmctx, FuncIndex::from_u32(0))).unwrap();
        assert!(clif.contains(&format!("iconst.i64 {}", offsets.imported_func(FuncIndex::from_u32(0)))), "{clif}");
        let clif = emit(|env, b, vmctx, _| env.func_ref(b, vmctx, FuncIndex::from_u32(1))).unwrap();
        assert!(clif.contains(&format!("iconst.i64 {}", offsets.func_ref(FuncRefIndex::from_u32(0)))), "{clif}");
        // A function never declared for ref.func has no slot: a bug to ask.
        let r = emit(|env, b, vmctx, _| env.func_ref(b, vmctx, FuncIndex::from_u32(2)));
        assert!(matches!(r, Err(CompileError::Internal(_))), "{r:?}");
    }

    #[test]
    fn table_accesses_are_bounds_checked() {
        let clif = emit(|env, b, vmctx, index| {
            env.table_element_address(b, vmctx, TableIndex::from_u32(0), index, TrapCode::TableOutOfBounds)
        })
        .unwrap();
        assert!(clif.contains("icmp uge") && clif.contains("trapnz"), "{clif}");
        let r = emit(|env, b, vmctx, _| env.table_length(b, vmctx, TableIndex::from_u32(5)));
        assert!(matches!(r, Err(CompileError::Internal(_))), "{r:?}");
    }

    #[test]
    fn out_of_range_indices_are_bugs_not_panics() {
        let r = emit(|env, b, vmctx, _| env.load_global(b, vmctx, GlobalIndex::from_u32(9)));
        assert!(matches!(r, Err(CompileError::Internal(_))), "{r:?}");
        let r = emit(|env, b, vmctx, _| env.type_id(b, vmctx, SignatureIndex::from_u32(3)));
        assert!(matches!(r, Err(CompileError::Internal(_))), "{r:?}");
    }
}
