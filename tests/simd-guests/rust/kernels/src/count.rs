//! Counting a byte: per-lane u8 counters (`i8x16.sub` of the `eq` mask),
//! widened with the pairwise extending adds before they can overflow.

/// How many times `needle` occurs in `hay`.
pub fn scalar(hay: &[u8], needle: u8) -> u32 {
    hay.iter().filter(|b| **b == needle).count() as u32
}

/// The same count with `i8x16.eq`, `i8x16.sub`, `i16x8.extadd_pairwise_u8x16`
/// and `i32x4.extadd_pairwise_u16x8`; `v128.any_true` skips empty blocks.
#[cfg(target_arch = "wasm32")]
pub fn simd(hay: &[u8], needle: u8) -> u32 {
    use core::arch::wasm32::*;
    let splat = u8x16_splat(needle);
    let mut total = u32x4_splat(0);
    let mut i = 0;
    while i + 16 <= hay.len() {
        // At most 255 blocks per round, so no u8 lane counter overflows.
        let mut lanes = u8x16_splat(0);
        let mut rounds = 0;
        while rounds < 255 && i + 16 <= hay.len() {
            // SAFETY: i + 16 <= hay.len(): the 16 bytes are inside the slice.
            let v = unsafe { v128_load(hay.as_ptr().add(i).cast::<v128>()) };
            let eq = u8x16_eq(v, splat);
            if v128_any_true(eq) {
                lanes = u8x16_sub(lanes, eq);
            }
            i += 16;
            rounds += 1;
        }
        total = u32x4_add(total, u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(lanes)));
    }
    let sum = u32x4_extract_lane::<0>(total)
        + u32x4_extract_lane::<1>(total)
        + u32x4_extract_lane::<2>(total)
        + u32x4_extract_lane::<3>(total);
    sum + scalar(&hay[i..], needle)
}
