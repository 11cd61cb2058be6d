//! An integer checksum of bytes: the plain sum, the sum weighted by
//! position (weights 1..=16 repeating) and the sum of squares, all
//! wrapping u32. With SIMD: extending loads of the halves, `i32x4.dot_i16x8_s`
//! for the weighted sum, `i32x4.extmul_*_i16x8_u` for the squares and the
//! pairwise extending adds for the plain sum.

/// (sum, weighted sum, sum of squares) of `bytes`.
pub fn scalar(bytes: &[u8]) -> [u32; 3] {
    let mut s = [0u32; 3];
    for (i, b) in bytes.iter().enumerate() {
        let b = u32::from(*b);
        s[0] = s[0].wrapping_add(b);
        s[1] = s[1].wrapping_add(b * (i as u32 % 16 + 1));
        s[2] = s[2].wrapping_add(b * b);
    }
    s
}

/// The same three sums, sixteen bytes a step.
#[cfg(target_arch = "wasm32")]
pub fn simd(bytes: &[u8]) -> [u32; 3] {
    use core::arch::wasm32::*;
    let w_lo = i16x8(1, 2, 3, 4, 5, 6, 7, 8);
    let w_hi = i16x8(9, 10, 11, 12, 13, 14, 15, 16);
    let (mut plain, mut weighted, mut squares) = (u32x4_splat(0), u32x4_splat(0), u32x4_splat(0));
    let steps = bytes.len() / 16;
    for i in 0..steps {
        // SAFETY: i * 16 + 16 <= bytes.len(): the 16 bytes are inside the
        // slice, and so are both 8-byte halves.
        let (v, lo, hi) = unsafe {
            let p = bytes.as_ptr().add(i * 16);
            (v128_load(p.cast::<v128>()), u16x8_load_extend_u8x8(p), u16x8_load_extend_u8x8(p.add(8)))
        };
        plain = u32x4_add(plain, u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(v)));
        weighted = i32x4_add(weighted, i32x4_add(i32x4_dot_i16x8(lo, w_lo), i32x4_dot_i16x8(hi, w_hi)));
        squares = u32x4_add(squares, u32x4_add(u32x4_extmul_low_u16x8(lo, lo), u32x4_extmul_high_u16x8(lo, lo)));
        squares = u32x4_add(squares, u32x4_add(u32x4_extmul_low_u16x8(hi, hi), u32x4_extmul_high_u16x8(hi, hi)));
    }
    let sum = |v: v128| {
        u32x4_extract_lane::<0>(v)
            .wrapping_add(u32x4_extract_lane::<1>(v))
            .wrapping_add(u32x4_extract_lane::<2>(v))
            .wrapping_add(u32x4_extract_lane::<3>(v))
    };
    let head = [sum(plain), sum(weighted), sum(squares)];
    // The tail starts at a multiple of 16, so its weights start at 1 too.
    let tail = scalar(&bytes[steps * 16..]);
    core::array::from_fn(|k| head[k].wrapping_add(tail[k]))
}
