//! Dot product of two f32 slices: two f32x4 accumulators over 8 floats a
//! step, a pairwise horizontal sum, then the tail in order.

/// The scalar dot product, adding in exactly the order of [`simd`].
pub fn scalar(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mut acc = [[0.0f32; 4]; 2];
    let steps = n / 8;
    for i in 0..steps {
        for (half, lanes) in acc.iter_mut().enumerate() {
            for (lane, sum) in lanes.iter_mut().enumerate() {
                let k = i * 8 + half * 4 + lane;
                *sum += a[k] * b[k];
            }
        }
    }
    let l: [f32; 4] = core::array::from_fn(|lane| acc[0][lane] + acc[1][lane]);
    let mut sum = (l[0] + l[1]) + (l[2] + l[3]);
    for k in steps * 8..n {
        sum += a[k] * b[k];
    }
    sum
}

/// The f32x4 dot product.
#[cfg(target_arch = "wasm32")]
pub fn simd(a: &[f32], b: &[f32]) -> f32 {
    use core::arch::wasm32::*;
    let n = a.len().min(b.len());
    let steps = n / 8;
    let mut acc0 = f32x4_splat(0.0);
    let mut acc1 = f32x4_splat(0.0);
    for i in 0..steps {
        // SAFETY: i * 8 + 8 <= n, so both 16-byte loads of each slice are
        // inside it; v128_load does not need alignment.
        unsafe {
            let pa = a.as_ptr().add(i * 8).cast::<v128>();
            let pb = b.as_ptr().add(i * 8).cast::<v128>();
            acc0 = f32x4_add(acc0, f32x4_mul(v128_load(pa), v128_load(pb)));
            acc1 = f32x4_add(acc1, f32x4_mul(v128_load(pa.add(1)), v128_load(pb.add(1))));
        }
    }
    let l = f32x4_add(acc0, acc1);
    let mut sum = (f32x4_extract_lane::<0>(l) + f32x4_extract_lane::<1>(l))
        + (f32x4_extract_lane::<2>(l) + f32x4_extract_lane::<3>(l));
    for k in steps * 8..n {
        sum += a[k] * b[k];
    }
    sum
}
