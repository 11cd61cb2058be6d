//! A clean-up of the translated function that keeps a loop's vector load
//! foldable when a value computed from it is read again after the loop:
//! the exit that reads it computes the value again, from a load of its
//! own, so that in the loop the load and what it feeds are used once.
//!
//! The byte search is the case. In its loop, `mask = bitmask(eq(splat,
//! load(p + i)))` decides whether to leave, and the match exit reads
//! `mask` again (`i + ctz(mask)`). x86-64 folds a load into the
//! instruction using it (`vpcmpeqb xmm, xmm, [mem]`) only when the load
//! is used once, directly and through everything computed from it:
//! Cranelift counts every value that feeds a value used twice as used
//! twice (the lowering of a use may repeat what feeds it), so the exit's
//! read of `mask` kept the load out of the compare and cost each
//! iteration a separate `movdqu`. Here the exit gets its own copy of the
//! chain from the load to `mask`, and the loop's chain is used once.
//!
//! A chain is copied when:
//! - its block is in a loop and ends in a `brif` to an exit: a block
//!   outside that loop whose only predecessor is this block, so the copy
//!   runs once per exit, never per iteration, and nothing runs between
//!   the branch and the copy;
//! - it is a vector `load` in the block, then pure instructions that
//!   cannot trap, each reading the one before (its other operands are
//!   left as they are), and every value in it but the last is used once;
//! - the last value is used once where the exit does not dominate, and
//!   somewhere it does;
//! - nothing after the load in the block stores, calls or has another
//!   effect.
//!
//! The copy then reads the bytes the loop read: nothing in this function
//! wrote memory in between, nothing else can (memories are never shared:
//! kiln refuses the threads proposal, and a host call is a call), and a
//! memory never shrinks, so the copy cannot trap where the original did
//! not. It loads another vector type and bitcasts it back (the same bytes
//! either way, little-endian): Cranelift's redundant-load elimination
//! would otherwise replace a load of the same type from the same address
//! by the loop's, and its value numbering would then merge the rest of
//! the copy back into the loop's chain.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{
    Block, Endianness, Function, Inst, InstBuilder, InstructionData, MemFlagsData, Opcode, Type, Value, ValueDef, types,
};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use std::collections::HashMap;

/// The most pure instructions a chain may hold above its load.
const MAX_CHAIN: usize = 4;

/// Copies every chain the module doc describes onto its exit.
pub fn repeat_chains_on_exits(func: &mut Function) {
    func.dfg.resolve_all_aliases();
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    if loops.loops().next().is_none() {
        return;
    }
    let blocks: Vec<Block> = func.layout.blocks().collect();
    let mut uses = uses_of(func);
    for block in blocks {
        let Some(lp) = loops.innermost_loop(block) else { continue };
        let Some(branch) = func.layout.last_inst(block) else { continue };
        let InstructionData::Brif { blocks: dests, .. } = func.dfg.insts[branch] else { continue };
        let [a, b] = dests.map(|d| d.block(&func.dfg.value_lists));
        if a == b {
            continue;
        }
        for exit in [a, b] {
            if loops.is_in_loop(exit, lp) || cfg.pred_iter(exit).count() != 1 {
                continue;
            }
            let results: Vec<Value> =
                func.layout.block_insts(block).flat_map(|i| func.dfg.inst_results(i).to_vec()).collect();
            for v in results {
                let (inside, outside) = split_uses(func, &domtree, &uses[v], exit);
                if inside.is_empty() || outside != 1 {
                    continue;
                }
                let Some(chain) = chain_to(func, &uses, block, v, MAX_CHAIN) else { continue };
                if !quiet_after(func, chain[0], branch) {
                    continue;
                }
                let Some(copy) = copy_chain(func, &chain, exit) else { continue };
                for inst in inside {
                    func.dfg.map_inst_values(inst, |x| if x == v { copy } else { x });
                }
                uses = uses_of(func);
            }
        }
    }
}

/// Where each value is read (once per operand that reads it).
fn uses_of(func: &Function) -> SecondaryMap<Value, Vec<Inst>> {
    let mut uses: SecondaryMap<Value, Vec<Inst>> = SecondaryMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for v in func.dfg.inst_values(inst) {
                uses[v].push(inst);
            }
        }
    }
    uses
}

