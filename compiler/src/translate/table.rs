//! `table.*`, `elem.drop` and the reference operators.
//!
//! Table elements are pointer-sized: `*const VMFuncRef` for `funcref`, an
//! opaque handle for `externref`, 0 for null. `table.get`, `table.set` and
//! `table.size` are inline; the rest are libcalls.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use cranelift_entity::EntityRef;
use kiln_environ::libcalls::Libcall;
use kiln_environ::vmoffsets::table;
use kiln_environ::{FuncIndex, TableIndex, TrapCode};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// The table's definition pointer.
    pub(super) fn table_definition(&mut self, index: u32) -> Value {
        let slot = self.env.offsets.table(TableIndex::new(index as usize));
        self.load_vmctx_readonly(slot)
    }

    /// The address of element `index` (an i32), trapping with `code` when
    /// out of bounds.
    pub(super) fn table_element_address(&mut self, table_index: u32, index: Value, code: TrapCode) -> Value {
        let ptr = self.pointer_type();
        let def = self.table_definition(table_index);
        let len = self.builder.ins().load(ptr, super::trusted(), def, table::CURRENT_ELEMENTS as i32);
        let index = self.builder.ins().uextend(types::I64, index);
        let oob = self.builder.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trapnz(oob, code);
        let base = self.builder.ins().load(ptr, super::trusted(), def, table::BASE as i32);
        let scaled = self.builder.ins().ishl_imm_u(index, 3);
        self.builder.ins().iadd(base, scaled)
    }

    /// The `VMFuncRef` pointer of a function, for `ref.func`.
    fn func_ref_value(&mut self, func: FuncIndex) -> Value {
        let info = self.env.info;
        let offset = if info.is_imported_func(func) {
            self.env.offsets.imported_func(func)
        } else {
            let slot = info.functions[func].func_ref.expect("validated: ref.func targets are declared");
            self.env.offsets.func_ref(slot)
        };
        self.builder.ins().iadd_imm_s(self.vmctx, i64::from(offset))
    }

    pub(super) fn table(&mut self, op: &O<'_>) -> CompileResult<bool> {
        let ptr = self.pointer_type();
        let i32c = |t: &mut Self, v: u32| t.builder.ins().iconst(types::I32, i64::from(v as i32));
        match *op {
            O::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_element_address(table, index, TrapCode::TableOutOfBounds);
                let v = self.builder.ins().load(ptr, super::trusted(), addr, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let (index, value) = self.pop2();
                let addr = self.table_element_address(table, index, TrapCode::TableOutOfBounds);
                self.builder.ins().store(super::trusted(), value, addr, 0);
            }
            O::TableSize { table } => {
                let def = self.table_definition(table);
                let len = self.builder.ins().load(ptr, super::trusted(), def, table::CURRENT_ELEMENTS as i32);
                let len = self.builder.ins().ireduce(types::I32, len);
                self.push(len);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let t = i32c(self, table);
                let r = self.call_libcall(Libcall::table_grow, &[t, delta, init]);
                self.push(r);
            }
            O::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let t = i32c(self, table);
                self.call_libcall(Libcall::table_fill, &[t, dst, val, len]);
            }
            O::TableCopy { dst_table, src_table } => {
                let (dst, src, len) = self.pop3();
                let d = i32c(self, dst_table);
                let s = i32c(self, src_table);
                self.call_libcall(Libcall::table_copy, &[d, s, dst, src, len]);
            }
            O::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let t = i32c(self, table);
                let e = i32c(self, elem_index);
                self.call_libcall(Libcall::table_init, &[t, e, dst, src, len]);
            }
            O::ElemDrop { elem_index } => {
                let e = i32c(self, elem_index);
                self.call_libcall(Libcall::elem_drop, &[e]);
            }
            O::RefNull { .. } => {
                let v = self.builder.ins().iconst(ptr, 0);
                self.push(v);
            }
            O::RefIsNull => {
                let r = self.pop();
                let c = self.builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
                let c = self.builder.ins().uextend(types::I32, c);
                self.push(c);
            }
            O::RefFunc { function_index } => {
                let v = self.func_ref_value(FuncIndex::new(function_index as usize));
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
