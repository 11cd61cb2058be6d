//! A clean-up of the translated function that carries a loop's `i32`
//! addresses around the loop already zero-extended.
//!
//! A wasm address is an `i32`; the heap access adds its zero-extension to
//! the memory base. On x86-64 the extension is free when the `i32` comes
//! straight from a 32-bit operation (which clears the upper half), but a
//! loop-carried local is a block parameter, of unknown upper half, so
//! every `v128.load (local.get $p)` in the loop paid a `mov r32, r32`
//! first: two of the sixteen instructions of the dot product's loop.
//!
//! Here an `i32` parameter of a loop header that some `uextend.i64` reads
//! becomes an `i64` parameter holding its zero-extension. Each incoming
//! edge passes `uextend.i64` of its value (free after a 32-bit add, the
//! usual latch; once on the entry edge); the loop's `uextend`s become the
//! new parameter itself, and its other uses read `ireduce.i32` of it (its
//! low half: no instruction). Nothing is computed differently: the
//! parameter's low 32 bits are the old value, its high 32 bits zero.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{Block, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types};
use std::collections::BTreeMap;

/// Widens every loop-header parameter as the module doc says.
pub fn widen_loop_addresses(func: &mut Function) {
    // Layout order, and the branches into each block.
    let mut order: SecondaryMap<Block, u32> = SecondaryMap::new();
    for (i, block) in func.layout.blocks().enumerate() {
        order[block] = i as u32;
    }
    let mut preds: BTreeMap<Block, Vec<Inst>> = BTreeMap::new();
    let mut headers = Vec::new();
    let mut is_header: SecondaryMap<Block, bool> = SecondaryMap::new();
    for block in func.layout.blocks() {
        let Some(term) = func.layout.last_inst(block) else { continue };
        let data = &func.dfg.insts[term];
        for dest in data.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables) {
            let to = dest.block(&func.dfg.value_lists);
            let list = preds.entry(to).or_default();
            if list.last() != Some(&term) {
                list.push(term);
            }
            // A branch from a block at or after its target is a back edge:
            // wasm lays a loop's body out after its header.
            if order[to] <= order[block] && !is_header[to] {
                is_header[to] = true;
                headers.push(to);
            }
        }
    }
    // The `uextend.i64`s of each `i32` block parameter.
    let mut extends: BTreeMap<Value, Vec<Inst>> = BTreeMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let InstructionData::Unary { opcode: Opcode::Uextend, arg } = func.dfg.insts[inst]
                && func.dfg.ctrl_typevar(inst) == types::I64
                && matches!(func.dfg.value_def(arg), ValueDef::Param(..))
            {
                extends.entry(arg).or_default().push(inst);
            }
        }
    }
    // The entry block's parameters are the signature's: never widened.
    let entry = func.layout.entry_block();
    for header in headers {
        if Some(header) == entry {
            continue;
        }
        let params: Vec<Value> = func.dfg.block_params(header).to_vec();
        for p in params {
            if func.dfg.value_type(p) != types::I32 {
                continue;
            }
            let (Some(exts), Some(branches)) = (extends.get(&p), preds.get(&header)) else { continue };
            widen(func, header, p, branches, exts);
        }
    }
}

