//! Matching a result value against what a script expects of it: exact
//! bits, the `nan:canonical`/`nan:arithmetic` patterns of floats (also per
//! lane of `f32x4`/`f64x2` vectors), integer lanes of vectors, and `either`
//! (one of several results is allowed, as relaxed SIMD needs).
//!
//! References are matched by the runner, which has the store; the functions
//! here are pure so that they can be tested without compiling anything.

use kiln::Val;
use wast::core::{NanPattern, V128Pattern, WastRetCore};
use wast::token::{F32, F64};

/// Whether the `f32` with bits `bits` matches `pattern`.
pub(crate) fn f32_matches(bits: u32, pattern: &NanPattern<F32>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => f32::from_bits(bits).is_nan() && bits & 0x0040_0000 != 0,
        NanPattern::Value(v) => bits == v.bits,
    }
}

/// Whether the `f64` with bits `bits` matches `pattern`.
pub(crate) fn f64_matches(bits: u64, pattern: &NanPattern<F64>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => f64::from_bits(bits).is_nan() && bits & 0x0008_0000_0000_0000 != 0,
        NanPattern::Value(v) => bits == v.bits,
    }
}

/// The `N` lanes of `W` bytes each of a vector, lane 0 first (the lowest
/// bytes, as in memory).
fn lanes<const W: usize, const N: usize>(bits: u128) -> [[u8; W]; N] {
    let bytes = bits.to_le_bytes();
    std::array::from_fn(|i| std::array::from_fn(|j| bytes[i * W + j]))
}

/// Whether the vector `bits` matches `pattern`, lane by lane.
pub(crate) fn v128_matches(bits: u128, pattern: &V128Pattern) -> bool {
    match pattern {
        V128Pattern::I8x16(want) => lanes::<1, 16>(bits).iter().zip(want).all(|(l, w)| i8::from_le_bytes(*l) == *w),
        V128Pattern::I16x8(want) => lanes::<2, 8>(bits).iter().zip(want).all(|(l, w)| i16::from_le_bytes(*l) == *w),
        V128Pattern::I32x4(want) => lanes::<4, 4>(bits).iter().zip(want).all(|(l, w)| i32::from_le_bytes(*l) == *w),
        V128Pattern::I64x2(want) => lanes::<8, 2>(bits).iter().zip(want).all(|(l, w)| i64::from_le_bytes(*l) == *w),
        V128Pattern::F32x4(want) => {
            lanes::<4, 4>(bits).iter().zip(want).all(|(l, w)| f32_matches(u32::from_le_bytes(*l), w))
        }
        V128Pattern::F64x2(want) => {
            lanes::<8, 2>(bits).iter().zip(want).all(|(l, w)| f64_matches(u64::from_le_bytes(*l), w))
        }
    }
}

