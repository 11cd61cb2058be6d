//! The layout of a linear memory's address-space reservation.
//!
//! Compiled code and the runtime share one rule: a 32-bit memory reserves
//! [`RESERVATION_SIZE`] bytes at a base that never moves, the first 4 GiB
//! for the memory itself and then [`GUARD_SIZE`] inaccessible bytes. So an
//! access at `index + offset` with `offset + size <= GUARD_SIZE` always
//! lands inside the reservation, and the compiler elides its bounds check:
//! if it is out of bounds it faults on an inaccessible page and traps.

use crate::types::{WASM_PAGE_SIZE, WASM32_MAX_PAGES};

/// Size of the guard region after a 4 GiB reservation. Static offsets of at
/// least this size get an explicit bounds check in compiled code.
pub const GUARD_SIZE: u64 = 2 << 30;

/// Bytes reserved for every 32-bit memory.
pub const RESERVATION_SIZE: u64 = (WASM32_MAX_PAGES * WASM_PAGE_SIZE) + GUARD_SIZE;

/// Whether an access of `size` bytes at a static `offset` from any 32-bit
/// index is covered by the guard region, so needs no explicit check.
pub fn guard_covers(offset: u64, size: u64) -> bool {
    offset.checked_add(size).is_some_and(|end| end <= GUARD_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_covers_exactly_up_to_its_size() {
        assert!(guard_covers(0, 8));
        assert!(guard_covers(GUARD_SIZE - 8, 8));
        assert!(!guard_covers(GUARD_SIZE - 7, 8));
        assert!(!guard_covers(u64::MAX, 1));
    }
}
