//! Unit tests of the SIMD families: the one `v128` representation, lane
//! narrowing, the relaxed-SIMD lowering choice, and CPU-feature refusals.

use super::super::test_support::with_translator_on;
use super::super::*;
use cranelift_codegen::ir::{Opcode, types};
use cranelift_codegen::isa::OwnedTargetIsa;
use wasmparser::{Operator, V128};

/// Runs `f` on a translator for `isa` with `tunables`.
fn with_simd_translator(isa: OwnedTargetIsa, tunables: Tunables, f: impl FnOnce(&mut FuncTranslator<'_, '_>)) {
    with_translator_on(isa, tunables, f);
}

fn host() -> OwnedTargetIsa {
    crate::build_isa(&crate::CompilerConfig::default()).expect("host ISA")
}

fn top_type(t: &FuncTranslator<'_, '_>) -> types::Type {
    t.builder.func.dfg.value_type(t.stack.top().unwrap())
}

fn last_opcode(t: &FuncTranslator<'_, '_>) -> Opcode {
    let block = t.builder.current_block().unwrap();
    let inst = t.builder.func.layout.last_inst(block).unwrap();
    t.builder.func.dfg.insts[inst].opcode()
}

fn v128(bits: u128) -> Operator<'static> {
    Operator::V128Const { value: V128::from(bits as i128) }
}

#[test]
fn every_v128_between_operators_is_i8x16() {
    with_simd_translator(host(), Tunables::default(), |t| {
        t.visit_operator(&v128(7)).unwrap();
        assert_eq!(top_type(t), types::I8X16);
        t.visit_operator(&Operator::I32Const { value: 3 }).unwrap();
        t.visit_operator(&Operator::I32x4Splat).unwrap();
        assert_eq!(top_type(t), types::I8X16);
        t.visit_operator(&Operator::F64x2Mul).unwrap();
        assert_eq!(top_type(t), types::I8X16, "an f64x2 result is bitcast back");
        t.visit_operator(&Operator::I64x2ExtractLane { lane: 1 }).unwrap();
        assert_eq!(top_type(t), types::I64);
        assert_eq!(t.stack.len(), 1);
    });
}

#[test]
fn narrow_lanes_travel_as_i32() {
    with_simd_translator(host(), Tunables::default(), |t| {
        t.visit_operator(&v128(u128::MAX)).unwrap();
        t.visit_operator(&Operator::I8x16ExtractLaneS { lane: 15 }).unwrap();
        assert_eq!(top_type(t), types::I32);
        assert_eq!(last_opcode(t), Opcode::Sextend);
        t.visit_operator(&Operator::I16x8Splat).unwrap();
        t.visit_operator(&Operator::I16x8ExtractLaneU { lane: 0 }).unwrap();
        assert_eq!(last_opcode(t), Opcode::Uextend);
        assert_eq!((t.stack.len(), top_type(t)), (1, types::I32));
    });
}

#[test]
fn relaxed_simd_lowering_follows_the_tunable() {
    let swizzle = |deterministic: bool| {
        let mut opcode = None;
        let tunables = Tunables { relaxed_simd_deterministic: deterministic, ..Tunables::default() };
        with_simd_translator(host(), tunables, |t| {
            t.visit_operator(&v128(1)).unwrap();
            t.visit_operator(&v128(2)).unwrap();
            t.visit_operator(&Operator::I8x16RelaxedSwizzle).unwrap();
            let block = t.builder.current_block().unwrap();
            opcode = t
                .builder
                .func
                .layout
                .block_insts(block)
                .map(|i| t.builder.func.dfg.insts[i].opcode())
                .find(|o| matches!(o, Opcode::Swizzle | Opcode::X86Pshufb));
        });
        opcode
    };
    assert_eq!(swizzle(true), Some(Opcode::Swizzle), "deterministic is i8x16.swizzle on every host");
    let native = if cfg!(target_arch = "x86_64") { Opcode::X86Pshufb } else { Opcode::Swizzle };
    assert_eq!(swizzle(false), Some(native));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn rounding_without_sse41_is_refused_naming_the_feature() {
    use cranelift_codegen::settings::{self, Configurable};
    let mut b = cranelift_native::builder().unwrap();
    for flag in ["has_sse41", "has_sse42", "has_avx", "has_avx2", "has_fma"] {
        b.set(flag, "false").unwrap();
    }
    let isa = b.finish(settings::Flags::new(settings::builder())).unwrap();
    with_simd_translator(isa, Tunables::default(), |t| {
        t.visit_operator(&v128(0)).unwrap();
        let err = t.visit_operator(&Operator::F32x4Ceil).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported: f32x4.ceil needs the has_sse41 CPU feature, which the compilation target lacks"
        );
        t.visit_operator(&v128(0)).unwrap();
        t.visit_operator(&v128(0)).unwrap();
        let err = t.visit_operator(&Operator::F64x2RelaxedMadd).unwrap_err();
        assert!(err.to_string().contains("f64x2.relaxed_madd needs the has_fma"), "{err}");
    });
}

/// The `(opcode, result type)` of every instruction translated so far.
fn insts(t: &FuncTranslator<'_, '_>) -> Vec<(Opcode, types::Type)> {
    let f = &t.builder.func;
    let block = t.builder.current_block().unwrap();
    f.layout.block_insts(block).map(|i| (f.dfg.insts[i].opcode(), f.dfg.ctrl_typevar(i))).collect()
}

#[test]
fn extmul_of_widened_bytes_is_one_narrow_multiply() {
    for (extend, extmul, shared) in [
        (Operator::I16x8ExtendLowI8x16U, Operator::I32x4ExtMulHighI16x8U, true),
        (Operator::I16x8ExtendHighI8x16S, Operator::I32x4ExtMulLowI16x8S, true),
        // A sign-extended byte is not a small unsigned i16.
        (Operator::I16x8ExtendLowI8x16S, Operator::I32x4ExtMulLowI16x8U, false),
    ] {
        with_simd_translator(host(), Tunables::default(), |t| {
            for bits in [7, 9] {
                t.visit_operator(&v128(bits)).unwrap();
                t.visit_operator(&extend).unwrap();
            }
            t.visit_operator(&extmul).unwrap();
            let insts = insts(t);
            assert_eq!(insts.contains(&(Opcode::Imul, types::I16X8)), shared, "{insts:?}");
            assert_eq!(insts.contains(&(Opcode::Imul, types::I32X4)), !shared, "{insts:?}");
        });
    }
}
