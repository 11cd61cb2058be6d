//! The benchmark's kernels as a wasm library with no imports: the host
//! writes inputs into [`arena`] through the exported memory and calls the
//! kernels with pointers into it (`loader/benches/simd/`).

#![no_std]

use core::arch::wasm32::v128;
use simd_kernels::{checksum, dot, find, mat4};

/// Bytes of scratch memory the host lays its inputs out in.
pub const ARENA_BYTES: usize = 1 << 20;

#[repr(C, align(16))]
struct Arena([u8; ARENA_BYTES]);

static mut ARENA: Arena = Arena([0; ARENA_BYTES]);

/// The address of the arena, 16-byte aligned.
#[unsafe(no_mangle)]
pub extern "C" fn arena() -> *mut u8 {
    (&raw mut ARENA).cast::<u8>()
}

/// The dot product of `n` floats at `a` and `b`.
///
/// # Safety
/// `a` and `b` must point to `n` readable floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dot_f32(a: *const f32, b: *const f32, n: usize) -> f32 {
    // SAFETY: the caller passes `n` floats at each pointer.
    let (a, b) = unsafe { (core::slice::from_raw_parts(a, n), core::slice::from_raw_parts(b, n)) };
    dot::simd(a, b)
}

/// The index of the first `needle` in the `n` bytes at `p`, or -1.
///
/// # Safety
/// `p` must point to `n` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn find_byte(p: *const u8, n: usize, needle: u32) -> i32 {
    // SAFETY: the caller passes `n` bytes at `p`.
    let hay = unsafe { core::slice::from_raw_parts(p, n) };
    find::simd(hay, needle as u8).map_or(-1, |i| i as i32)
}

/// `out[i] = a[i] · b` for `count` row-major 4×4 matrices at `a`.
///
/// # Safety
/// `a` and `out` must hold `count` matrices, `b` one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mat4_batch(a: *const mat4::Mat4, b: *const mat4::Mat4, out: *mut mat4::Mat4, count: usize) {
    for i in 0..count {
        // SAFETY: i < count, and the caller passes `count` matrices at `a`
        // and at `out`, one at `b`.
        unsafe { mat4::simd_into(&*a.add(i), &*b, &mut *out.add(i)) };
    }
}

/// The weighted checksum of the `n` bytes at `p`, its three sums folded.
///
/// # Safety
/// `p` must point to `n` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn checksum_bytes(p: *const u8, n: usize) -> u32 {
    // SAFETY: the caller passes `n` bytes at `p`.
    let s = checksum::simd(unsafe { core::slice::from_raw_parts(p, n) });
    s[0] ^ s[1].rotate_left(11) ^ s[2].rotate_left(22)
}

/// Keeps `v128` in the module's types so the build fails loudly if SIMD is
/// ever off (this function is never called).
#[unsafe(no_mangle)]
pub extern "C" fn simd_enabled() -> i32 {
    core::mem::size_of::<v128>() as i32
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