/// Replaces `i32` parameter `p` of `header` by an `i64` one holding its
/// zero-extension; `branches` are the branches into `header`, `exts` the
/// `uextend.i64`s of `p`.
fn widen(func: &mut Function, header: Block, p: Value, branches: &[Inst], exts: &[Inst]) {
    let Some(ix) = func.dfg.block_params(header).iter().position(|v| *v == p) else { return };
    // Every incoming argument must be a plain value (not a call's return).
    let plain = branches.iter().all(|&inst| {
        let dfg = &func.dfg;
        dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables).iter().all(|d| {
            d.block(&dfg.value_lists) != header || d.args(&dfg.value_lists).nth(ix).and_then(|a| a.as_value()).is_some()
        })
    });
    if !plain {
        return;
    }
    let wide = func.dfg.append_block_param(header, types::I64);
    for &inst in branches {
        let dfg = &mut func.dfg;
        let mut incoming = Vec::new();
        for d in dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables) {
            if d.block(&dfg.value_lists) == header {
                incoming.push(d.args(&dfg.value_lists).nth(ix).and_then(|a| a.as_value()));
            }
        }
        // The extension of each incoming value, computed before the branch
        // (`p` itself, passed around unchanged, is `wide` already).
        let mut widened = Vec::with_capacity(incoming.len());
        for v in incoming.into_iter().flatten() {
            widened.push(if v == p { wide } else { FuncCursor::new(func).at_inst(inst).ins().uextend(types::I64, v) });
        }
        let dfg = &mut func.dfg;
        let mut next = widened.into_iter();
        for d in dfg.insts[inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables) {
            if d.block(&dfg.value_lists) == header
                && let Some(w) = next.next()
            {
                d.remove(ix, &mut dfg.value_lists);
                d.append_argument(w, &mut dfg.value_lists);
            }
        }
    }
    func.dfg.remove_block_param(p);
    let mut cursor = FuncCursor::new(func).at_first_insertion_point(header);
    let narrow = cursor.ins().ireduce(types::I32, wide);
    for &ext in exts {
        let r = func.dfg.first_result(ext);
        func.layout.remove_inst(ext);
        func.dfg.clear_results(ext);
        func.dfg.change_to_alias(r, wide);
    }
    func.dfg.change_to_alias(p, narrow);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::{sysv_function, verified};
    use cranelift_codegen::ir::MemFlagsData;

    /// `fn(i64 base, i32 p, i32 n) -> i32`: a loop loading `base + zext(p)`
    /// and stepping `p` by 4 while `n` counts down, widened, as text.
    fn widened_loop(step_in_place: bool) -> String {
        let mut func = sysv_function(&[types::I64, types::I32, types::I32], &[types::I32], |b, args| {
            let (base, p0, n0) = (args[0], args[1], args[2]);
            let (header, exit) = (b.create_block(), b.create_block());
            let p = b.append_block_param(header, types::I32);
            let n = b.append_block_param(header, types::I32);
            let acc = b.append_block_param(header, types::I32);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().jump(header, &[p0.into(), n0.into(), zero.into()]);
            b.switch_to_block(header);
            let at = b.ins().uextend(types::I64, p);
            let addr = b.ins().iadd(base, at);
            let x = b.ins().load(types::I32, MemFlagsData::new(), addr, 0);
            let acc2 = b.ins().iadd(acc, x);
            let p2 = if step_in_place { p } else { b.ins().iadd_imm_s(p, 4) };
            let n2 = b.ins().iadd_imm_s(n, -1);
            b.ins().brif(n2, header, &[p2.into(), n2.into(), acc2.into()], exit, &[]);
            b.switch_to_block(exit);
            let r = b.ins().iadd(acc2, p2);
            b.ins().return_(&[r]);
        });
        widen_loop_addresses(&mut func);
        func.dfg.resolve_all_aliases();
        verified(&func)
    }

    #[test]
    fn a_loop_carried_address_is_carried_zero_extended() {
        let clif = widened_loop(false);
        // The header takes the extension; the entry edge and the latch
        // pass `uextend`s of what they passed before.
        assert!(clif.contains("block1(v4: i32, v5: i32, v16: i64):"), "{clif}");
        assert!(clif.contains("v17 = uextend.i64 v1\n    jump block1(v2, v6, v17)"), "{clif}");
        assert!(clif.contains("v18 = uextend.i64 v12\n    brif v14, block1(v14, v10, v18), block2"), "{clif}");
        assert_eq!(clif.matches("uextend.i64").count(), 2, "{clif}");
        // The load's address is the parameter itself; the step and the
        // exit read its low half.
        assert!(clif.contains("v8 = iadd.i64 v0, v16"), "{clif}");
        assert!(clif.contains("v19 = ireduce.i32 v16"), "{clif}");
        assert!(clif.contains("v12 = iadd v19, v11"), "{clif}");
    }

    #[test]
    fn an_address_passed_around_unchanged_needs_no_extension_on_the_back_edge() {
        let clif = widened_loop(true);
        assert_eq!(clif.matches("uextend.i64").count(), 1, "{clif}");
        assert!(clif.contains("brif v12, block1(v12, v10, v14), block2"), "{clif}");
    }

    #[test]
    fn a_block_no_branch_returns_to_is_left_alone() {
        // `if`-style: the join block's `i32` parameter is extended, but no
        // back edge enters it.
        let mut func = sysv_function(&[types::I64, types::I32], &[types::I32], |b, args| {
            let join = b.create_block();
            let p = b.append_block_param(join, types::I32);
            b.ins().jump(join, &[args[1].into()]);
            b.switch_to_block(join);
            let at = b.ins().uextend(types::I64, p);
            let addr = b.ins().iadd(args[0], at);
            let x = b.ins().load(types::I32, MemFlagsData::new(), addr, 0);
            b.ins().return_(&[x]);
        });
        let before = func.display().to_string();
        widen_loop_addresses(&mut func);
        assert_eq!(func.display().to_string(), before);
    }
}