/// `reads` split into the instructions in blocks `exit` dominates (each
/// once) and how many reads lie elsewhere.
fn split_uses(func: &Function, domtree: &DominatorTree, reads: &[Inst], exit: Block) -> (Vec<Inst>, usize) {
    let mut inside = Vec::new();
    let mut outside = 0;
    for &inst in reads {
        match func.layout.inst_block(inst) {
            Some(b) if domtree.block_dominates(exit, b) => {
                if !inside.contains(&inst) {
                    inside.push(inst);
                }
            }
            _ => outside += 1,
        }
    }
    (inside, outside)
}

/// The instructions from a vector load in `block` up to the one defining
/// `v`, load first, if `v` is computed from one as the module doc says.
fn chain_to(
    func: &Function,
    uses: &SecondaryMap<Value, Vec<Inst>>,
    block: Block,
    v: Value,
    depth: usize,
) -> Option<Vec<Inst>> {
    let ValueDef::Result(inst, 0) = func.dfg.value_def(v) else { return None };
    if func.layout.inst_block(inst) != Some(block) || func.dfg.inst_results(inst).len() != 1 {
        return None;
    }
    if is_vector_load(func, inst) {
        return Some(vec![inst]);
    }
    if depth == 0 || !is_pure(func.dfg.insts[inst].opcode()) {
        return None;
    }
    func.dfg.inst_args(inst).iter().filter(|a| uses[**a].len() == 1).find_map(|&a| {
        let mut chain = chain_to(func, uses, block, a, depth - 1)?;
        chain.push(inst);
        Some(chain)
    })
}

fn is_vector_load(func: &Function, inst: Inst) -> bool {
    matches!(func.dfg.insts[inst], InstructionData::Load { opcode: Opcode::Load, .. })
        && func.dfg.value_type(func.dfg.first_result(inst)).is_vector()
}

/// Whether an instruction of `opcode` computes only from its operands,
/// and cannot trap.
fn is_pure(opcode: Opcode) -> bool {
    !(opcode.can_load()
        || opcode.can_store()
        || opcode.can_trap()
        || opcode.is_call()
        || opcode.is_branch()
        || opcode.is_terminator()
        || opcode.other_side_effects())
}

/// Whether every instruction after `load` and before `branch` (both in
/// one block) leaves memory as it is.
fn quiet_after(func: &Function, load: Inst, branch: Inst) -> bool {
    let mut at = func.layout.next_inst(load);
    while let Some(inst) = at {
        if inst == branch {
            return true;
        }
        let op = func.dfg.insts[inst].opcode();
        if op.can_store() || op.is_call() || op.other_side_effects() {
            return false;
        }
        at = func.layout.next_inst(inst);
    }
    false
}

/// A vector type of `ty`'s width that is not `ty`.
fn other_vector_type(ty: Type) -> Type {
    if ty == types::I64X2 { types::I8X16 } else { types::I64X2 }
}

