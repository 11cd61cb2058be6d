//! The operand stack of a function translation: the wasm value stack as
//! Cranelift SSA values.
//!
//! The validator has already proved every pop and peek of valid code in
//! bounds, so running short is a kiln bug; it is reported as
//! `CompileError::Internal`, never as a panic.

use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::Value;

/// The operand stack.
#[derive(Debug, Default)]
pub struct OperandStack {
    values: Vec<Value>,
}

impl OperandStack {
    /// Pushes one value.
    pub fn push(&mut self, v: Value) {
        self.values.push(v);
    }

    /// Pushes values in order (the last ends on top).
    pub fn extend(&mut self, vs: impl IntoIterator<Item = Value>) {
        self.values.extend(vs);
    }

    /// Pops the top value.
    pub fn pop(&mut self) -> CompileResult<Value> {
        match self.values.pop() {
            Some(v) => Ok(v),
            None => bail_bug!("operand stack underflow"),
        }
    }

    /// Pops two values, returned in push order.
    pub fn pop2(&mut self) -> CompileResult<(Value, Value)> {
        let b = self.pop()?;
        let a = self.pop()?;
        Ok((a, b))
    }

    /// Pops three values, returned in push order.
    pub fn pop3(&mut self) -> CompileResult<(Value, Value, Value)> {
        let c = self.pop()?;
        let (a, b) = self.pop2()?;
        Ok((a, b, c))
    }

    /// Pops `n` values, returned in push order.
    pub fn popn(&mut self, n: usize) -> CompileResult<Vec<Value>> {
        let Some(base) = self.values.len().checked_sub(n) else {
            bail_bug!("operand stack underflow: popping {n} of {}", self.values.len())
        };
        Ok(self.values.split_off(base))
    }

    /// The top value, left in place.
    pub fn top(&self) -> CompileResult<Value> {
        match self.values.last() {
            Some(v) => Ok(*v),
            None => bail_bug!("operand stack underflow: peeking an empty stack"),
        }
    }

    /// The top `n` values in push order, left in place.
    pub fn peekn(&self, n: usize) -> CompileResult<&[Value]> {
        match self.values.len().checked_sub(n) {
            Some(base) => Ok(&self.values[base..]),
            None => bail_bug!("operand stack underflow: peeking {n} of {}", self.values.len()),
        }
    }

    /// Drops everything above `height`.
    pub fn truncate(&mut self, height: usize) -> CompileResult<()> {
        if height > self.values.len() {
            bail_bug!("operand stack truncated up to {height} from {}", self.values.len());
        }
        self.values.truncate(height);
        Ok(())
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the stack is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All values, bottom first.
    pub fn as_slice(&self) -> &[Value] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CompileError;
    use cranelift_entity::EntityRef;

    fn v(n: usize) -> Value {
        Value::new(n)
    }

    #[test]
    fn pops_come_back_in_push_order() {
        let mut s = OperandStack::default();
        s.extend([v(1), v(2), v(3)]);
        assert_eq!(s.pop3().unwrap(), (v(1), v(2), v(3)));
        assert!(s.is_empty());
        s.extend([v(4), v(5)]);
        assert_eq!(s.peekn(2).unwrap(), &[v(4), v(5)]);
        assert_eq!(s.top().unwrap(), v(5));
        assert_eq!(s.popn(2).unwrap(), vec![v(4), v(5)]);
    }

    #[test]
    fn underflow_is_an_internal_error_not_a_panic() {
        let mut s = OperandStack::default();
        s.push(v(0));
        assert!(matches!(s.pop2(), Err(CompileError::Internal(_))));
        assert!(matches!(s.pop(), Err(CompileError::Internal(_))));
        assert!(matches!(s.peekn(1), Err(CompileError::Internal(_))));
        assert!(matches!(s.popn(1), Err(CompileError::Internal(_))));
        assert!(matches!(s.top(), Err(CompileError::Internal(_))));
        assert!(matches!(s.truncate(3), Err(CompileError::Internal(_))));
    }

    #[test]
    fn truncate_keeps_the_bottom() {
        let mut s = OperandStack::default();
        s.extend([v(1), v(2), v(3)]);
        s.truncate(1).unwrap();
        assert_eq!(s.as_slice(), &[v(1)]);
        assert_eq!(s.len(), 1);
    }
}
