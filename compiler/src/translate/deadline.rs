//! Deadline instrumentation: epoch checks and fuel accounting, emitted only
//! when the module is compiled with them (`Tunables`).
//!
//! **Epochs.** Function entries and loop headers load the engine's epoch
//! and the store's deadline; once the epoch reaches the deadline, a cold
//! path calls the module's new-epoch trampoline (`preserve_all`, so the
//! loop keeps its registers), which calls the `new_epoch` libcall: it runs
//! the store's callback (extending the deadline) or reports `Interrupt`,
//! and the trampoline traps.
//!
//! **Fuel.** Every reachable operator costs what [`operator_cost`] says
//! (wasmtime's default table). Costs are summed at compile time and added
//! to a function-local variable, a copy of the store's `fuel_consumed`
//! (negative: what is left), at the end of each straight-line run: before
//! every branch, `loop`, `if`, `else` and `end`. The variable is written
//! back before calls, returns, `unreachable` and the `new_epoch` libcall,
//! and read again after calls. Function entries and loop headers check it:
//! `>= 0` means the fuel is spent, and the code traps with `OutOfFuel`
//! after writing the count back, so the store sees exactly what ran.

use super::FuncTranslator;
use crate::error::{CompileResult, bail_bug};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder};
use kiln_environ::TrapCode;
use wasmparser::Operator;

/// The fuel an operator costs: nothing for those that emit no code or only
/// structure control flow, one for everything else.
pub fn operator_cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop | Operator::Drop => 0,
        Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// What the fuel accounting does before an operator.
#[derive(Debug, PartialEq, Eq)]
enum Flush {
    /// Keep summing at compile time.
    None,
    /// Add the pending cost to the variable: the straight-line run ends.
    Variable,
    /// Also write the variable back: control leaves the function.
    Store,
}

fn flush_before(op: &Operator<'_>) -> Flush {
    match op {
        Operator::Unreachable | Operator::Call { .. } | Operator::CallIndirect { .. } => Flush::Store,
        Operator::Loop { .. }
        | Operator::If { .. }
        | Operator::Else
        | Operator::End
        | Operator::Br { .. }
        | Operator::BrIf { .. }
        | Operator::BrTable { .. }
        | Operator::Return => Flush::Variable,
        _ => Flush::None,
    }
}

impl FuncTranslator<'_, '_> {
    /// The checks at function entry, after the locals are declared.
    pub(super) fn deadline_function_entry(&mut self) -> CompileResult<()> {
        if self.env.tunables.consume_fuel {
            let var = self.builder.declare_var(cranelift_codegen::ir::types::I64);
            self.fuel = Some(var);
            let fuel = self.env.load_fuel(&mut self.builder, self.vmctx)?;
            self.builder.def_var(var, fuel);
        }
        self.deadline_checks()
    }

    /// The checks at a loop header (the current block).
    pub(super) fn deadline_loop_header(&mut self) -> CompileResult<()> {
        self.deadline_checks()
    }

    fn deadline_checks(&mut self) -> CompileResult<()> {
        if self.env.tunables.consume_fuel {
            self.fuel_check()?;
        }
        if self.env.tunables.epoch_interruption {
            self.epoch_check()?;
        }
        Ok(())
    }

    /// Accounts for `op` before it is translated (reachable code only).
    pub(super) fn fuel_before_op(&mut self, op: &Operator<'_>) -> CompileResult<()> {
        if self.fuel.is_none() {
            return Ok(());
        }
        self.fuel_pending += operator_cost(op);
        match flush_before(op) {
            Flush::None => Ok(()),
            Flush::Variable => self.fuel_flush(),
            Flush::Store => {
                self.fuel_flush()?;
                self.fuel_save()
            }
        }
    }