/// Copies `chain` to the top of `exit`, its load as a load of another
/// type bitcast back (see the module doc), and returns the copy's value
/// (none for an empty chain, which [`chain_to`] never gives).
fn copy_chain(func: &mut Function, chain: &[Inst], exit: Block) -> Option<Value> {
    let mut pos = FuncCursor::new(func).at_first_insertion_point(exit);
    let mut renamed: HashMap<Value, Value> = HashMap::new();
    let mut last = None;
    for (k, &inst) in chain.iter().enumerate() {
        let old = pos.func.dfg.first_result(inst);
        let copy = pos.func.dfg.clone_inst(inst);
        pos.insert_inst(copy);
        pos.func.dfg.map_inst_values(copy, |x| renamed.get(&x).copied().unwrap_or(x));
        let mut new = pos.func.dfg.first_result(copy);
        if k == 0 {
            let ty = pos.func.dfg.value_type(new);
            let loaded = pos.func.dfg.replace_result(new, other_vector_type(ty));
            new = pos.ins().bitcast(ty, MemFlagsData::new().with_endianness(Endianness::Little), loaded);
        }
        renamed.insert(old, new);
        last = Some(new);
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::{sysv_function, verified};
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, condcodes::IntCC, types};

    /// How [`search`] departs from the byte search's shape.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Shape {
        /// As the byte search is.
        Search,
        /// The loop's block stores after the load.
        StoreAfterLoad,
        /// The match block stores and goes on looping: it is in the loop.
        MatchInLoop,
        /// The bound test may branch to the match block too.
        MatchWithTwoEntries,
        /// The latch reads the mask as well.
        MaskReadInLoop,
    }

    /// `fn(i64 base, i32 n) -> i32`, a byte search: `i = 0; loop { mask =
    /// bitmask(eq(splat(-1), load(base + i))); if mask != 0 { return i +
    /// ctz(mask) } i += 16; if i >= n { return -1 } }`, changed as `shape`
    /// says. Returns the function, its loop block and its match block.
    fn search(shape: Shape) -> (Function, Block, Block) {
        let mut blocks = None;
        let func = sysv_function(&[types::I64, types::I32], &[types::I32], |b, args| {
            let (base, n) = (args[0], args[1]);
            let [body, latch, found, none] = [(); 4].map(|()| b.create_block());
            blocks = Some((body, found));
            let i = b.append_block_param(body, types::I32);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().jump(body, &[zero.into()]);
            b.switch_to_block(body);
            let at = b.ins().uextend(types::I64, i);
            let addr = b.ins().iadd(base, at);
            let little = MemFlagsData::new().with_endianness(Endianness::Little);
            let x = b.ins().load(types::I8X16, little, addr, 0);
            let ff = b.ins().iconst(types::I8, -1);
            let needle = b.ins().splat(types::I8X16, ff);
            let eq = b.ins().icmp(IntCC::Equal, needle, x);
            let mask = b.ins().vhigh_bits(types::I32, eq);
            if shape == Shape::StoreAfterLoad {
                b.ins().store(MemFlagsData::new(), n, base, 0);
            }
            b.ins().brif(mask, found, &[], latch, &[]);
            b.switch_to_block(latch);
            let step = if shape == Shape::MaskReadInLoop {
                b.ins().iadd_imm_s(mask, 16)
            } else {
                b.ins().iconst(types::I32, 16)
            };
            let next = b.ins().iadd(i, step);
            let more = b.ins().icmp(IntCC::UnsignedLessThan, next, n);
            let out = if shape == Shape::MatchWithTwoEntries { found } else { none };
            b.ins().brif(more, body, &[next.into()], out, &[]);
            b.switch_to_block(found);
            let tz = b.ins().ctz(mask);
            if shape == Shape::MatchInLoop {
                b.ins().store(MemFlagsData::new(), tz, base, 0);
                b.ins().jump(latch, &[]);
            } else {
                let r = b.ins().iadd(i, tz);
                b.ins().return_(&[r]);
            }
            b.switch_to_block(none);
            let minus_one = b.ins().iconst(types::I32, -1);
            b.ins().return_(&[minus_one]);
        });
        let (body, found) = blocks.unwrap();
        (func, body, found)
    }

    /// The instructions of `block`, by opcode.
    fn opcodes(func: &Function, block: Block) -> Vec<Opcode> {
        func.layout.block_insts(block).map(|i| func.dfg.insts[i].opcode()).collect()
    }

    #[test]
    fn the_match_exit_computes_its_own_mask() {
        let (mut func, body, found) = search(Shape::Search);
        let loop_ops = opcodes(&func, body);
        repeat_chains_on_exits(&mut func);
        let clif = verified(&func);
        // The loop is as it was; the exit starts with its own load (of
        // another type, bitcast back), compare and mask, and its `ctz`
        // reads that mask.
        assert_eq!(opcodes(&func, body), loop_ops, "{clif}");
        assert_eq!(
            opcodes(&func, found)[..5],
            [Opcode::Load, Opcode::Bitcast, Opcode::Icmp, Opcode::VhighBits, Opcode::Ctz],
            "{clif}"
        );
        assert!(clif.contains("load.i64x2 little"), "{clif}");
        // Every value of the loop's chain, the mask included, is read once.
        let uses = uses_of(&func);
        for inst in func.layout.block_insts(body) {
            let op = func.dfg.insts[inst].opcode();
            if matches!(op, Opcode::Load | Opcode::Icmp | Opcode::VhighBits) {
                assert_eq!(uses[func.dfg.first_result(inst)].len(), 1, "{op}: {clif}");
            }
        }
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for shape in [Shape::StoreAfterLoad, Shape::MatchInLoop, Shape::MatchWithTwoEntries, Shape::MaskReadInLoop] {
            let (mut func, _, _) = search(shape);
            let before = func.display().to_string();
            repeat_chains_on_exits(&mut func);
            assert_eq!(func.display().to_string(), before, "{shape:?}");
        }
    }
}
