//! Compilation errors.

use std::fmt;

/// Why a module could not be compiled. Small and typed: the variant says
/// at which stage the module was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The input is empty (or only white space): no module at all.
    Empty,
    /// The text format did not parse.
    Parse(String),
    /// The binary is malformed or invalid; `offset` is the byte offset.
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module is valid WebAssembly but uses a feature kiln does not
    /// implement yet.
    Unsupported(String),
    /// Code generation failed (a kiln bug or a limit).
    Codegen(String),
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
            Self::Codegen(m) => write!(f, "code generation failed: {m}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Self::Invalid { message: e.message().to_string(), offset: e.offset() as usize }
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
