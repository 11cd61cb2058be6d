//! The mapping between kiln's trap codes and Cranelift's. Cranelift has
//! built-in codes for the traps its own instructions raise; the others are
//! user codes.

use cranelift_codegen::ir::TrapCode as Ir;
use kiln_environ::TrapCode;

/// The Cranelift trap code for a kiln trap.
pub fn ir_trap(code: TrapCode) -> Ir {
    match code {
        TrapCode::StackOverflow => Ir::STACK_OVERFLOW,
        TrapCode::MemoryOutOfBounds => Ir::HEAP_OUT_OF_BOUNDS,
        TrapCode::IntegerOverflow => Ir::INTEGER_OVERFLOW,
        TrapCode::IntegerDivisionByZero => Ir::INTEGER_DIVISION_BY_ZERO,
        TrapCode::BadConversionToInteger => Ir::BAD_CONVERSION_TO_INTEGER,
        other => Ir::unwrap_user(other as u8),
    }
}

/// The kiln trap for a Cranelift trap code, if it is one of ours.
pub fn from_ir(code: Ir) -> Option<TrapCode> {
    TrapCode::ALL.iter().copied().find(|c| ir_trap(*c) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_round_trips_and_is_injective() {
        let mut seen = std::collections::HashSet::new();
        for c in TrapCode::ALL {
            assert_eq!(from_ir(ir_trap(c)), Some(c));
            assert!(seen.insert(ir_trap(c)));
        }
    }
}
