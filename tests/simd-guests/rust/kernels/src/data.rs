//! Deterministic test data: a xorshift32 generator, so every build and
//! every engine sees the same inputs.

/// A xorshift32 generator (never seeded with zero).
pub struct Rng(u32);

impl Rng {
    /// A generator started from `seed` (zero is replaced by one).
    pub fn new(seed: u32) -> Self {
        Rng(if seed == 0 { 1 } else { seed })
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A float in [-1, 1) with 24 random bits.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }

    /// Fills `out` with random bytes.
    pub fn fill_bytes(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next_u32() as u8;
        }
    }

    /// Fills `out` with floats in [-1, 1).
    pub fn fill_f32(&mut self, out: &mut [f32]) {
        for f in out {
            *f = self.next_f32();
        }
    }
}

/// FNV-1a over bytes: how the demo prints a large result in one number.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a over the bit patterns of floats (little-endian).
pub fn fnv_f32(values: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}
