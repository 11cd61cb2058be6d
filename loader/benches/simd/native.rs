//! The benchmark's kernels in native Rust with SSE intrinsics
//! (`core::arch::x86_64`), written as the wasm kernels are
//! (`tests/simd-guests/rust/kernels`): the same loads, lane operations and
//! order of additions, each wasm operator replaced by its SSE counterpart.
//! Callers check [`available`] first.

use core::arch::x86_64::*;

/// Whether this CPU has what the kernels use (SSE4.1 and SSSE3).
pub fn available() -> bool {
    is_x86_feature_detected!("sse4.1") && is_x86_feature_detected!("ssse3")
}

/// The dot product: two f32x4 accumulators over 8 floats a step.
///
/// # Safety
/// [`available`] must be true.
#[target_feature(enable = "sse4.1")]
pub unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let steps = n / 8;
    let (mut acc0, mut acc1) = (_mm_setzero_ps(), _mm_setzero_ps());
    for i in 0..steps {
        // SAFETY: i * 8 + 8 <= n: both 16-byte loads of each slice are
        // inside it; loadu needs no alignment.
        unsafe {
            let (pa, pb) = (a.as_ptr().add(i * 8), b.as_ptr().add(i * 8));
            acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(pa), _mm_loadu_ps(pb)));
            acc1 = _mm_add_ps(acc1, _mm_mul_ps(_mm_loadu_ps(pa.add(4)), _mm_loadu_ps(pb.add(4))));
        }
    }
    let mut l = [0.0f32; 4];
    // SAFETY: `l` holds four floats.
    unsafe { _mm_storeu_ps(l.as_mut_ptr(), _mm_add_ps(acc0, acc1)) };
    let mut sum = (l[0] + l[1]) + (l[2] + l[3]);
    for k in steps * 8..n {
        sum += a[k] * b[k];
    }
    sum
}

/// The first `needle` in `hay`: `pcmpeqb` + `pmovmskb`, sixteen bytes a step.
///
/// # Safety
/// [`available`] must be true.
#[target_feature(enable = "sse4.1")]
pub unsafe fn find(hay: &[u8], needle: u8) -> Option<usize> {
    let splat = _mm_set1_epi8(needle as i8);
    let mut i = 0;
    while i + 16 <= hay.len() {
        // SAFETY: i + 16 <= hay.len().
        let v = unsafe { _mm_loadu_si128(hay.as_ptr().add(i).cast()) };
        let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, splat)) as u32;
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    hay[i..].iter().position(|b| *b == needle).map(|p| i + p)
}

/// `out[i] = a[i] · b` for row-major 4×4 matrices: broadcasts by shuffle,
/// `mulps`, `addps` in the order of the wasm kernel.
///
/// # Safety
/// [`available`] must be true.
#[target_feature(enable = "sse4.1")]
pub unsafe fn mat4_batch(a: &[[f32; 16]], b: &[f32; 16], out: &mut [[f32; 16]]) {
    // SAFETY: `b` is 16 floats: its four rows are inside it.
    let (b0, b1, b2, b3) = unsafe {
        let p = b.as_ptr();
        (_mm_loadu_ps(p), _mm_loadu_ps(p.add(4)), _mm_loadu_ps(p.add(8)), _mm_loadu_ps(p.add(12)))
    };
    for (m, o) in a.iter().zip(out.iter_mut()) {
        for i in 0..4 {
            // SAFETY: rows 0..4 of a 16-float matrix are inside it.
            unsafe {
                let row = _mm_loadu_ps(m.as_ptr().add(i * 4));
                let m0 = _mm_mul_ps(_mm_shuffle_ps::<0x00>(row, row), b0);
                let m1 = _mm_mul_ps(_mm_shuffle_ps::<0x55>(row, row), b1);
                let m2 = _mm_mul_ps(_mm_shuffle_ps::<0xaa>(row, row), b2);
                let m3 = _mm_mul_ps(_mm_shuffle_ps::<0xff>(row, row), b3);
                _mm_storeu_ps(o.as_mut_ptr().add(i * 4), _mm_add_ps(_mm_add_ps(_mm_add_ps(m0, m1), m2), m3));
            }
        }
    }
}

/// The checksum: plain sum by pairwise widening adds (`pmaddubsw`, then
/// the unsigned u16 pairs through a signed `pmaddwd`), weighted sum by `pmaddwd`, squares by widening
/// multiplies of the zero-extended halves (`pmovzxbw`); folded as the
/// wasm export folds them.
///
/// # Safety
/// [`available`] must be true.
#[target_feature(enable = "sse4.1,ssse3")]
pub unsafe fn checksum(bytes: &[u8]) -> u32 {
    let w_lo = _mm_setr_epi16(1, 2, 3, 4, 5, 6, 7, 8);
    let w_hi = _mm_setr_epi16(9, 10, 11, 12, 13, 14, 15, 16);
    let (ones8, ones16) = (_mm_set1_epi8(1), _mm_set1_epi16(1));
    let (bias16, unbias32) = (_mm_set1_epi16(i16::MIN), _mm_set1_epi32(0x1_0000));
    let (mut plain, mut weighted, mut squares) = (_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128());
    let steps = bytes.len() / 16;
    // u16 × u16 → u32 for the low and high four lanes.
    let extmul = |x: __m128i| {
        let (lo, hi) = (_mm_mullo_epi16(x, x), _mm_mulhi_epu16(x, x));
        _mm_add_epi32(_mm_unpacklo_epi16(lo, hi), _mm_unpackhi_epi16(lo, hi))
    };
    for i in 0..steps {
        // SAFETY: i * 16 + 16 <= bytes.len(): the 16 bytes and both 8-byte
        // halves are inside the slice.
        let (v, lo, hi) = unsafe {
            let p = bytes.as_ptr().add(i * 16);
            (
                _mm_loadu_si128(p.cast()),
                _mm_cvtepu8_epi16(_mm_loadl_epi64(p.cast())),
                _mm_cvtepu8_epi16(_mm_loadl_epi64(p.add(8).cast())),
            )
        };
        // u16 pairs to u32 exactly as the wasm operator: bias to signed,
        // pmaddwd with ones, unbias.
        let pairs = _mm_xor_si128(_mm_maddubs_epi16(v, ones8), bias16);
        plain = _mm_add_epi32(plain, _mm_add_epi32(_mm_madd_epi16(pairs, ones16), unbias32));
        weighted = _mm_add_epi32(weighted, _mm_add_epi32(_mm_madd_epi16(lo, w_lo), _mm_madd_epi16(hi, w_hi)));
        squares = _mm_add_epi32(squares, extmul(lo));
        squares = _mm_add_epi32(squares, extmul(hi));
    }
    let sum = |v: __m128i| {
        let mut l = [0u32; 4];
        // SAFETY: `l` is 16 bytes.
        unsafe { _mm_storeu_si128(l.as_mut_ptr().cast(), v) };
        l[0].wrapping_add(l[1]).wrapping_add(l[2]).wrapping_add(l[3])
    };
    let mut s = [sum(plain), sum(weighted), sum(squares)];
    for (k, b) in bytes[steps * 16..].iter().enumerate() {
        let b = u32::from(*b);
        s[0] = s[0].wrapping_add(b);
        s[1] = s[1].wrapping_add(b * (k as u32 % 16 + 1));
        s[2] = s[2].wrapping_add(b * b);
    }
    s[0] ^ s[1].rotate_left(11) ^ s[2].rotate_left(22)
}
