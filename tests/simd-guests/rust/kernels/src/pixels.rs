//! Saturating pixel arithmetic on u8 channels: brighten (`u8x16.add_sat`),
//! average (`u8x16.avgr`), min/max, and a sharpen step in i16 lanes
//! (`(3a - b) >> 1`, extended, multiplied, shifted arithmetically and
//! narrowed back with unsigned saturation).

/// One output byte from channels `a` and `b`: the four results xor-ed.
fn one(a: u8, b: u8) -> u8 {
    let bright = a.saturating_add(40);
    let avg = ((u16::from(a) + u16::from(b) + 1) / 2) as u8;
    let sharp = ((3 * i16::from(a) - i16::from(b)) >> 1).clamp(0, 255) as u8;
    bright ^ avg ^ sharp ^ a.min(b).wrapping_add(a.max(b))
}

/// The scalar filter: `out[i]` from `a[i]` and `b[i]`.
pub fn scalar(a: &[u8], b: &[u8], out: &mut [u8]) {
    for ((a, b), o) in a.iter().zip(b).zip(out) {
        *o = one(*a, *b);
    }
}

/// The same filter, sixteen channels a step.
#[cfg(target_arch = "wasm32")]
pub fn simd(a: &[u8], b: &[u8], out: &mut [u8]) {
    use core::arch::wasm32::*;
    let n = a.len().min(b.len()).min(out.len());
    let steps = n / 16;
    let three = i16x8_splat(3);
    for i in 0..steps {
        // SAFETY: i * 16 + 16 <= n, and n is at most each slice's length.
        unsafe {
            let va = v128_load(a.as_ptr().add(i * 16).cast::<v128>());
            let vb = v128_load(b.as_ptr().add(i * 16).cast::<v128>());
            let bright = u8x16_add_sat(va, u8x16_splat(40));
            let avg = u8x16_avgr(va, vb);
            let sharp_lo = i16x8_shr(
                i16x8_sub(i16x8_mul(u16x8_extend_low_u8x16(va), three), u16x8_extend_low_u8x16(vb)),
                1,
            );
            let sharp_hi = i16x8_shr(
                i16x8_sub(i16x8_mul(u16x8_extend_high_u8x16(va), three), u16x8_extend_high_u8x16(vb)),
                1,
            );
            let sharp = u8x16_narrow_i16x8(sharp_lo, sharp_hi);
            let minmax = u8x16_add(u8x16_min(va, vb), u8x16_max(va, vb));
            let r = v128_xor(v128_xor(bright, avg), v128_xor(sharp, minmax));
            v128_store(out.as_mut_ptr().add(i * 16).cast::<v128>(), r);
        }
    }
    scalar(&a[steps * 16..n], &b[steps * 16..n], &mut out[steps * 16..n]);
}
