//! Compilation errors, and the macros that raise them.
//!
//! The variants say whose fault a refusal is:
//! - the input's: [`CompileError::Empty`], [`CompileError::Parse`],
//!   [`CompileError::Invalid`];
//! - a WebAssembly feature kiln does not implement: [`CompileError::Unsupported`];
//! - a valid module beyond what kiln (or Cranelift) can handle:
//!   [`CompileError::Limit`];
//! - the configured target's: [`CompileError::Target`] (a bad Cranelift
//!   flag, or a CPU feature an operator needs turned off);
//! - a kiln bug: [`CompileError::Internal`], raised by [`bail_bug!`] for
//!   states that only a bug in kiln can reach, instead of panicking.

use std::fmt;

/// Why a module could not be compiled. Small and typed: the variant says
/// at which stage, and whose fault, the module was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The input is empty (or only white space): no module at all.
    Empty,
    /// The text format did not parse.
    Parse(String),
    /// The binary is malformed or invalid; `offset` is the byte offset.
    Invalid {
        /// What is wrong.
        message: Box<str>,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module is valid WebAssembly but uses a feature kiln does not
    /// implement yet; the payload names the proposal or feature.
    Unsupported(String),
    /// The module is valid but exceeds an implementation limit of kiln or
    /// Cranelift (code size, data size, ...).
    Limit(String),
    /// The target, as configured, cannot be built or cannot compile the
    /// module: an unknown Cranelift flag or a bad value, or an operator
    /// Cranelift cannot lower with the CPU features left enabled.
    Target(String),
    /// A linkable object was asked for with options that cannot work (a
    /// descriptor symbol that is no C identifier, or one kiln defines).
    Link(String),
    /// A kiln bug: the compiler reached a state that valid input cannot
    /// lead to. Please report it.
    Internal(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the input is empty: expected a WebAssembly module"),
            Self::Parse(m) => write!(f, "failed to parse WebAssembly text: {m}"),
            Self::Invalid { message, offset } => {
                write!(f, "invalid WebAssembly module: {message} (at offset {offset:#x})")
            }
            Self::Unsupported(feature) => write!(f, "unsupported: {feature}"),
            Self::Limit(m) => write!(f, "implementation limit exceeded: {m}"),
            Self::Target(m) => write!(f, "target configuration: {m}"),
            Self::Link(m) => write!(f, "linkable object: {m}"),
            Self::Internal(m) => write!(f, "internal compiler error (a kiln bug): {m}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Self::Invalid { message: e.message().into(), offset: e.offset() as usize }
    }
}

impl From<cranelift_codegen::CodegenError> for CompileError {
    fn from(e: cranelift_codegen::CodegenError) -> Self {
        use cranelift_codegen::CodegenError as E;
        match e {
            E::ImplLimitExceeded | E::CodeTooLarge => Self::Limit(e.to_string()),
            E::Unsupported(m) => {
                Self::Target(format!("Cranelift cannot compile this with the target's enabled CPU features: {m}"))
            }
            e => Self::Internal(format!("cranelift: {e}")),
        }
    }
}

/// Result of compilation steps.
pub type CompileResult<T> = Result<T, CompileError>;

/// Returns early with `CompileError::Unsupported`.
macro_rules! unsupported {
    ($($arg:tt)*) => {
        return Err($crate::error::CompileError::Unsupported(format!($($arg)*)))
    };
}
pub(crate) use unsupported;

/// Returns early with `CompileError::Internal`: for states only a kiln bug
/// can reach (the validator has already proved the input well formed).
/// Never panics, so a bug refuses one module instead of aborting the host.
macro_rules! bail_bug {
    ($($arg:tt)*) => {
        return Err($crate::error::CompileError::Internal(format!($($arg)*)))
    };
}
pub(crate) use bail_bug;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_error_stays_small() {
        assert!(std::mem::size_of::<CompileError>() <= 32, "{}", std::mem::size_of::<CompileError>());
    }

    #[test]
    fn bail_bug_returns_an_internal_error() {
        fn f(x: Option<u32>) -> CompileResult<u32> {
            let Some(x) = x else { bail_bug!("no value") };
            Ok(x)
        }
        assert_eq!(f(Some(1)), Ok(1));
        assert_eq!(f(None), Err(CompileError::Internal("no value".into())));
    }

    #[test]
    fn cranelift_limits_are_limits() {
        let e: CompileError = cranelift_codegen::CodegenError::CodeTooLarge.into();
        assert!(matches!(e, CompileError::Limit(_)));
    }
}
