//! Internal errors: states that only a bug in kiln can reach.
//!
//! Code on such a path returns a [`KilnBug`] with [`bail_bug!`] instead of
//! panicking (`expect`, `unwrap`, `unreachable!`), so a kiln bug, or a
//! forged artifact that got past validation, ends in an error the embedder
//! sees rather than in an abort of the host process.

/// An internal error: kiln reached a state it believes impossible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("kiln bug: {0}")]
pub struct KilnBug(pub String);

/// Builds a [`KilnBug`] from a format string.
#[macro_export]
macro_rules! kiln_bug {
    ($($arg:tt)*) => {
        $crate::bug::KilnBug(format!($($arg)*))
    };
}

/// Returns `Err(KilnBug)` (converted with `Into`) from the enclosing
/// function: for states only a kiln bug can reach.
#[macro_export]
macro_rules! bail_bug {
    ($($arg:tt)*) => {
        return Err($crate::kiln_bug!($($arg)*).into())
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(n: u32) -> Result<(), KilnBug> {
        if n > 1 {
            bail_bug!("{n} is too many");
        }
        Ok(())
    }

    #[test]
    fn bail_bug_returns_an_error_naming_the_bug() {
        assert!(fails(1).is_ok());
        assert_eq!(fails(2).unwrap_err().to_string(), "kiln bug: 2 is too many");
    }
}
