//! Float conversions and rounding: for each i32, `trunc_sat(sqrt(|x|) ·
//! 0.001)` through `f32x4.convert_i32x4_s`, `f32x4.abs`, `f32x4.sqrt`,
//! `f32x4.mul` and `i32x4.trunc_sat_f32x4_s`; then the sum (wrapping) and
//! the maximum (`i32x4.max_s`); and the f64 sum of the roots through
//! `f64x2.promote_low_f32x4` with two f64x2 lanes.

/// (wrapping sum, maximum, f64 sum of roots as bits) over `values`.
pub fn scalar(values: &[i32]) -> (u32, i32, u64) {
    let steps = values.len() / 4;
    let mut sum = 0u32;
    let mut max = [i32::MIN; 4];
    let mut roots = [0.0f64; 4];
    for (k, x) in values[..steps * 4].iter().enumerate() {
        let r = (*x as f32).abs().sqrt();
        let y = (r * 1000.0) as i32;
        sum = sum.wrapping_add(y as u32);
        max[k % 4] = max[k % 4].max(y);
        roots[k % 4] += f64::from(r);
    }
    let max = max.into_iter().max().unwrap_or(i32::MIN);
    let pair = [roots[0] + roots[2], roots[1] + roots[3]];
    let f = pair[0] + pair[1];
    (sum, max, f.to_bits())
}

/// The same with f32x4/f64x2 lanes (the tail past a multiple of 4 is
/// ignored by both versions).
#[cfg(target_arch = "wasm32")]
pub fn simd(values: &[i32]) -> (u32, i32, u64) {
    use core::arch::wasm32::*;
    let steps = values.len() / 4;
    let mut sum = i32x4_splat(0);
    let mut max = i32x4_splat(i32::MIN);
    // Lanes 0 and 1 of each group of four, then lanes 2 and 3.
    let mut roots_lo = f64x2_splat(0.0);
    let mut roots_hi = f64x2_splat(0.0);
    for i in 0..steps {
        // SAFETY: i * 4 + 4 <= values.len(): the 16 bytes are inside it.
        let v = unsafe { v128_load(values.as_ptr().add(i * 4).cast::<v128>()) };
        let r = f32x4_sqrt(f32x4_abs(f32x4_convert_i32x4(v)));
        let y = i32x4_trunc_sat_f32x4(f32x4_mul(r, f32x4_splat(1000.0)));
        sum = i32x4_add(sum, y);
        max = i32x4_max(max, y);
        roots_lo = f64x2_add(roots_lo, f64x2_promote_low_f32x4(r));
        roots_hi = f64x2_add(roots_hi, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(r, r)));
    }
    let lane_sum = (i32x4_extract_lane::<0>(sum) as u32)
        .wrapping_add(i32x4_extract_lane::<1>(sum) as u32)
        .wrapping_add(i32x4_extract_lane::<2>(sum) as u32)
        .wrapping_add(i32x4_extract_lane::<3>(sum) as u32);
    let m = i32x4_max(max, i32x4_shuffle::<2, 3, 0, 1>(max, max));
    let m = i32x4_max(m, i32x4_shuffle::<1, 0, 3, 2>(m, m));
    let pair = f64x2_add(roots_lo, roots_hi);
    let f = f64x2_extract_lane::<0>(pair) + f64x2_extract_lane::<1>(pair);
    (lane_sum, i32x4_extract_lane::<0>(m), f.to_bits())
}
