//! 4×4 f32 matrix products (row-major): each row of the product is
//! `a[i][0]·b0 + a[i][1]·b1 + a[i][2]·b2 + a[i][3]·b3` over the rows of `b`,
//! one f32x4 per row, the broadcasts made with `i32x4.shuffle`.

/// A 4×4 matrix, row-major.
pub type Mat4 = [f32; 16];

/// The scalar product `a · b`, adding in the order of [`simd`].
pub fn scalar(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut c = [0.0; 16];
    for i in 0..4 {
        for j in 0..4 {
            let t = |k: usize| a[i * 4 + k] * b[k * 4 + j];
            c[i * 4 + j] = ((t(0) + t(1)) + t(2)) + t(3);
        }
    }
    c
}

/// The f32x4 product `a · b`.
#[cfg(target_arch = "wasm32")]
pub fn simd(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut c = [0.0f32; 16];
    simd_into(a, b, &mut c);
    c
}

/// The f32x4 product `a · b`, stored into `c`. (Returning the matrix
/// instead makes LLVM zero and copy it through the shadow stack with
/// `memory.fill` and `memory.copy`, which the benchmark would then time.)
#[cfg(target_arch = "wasm32")]
pub fn simd_into(a: &Mat4, b: &Mat4, c: &mut Mat4) {
    use core::arch::wasm32::*;
    // SAFETY: each matrix is 16 floats: rows 0..4 are inside it.
    unsafe {
        let pb = b.as_ptr().cast::<v128>();
        let (b0, b1, b2, b3) = (v128_load(pb), v128_load(pb.add(1)), v128_load(pb.add(2)), v128_load(pb.add(3)));
        for i in 0..4 {
            let row = v128_load(a.as_ptr().add(i * 4).cast::<v128>());
            let m0 = f32x4_mul(i32x4_shuffle::<0, 0, 0, 0>(row, row), b0);
            let m1 = f32x4_mul(i32x4_shuffle::<1, 1, 1, 1>(row, row), b1);
            let m2 = f32x4_mul(i32x4_shuffle::<2, 2, 2, 2>(row, row), b2);
            let m3 = f32x4_mul(i32x4_shuffle::<3, 3, 3, 3>(row, row), b3);
            let r = f32x4_add(f32x4_add(f32x4_add(m0, m1), m2), m3);
            v128_store(c.as_mut_ptr().add(i * 4).cast::<v128>(), r);
        }
    }
}
