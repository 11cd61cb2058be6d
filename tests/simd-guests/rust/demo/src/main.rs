//! Runs every kernel of `simd-kernels` on fixed pseudo-random data, once
//! with 128-bit SIMD and once in scalar Rust, and prints the results.
//!
//! Built for wasm32 (with `+simd128`) the first of each pair is the SIMD
//! kernel; built natively it is the scalar one again, so the native output
//! is what the wasm build must print (`../../expected/rust_simd.txt`).
//! A kernel that disagrees with its scalar version prints `MISMATCH` and
//! the program exits with status 1.

use simd_kernels::data::{Rng, fnv, fnv_f32};
use simd_kernels::mat4::Mat4;
use simd_kernels::{checksum, count, dot, find, hex, mat4, pixels, roots};

/// The SIMD version of a kernel where there is one (wasm32), else the
/// scalar one.
#[cfg(target_arch = "wasm32")]
macro_rules! fast {
    ($kernel:ident) => {
        $kernel::simd
    };
}
#[cfg(not(target_arch = "wasm32"))]
macro_rules! fast {
    ($kernel:ident) => {
        $kernel::scalar
    };
}

/// Prints one result and records whether the two versions agreed.
struct Report {
    failed: u32,
    checked: u32,
}

impl Report {
    fn check<T: PartialEq + std::fmt::Debug>(&mut self, name: &str, fast: T, scalar: T, shown: String) {
        self.checked += 1;
        if fast == scalar {
            println!("{name}: {shown}");
        } else {
            self.failed += 1;
            println!("{name}: MISMATCH simd={fast:?} scalar={scalar:?}");
        }
    }
}

fn main() {
    let mut r = Report { failed: 0, checked: 0 };
    let mut rng = Rng::new(0x5eed_2026);

    // Dot product, with a tail of 3.
    let mut a = vec![0.0f32; 1003];
    let mut b = vec![0.0f32; 1003];
    rng.fill_f32(&mut a);
    rng.fill_f32(&mut b);
    let d = fast!(dot)(&a, &b);
    r.check("dot f32x4", d.to_bits(), dot::scalar(&a, &b).to_bits(), format!("{d} ({:#010x})", d.to_bits()));

    // Byte search: the needle once in the body, once in the tail, absent.
    let mut hay = vec![0u8; 4099];
    rng.fill_bytes(&mut hay);
    for x in &mut hay {
        if *x == 0xa5 || *x == 0x3c || *x == 0x77 {
            *x = 0;
        }
    }
    hay[3001] = 0xa5;
    hay[4097] = 0x3c;
    for (label, needle) in [("body", 0xa5u8), ("tail", 0x3c), ("absent", 0x77)] {
        let got = fast!(find)(&hay, needle);
        r.check(&format!("find i8x16.eq+bitmask ({label})"), got, find::scalar(&hay, needle), format!("{got:?}"));
    }

    // Counting one byte over more than 255 blocks of 16.
    let mut bytes = vec![0u8; 70_001];
    rng.fill_bytes(&mut bytes);
    let c = fast!(count)(&bytes, 7);
    r.check("count i8x16.sub+extadd", c, count::scalar(&bytes, 7), c.to_string());

    // 4×4 matrices: a chain of products and a batch.
    let mut m: Mat4 = core::array::from_fn(|k| if k % 5 == 0 { 1.0 } else { 0.0 });
    let mut step: Mat4 = [0.0; 16];
    rng.fill_f32(&mut step);
    let (mut fast_m, mut scalar_m) = (m, m);
    for _ in 0..50 {
        fast_m = fast!(mat4)(&fast_m, &step);
        scalar_m = mat4::scalar(&scalar_m, &step);
    }
    let h = fnv_f32(&fast_m);
    r.check("mat4 chain f32x4", h, fnv_f32(&scalar_m), format!("{h:#018x} (m[0] = {})", fast_m[0]));
    let (mut fast_h, mut scalar_h) = (Vec::new(), Vec::new());
    for _ in 0..64 {
        rng.fill_f32(&mut m);
        rng.fill_f32(&mut step);
        fast_h.extend_from_slice(&fast!(mat4)(&m, &step));
        scalar_h.extend_from_slice(&mat4::scalar(&m, &step));
    }
    let h = fnv_f32(&fast_h);
    r.check("mat4 batch f32x4", h, fnv_f32(&scalar_h), format!("{h:#018x}"));

    // Checksum over 10007 bytes (a tail of 7).
    let mut bytes = vec![0u8; 10_007];
    rng.fill_bytes(&mut bytes);
    let s = fast!(checksum)(&bytes);
    r.check("checksum i32x4.dot+extmul", s, checksum::scalar(&bytes), format!("{s:?}"));

    // Hex: 1001 bytes, 2002 digits.
    let mut bytes = vec![0u8; 1001];
    rng.fill_bytes(&mut bytes);
    let (mut fast_out, mut scalar_out) = (vec![0u8; 2002], vec![0u8; 2002]);
    fast!(hex)(&bytes, &mut fast_out);
    hex::scalar(&bytes, &mut scalar_out);
    let shown = format!("{} ({:#018x})", String::from_utf8_lossy(&fast_out[..32]), fnv(&fast_out));
    r.check("hex i8x16.swizzle+shuffle", fnv(&fast_out), fnv(&scalar_out), shown);

    // Pixels: 1000 channels (a tail of 8).
    let (mut pa, mut pb) = (vec![0u8; 1000], vec![0u8; 1000]);
    rng.fill_bytes(&mut pa);
    rng.fill_bytes(&mut pb);
    let (mut fast_out, mut scalar_out) = (vec![0u8; 1000], vec![0u8; 1000]);
    fast!(pixels)(&pa, &pb, &mut fast_out);
    pixels::scalar(&pa, &pb, &mut scalar_out);
    let h = fnv(&fast_out);
    r.check("pixels u8x16 saturating", h, fnv(&scalar_out), format!("{h:#018x}"));

    // Roots of i32s, the extremes included.
    let mut values: Vec<i32> = (0..1000).map(|_| rng.next_u32() as i32).collect();
    values[..4].copy_from_slice(&[i32::MIN, i32::MAX, 0, -1]);
    let got = fast!(roots)(&values);
    r.check("roots f32x4.sqrt+trunc_sat f64x2", got, roots::scalar(&values), format!("{got:?}"));

    if r.failed == 0 {
        println!("all {} kernels agree with their scalar versions", r.checked);
    } else {
        println!("{} of {} kernels disagree with their scalar versions", r.failed, r.checked);
        std::process::exit(1);
    }
}
