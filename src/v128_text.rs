//! `v128` values on the command line, spelled as the text format spells a
//! `v128.const`: `kiln run --invoke f` takes them as arguments and prints
//! them as results.
//!
//! Accepted: `0x` and up to 32 hex digits (the vector as one 128-bit
//! integer, lane 0 in the lowest bits), or a shape and its lanes, lane 0
//! first, separated by spaces or commas, with an optional `v128.const` in
//! front and an optional `:` after the shape: `"i32x4 1 2 3 4"`,
//! `i32x4:1,2,3,4`, `"v128.const f32x4 1.5 -0 nan inf"`. Integer lanes take
//! the signed or the unsigned range and `0x`; float lanes take what Rust's
//! float parser does (`nan`, `inf`, exponents).
//!
//! Printed: `i32x4 0x00000001 0x00000002 0x00000003 0x00000004`, which
//! this parser reads back.

use anyhow::{Result, anyhow};

/// Parses a `v128` command-line argument as the module doc describes.
pub fn parse_v128(text: &str) -> Result<u128> {
    let bad = |why: &str| anyhow!("failed to parse argument `{text}` as v128: {why}");
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")) {
        let digits = hex.replace('_', "");
        if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad("expected `0x` and 1 to 32 hex digits"));
        }
        return u128::from_str_radix(&digits, 16).map_err(|_| bad("expected hex digits"));
    }
    let rest = trimmed.strip_prefix("v128.const").unwrap_or(trimmed).trim_start();
    let split = rest.find(|c: char| c == ':' || c.is_whitespace()).unwrap_or(rest.len());
    let (shape, lanes) = rest.split_at(split);
    let lanes: Vec<&str> = lanes
        .strip_prefix(':')
        .unwrap_or(lanes)
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|l| !l.is_empty())
        .collect();
    let (width, count) = match shape {
        "i8x16" => (8, 16),
        "i16x8" => (16, 8),
        "i32x4" | "f32x4" => (32, 4),
        "i64x2" | "f64x2" => (64, 2),
        _ => return Err(bad("expected `0x<hex>` or a shape (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) and its lanes")),
    };
    if lanes.len() != count {
        return Err(bad(&format!("{shape} needs {count} lanes, got {}", lanes.len())));
    }
    let mut bits = 0u128;
    for (i, lane) in lanes.iter().enumerate() {
        let value: u128 = match shape {
            "f32x4" => {
                u128::from(lane.parse::<f32>().map_err(|_| bad(&format!("lane `{lane}` is not an f32")))?.to_bits())
            }
            "f64x2" => {
                u128::from(lane.parse::<f64>().map_err(|_| bad(&format!("lane `{lane}` is not an f64")))?.to_bits())
            }
            _ => int_lane(lane, width).ok_or_else(|| bad(&format!("lane `{lane}` is not an i{width}")))?,
        };
        bits |= value << (i as u32 * width);
    }
    Ok(bits)
}

/// An integer lane of `width` bits, signed or unsigned, decimal or `0x`
/// hex, as its bits.
fn int_lane(text: &str, width: u32) -> Option<u128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = match digits.strip_prefix("0x") {
        Some(h) if !h.is_empty() && !h.starts_with(['+', '-']) => i128::from_str_radix(h, 16).ok()?,
        Some(_) => return None,
        None => digits.parse::<i128>().ok()?,
    };
    let value = if neg { -magnitude } else { magnitude };
    let (min, max) = (-(1i128 << (width - 1)), (1i128 << width) - 1);
    if value < min || value > max {
        return None;
    }
    Some((value as u128) & ((1u128 << width) - 1))
}

/// Formats a `v128` result as its four 32-bit lanes, lane 0 first, in the
/// text format's spelling.
pub fn format_v128(bits: u128) -> String {
    let lane = |i: u32| (bits >> (32 * i)) as u32;
    format!("i32x4 {:#010x} {:#010x} {:#010x} {:#010x}", lane(0), lane(1), lane(2), lane(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_TO_FOUR: u128 = 0x00000004_00000003_00000002_00000001;

    #[test]
    fn every_spelling_of_the_same_vector_agrees() {
        for text in [
            "i32x4 1 2 3 4",
            "i32x4:1,2,3,4",
            "v128.const i32x4 1 2 3 4",
            " i32x4  0x1, 0x2, 3, 4 ",
            "0x00000004000000030000000200000001",
            "0x4_00000003_00000002_00000001",
            "i64x2 0x0000000200000001 0x0000000400000003",
            "i16x8 1 0 2 0 3 0 4 0",
            "i8x16 1 0 0 0 2 0 0 0 3 0 0 0 4 0 0 0",
        ] {
            assert_eq!(parse_v128(text).unwrap(), ONE_TO_FOUR, "{text}");
        }
        assert_eq!(format_v128(ONE_TO_FOUR), "i32x4 0x00000001 0x00000002 0x00000003 0x00000004");
        assert_eq!(parse_v128(&format_v128(ONE_TO_FOUR)).unwrap(), ONE_TO_FOUR, "printed results read back");
    }

    #[test]
    fn signed_unsigned_and_float_lanes() {
        assert_eq!(parse_v128("i8x16 -1 255 0 0 0 0 0 0 0 0 0 0 0 0 0 -128").unwrap(), 0x80 << 120 | 0xffff);
        assert_eq!(parse_v128("i32x4 -1 0 0 0").unwrap(), 0xffff_ffff);
        let f = parse_v128("f32x4 1.5 -0 inf nan").unwrap();
        assert_eq!(f as u32, 1.5f32.to_bits());
        assert_eq!((f >> 32) as u32, 0x8000_0000);
        assert_eq!((f >> 64) as u32, f32::INFINITY.to_bits());
        assert!(f32::from_bits((f >> 96) as u32).is_nan());
        let d = parse_v128("f64x2:2.5,-1e300").unwrap();
        assert_eq!((d as u64, (d >> 64) as u64), (2.5f64.to_bits(), (-1e300f64).to_bits()));
    }

    #[test]
    fn malformed_vectors_are_refused_with_the_reason() {
        let err = |t: &str| parse_v128(t).unwrap_err().to_string();
        assert!(err("i32x4 1 2 3").contains("i32x4 needs 4 lanes, got 3"));
        assert!(err("i32x4 1 2 3 4 5").contains("needs 4 lanes"));
        assert!(err("i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").contains("lane `256` is not an i8"));
        assert!(err("i16x8 -32769 0 0 0 0 0 0 0").contains("not an i16"));
        assert!(err("f32x4 1 2 x 4").contains("lane `x` is not an f32"));
        assert!(err("0x").contains("hex digits"));
        assert!(err("0x1234567890abcdef1234567890abcdef0").contains("hex digits"));
        assert!(err("i24x5 1").contains("expected `0x<hex>` or a shape"));
        assert!(err("").contains("expected"));
        assert!(err("i32x4 --1 0 0 0").contains("not an i32"));
    }
}
