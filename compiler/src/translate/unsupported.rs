//! The one place that refuses the operators of proposals kiln does not
//! implement.
//!
//! [`refuse_unsupported!`] is handed to wasmparser's `for_each_visit_operator!`,
//! which calls it with every non-SIMD operator tagged by its proposal (the
//! SIMD and relaxed SIMD operators, all supported, are routed in
//! `visit_simd`). It defines a visit method returning
//! `CompileError::Unsupported("<proposal>")` for each operator whose
//! proposal is not in the supported list below, and nothing for the
//! others, whose methods `visit` writes by hand. So an operator is either
//! translated or refused by name; a proposal added to wasmparser is refused
//! without any change here, and an operator added to a supported proposal
//! is a compile error in `visit` (a missing trait method).
//!
//! Validation normally refuses these operators first (their features are
//! disabled, see `environ::features`); this is the backstop.

/// Defines refusing visit methods for the operators of unsupported
/// proposals. Use inside an `impl VisitOperator`/`VisitSimdOperator`.
macro_rules! refuse_unsupported {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $( $crate::translate::unsupported::refuse_one! { @$proposal $visit $({ $($arg: $argty),* })? } )*
    };
}
pub(crate) use refuse_unsupported;

/// One operator: nothing for a supported proposal, a refusal otherwise.
macro_rules! refuse_one {
    // The proposals kiln implements; `visit` handles their operators.
    (@mvp $($rest:tt)*) => {};
    (@sign_extension $($rest:tt)*) => {};
    (@saturating_float_to_int $($rest:tt)*) => {};
    (@bulk_memory $($rest:tt)*) => {};
    (@reference_types $($rest:tt)*) => {};
    // Everything else: threads, exceptions (both
    // encodings), GC, function references, tail calls, memory control,
    // shared-everything threads, stack switching, wide arithmetic, ...
    (@$proposal:ident $visit:ident $({ $($arg:ident: $argty:ty),* })?) => {
        #[allow(unused_variables)]
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            Err($crate::error::CompileError::Unsupported(stringify!($proposal).to_string()))
        }
    };
}
pub(crate) use refuse_one;
