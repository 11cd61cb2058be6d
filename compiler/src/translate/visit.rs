//! Operator dispatch: the translator as a [`VisitOperator`].
//!
//! This file only routes: each operator of a proposal kiln implements (MVP,
//! sign extension, saturating conversions, bulk memory, reference types) is
//! one method that turns wasmparser's raw immediates into typed indices and
//! calls its family (`control`, `call`, `locals_globals`, `memory`,
//! `table`, `numeric`, `conversions`). SIMD and relaxed SIMD are routed in
//! `visit_simd`. Operators of every other proposal are refused by the one
//! macro in `unsupported`.
//!
//! The trait has no default methods, so the impl is exhaustive: a
//! wasmparser with new operators in a supported proposal fails to compile
//! here, and a new proposal is refused by name.
//!
//! Only reachable code comes here; `translate_body` sends unreachable code
//! to `unreachable` instead.

use super::FuncTranslator;
use super::locals_globals::LocalIndex;
use super::memory::LoadKind;
use super::unsupported::refuse_unsupported;
use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::Opcode;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use kiln_environ::{DataIndex, ElemIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
use wasmparser::{BlockType, BrTable, HeapType, Ieee32, Ieee64, MemArg, ValType, VisitOperator, VisitSimdOperator};

impl<'a> VisitOperator<'a> for FuncTranslator<'_, '_> {
    type Output = CompileResult<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    // ---- control and parametric operators (`control`) ----
    fn visit_unreachable(&mut self) -> Self::Output {
        self.unreachable_()
    }
    fn visit_nop(&mut self) -> Self::Output {
        Ok(())
    }
    fn visit_block(&mut self, blockty: BlockType) -> Self::Output {
        self.block(blockty)
    }
    fn visit_loop(&mut self, blockty: BlockType) -> Self::Output {
        self.loop_(blockty)
    }
    fn visit_if(&mut self, blockty: BlockType) -> Self::Output {
        self.if_(blockty)
    }
    fn visit_else(&mut self) -> Self::Output {
        self.else_()
    }
    fn visit_end(&mut self) -> Self::Output {
        self.end()
    }
    fn visit_br(&mut self, relative_depth: u32) -> Self::Output {
        self.br(relative_depth)
    }
    fn visit_br_if(&mut self, relative_depth: u32) -> Self::Output {
        self.br_if(relative_depth)
    }
    fn visit_br_table(&mut self, targets: BrTable<'a>) -> Self::Output {
        self.br_table(&targets)
    }
    fn visit_return(&mut self) -> Self::Output {
        self.return_()
    }
    fn visit_drop(&mut self) -> Self::Output {
        self.drop_()
    }
    fn visit_select(&mut self) -> Self::Output {
        self.select()
    }
    fn visit_typed_select(&mut self, _ty: ValType) -> Self::Output {
        self.select()
    }
    fn visit_typed_select_multi(&mut self, _tys: Vec<ValType>) -> Self::Output {
        bail_bug!("multi-value select passed validation")
    }

    // ---- calls (`call`) ----
    fn visit_call(&mut self, function_index: u32) -> Self::Output {
        self.call(FuncIndex::from_u32(function_index))
    }
    fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> Self::Output {
        self.call_indirect(TypeIndex::from_u32(type_index), TableIndex::from_u32(table_index))
    }

    // ---- locals and globals (`locals_globals`) ----
    fn visit_local_get(&mut self, local_index: u32) -> Self::Output {
        self.local_get(LocalIndex::from_u32(local_index))
    }
    fn visit_local_set(&mut self, local_index: u32) -> Self::Output {
        self.local_set(LocalIndex::from_u32(local_index))
    }
    fn visit_local_tee(&mut self, local_index: u32) -> Self::Output {
        self.local_tee(LocalIndex::from_u32(local_index))
    }
    fn visit_global_get(&mut self, global_index: u32) -> Self::Output {
        self.global_get(GlobalIndex::from_u32(global_index))
    }
    fn visit_global_set(&mut self, global_index: u32) -> Self::Output {
        self.global_set(GlobalIndex::from_u32(global_index))
    }

    // ---- memory (`memory`) ----
    fn visit_i32_load(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I32, LoadKind::Full)
    }
    fn visit_i64_load(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Full)
    }
    fn visit_f32_load(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, F32, LoadKind::Full)
    }
    fn visit_f64_load(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, F64, LoadKind::Full)
    }
    fn visit_i32_load8_s(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I32, LoadKind::Extend8 { signed: true })
    }
    fn visit_i32_load8_u(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I32, LoadKind::Extend8 { signed: false })
    }
    fn visit_i32_load16_s(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I32, LoadKind::Extend16 { signed: true })
    }
    fn visit_i32_load16_u(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I32, LoadKind::Extend16 { signed: false })
    }
    fn visit_i64_load8_s(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend8 { signed: true })
    }
    fn visit_i64_load8_u(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend8 { signed: false })
    }
    fn visit_i64_load16_s(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend16 { signed: true })
    }
    fn visit_i64_load16_u(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend16 { signed: false })
    }
    fn visit_i64_load32_s(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend32 { signed: true })
    }
    fn visit_i64_load32_u(&mut self, memarg: MemArg) -> Self::Output {
        self.load(&memarg, I64, LoadKind::Extend32 { signed: false })
    }
    fn visit_i32_store(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 4)
    }
    fn visit_i64_store(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 8)
    }
    fn visit_f32_store(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 4)
    }
    fn visit_f64_store(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 8)
    }
    fn visit_i32_store8(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 1)
    }
    fn visit_i32_store16(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 2)
    }
    fn visit_i64_store8(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 1)
    }
    fn visit_i64_store16(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 2)
    }
    fn visit_i64_store32(&mut self, memarg: MemArg) -> Self::Output {
        self.store(&memarg, 4)
    }
    fn visit_memory_size(&mut self, mem: u32) -> Self::Output {
        self.memory_size(MemoryIndex::from_u32(mem))
    }
    fn visit_memory_grow(&mut self, mem: u32) -> Self::Output {
        self.memory_grow(MemoryIndex::from_u32(mem))
    }
    fn visit_memory_fill(&mut self, mem: u32) -> Self::Output {
        self.memory_fill(MemoryIndex::from_u32(mem))
    }
    fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> Self::Output {
        self.memory_copy(MemoryIndex::from_u32(dst_mem), MemoryIndex::from_u32(src_mem))
    }
    fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> Self::Output {
        self.memory_init(DataIndex::from_u32(data_index), MemoryIndex::from_u32(mem))
    }
    fn visit_data_drop(&mut self, data_index: u32) -> Self::Output {
        self.data_drop(DataIndex::from_u32(data_index))
    }

    // ---- tables and references (`table`) ----
    fn visit_table_get(&mut self, table: u32) -> Self::Output {
        self.table_get(TableIndex::from_u32(table))
    }
    fn visit_table_set(&mut self, table: u32) -> Self::Output {
        self.table_set(TableIndex::from_u32(table))
    }
    fn visit_table_size(&mut self, table: u32) -> Self::Output {
        self.table_size(TableIndex::from_u32(table))
    }
    fn visit_table_grow(&mut self, table: u32) -> Self::Output {
        self.table_grow(TableIndex::from_u32(table))
    }
    fn visit_table_fill(&mut self, table: u32) -> Self::Output {
        self.table_fill(TableIndex::from_u32(table))
    }
    fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> Self::Output {
        self.table_copy(TableIndex::from_u32(dst_table), TableIndex::from_u32(src_table))
    }
    fn visit_table_init(&mut self, elem_index: u32, table: u32) -> Self::Output {
        self.table_init(ElemIndex::from_u32(elem_index), TableIndex::from_u32(table))
    }
    fn visit_elem_drop(&mut self, elem_index: u32) -> Self::Output {
        self.elem_drop(ElemIndex::from_u32(elem_index))
    }
    fn visit_ref_null(&mut self, _hty: HeapType) -> Self::Output {
        self.ref_null()
    }
    fn visit_ref_is_null(&mut self) -> Self::Output {
        self.ref_is_null()
    }
    fn visit_ref_func(&mut self, function_index: u32) -> Self::Output {
        self.ref_func(FuncIndex::from_u32(function_index))
    }

    // ---- numbers (`numeric`) ----
    fn visit_i32_const(&mut self, value: i32) -> Self::Output {
        self.i32_const(value)
    }
    fn visit_i64_const(&mut self, value: i64) -> Self::Output {
        self.i64_const(value)
    }
    fn visit_f32_const(&mut self, value: Ieee32) -> Self::Output {
        self.f32_const(value.bits())
    }
    fn visit_f64_const(&mut self, value: Ieee64) -> Self::Output {
        self.f64_const(value.bits())
    }
    fn visit_i32_add(&mut self) -> Self::Output {
        self.binary(Opcode::Iadd)
    }
    fn visit_i32_sub(&mut self) -> Self::Output {
        self.binary(Opcode::Isub)
    }
    fn visit_i32_mul(&mut self) -> Self::Output {
        self.binary(Opcode::Imul)
    }
    fn visit_i32_div_s(&mut self) -> Self::Output {
        self.binary(Opcode::Sdiv)
    }
    fn visit_i32_div_u(&mut self) -> Self::Output {
        self.binary(Opcode::Udiv)
    }
    fn visit_i32_rem_s(&mut self) -> Self::Output {
        self.binary(Opcode::Srem)
    }
    fn visit_i32_rem_u(&mut self) -> Self::Output {
        self.binary(Opcode::Urem)
    }
    fn visit_i32_and(&mut self) -> Self::Output {
        self.binary(Opcode::Band)
    }
    fn visit_i32_or(&mut self) -> Self::Output {
        self.binary(Opcode::Bor)
    }
    fn visit_i32_xor(&mut self) -> Self::Output {
        self.binary(Opcode::Bxor)
    }
    fn visit_i32_shl(&mut self) -> Self::Output {
        self.binary(Opcode::Ishl)
    }
    fn visit_i32_shr_s(&mut self) -> Self::Output {
        self.binary(Opcode::Sshr)
    }
    fn visit_i32_shr_u(&mut self) -> Self::Output {
        self.binary(Opcode::Ushr)
    }
    fn visit_i32_rotl(&mut self) -> Self::Output {
        self.binary(Opcode::Rotl)
    }
    fn visit_i32_rotr(&mut self) -> Self::Output {
        self.binary(Opcode::Rotr)
    }
    fn visit_i32_clz(&mut self) -> Self::Output {
        self.unary(Opcode::Clz)
    }
    fn visit_i32_ctz(&mut self) -> Self::Output {
        self.unary(Opcode::Ctz)
    }
    fn visit_i32_popcnt(&mut self) -> Self::Output {
        self.unary(Opcode::Popcnt)
    }
    fn visit_i32_eq(&mut self) -> Self::Output {
        self.icmp(IntCC::Equal)
    }
    fn visit_i32_ne(&mut self) -> Self::Output {
        self.icmp(IntCC::NotEqual)
    }
    fn visit_i32_lt_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedLessThan)
    }
    fn visit_i32_lt_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedLessThan)
    }
    fn visit_i32_gt_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedGreaterThan)
    }
    fn visit_i32_gt_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedGreaterThan)
    }
    fn visit_i32_le_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedLessThanOrEqual)
    }
    fn visit_i32_le_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedLessThanOrEqual)
    }
    fn visit_i32_ge_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedGreaterThanOrEqual)
    }
    fn visit_i32_ge_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedGreaterThanOrEqual)
    }
    fn visit_i32_eqz(&mut self) -> Self::Output {
        self.eqz()
    }
    fn visit_i64_add(&mut self) -> Self::Output {
        self.binary(Opcode::Iadd)
    }
    fn visit_i64_sub(&mut self) -> Self::Output {
        self.binary(Opcode::Isub)
    }
    fn visit_i64_mul(&mut self) -> Self::Output {
        self.binary(Opcode::Imul)
    }
    fn visit_i64_div_s(&mut self) -> Self::Output {
        self.binary(Opcode::Sdiv)
    }
    fn visit_i64_div_u(&mut self) -> Self::Output {
        self.binary(Opcode::Udiv)
    }
    fn visit_i64_rem_s(&mut self) -> Self::Output {
        self.binary(Opcode::Srem)
    }
    fn visit_i64_rem_u(&mut self) -> Self::Output {
        self.binary(Opcode::Urem)
    }
    fn visit_i64_and(&mut self) -> Self::Output {
        self.binary(Opcode::Band)
    }
    fn visit_i64_or(&mut self) -> Self::Output {
        self.binary(Opcode::Bor)
    }
    fn visit_i64_xor(&mut self) -> Self::Output {
        self.binary(Opcode::Bxor)
    }
    fn visit_i64_shl(&mut self) -> Self::Output {
        self.binary(Opcode::Ishl)
    }
    fn visit_i64_shr_s(&mut self) -> Self::Output {
        self.binary(Opcode::Sshr)
    }
    fn visit_i64_shr_u(&mut self) -> Self::Output {
        self.binary(Opcode::Ushr)
    }
    fn visit_i64_rotl(&mut self) -> Self::Output {
        self.binary(Opcode::Rotl)
    }
    fn visit_i64_rotr(&mut self) -> Self::Output {
        self.binary(Opcode::Rotr)
    }
    fn visit_i64_clz(&mut self) -> Self::Output {
        self.unary(Opcode::Clz)
    }
    fn visit_i64_ctz(&mut self) -> Self::Output {
        self.unary(Opcode::Ctz)
    }
    fn visit_i64_popcnt(&mut self) -> Self::Output {
        self.unary(Opcode::Popcnt)
    }
    fn visit_i64_eq(&mut self) -> Self::Output {
        self.icmp(IntCC::Equal)
    }
    fn visit_i64_ne(&mut self) -> Self::Output {
        self.icmp(IntCC::NotEqual)
    }
    fn visit_i64_lt_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedLessThan)
    }
    fn visit_i64_lt_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedLessThan)
    }
    fn visit_i64_gt_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedGreaterThan)
    }
    fn visit_i64_gt_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedGreaterThan)
    }
    fn visit_i64_le_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedLessThanOrEqual)
    }
    fn visit_i64_le_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedLessThanOrEqual)
    }
    fn visit_i64_ge_s(&mut self) -> Self::Output {
        self.icmp(IntCC::SignedGreaterThanOrEqual)
    }
    fn visit_i64_ge_u(&mut self) -> Self::Output {
        self.icmp(IntCC::UnsignedGreaterThanOrEqual)
    }
    fn visit_i64_eqz(&mut self) -> Self::Output {
        self.eqz()
    }
    fn visit_f32_add(&mut self) -> Self::Output {
        self.binary(Opcode::Fadd)
    }
    fn visit_f32_sub(&mut self) -> Self::Output {
        self.binary(Opcode::Fsub)
    }
    fn visit_f32_mul(&mut self) -> Self::Output {
        self.binary(Opcode::Fmul)
    }
    fn visit_f32_div(&mut self) -> Self::Output {
        self.binary(Opcode::Fdiv)
    }
    fn visit_f32_min(&mut self) -> Self::Output {
        self.binary(Opcode::Fmin)
    }
    fn visit_f32_max(&mut self) -> Self::Output {
        self.binary(Opcode::Fmax)
    }
    fn visit_f32_copysign(&mut self) -> Self::Output {
        self.binary(Opcode::Fcopysign)
    }
    fn visit_f32_abs(&mut self) -> Self::Output {
        self.unary(Opcode::Fabs)
    }
    fn visit_f32_neg(&mut self) -> Self::Output {
        self.unary(Opcode::Fneg)
    }
    fn visit_f32_sqrt(&mut self) -> Self::Output {
        self.unary(Opcode::Sqrt)
    }
    fn visit_f32_ceil(&mut self) -> Self::Output {
        self.unary(Opcode::Ceil)
    }
    fn visit_f32_floor(&mut self) -> Self::Output {
        self.unary(Opcode::Floor)
    }
    fn visit_f32_trunc(&mut self) -> Self::Output {
        self.unary(Opcode::Trunc)
    }
    fn visit_f32_nearest(&mut self) -> Self::Output {
        self.unary(Opcode::Nearest)
    }
    fn visit_f32_eq(&mut self) -> Self::Output {
        self.fcmp(FloatCC::Equal)
    }
    fn visit_f32_ne(&mut self) -> Self::Output {
        self.fcmp(FloatCC::NotEqual)
    }
    fn visit_f32_lt(&mut self) -> Self::Output {
        self.fcmp(FloatCC::LessThan)
    }
    fn visit_f32_gt(&mut self) -> Self::Output {
        self.fcmp(FloatCC::GreaterThan)
    }
    fn visit_f32_le(&mut self) -> Self::Output {
        self.fcmp(FloatCC::LessThanOrEqual)
    }
    fn visit_f32_ge(&mut self) -> Self::Output {
        self.fcmp(FloatCC::GreaterThanOrEqual)
    }
    fn visit_f64_add(&mut self) -> Self::Output {
        self.binary(Opcode::Fadd)
    }
    fn visit_f64_sub(&mut self) -> Self::Output {
        self.binary(Opcode::Fsub)
    }
    fn visit_f64_mul(&mut self) -> Self::Output {
        self.binary(Opcode::Fmul)
    }
    fn visit_f64_div(&mut self) -> Self::Output {
        self.binary(Opcode::Fdiv)
    }
    fn visit_f64_min(&mut self) -> Self::Output {
        self.binary(Opcode::Fmin)
    }
    fn visit_f64_max(&mut self) -> Self::Output {
        self.binary(Opcode::Fmax)
    }
    fn visit_f64_copysign(&mut self) -> Self::Output {
        self.binary(Opcode::Fcopysign)
    }
    fn visit_f64_abs(&mut self) -> Self::Output {
        self.unary(Opcode::Fabs)
    }
    fn visit_f64_neg(&mut self) -> Self::Output {
        self.unary(Opcode::Fneg)
    }
    fn visit_f64_sqrt(&mut self) -> Self::Output {
        self.unary(Opcode::Sqrt)
    }
    fn visit_f64_ceil(&mut self) -> Self::Output {
        self.unary(Opcode::Ceil)
    }
    fn visit_f64_floor(&mut self) -> Self::Output {
        self.unary(Opcode::Floor)
    }
    fn visit_f64_trunc(&mut self) -> Self::Output {
        self.unary(Opcode::Trunc)
    }
    fn visit_f64_nearest(&mut self) -> Self::Output {
        self.unary(Opcode::Nearest)
    }
    fn visit_f64_eq(&mut self) -> Self::Output {
        self.fcmp(FloatCC::Equal)
    }
    fn visit_f64_ne(&mut self) -> Self::Output {
        self.fcmp(FloatCC::NotEqual)
    }
    fn visit_f64_lt(&mut self) -> Self::Output {
        self.fcmp(FloatCC::LessThan)
    }
    fn visit_f64_gt(&mut self) -> Self::Output {
        self.fcmp(FloatCC::GreaterThan)
    }
    fn visit_f64_le(&mut self) -> Self::Output {
        self.fcmp(FloatCC::LessThanOrEqual)
    }
    fn visit_f64_ge(&mut self) -> Self::Output {
        self.fcmp(FloatCC::GreaterThanOrEqual)
    }
    fn visit_i32_extend8_s(&mut self) -> Self::Output {
        self.sign_extend_low(I8, I32)
    }
    fn visit_i32_extend16_s(&mut self) -> Self::Output {
        self.sign_extend_low(I16, I32)
    }
    fn visit_i64_extend8_s(&mut self) -> Self::Output {
        self.sign_extend_low(I8, I64)
    }
    fn visit_i64_extend16_s(&mut self) -> Self::Output {
        self.sign_extend_low(I16, I64)
    }
    fn visit_i64_extend32_s(&mut self) -> Self::Output {
        self.sign_extend_low(I32, I64)
    }

    // ---- conversions (`conversions`) ----
    fn visit_i32_wrap_i64(&mut self) -> Self::Output {
        self.convert(Opcode::Ireduce, I32)
    }
    fn visit_i64_extend_i32_s(&mut self) -> Self::Output {
        self.convert(Opcode::Sextend, I64)
    }
    fn visit_i64_extend_i32_u(&mut self) -> Self::Output {
        self.convert(Opcode::Uextend, I64)
    }
    fn visit_i32_trunc_f32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSint, I32)
    }
    fn visit_i32_trunc_f32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUint, I32)
    }
    fn visit_i32_trunc_sat_f32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSintSat, I32)
    }
    fn visit_i32_trunc_sat_f32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUintSat, I32)
    }
    fn visit_f32_convert_i32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromSint, F32)
    }
    fn visit_f32_convert_i32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromUint, F32)
    }
    fn visit_i32_trunc_f64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSint, I32)
    }
    fn visit_i32_trunc_f64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUint, I32)
    }
    fn visit_i32_trunc_sat_f64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSintSat, I32)
    }
    fn visit_i32_trunc_sat_f64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUintSat, I32)
    }
    fn visit_f64_convert_i32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromSint, F64)
    }
    fn visit_f64_convert_i32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromUint, F64)
    }
    fn visit_i64_trunc_f32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSint, I64)
    }
    fn visit_i64_trunc_f32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUint, I64)
    }
    fn visit_i64_trunc_sat_f32_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSintSat, I64)
    }
    fn visit_i64_trunc_sat_f32_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUintSat, I64)
    }
    fn visit_f32_convert_i64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromSint, F32)
    }
    fn visit_f32_convert_i64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromUint, F32)
    }
    fn visit_i64_trunc_f64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSint, I64)
    }
    fn visit_i64_trunc_f64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUint, I64)
    }
    fn visit_i64_trunc_sat_f64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToSintSat, I64)
    }
    fn visit_i64_trunc_sat_f64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtToUintSat, I64)
    }
    fn visit_f64_convert_i64_s(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromSint, F64)
    }
    fn visit_f64_convert_i64_u(&mut self) -> Self::Output {
        self.convert(Opcode::FcvtFromUint, F64)
    }
    fn visit_f32_demote_f64(&mut self) -> Self::Output {
        self.convert(Opcode::Fdemote, F32)
    }
    fn visit_f64_promote_f32(&mut self) -> Self::Output {
        self.convert(Opcode::Fpromote, F64)
    }
    fn visit_i32_reinterpret_f32(&mut self) -> Self::Output {
        self.reinterpret(I32)
    }
    fn visit_i64_reinterpret_f64(&mut self) -> Self::Output {
        self.reinterpret(I64)
    }
    fn visit_f32_reinterpret_i32(&mut self) -> Self::Output {
        self.reinterpret(F32)
    }
    fn visit_f64_reinterpret_i64(&mut self) -> Self::Output {
        self.reinterpret(F64)
    }

    // ---- every other proposal ----

    wasmparser::for_each_visit_operator!(refuse_unsupported);
}
