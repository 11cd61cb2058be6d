//! Byte search (memchr): sixteen bytes at a time with `i8x16.eq` and
//! `i8x16.bitmask`.

/// The index of the first `needle` in `hay`.
pub fn scalar(hay: &[u8], needle: u8) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

/// The same search with `i8x16.eq` + `i8x16.bitmask`.
#[cfg(target_arch = "wasm32")]
pub fn simd(hay: &[u8], needle: u8) -> Option<usize> {
    use core::arch::wasm32::*;
    let splat = u8x16_splat(needle);
    let mut i = 0;
    while i + 16 <= hay.len() {
        // SAFETY: i + 16 <= hay.len(): the 16 bytes are inside the slice.
        let v = unsafe { v128_load(hay.as_ptr().add(i).cast::<v128>()) };
        let mask = u8x16_bitmask(u8x16_eq(v, splat));
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    hay[i..].iter().position(|b| *b == needle).map(|p| i + p)
}
