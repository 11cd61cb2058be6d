//! SIMD operator dispatch: the translator as a [`VisitSimdOperator`].
//!
//! Like `visit`, this file only routes: each operator of the SIMD and
//! relaxed SIMD proposals is one method that names its lane type and calls
//! its family in `simd` (`lanes`, `bitwise`, `integer`, `float`,
//! `conversions`, `memory`, `relaxed`). Lane-wise operators that are one
//! Cranelift instruction with wasm's semantics pass that instruction's
//! opcode to `v_binary`/`v_unary`.
//!
//! The trait has no default methods, so a wasmparser with a new SIMD
//! operator fails to compile here.

use super::FuncTranslator;
use super::simd::{ExtendLoad, Half, LaneExtend};
use cranelift_codegen::ir::Opcode;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I8X16, I16X8, I32X4, I64X2};
use wasmparser::{MemArg, V128, VisitSimdOperator};

impl VisitSimdOperator<'_> for FuncTranslator<'_, '_> {
    fn visit_v128_load(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load(&memarg)
    }
    fn visit_v128_load8x8_s(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I8x8, true)
    }
    fn visit_v128_load8x8_u(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I8x8, false)
    }
    fn visit_v128_load16x4_s(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I16x4, true)
    }
    fn visit_v128_load16x4_u(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I16x4, false)
    }
    fn visit_v128_load32x2_s(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I32x2, true)
    }
    fn visit_v128_load32x2_u(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_extend(&memarg, ExtendLoad::I32x2, false)
    }
    fn visit_v128_load8_splat(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_splat(&memarg, I8X16)
    }
    fn visit_v128_load16_splat(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_splat(&memarg, I16X8)
    }
    fn visit_v128_load32_splat(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_splat(&memarg, I32X4)
    }
    fn visit_v128_load64_splat(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_splat(&memarg, I64X2)
    }
    fn visit_v128_load32_zero(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_zero(&memarg, I32X4)
    }
    fn visit_v128_load64_zero(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_load_zero(&memarg, I64X2)
    }
    fn visit_v128_store(&mut self, memarg: MemArg) -> Self::Output {
        self.v128_store(&memarg)
    }
    fn visit_v128_load8_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_load_lane(&memarg, I8X16, lane)
    }
    fn visit_v128_load16_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_load_lane(&memarg, I16X8, lane)
    }
    fn visit_v128_load32_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_load_lane(&memarg, I32X4, lane)
    }
    fn visit_v128_load64_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_load_lane(&memarg, I64X2, lane)
    }
    fn visit_v128_store8_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_store_lane(&memarg, I8X16, lane)
    }
    fn visit_v128_store16_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_store_lane(&memarg, I16X8, lane)
    }
    fn visit_v128_store32_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_store_lane(&memarg, I32X4, lane)
    }
    fn visit_v128_store64_lane(&mut self, memarg: MemArg, lane: u8) -> Self::Output {
        self.v128_store_lane(&memarg, I64X2, lane)
    }
    fn visit_v128_const(&mut self, value: V128) -> Self::Output {
        self.v128_const(*value.bytes())
    }
    fn visit_i8x16_shuffle(&mut self, lanes: [u8; 16]) -> Self::Output {
        self.i8x16_shuffle(lanes)
    }
    fn visit_i8x16_extract_lane_s(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I8X16, lane, LaneExtend::Signed)
    }
    fn visit_i8x16_extract_lane_u(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I8X16, lane, LaneExtend::Unsigned)
    }
    fn visit_i8x16_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(I8X16, lane)
    }
    fn visit_i16x8_extract_lane_s(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I16X8, lane, LaneExtend::Signed)
    }
    fn visit_i16x8_extract_lane_u(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I16X8, lane, LaneExtend::Unsigned)
    }
    fn visit_i16x8_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(I16X8, lane)
    }
    fn visit_i32x4_extract_lane(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I32X4, lane, LaneExtend::None)
    }
    fn visit_i32x4_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(I32X4, lane)
    }
    fn visit_i64x2_extract_lane(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(I64X2, lane, LaneExtend::None)
    }
    fn visit_i64x2_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(I64X2, lane)
    }
    fn visit_f32x4_extract_lane(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(F32X4, lane, LaneExtend::None)
    }
    fn visit_f32x4_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(F32X4, lane)
    }
    fn visit_f64x2_extract_lane(&mut self, lane: u8) -> Self::Output {
        self.extract_lane(F64X2, lane, LaneExtend::None)
    }
    fn visit_f64x2_replace_lane(&mut self, lane: u8) -> Self::Output {
        self.replace_lane(F64X2, lane)
    }
    fn visit_i8x16_swizzle(&mut self) -> Self::Output {
        self.i8x16_swizzle()
    }
    fn visit_i8x16_splat(&mut self) -> Self::Output {
        self.splat(I8X16)
    }
    fn visit_i16x8_splat(&mut self) -> Self::Output {
        self.splat(I16X8)
    }
    fn visit_i32x4_splat(&mut self) -> Self::Output {
        self.splat(I32X4)
    }
    fn visit_i64x2_splat(&mut self) -> Self::Output {
        self.splat(I64X2)
    }
    fn visit_f32x4_splat(&mut self) -> Self::Output {
        self.splat(F32X4)
    }
    fn visit_f64x2_splat(&mut self) -> Self::Output {
        self.splat(F64X2)
    }
    fn visit_i8x16_eq(&mut self) -> Self::Output {
        self.v_icmp(IntCC::Equal, I8X16)
    }
    fn visit_i8x16_ne(&mut self) -> Self::Output {
        self.v_icmp(IntCC::NotEqual, I8X16)
    }
    fn visit_i8x16_lt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThan, I8X16)
    }
    fn visit_i8x16_lt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThan, I8X16)
    }
    fn visit_i8x16_gt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThan, I8X16)
    }
    fn visit_i8x16_gt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThan, I8X16)
    }
    fn visit_i8x16_le_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThanOrEqual, I8X16)
    }
    fn visit_i8x16_le_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThanOrEqual, I8X16)
    }
    fn visit_i8x16_ge_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThanOrEqual, I8X16)
    }
    fn visit_i8x16_ge_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThanOrEqual, I8X16)
    }
    fn visit_i16x8_eq(&mut self) -> Self::Output {
        self.v_icmp(IntCC::Equal, I16X8)
    }
    fn visit_i16x8_ne(&mut self) -> Self::Output {
        self.v_icmp(IntCC::NotEqual, I16X8)
    }
    fn visit_i16x8_lt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThan, I16X8)
    }
    fn visit_i16x8_lt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThan, I16X8)
    }
    fn visit_i16x8_gt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThan, I16X8)
    }
    fn visit_i16x8_gt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThan, I16X8)
    }
    fn visit_i16x8_le_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThanOrEqual, I16X8)
    }
    fn visit_i16x8_le_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThanOrEqual, I16X8)
    }
    fn visit_i16x8_ge_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThanOrEqual, I16X8)
    }
    fn visit_i16x8_ge_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThanOrEqual, I16X8)
    }
    fn visit_i32x4_eq(&mut self) -> Self::Output {
        self.v_icmp(IntCC::Equal, I32X4)
    }
    fn visit_i32x4_ne(&mut self) -> Self::Output {
        self.v_icmp(IntCC::NotEqual, I32X4)
    }
    fn visit_i32x4_lt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThan, I32X4)
    }
    fn visit_i32x4_lt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThan, I32X4)
    }
    fn visit_i32x4_gt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThan, I32X4)
    }
    fn visit_i32x4_gt_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThan, I32X4)
    }
    fn visit_i32x4_le_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThanOrEqual, I32X4)
    }
    fn visit_i32x4_le_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedLessThanOrEqual, I32X4)
    }
    fn visit_i32x4_ge_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThanOrEqual, I32X4)
    }
    fn visit_i32x4_ge_u(&mut self) -> Self::Output {
        self.v_icmp(IntCC::UnsignedGreaterThanOrEqual, I32X4)
    }
    fn visit_i64x2_eq(&mut self) -> Self::Output {
        self.v_icmp(IntCC::Equal, I64X2)
    }
    fn visit_i64x2_ne(&mut self) -> Self::Output {
        self.v_icmp(IntCC::NotEqual, I64X2)
    }
    fn visit_i64x2_lt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThan, I64X2)
    }
    fn visit_i64x2_gt_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThan, I64X2)
    }
    fn visit_i64x2_le_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedLessThanOrEqual, I64X2)
    }
    fn visit_i64x2_ge_s(&mut self) -> Self::Output {
        self.v_icmp(IntCC::SignedGreaterThanOrEqual, I64X2)
    }
    fn visit_f32x4_eq(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::Equal, F32X4)
    }
    fn visit_f32x4_ne(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::NotEqual, F32X4)
    }
    fn visit_f32x4_lt(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::LessThan, F32X4)
    }
    fn visit_f32x4_gt(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::GreaterThan, F32X4)
    }
    fn visit_f32x4_le(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::LessThanOrEqual, F32X4)
    }
    fn visit_f32x4_ge(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::GreaterThanOrEqual, F32X4)
    }
    fn visit_f64x2_eq(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::Equal, F64X2)
    }
    fn visit_f64x2_ne(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::NotEqual, F64X2)
    }
    fn visit_f64x2_lt(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::LessThan, F64X2)
    }
    fn visit_f64x2_gt(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::GreaterThan, F64X2)
    }
    fn visit_f64x2_le(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::LessThanOrEqual, F64X2)
    }
    fn visit_f64x2_ge(&mut self) -> Self::Output {
        self.v_fcmp(FloatCC::GreaterThanOrEqual, F64X2)
    }
    fn visit_v128_not(&mut self) -> Self::Output {
        self.v_unary(Opcode::Bnot, I8X16)
    }
    fn visit_v128_and(&mut self) -> Self::Output {
        self.v_binary(Opcode::Band, I8X16)
    }
    fn visit_v128_andnot(&mut self) -> Self::Output {
        self.v128_andnot()
    }
    fn visit_v128_or(&mut self) -> Self::Output {
        self.v_binary(Opcode::Bor, I8X16)
    }
    fn visit_v128_xor(&mut self) -> Self::Output {
        self.v_binary(Opcode::Bxor, I8X16)
    }
    fn visit_v128_bitselect(&mut self) -> Self::Output {
        self.v128_bitselect()
    }
    fn visit_v128_any_true(&mut self) -> Self::Output {
        self.v128_any_true()
    }
    fn visit_i8x16_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Iabs, I8X16)
    }
    fn visit_i8x16_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Ineg, I8X16)
    }
    fn visit_i8x16_popcnt(&mut self) -> Self::Output {
        self.v_unary(Opcode::Popcnt, I8X16)
    }
    fn visit_i8x16_all_true(&mut self) -> Self::Output {
        self.all_true(I8X16)
    }
    fn visit_i8x16_bitmask(&mut self) -> Self::Output {
        self.bitmask(I8X16)
    }
    fn visit_i8x16_narrow_i16x8_s(&mut self) -> Self::Output {
        self.narrow(I16X8, true)
    }
    fn visit_i8x16_narrow_i16x8_u(&mut self) -> Self::Output {
        self.narrow(I16X8, false)
    }
    fn visit_i8x16_shl(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ishl, I8X16)
    }
    fn visit_i8x16_shr_s(&mut self) -> Self::Output {
        self.v_shift(Opcode::Sshr, I8X16)
    }
    fn visit_i8x16_shr_u(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ushr, I8X16)
    }
    fn visit_i8x16_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Iadd, I8X16)
    }
    fn visit_i8x16_add_sat_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::SaddSat, I8X16)
    }
    fn visit_i8x16_add_sat_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::UaddSat, I8X16)
    }
    fn visit_i8x16_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Isub, I8X16)
    }
    fn visit_i8x16_sub_sat_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::SsubSat, I8X16)
    }
    fn visit_i8x16_sub_sat_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::UsubSat, I8X16)
    }
    fn visit_i8x16_min_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smin, I8X16)
    }
    fn visit_i8x16_min_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umin, I8X16)
    }
    fn visit_i8x16_max_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smax, I8X16)
    }
    fn visit_i8x16_max_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umax, I8X16)
    }
    fn visit_i8x16_avgr_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::AvgRound, I8X16)
    }
    fn visit_i16x8_extadd_pairwise_i8x16_s(&mut self) -> Self::Output {
        self.extadd_pairwise(I8X16, true)
    }
    fn visit_i16x8_extadd_pairwise_i8x16_u(&mut self) -> Self::Output {
        self.extadd_pairwise(I8X16, false)
    }
    fn visit_i16x8_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Iabs, I16X8)
    }
    fn visit_i16x8_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Ineg, I16X8)
    }
    fn visit_i16x8_q15mulr_sat_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::SqmulRoundSat, I16X8)
    }
    fn visit_i16x8_all_true(&mut self) -> Self::Output {
        self.all_true(I16X8)
    }
    fn visit_i16x8_bitmask(&mut self) -> Self::Output {
        self.bitmask(I16X8)
    }
    fn visit_i16x8_narrow_i32x4_s(&mut self) -> Self::Output {
        self.narrow(I32X4, true)
    }
    fn visit_i16x8_narrow_i32x4_u(&mut self) -> Self::Output {
        self.narrow(I32X4, false)
    }
    fn visit_i16x8_extend_low_i8x16_s(&mut self) -> Self::Output {
        self.extend(I8X16, Half::Low, true)
    }
    fn visit_i16x8_extend_high_i8x16_s(&mut self) -> Self::Output {
        self.extend(I8X16, Half::High, true)
    }
    fn visit_i16x8_extend_low_i8x16_u(&mut self) -> Self::Output {
        self.extend(I8X16, Half::Low, false)
    }
    fn visit_i16x8_extend_high_i8x16_u(&mut self) -> Self::Output {
        self.extend(I8X16, Half::High, false)
    }
    fn visit_i16x8_shl(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ishl, I16X8)
    }
    fn visit_i16x8_shr_s(&mut self) -> Self::Output {
        self.v_shift(Opcode::Sshr, I16X8)
    }
    fn visit_i16x8_shr_u(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ushr, I16X8)
    }
    fn visit_i16x8_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Iadd, I16X8)
    }
    fn visit_i16x8_add_sat_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::SaddSat, I16X8)
    }
    fn visit_i16x8_add_sat_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::UaddSat, I16X8)
    }
    fn visit_i16x8_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Isub, I16X8)
    }
    fn visit_i16x8_sub_sat_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::SsubSat, I16X8)
    }
    fn visit_i16x8_sub_sat_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::UsubSat, I16X8)
    }
    fn visit_i16x8_mul(&mut self) -> Self::Output {
        self.v_binary(Opcode::Imul, I16X8)
    }
    fn visit_i16x8_min_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smin, I16X8)
    }
    fn visit_i16x8_min_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umin, I16X8)
    }
    fn visit_i16x8_max_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smax, I16X8)
    }
    fn visit_i16x8_max_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umax, I16X8)
    }
    fn visit_i16x8_avgr_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::AvgRound, I16X8)
    }
    fn visit_i16x8_extmul_low_i8x16_s(&mut self) -> Self::Output {
        self.extmul(I8X16, Half::Low, true)
    }
    fn visit_i16x8_extmul_high_i8x16_s(&mut self) -> Self::Output {
        self.extmul(I8X16, Half::High, true)
    }
    fn visit_i16x8_extmul_low_i8x16_u(&mut self) -> Self::Output {
        self.extmul(I8X16, Half::Low, false)
    }
    fn visit_i16x8_extmul_high_i8x16_u(&mut self) -> Self::Output {
        self.extmul(I8X16, Half::High, false)
    }
    fn visit_i32x4_extadd_pairwise_i16x8_s(&mut self) -> Self::Output {
        self.extadd_pairwise(I16X8, true)
    }
    fn visit_i32x4_extadd_pairwise_i16x8_u(&mut self) -> Self::Output {
        self.extadd_pairwise(I16X8, false)
    }
    fn visit_i32x4_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Iabs, I32X4)
    }
    fn visit_i32x4_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Ineg, I32X4)
    }
    fn visit_i32x4_all_true(&mut self) -> Self::Output {
        self.all_true(I32X4)
    }
    fn visit_i32x4_bitmask(&mut self) -> Self::Output {
        self.bitmask(I32X4)
    }
    fn visit_i32x4_extend_low_i16x8_s(&mut self) -> Self::Output {
        self.extend(I16X8, Half::Low, true)
    }
    fn visit_i32x4_extend_high_i16x8_s(&mut self) -> Self::Output {
        self.extend(I16X8, Half::High, true)
    }
    fn visit_i32x4_extend_low_i16x8_u(&mut self) -> Self::Output {
        self.extend(I16X8, Half::Low, false)
    }
    fn visit_i32x4_extend_high_i16x8_u(&mut self) -> Self::Output {
        self.extend(I16X8, Half::High, false)
    }
    fn visit_i32x4_shl(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ishl, I32X4)
    }
    fn visit_i32x4_shr_s(&mut self) -> Self::Output {
        self.v_shift(Opcode::Sshr, I32X4)
    }
    fn visit_i32x4_shr_u(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ushr, I32X4)
    }
    fn visit_i32x4_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Iadd, I32X4)
    }
    fn visit_i32x4_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Isub, I32X4)
    }
    fn visit_i32x4_mul(&mut self) -> Self::Output {
        self.v_binary(Opcode::Imul, I32X4)
    }
    fn visit_i32x4_min_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smin, I32X4)
    }
    fn visit_i32x4_min_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umin, I32X4)
    }
    fn visit_i32x4_max_s(&mut self) -> Self::Output {
        self.v_binary(Opcode::Smax, I32X4)
    }
    fn visit_i32x4_max_u(&mut self) -> Self::Output {
        self.v_binary(Opcode::Umax, I32X4)
    }
    fn visit_i32x4_dot_i16x8_s(&mut self) -> Self::Output {
        self.i32x4_dot_i16x8_s()
    }
    fn visit_i32x4_extmul_low_i16x8_s(&mut self) -> Self::Output {
        self.extmul(I16X8, Half::Low, true)
    }
    fn visit_i32x4_extmul_high_i16x8_s(&mut self) -> Self::Output {
        self.extmul(I16X8, Half::High, true)
    }
    fn visit_i32x4_extmul_low_i16x8_u(&mut self) -> Self::Output {
        self.extmul(I16X8, Half::Low, false)
    }
    fn visit_i32x4_extmul_high_i16x8_u(&mut self) -> Self::Output {
        self.extmul(I16X8, Half::High, false)
    }
    fn visit_i64x2_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Iabs, I64X2)
    }
    fn visit_i64x2_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Ineg, I64X2)
    }
    fn visit_i64x2_all_true(&mut self) -> Self::Output {
        self.all_true(I64X2)
    }
    fn visit_i64x2_bitmask(&mut self) -> Self::Output {
        self.bitmask(I64X2)
    }
    fn visit_i64x2_extend_low_i32x4_s(&mut self) -> Self::Output {
        self.extend(I32X4, Half::Low, true)
    }
    fn visit_i64x2_extend_high_i32x4_s(&mut self) -> Self::Output {
        self.extend(I32X4, Half::High, true)
    }
    fn visit_i64x2_extend_low_i32x4_u(&mut self) -> Self::Output {
        self.extend(I32X4, Half::Low, false)
    }
    fn visit_i64x2_extend_high_i32x4_u(&mut self) -> Self::Output {
        self.extend(I32X4, Half::High, false)
    }
    fn visit_i64x2_shl(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ishl, I64X2)
    }
    fn visit_i64x2_shr_s(&mut self) -> Self::Output {
        self.v_shift(Opcode::Sshr, I64X2)
    }
    fn visit_i64x2_shr_u(&mut self) -> Self::Output {
        self.v_shift(Opcode::Ushr, I64X2)
    }
    fn visit_i64x2_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Iadd, I64X2)
    }
    fn visit_i64x2_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Isub, I64X2)
    }
    fn visit_i64x2_mul(&mut self) -> Self::Output {
        self.v_binary(Opcode::Imul, I64X2)
    }
    fn visit_i64x2_extmul_low_i32x4_s(&mut self) -> Self::Output {
        self.extmul(I32X4, Half::Low, true)
    }
    fn visit_i64x2_extmul_high_i32x4_s(&mut self) -> Self::Output {
        self.extmul(I32X4, Half::High, true)
    }
    fn visit_i64x2_extmul_low_i32x4_u(&mut self) -> Self::Output {
        self.extmul(I32X4, Half::Low, false)
    }
    fn visit_i64x2_extmul_high_i32x4_u(&mut self) -> Self::Output {
        self.extmul(I32X4, Half::High, false)
    }
    fn visit_f32x4_ceil(&mut self) -> Self::Output {
        self.v_round(Opcode::Ceil, F32X4, "f32x4.ceil")
    }
    fn visit_f32x4_floor(&mut self) -> Self::Output {
        self.v_round(Opcode::Floor, F32X4, "f32x4.floor")
    }
    fn visit_f32x4_trunc(&mut self) -> Self::Output {
        self.v_round(Opcode::Trunc, F32X4, "f32x4.trunc")
    }
    fn visit_f32x4_nearest(&mut self) -> Self::Output {
        self.v_round(Opcode::Nearest, F32X4, "f32x4.nearest")
    }
    fn visit_f32x4_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Fabs, F32X4)
    }
    fn visit_f32x4_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Fneg, F32X4)
    }
    fn visit_f32x4_sqrt(&mut self) -> Self::Output {
        self.v_unary(Opcode::Sqrt, F32X4)
    }
    fn visit_f32x4_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fadd, F32X4)
    }
    fn visit_f32x4_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fsub, F32X4)
    }
    fn visit_f32x4_mul(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmul, F32X4)
    }
    fn visit_f32x4_div(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fdiv, F32X4)
    }
    fn visit_f32x4_min(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmin, F32X4)
    }
    fn visit_f32x4_max(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmax, F32X4)
    }
    fn visit_f32x4_pmin(&mut self) -> Self::Output {
        self.pmin(F32X4)
    }
    fn visit_f32x4_pmax(&mut self) -> Self::Output {
        self.pmax(F32X4)
    }
    fn visit_f64x2_ceil(&mut self) -> Self::Output {
        self.v_round(Opcode::Ceil, F64X2, "f64x2.ceil")
    }
    fn visit_f64x2_floor(&mut self) -> Self::Output {
        self.v_round(Opcode::Floor, F64X2, "f64x2.floor")
    }
    fn visit_f64x2_trunc(&mut self) -> Self::Output {
        self.v_round(Opcode::Trunc, F64X2, "f64x2.trunc")
    }
    fn visit_f64x2_nearest(&mut self) -> Self::Output {
        self.v_round(Opcode::Nearest, F64X2, "f64x2.nearest")
    }
    fn visit_f64x2_abs(&mut self) -> Self::Output {
        self.v_unary(Opcode::Fabs, F64X2)
    }
    fn visit_f64x2_neg(&mut self) -> Self::Output {
        self.v_unary(Opcode::Fneg, F64X2)
    }
    fn visit_f64x2_sqrt(&mut self) -> Self::Output {
        self.v_unary(Opcode::Sqrt, F64X2)
    }
    fn visit_f64x2_add(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fadd, F64X2)
    }
    fn visit_f64x2_sub(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fsub, F64X2)
    }
    fn visit_f64x2_mul(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmul, F64X2)
    }
    fn visit_f64x2_div(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fdiv, F64X2)
    }
    fn visit_f64x2_min(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmin, F64X2)
    }
    fn visit_f64x2_max(&mut self) -> Self::Output {
        self.v_binary(Opcode::Fmax, F64X2)
    }
    fn visit_f64x2_pmin(&mut self) -> Self::Output {
        self.pmin(F64X2)
    }
    fn visit_f64x2_pmax(&mut self) -> Self::Output {
        self.pmax(F64X2)
    }
    fn visit_i32x4_trunc_sat_f32x4_s(&mut self) -> Self::Output {
        self.i32x4_trunc_sat_f32x4(true)
    }
    fn visit_i32x4_trunc_sat_f32x4_u(&mut self) -> Self::Output {
        self.i32x4_trunc_sat_f32x4(false)
    }
    fn visit_f32x4_convert_i32x4_s(&mut self) -> Self::Output {
        self.f32x4_convert_i32x4(true)
    }
    fn visit_f32x4_convert_i32x4_u(&mut self) -> Self::Output {
        self.f32x4_convert_i32x4(false)
    }
    fn visit_i32x4_trunc_sat_f64x2_s_zero(&mut self) -> Self::Output {
        self.i32x4_trunc_sat_f64x2_zero(true)
    }
    fn visit_i32x4_trunc_sat_f64x2_u_zero(&mut self) -> Self::Output {
        self.i32x4_trunc_sat_f64x2_zero(false)
    }
    fn visit_f64x2_convert_low_i32x4_s(&mut self) -> Self::Output {
        self.f64x2_convert_low_i32x4(true)
    }
    fn visit_f64x2_convert_low_i32x4_u(&mut self) -> Self::Output {
        self.f64x2_convert_low_i32x4(false)
    }
    fn visit_f32x4_demote_f64x2_zero(&mut self) -> Self::Output {
        self.f32x4_demote_f64x2_zero()
    }
    fn visit_f64x2_promote_low_f32x4(&mut self) -> Self::Output {
        self.f64x2_promote_low_f32x4()
    }
    fn visit_i8x16_relaxed_swizzle(&mut self) -> Self::Output {
        self.relaxed_swizzle()
    }
    fn visit_i32x4_relaxed_trunc_f32x4_s(&mut self) -> Self::Output {
        self.relaxed_trunc_f32x4(true)
    }
    fn visit_i32x4_relaxed_trunc_f32x4_u(&mut self) -> Self::Output {
        self.relaxed_trunc_f32x4(false)
    }
    fn visit_i32x4_relaxed_trunc_f64x2_s_zero(&mut self) -> Self::Output {
        self.relaxed_trunc_f64x2_zero(true)
    }
    fn visit_i32x4_relaxed_trunc_f64x2_u_zero(&mut self) -> Self::Output {
        self.relaxed_trunc_f64x2_zero(false)
    }
    fn visit_f32x4_relaxed_madd(&mut self) -> Self::Output {
        self.relaxed_madd(F32X4, false, "f32x4.relaxed_madd")
    }
    fn visit_f32x4_relaxed_nmadd(&mut self) -> Self::Output {
        self.relaxed_madd(F32X4, true, "f32x4.relaxed_nmadd")
    }
    fn visit_f64x2_relaxed_madd(&mut self) -> Self::Output {
        self.relaxed_madd(F64X2, false, "f64x2.relaxed_madd")
    }
    fn visit_f64x2_relaxed_nmadd(&mut self) -> Self::Output {
        self.relaxed_madd(F64X2, true, "f64x2.relaxed_nmadd")
    }
    fn visit_i8x16_relaxed_laneselect(&mut self) -> Self::Output {
        self.relaxed_laneselect(I8X16)
    }
    fn visit_i16x8_relaxed_laneselect(&mut self) -> Self::Output {
        self.relaxed_laneselect(I16X8)
    }
    fn visit_i32x4_relaxed_laneselect(&mut self) -> Self::Output {
        self.relaxed_laneselect(I32X4)
    }
    fn visit_i64x2_relaxed_laneselect(&mut self) -> Self::Output {
        self.relaxed_laneselect(I64X2)
    }
    fn visit_f32x4_relaxed_min(&mut self) -> Self::Output {
        self.relaxed_min_max(F32X4, false)
    }
    fn visit_f32x4_relaxed_max(&mut self) -> Self::Output {
        self.relaxed_min_max(F32X4, true)
    }
    fn visit_f64x2_relaxed_min(&mut self) -> Self::Output {
        self.relaxed_min_max(F64X2, false)
    }
    fn visit_f64x2_relaxed_max(&mut self) -> Self::Output {
        self.relaxed_min_max(F64X2, true)
    }
    fn visit_i16x8_relaxed_q15mulr_s(&mut self) -> Self::Output {
        self.relaxed_q15mulr_s()
    }
    fn visit_i16x8_relaxed_dot_i8x16_i7x16_s(&mut self) -> Self::Output {
        self.relaxed_dot_i8x16_i7x16_s()
    }
    fn visit_i32x4_relaxed_dot_i8x16_i7x16_add_s(&mut self) -> Self::Output {
        self.relaxed_dot_i8x16_i7x16_add_s()
    }
}