    /// Reloads the fuel after a call, which consumed some of it.
    pub(super) fn fuel_after_op(&mut self, op: &Operator<'_>) -> CompileResult<()> {
        match (self.fuel, op) {
            (Some(var), Operator::Call { .. } | Operator::CallIndirect { .. }) => {
                let fuel = self.env.load_fuel(&mut self.builder, self.vmctx)?;
                self.builder.def_var(var, fuel);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Writes the fuel back before a `return` instruction.
    pub(super) fn fuel_before_return(&mut self) -> CompileResult<()> {
        if self.fuel.is_some() {
            if self.fuel_pending != 0 {
                bail_bug!("{} fuel pending at a return", self.fuel_pending);
            }
            self.fuel_save()?;
        }
        Ok(())
    }

    /// Adds the fuel summed since the last flush to the variable.
    fn fuel_flush(&mut self) -> CompileResult<()> {
        let Some(var) = self.fuel else { bail_bug!("fuel flush without fuel accounting") };
        let pending = std::mem::take(&mut self.fuel_pending);
        if pending != 0 {
            let fuel = self.builder.use_var(var);
            let fuel = self.builder.ins().iadd_imm_s(fuel, pending);
            self.builder.def_var(var, fuel);
        }
        Ok(())
    }

    fn fuel_save(&mut self) -> CompileResult<()> {
        let Some(var) = self.fuel else { bail_bug!("fuel save without fuel accounting") };
        let fuel = self.builder.use_var(var);
        self.env.store_fuel(&mut self.builder, self.vmctx, fuel)
    }

    fn fuel_check(&mut self) -> CompileResult<()> {
        self.fuel_flush()?;
        let Some(var) = self.fuel else { bail_bug!("fuel check without fuel accounting") };
        let out_of_fuel = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.set_cold_block(out_of_fuel);
        let fuel = self.builder.use_var(var);
        let spent = self.builder.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
        self.builder.ins().brif(spent, out_of_fuel, &[], next, &[]);
        self.builder.seal_block(out_of_fuel);
        self.builder.switch_to_block(out_of_fuel);
        self.fuel_save()?;
        self.builder.ins().trap(ir_trap(TrapCode::OutOfFuel));
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
        Ok(())
    }

    /// The new-epoch trampoline, imported once per function.
    fn new_epoch_trampoline(&mut self) -> ir::FuncRef {
        if let Some(f) = self.new_epoch {
            return f;
        }
        let sig = self.builder.import_signature(crate::trampolines::new_epoch_signature(self.env.isa));
        let index = self.env.info.num_defined_funcs() as u32;
        let name = self.builder.func.declare_imported_user_function(ir::UserExternalName::new(0, index));
        let f = self.builder.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.new_epoch = Some(f);
        f
    }

    fn epoch_check(&mut self) -> CompileResult<()> {
        let (epoch, deadline) = self.env.epoch_and_deadline(&mut self.builder, self.vmctx)?;
        let new_epoch = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.set_cold_block(new_epoch);
        let passed = self.builder.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
        self.builder.ins().brif(passed, new_epoch, &[], next, &[]);
        self.builder.seal_block(new_epoch);
        self.builder.switch_to_block(new_epoch);
        // The callback may read or set the fuel.
        if self.fuel.is_some() {
            self.fuel_save()?;
        }
        // The new-epoch trampoline preserves every register; it is the
        // function after the defined ones, and traps itself on failure.
        let trampoline = self.new_epoch_trampoline();
        let vmctx = self.vmctx;
        self.builder.ins().call(trampoline, &[vmctx]);
        if let Some(var) = self.fuel {
            let fuel = self.env.load_fuel(&mut self.builder, self.vmctx)?;
            self.builder.def_var(var, fuel);
        }
        self.builder.ins().jump(next, &[]);
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_wasmtime_defaults() {
        assert_eq!(operator_cost(&Operator::Nop), 0);
        assert_eq!(operator_cost(&Operator::Drop), 0);
        assert_eq!(operator_cost(&Operator::End), 0);
        assert_eq!(operator_cost(&Operator::Unreachable), 0);
        assert_eq!(operator_cost(&Operator::Return), 0);
        assert_eq!(operator_cost(&Operator::I32Add), 1);
        assert_eq!(operator_cost(&Operator::LocalGet { local_index: 0 }), 1);
        assert_eq!(operator_cost(&Operator::If { blockty: wasmparser::BlockType::Empty }), 1);
        assert_eq!(operator_cost(&Operator::Call { function_index: 0 }), 1);
    }

    #[test]
    fn calls_write_back_and_branches_end_runs() {
        assert_eq!(flush_before(&Operator::Call { function_index: 0 }), Flush::Store);
        assert_eq!(flush_before(&Operator::Unreachable), Flush::Store);
        assert_eq!(flush_before(&Operator::Br { relative_depth: 0 }), Flush::Variable);
        assert_eq!(flush_before(&Operator::End), Flush::Variable);
        assert_eq!(flush_before(&Operator::Block { blockty: wasmparser::BlockType::Empty }), Flush::None);
        assert_eq!(flush_before(&Operator::I32Add), Flush::None);
    }
}
