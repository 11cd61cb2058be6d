//! `V128`: the value of a WebAssembly `v128`, as wasmtime spells it: the
//! payload of `Val::V128` and a `WasmTy` for typed calls and host
//! functions.

use std::fmt;

/// A 128-bit vector value. Lane 0 is the least significant part of
/// [`as_u128`](V128::as_u128), as in memory (little-endian).
///
/// Stored as bytes so that it does not raise `Val`'s alignment to 16.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct V128([u8; 16]);

impl V128 {
    /// The value as a 128-bit integer.
    pub fn as_u128(&self) -> u128 {
        u128::from_le_bytes(self.0)
    }
}

impl From<u128> for V128 {
    fn from(value: u128) -> V128 {
        V128(value.to_le_bytes())
    }
}

impl From<V128> for u128 {
    fn from(value: V128) -> u128 {
        value.as_u128()
    }
}

impl fmt::Debug for V128 {
    /// As its integer, like wasmtime.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_u128().fmt(f)
    }
}

impl fmt::LowerHex for V128 {
    /// As its integer (`{:#034x}` shows all 32 digits).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.as_u128(), f)
    }
}

impl PartialOrd for V128 {
    fn partial_cmp(&self, other: &V128) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for V128 {
    /// As integers.
    fn cmp(&self, other: &V128) -> std::cmp::Ordering {
        self.as_u128().cmp(&other.as_u128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders_as_an_integer() {
        let v = V128::from(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        assert_eq!(v.as_u128(), 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        assert_eq!(u128::from(v), v.as_u128());
        assert_eq!(format!("{v:?}"), v.as_u128().to_string());
        assert_eq!(format!("{:#034x}", V128::from(0xab)), "0x000000000000000000000000000000ab");
        assert!(V128::from(1) < V128::from(1 << 64));
        assert_eq!(std::mem::align_of::<V128>(), 1);
    }
}
