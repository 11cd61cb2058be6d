//! Operators in unreachable code: the single place that decides what
//! happens to them.
//!
//! After `br`, `br_table`, `return`, `unreachable` (or an `end` that nothing
//! reaches) no code is emitted until control flow joins again. Only the
//! control stack is kept right: constructs opened here get dead frames,
//! `else` and `end` run as usual (they may make code reachable again), and
//! every other operator, whatever its family or proposal, is skipped. It
//! was validated already.

use super::FuncTranslator;
use crate::error::CompileResult;
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    /// Handles one operator of unreachable code.
    pub(super) fn visit_unreachable(&mut self, op: &Operator<'_>) -> CompileResult<()> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.push_dead_frame();
                Ok(())
            }
            Operator::Else => self.else_(),
            Operator::End => self.end(),
            _ => Ok(()),
        }
    }
}
