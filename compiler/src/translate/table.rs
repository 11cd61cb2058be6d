//! `table.*`, `elem.drop` and the reference operators.
//!
//! Table elements are pointer-sized: `*const VMFuncRef` for `funcref`, an
//! opaque handle for `externref`, 0 for null. `table.get`, `table.set` and
//! `table.size` are inline (addresses from the environment layer); the
//! rest are libcalls.

use super::FuncTranslator;
use crate::error::CompileResult;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, types};
use kiln_environ::libcalls::Libcall;
use kiln_environ::{ElemIndex, FuncIndex, TableIndex, TrapCode};

impl FuncTranslator<'_, '_> {
    /// `table.get`
    pub(super) fn table_get(&mut self, table: TableIndex) -> CompileResult<()> {
        let index = self.pop()?;
        let addr =
            self.env.table_element_address(&mut self.builder, self.vmctx, table, index, TrapCode::TableOutOfBounds)?;
        let (ptr, flags) = (self.pointer_type(), self.env.table_element_flags());
        let v = self.builder.ins().load(ptr, flags, addr, 0);
        self.push(v);
        Ok(())
    }

    /// `table.set`
    pub(super) fn table_set(&mut self, table: TableIndex) -> CompileResult<()> {
        let (index, value) = self.pop2()?;
        let addr =
            self.env.table_element_address(&mut self.builder, self.vmctx, table, index, TrapCode::TableOutOfBounds)?;
        self.builder.ins().store(self.env.table_element_flags(), value, addr, 0);
        Ok(())
    }

    /// `table.size`
    pub(super) fn table_size(&mut self, table: TableIndex) -> CompileResult<()> {
        let len = self.env.table_length(&mut self.builder, self.vmctx, table)?;
        let len = self.builder.ins().ireduce(types::I32, len);
        self.push(len);
        Ok(())
    }

    /// `table.grow`
    pub(super) fn table_grow(&mut self, table: TableIndex) -> CompileResult<()> {
        let (init, delta) = self.pop2()?;
        let t = self.index_operand(table.as_u32());
        let r = self.call_libcall(Libcall::table_grow, &[t, delta, init])?;
        self.push(r);
        Ok(())
    }

    /// `table.fill`
    pub(super) fn table_fill(&mut self, table: TableIndex) -> CompileResult<()> {
        let (dst, val, len) = self.pop3()?;
        let t = self.index_operand(table.as_u32());
        self.call_libcall(Libcall::table_fill, &[t, dst, val, len]).map(|_| ())
    }

    /// `table.copy`
    pub(super) fn table_copy(&mut self, dst_table: TableIndex, src_table: TableIndex) -> CompileResult<()> {
        let (dst, src, len) = self.pop3()?;
        let d = self.index_operand(dst_table.as_u32());
        let s = self.index_operand(src_table.as_u32());
        self.call_libcall(Libcall::table_copy, &[d, s, dst, src, len]).map(|_| ())
    }

    /// `table.init`
    pub(super) fn table_init(&mut self, elem: ElemIndex, table: TableIndex) -> CompileResult<()> {
        let (dst, src, len) = self.pop3()?;
        let t = self.index_operand(table.as_u32());
        let e = self.index_operand(elem.as_u32());
        self.call_libcall(Libcall::table_init, &[t, e, dst, src, len]).map(|_| ())
    }

    /// `elem.drop`
    pub(super) fn elem_drop(&mut self, elem: ElemIndex) -> CompileResult<()> {
        let e = self.index_operand(elem.as_u32());
        self.call_libcall(Libcall::elem_drop, &[e]).map(|_| ())
    }

    /// `ref.null`: 0 of any reference type.
    pub(super) fn ref_null(&mut self) -> CompileResult<()> {
        let ptr = self.pointer_type();
        let v = self.builder.ins().iconst(ptr, 0);
        self.push(v);
        Ok(())
    }

    /// `ref.is_null`
    pub(super) fn ref_is_null(&mut self) -> CompileResult<()> {
        let r = self.pop()?;
        let c = self.builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
        let c = self.builder.ins().uextend(types::I32, c);
        self.push(c);
        Ok(())
    }

    /// `ref.func`: the function's `VMFuncRef`.
    pub(super) fn ref_func(&mut self, func: FuncIndex) -> CompileResult<()> {
        let v = self.env.func_ref(&mut self.builder, self.vmctx, func)?;
        self.push(v);
        Ok(())
    }
}
