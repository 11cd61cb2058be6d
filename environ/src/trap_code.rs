//! Trap codes and the trap-site table that maps a code offset to the trap a
//! faulting instruction stands for.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why wasm execution stopped abnormally.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[repr(u8)]
pub enum TrapCode {
    /// The call stack ran out.
    StackOverflow = 1,
    /// A load or store (or bulk memory operation) went out of bounds.
    MemoryOutOfBounds = 2,
    /// A table access went out of bounds.
    TableOutOfBounds = 3,
    /// `call_indirect` found a null reference.
    IndirectCallToNull = 4,
    /// `call_indirect` found a function of another type.
    BadSignature = 5,
    /// Signed division overflowed (`INT_MIN / -1`).
    IntegerOverflow = 6,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero = 7,
    /// A float-to-int conversion got NaN or an out-of-range value.
    BadConversionToInteger = 8,
    /// `unreachable` was executed.
    UnreachableCodeReached = 9,
    /// A null reference was dereferenced.
    NullReference = 10,
    /// A fault in compiled code at an instruction that is no trap site: a
    /// kiln bug, or an artifact whose trap table does not match its code.
    /// The host gets an error instead of a crash.
    UnexpectedFault = 11,
    /// An epoch deadline passed (`Store::set_epoch_deadline`).
    Interrupt = 12,
    /// The store's fuel ran out.
    OutOfFuel = 13,
    /// The store's resource limiter failed a `memory.grow` or `table.grow`
    /// with an error (`StoreLimitsBuilder::trap_on_grow_failure`); the call
    /// into wasm returns that error in place of this code.
    ResourceLimitExceeded = 14,
}

impl TrapCode {
    /// Every code, for round-trip tests and tables.
    pub const ALL: [TrapCode; 14] = [
        Self::StackOverflow,
        Self::MemoryOutOfBounds,
        Self::TableOutOfBounds,
        Self::IndirectCallToNull,
        Self::BadSignature,
        Self::IntegerOverflow,
        Self::IntegerDivisionByZero,
        Self::BadConversionToInteger,
        Self::UnreachableCodeReached,
        Self::NullReference,
        Self::UnexpectedFault,
        Self::Interrupt,
        Self::OutOfFuel,
        Self::ResourceLimitExceeded,
    ];

    /// Decodes a code byte.
    pub fn from_u8(byte: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| *c as u8 == byte)
    }

    /// The message the spec test suite uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            Self::StackOverflow => "call stack exhausted",
            Self::MemoryOutOfBounds => "out of bounds memory access",
            Self::TableOutOfBounds => "undefined element: out of bounds table access",
            Self::IndirectCallToNull => "uninitialized element",
            Self::BadSignature => "indirect call type mismatch",
            Self::IntegerOverflow => "integer overflow",
            Self::IntegerDivisionByZero => "integer divide by zero",
            Self::BadConversionToInteger => "invalid conversion to integer",
            Self::UnreachableCodeReached => "unreachable",
            Self::NullReference => "null reference",
            Self::UnexpectedFault => "fault at an instruction that is no trap site (kiln bug or forged artifact)",
            Self::Interrupt => "interrupt",
            Self::OutOfFuel => "all fuel consumed by WebAssembly",
            Self::ResourceLimitExceeded => "resource limit exceeded while growing a memory or table",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for TrapCode {}

/// One instruction that may trap: its offset in the text section and the
/// trap it stands for. Tables of these are sorted by `offset`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TrapSite {
    /// Offset of the instruction from the start of the text section.
    pub offset: u32,
    /// The trap.
    pub code: TrapCode,
}

/// Finds the trap at exactly `offset` in a sorted table.
pub fn lookup_trap(sites: &[TrapSite], offset: u32) -> Option<TrapCode> {
    sites.binary_search_by_key(&offset, |s| s.offset).ok().map(|i| sites[i].code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in TrapCode::ALL {
            assert_eq!(TrapCode::from_u8(c as u8), Some(c));
        }
        assert_eq!(TrapCode::from_u8(0), None);
        assert_eq!(TrapCode::from_u8(200), None);
    }

    #[test]
    fn lookup_is_exact() {
        let sites = [
            TrapSite { offset: 4, code: TrapCode::MemoryOutOfBounds },
            TrapSite { offset: 9, code: TrapCode::UnreachableCodeReached },
        ];
        assert_eq!(lookup_trap(&sites, 9), Some(TrapCode::UnreachableCodeReached));
        assert_eq!(lookup_trap(&sites, 5), None);
    }
}
