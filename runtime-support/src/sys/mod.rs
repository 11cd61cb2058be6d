//! Operating-system code, kept in one place.

#[cfg(unix)]
pub mod unix;