/// Whether a numeric or vector `val` matches `expected`; `None` when the
/// pattern is about references (the runner decides those). `either`
/// matches when any alternative does.
pub(crate) fn value_matches(val: &Val, expected: &WastRetCore<'_>) -> Option<bool> {
    Some(match (val, expected) {
        (_, WastRetCore::Either(alternatives)) => {
            let mut any_reference = false;
            for alt in alternatives {
                match value_matches(val, alt) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => any_reference = true,
                }
            }
            return if any_reference { None } else { Some(false) };
        }
        (Val::I32(a), WastRetCore::I32(b)) => a == b,
        (Val::I64(a), WastRetCore::I64(b)) => a == b,
        (Val::F32(a), WastRetCore::F32(p)) => f32_matches(*a, p),
        (Val::F64(a), WastRetCore::F64(p)) => f64_matches(*a, p),
        (Val::V128(a), WastRetCore::V128(p)) => v128_matches(a.as_u128(), p),
        (Val::FuncRef(_) | Val::ExternRef(_), _) => return None,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln::V128;

    fn f32(x: f32) -> NanPattern<F32> {
        NanPattern::Value(F32 { bits: x.to_bits() })
    }

    fn f64(x: f64) -> NanPattern<F64> {
        NanPattern::Value(F64 { bits: x.to_bits() })
    }

    /// A vector from its 32-bit lanes, lane 0 first.
    fn i32x4(l: [u32; 4]) -> u128 {
        l.iter().rev().fold(0, |acc, x| (acc << 32) | u128::from(*x))
    }

    #[test]
    fn integer_lanes_are_little_endian_and_signed() {
        let v = i32x4([1, 2, 0xffff_ffff, 4]);
        assert!(v128_matches(v, &V128Pattern::I32x4([1, 2, -1, 4])));
        assert!(!v128_matches(v, &V128Pattern::I32x4([4, -1, 2, 1])), "lane order matters");
        assert!(v128_matches(v, &V128Pattern::I64x2([(2 << 32) | 1, (4 << 32) | 0xffff_ffff])));
        assert!(v128_matches(v, &V128Pattern::I16x8([1, 0, 2, 0, -1, -1, 4, 0])));
        let mut bytes = [0i8; 16];
        bytes[0] = 1;
        bytes[4] = 2;
        bytes[8..12].fill(-1);
        bytes[12] = 4;
        assert!(v128_matches(v, &V128Pattern::I8x16(bytes)));
        bytes[15] = 1;
        assert!(!v128_matches(v, &V128Pattern::I8x16(bytes)), "the last lane is checked too");
    }

    #[test]
    fn float_lanes_take_nan_patterns_one_by_one() {
        let canonical = 0x7fc0_0000;
        let arithmetic = 0xffc0_0001; // negative, payload beyond the quiet bit
        let signalling = 0x7f80_0001;
        let v = i32x4([canonical, arithmetic, 1.5f32.to_bits(), (-0.0f32).to_bits()]);
        use NanPattern::{ArithmeticNan, CanonicalNan};
        assert!(v128_matches(v, &V128Pattern::F32x4([CanonicalNan, ArithmeticNan, f32(1.5), f32(-0.0)])));
        assert!(v128_matches(v, &V128Pattern::F32x4([ArithmeticNan, ArithmeticNan, f32(1.5), f32(-0.0)])));
        assert!(!v128_matches(v, &V128Pattern::F32x4([CanonicalNan, CanonicalNan, f32(1.5), f32(-0.0)])));
        assert!(!v128_matches(v, &V128Pattern::F32x4([CanonicalNan, ArithmeticNan, f32(1.5), f32(0.0)])), "-0 != 0");
        let s = i32x4([signalling, 0, 0, 0]);
        assert!(!v128_matches(s, &V128Pattern::F32x4([ArithmeticNan, f32(0.0), f32(0.0), f32(0.0)])));

        let d = u128::from(0x7ff8_0000_0000_0000u64) | (u128::from(2.5f64.to_bits()) << 64);
        assert!(v128_matches(d, &V128Pattern::F64x2([CanonicalNan, f64(2.5)])));
        assert!(!v128_matches(d, &V128Pattern::F64x2([f64(2.5), CanonicalNan])));
        let neg_arith = u128::from(0xfff8_0000_0000_0001u64);
        assert!(v128_matches(neg_arith, &V128Pattern::F64x2([ArithmeticNan, f64(0.0)])));
        assert!(!v128_matches(neg_arith, &V128Pattern::F64x2([CanonicalNan, f64(0.0)])));
    }

    #[test]
    fn either_accepts_any_alternative() {
        let v = Val::V128(V128::from(i32x4([1, 2, 3, 4])));
        let first = WastRetCore::V128(V128Pattern::I32x4([0, 0, 0, 0]));
        let second = WastRetCore::V128(V128Pattern::I32x4([1, 2, 3, 4]));
        assert_eq!(value_matches(&v, &WastRetCore::Either(vec![first, second])), Some(true));
        let first = WastRetCore::V128(V128Pattern::I32x4([0, 0, 0, 0]));
        let wrong_type = WastRetCore::I32(1);
        assert_eq!(value_matches(&v, &WastRetCore::Either(vec![first, wrong_type])), Some(false));
        assert_eq!(value_matches(&Val::I32(7), &WastRetCore::Either(vec![WastRetCore::I32(7)])), Some(true));
        assert_eq!(value_matches(&Val::I32(7), &WastRetCore::V128(V128Pattern::I32x4([7, 0, 0, 0]))), Some(false));
    }

    #[test]
    fn scalar_nan_patterns() {
        assert!(f32_matches(0xffc0_0000, &NanPattern::CanonicalNan), "either sign");
        assert!(!f32_matches(0x7fc0_0001, &NanPattern::CanonicalNan));
        assert!(f32_matches(0x7fc0_0001, &NanPattern::ArithmeticNan));
        assert!(!f64_matches(0x7ff0_0000_0000_0001, &NanPattern::ArithmeticNan), "signalling");
        assert!(f64_matches(1.0f64.to_bits(), &f64(1.0)));
    }
}
