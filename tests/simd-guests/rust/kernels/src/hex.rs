//! Hex encoding: the nibbles of sixteen bytes looked up in a 16-byte table
//! with `i8x16.swizzle`, interleaved with `i8x16.shuffle`.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes` into `out` (twice as long).
pub fn scalar(bytes: &[u8], out: &mut [u8]) {
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
}

/// The same encoding, sixteen bytes a step.
#[cfg(target_arch = "wasm32")]
pub fn simd(bytes: &[u8], out: &mut [u8]) {
    use core::arch::wasm32::*;
    let n = bytes.len().min(out.len() / 2);
    // SAFETY: DIGITS is 16 bytes.
    let table = unsafe { v128_load(DIGITS.as_ptr().cast::<v128>()) };
    let low_nibble = u8x16_splat(15);
    let steps = n / 16;
    for i in 0..steps {
        // SAFETY: i * 16 + 16 <= n <= bytes.len(), and the 32 output bytes
        // end at 2 * (i * 16 + 16) <= 2 * n <= out.len().
        unsafe {
            let v = v128_load(bytes.as_ptr().add(i * 16).cast::<v128>());
            let hi = i8x16_swizzle(table, u8x16_shr(v, 4));
            let lo = i8x16_swizzle(table, v128_and(v, low_nibble));
            let first = u8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(hi, lo);
            let second = u8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(hi, lo);
            let o = out.as_mut_ptr().add(i * 32).cast::<v128>();
            v128_store(o, first);
            v128_store(o.add(1), second);
        }
    }
    scalar(&bytes[steps * 16..n], &mut out[steps * 32..]);
}
