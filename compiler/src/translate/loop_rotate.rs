//! A clean-up of the translated function that rotates a loop whose header
//! is only a test: the test is copied onto the loop's back edge, so each
//! iteration ends in one conditional branch back to the body instead of a
//! branch back to a header that tests and branches again.
//!
//! A `while` loop in wasm is a `loop` whose first instructions compute a
//! bound test and `br_if` out. Translated, that is a header block of a
//! few pure instructions ending in `brif`, entered back by a latch's
//! `jump` or, when the guest closes the loop with a `br_if` (a byte
//! search's "no match yet"), by one arm of the latch's `brif`. Cranelift
//! does not rotate loops, so every iteration went back only to test and
//! fall into the body: one more branch, and the header's values (an
//! index and the index plus a step, say) both lived across the loop, so
//! the back edge carried a register move, in an edge block of its own
//! when the back edge was conditional.
//!
//! Here the back edge runs a copy of the header's instructions, computed
//! from the edge's arguments and ending in a copy of its `brif`: in the
//! latch itself for a `jump`, in a new block on the edge for a `brif`.
//! The header then runs once, on entry. Both `brif` targets gain the
//! latch as a predecessor, so a target whose region (the blocks it
//! dominates) uses the header's values takes a parameter for each of the
//! header's, recovers the header's parameters from them and recomputes
//! the header's instructions at its top: pure and few, and Cranelift's
//! optimiser drops what the region does not use and places the rest
//! where it is used. When the header steps a parameter by a constant (`i
//! + 16 <= n`), the stepped value is what goes round, as in LLVM's loops:
//! the body recovers `i` as `carried - 16`, the back edge's test steps it
//! once more, and the optimiser folds `(carried - 16) + 16` back to
//! `carried`, so one register holds the index and the back edge moves
//! nothing. A sum `x + i` in the region is written `(x + carried) - 16`
//! ([`step_out_of_sums`]), so that `i` itself is computed only where
//! something needs it (a match exit), not kept live in the loop. The
//! `brif`s' arms are ordered so that Cranelift lays the loop out
//! contiguously, exits after it ([`swap_arms`]).
//!
//! A loop is left alone when a header value is used where neither target
//! dominates, or in the region of a target with other predecessors. The
//! pass runs only when Cranelift optimises: without its optimiser the
//! copies would stay.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{
    Block, BlockCall, Function, Inst, InstBuilder, InstructionData, Opcode, Value, condcodes::IntCC, immediates::Imm64,
};
use std::collections::BTreeMap;

/// The most instructions (the `brif` aside) a header may hold to be
/// copied.
const MAX_HEADER_INSTS: usize = 8;

/// Rotates every loop of `func` that the module doc describes.
pub fn rotate_loops(func: &mut Function) {
    func.dfg.resolve_all_aliases();
    let entry = func.layout.entry_block();
    let blocks: Vec<Block> = func.layout.blocks().collect();
    let mut cfg = ControlFlowGraph::with_function(func);
    let mut domtree = DominatorTree::with_function(func, &cfg);
    let mut uses = None;
    for latch in blocks {
        if !domtree.is_reachable(latch) {
            continue;
        }
        let Some(edge) = back_edge(func, &domtree, latch) else { continue };
        let header = edge.header;
        if header == latch || Some(header) == entry {
            continue;
        }
        let Some(plan) = plan(func, &cfg, &domtree, &mut uses, &edge) else { continue };
        let Some(uses) = uses.as_mut() else { continue };
        apply(func, &domtree, uses, &edge, &plan);
        // A rotation moves predecessors and adds a block: the next loop
        // (an outer one, say) is planned on the graph as it now is.
        cfg.compute(func);
        domtree.compute(func, &cfg);
    }
}

/// A branch from a latch back to a loop header.
struct BackEdge {
    latch: Block,
    /// The latch's terminator.
    branch: Inst,
    /// Which of `branch`'s destinations goes to `header`.
    dest: usize,
    header: Block,
    /// Whether `branch` is a `jump` (its copy of the header replaces it)
    /// or a `brif` (the copy goes in a block on the edge).
    unconditional: bool,
}

/// The latch's one branch back to a loop header (a block dominating the
/// latch), if its terminator is a `jump` or a `brif` with exactly one
/// such arm.
fn back_edge(func: &Function, domtree: &DominatorTree, latch: Block) -> Option<BackEdge> {
    let dfg = &func.dfg;
    let branch = func.layout.last_inst(latch)?;
    let (dests, unconditional): (&[BlockCall], bool) = match &dfg.insts[branch] {
        InstructionData::Jump { destination, .. } => (std::slice::from_ref(destination), true),
        InstructionData::Brif { blocks, .. } => (blocks.as_slice(), false),
        _ => return None,
    };
    let mut back = dests
        .iter()
        .enumerate()
        .map(|(dest, call)| (dest, call.block(&dfg.value_lists)))
        .filter(|&(_, header)| domtree.block_dominates(header, latch));
    let (dest, header) = back.next()?;
    // Two arms back (to one header, or to an inner and an outer one) is
    // not a shape this pass rewrites.
    if back.next().is_some() {
        return None;
    }
    Some(BackEdge { latch, branch, dest, header, unconditional })
}

/// Where each value is read: a superset, since a renaming leaves the old
/// value's entry behind; [`Uses::of`] filters it.
struct Uses(SecondaryMap<Value, Vec<Inst>>);

impl Uses {
    fn new(func: &Function) -> Self {
        let mut uses = Uses(SecondaryMap::new());
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                uses.add(func, inst);
            }
        }
        uses
    }

    /// Records what `inst` reads.
    fn add(&mut self, func: &Function, inst: Inst) {
        for v in func.dfg.inst_values(inst) {
            self.0[v].push(inst);
        }
    }

    /// The instructions in the layout that read `v`, each with its block.
    fn of<'a>(&'a self, func: &'a Function, v: Value) -> impl Iterator<Item = (Inst, Block)> + 'a {
        self.0[v].iter().filter_map(move |&inst| {
            let block = func.layout.inst_block(inst)?;
            func.dfg.inst_values(inst).any(|u| u == v).then_some((inst, block))
        })
    }
}

/// What rotating one loop needs.
struct Plan {
    /// The header's `brif`.
    brif: Inst,
    /// The header's instructions before it.
    insts: Vec<Inst>,
    /// The header's parameters and the results of `insts`.
    defined: Vec<Value>,
    /// The `brif` targets whose regions use `defined` values.
    targets: Vec<Block>,
    /// The `brif` target that dominates the latch, if one does.
    body: Option<Block>,
}

/// Checks that `edge`'s header can be rotated.
fn plan(
    func: &Function,
    cfg: &ControlFlowGraph,
    domtree: &DominatorTree,
    uses: &mut Option<Uses>,
    edge: &BackEdge,
) -> Option<Plan> {
    let dfg = &func.dfg;
    let header = edge.header;
    let brif = func.layout.last_inst(header)?;
    let InstructionData::Brif { blocks, .. } = dfg.insts[brif] else { return None };
    let (a, b) = (blocks[0].block(&dfg.value_lists), blocks[1].block(&dfg.value_lists));
    if a == b || a == header || b == header {
        return None;
    }
    let insts: Vec<Inst> = func.layout.block_insts(header).filter(|&i| i != brif).collect();
    if insts.len() > MAX_HEADER_INSTS || !insts.iter().all(|&i| pure(func, i)) {
        return None;
    }
    // Plain values on the back edge and on the header's own exits (the
    // copy of the `brif` passes the targets the same kinds of arguments).
    if back_edge_args(func, edge).len() != dfg.block_params(header).len()
        || blocks.iter().any(|d| d.args(&dfg.value_lists).any(|a| a.as_value().is_none()))
    {
        return None;
    }
    let defined: Vec<Value> = dfg
        .block_params(header)
        .iter()
        .copied()
        .chain(insts.iter().flat_map(|&i| dfg.inst_results(i).iter().copied()))
        .collect();
    // Only a loop of this shape needs the uses: most functions never
    // build them.
    let uses = uses.get_or_insert_with(|| Uses::new(func));
    let mut targets = Vec::new();
    for &v in &defined {
        for (_, block) in uses.of(func, v).filter(|&(_, block)| block != header) {
            let target = [a, b].into_iter().find(|&t| domtree.block_dominates(t, block))?;
            if cfg.pred_iter(target).count() != 1 {
                return None;
            }
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
    }
    let body = [a, b].into_iter().find(|&t| domtree.block_dominates(t, edge.latch));
    Some(Plan { brif, insts, defined, targets, body })
}

/// The values `edge` passes the header (fewer than its parameters if one
/// is not a plain value).
fn back_edge_args(func: &Function, edge: &BackEdge) -> Vec<Value> {
    let dfg = &func.dfg;
    let dests = dfg.insts[edge.branch].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
    dests[edge.dest].args(&dfg.value_lists).map_while(|a| a.as_value()).collect()
}

/// Whether `inst` may run once more per iteration, or once more on a
/// target's entry: no memory access, no trap, no call, no other effect.
fn pure(func: &Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    // Reads of machine state are not the same when run again.
    let reads_state = matches!(
        op,
        Opcode::SymbolValue
            | Opcode::TlsValue
            | Opcode::GetPinnedReg
            | Opcode::GetFramePointer
            | Opcode::GetStackPointer
            | Opcode::GetReturnAddress
    );
    !(reads_state
        || op.can_load()
        || op.can_store()
        || op.can_trap()
        || op.is_call()
        || op.is_branch()
        || op.is_terminator()
        || op.other_side_effects())
}

/// What the header passes its targets for its parameter `p`: `p + k`
/// and `k` when one of its `insts` steps `p` by a constant `k`, else `p`.
/// A loop stepping an index for its bound test (`i + 16 <= n`) then
/// carries the stepped index, as LLVM's loops do: the test on the back
/// edge steps it once more, and the body reads `i` as `carried - k`, so
/// the index and its step do not both live around the loop.
fn carried(func: &Function, insts: &[Inst], p: Value) -> (Value, Option<i64>) {
    let dfg = &func.dfg;
    let constant = |v: Value| match dfg.value_def(v).inst().map(|i| &dfg.insts[i]) {
        Some(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm }) => Some(imm.bits()),
        _ => None,
    };
    let ty = dfg.value_type(p);
    if !ty.is_int() || ty.bits() > 64 {
        return (p, None);
    }
    for &inst in insts {
        if let InstructionData::Binary { opcode: Opcode::Iadd, args } = dfg.insts[inst] {
            let step = match args {
                [a, k] if a == p => constant(k),
                [k, a] if a == p => constant(k),
                _ => None,
            };
            if let Some(step) = step {
                return (dfg.first_result(inst), Some(step));
            }
        }
    }
    (p, None)
}

/// Copies `insts` of the header, each placed by `place`, reading `map`'s
/// values in place of the header's; returns the map extended with the
/// copies' results.
fn copy_header(
    func: &mut Function,
    uses: &mut Uses,
    insts: &[Inst],
    mut map: BTreeMap<Value, Value>,
    place: impl Fn(&mut Function, Inst),
) -> BTreeMap<Value, Value> {
    for &inst in insts {
        let clone = func.dfg.clone_inst(inst);
        func.dfg.map_inst_values(clone, |v| map.get(&v).copied().unwrap_or(v));
        place(func, clone);
        uses.add(func, clone);
        let old = func.dfg.inst_results(inst).to_vec();
        let new = func.dfg.inst_results(clone).to_vec();
        map.extend(old.into_iter().zip(new));
    }
    map
}

/// Rotates `edge`'s loop as planned.
fn apply(func: &mut Function, domtree: &DominatorTree, uses: &mut Uses, edge: &BackEdge, plan: &Plan) {
    let params = func.dfg.block_params(edge.header).to_vec();
    let carried: Vec<(Value, Option<i64>)> = params.iter().map(|&p| carried(func, &plan.insts, p)).collect();
    // Each target using header values: a parameter for each of the
    // header's (its stepped value when the header steps it), the header's
    // parameters recovered from those and its instructions recomputed at
    // the target's top, and every use in its region renamed to those.
    for &target in &plan.targets {
        let Some(first) = func.layout.first_inst(target) else { continue };
        let mut start = BTreeMap::new();
        // `(recovered, carried, -k)` for each stepped parameter.
        let mut stepped = Vec::new();
        for (&p, &(_, step)) in params.iter().zip(&carried) {
            let ty = func.dfg.value_type(p);
            let mine = func.dfg.append_block_param(target, ty);
            let recovered = match step {
                Some(step) => {
                    // `-k` in the type's width: Cranelift keeps constants
                    // zero-extended.
                    let back = Imm64::new(step.wrapping_neg()).zero_extend_from_width(ty.bits());
                    let mut at = FuncCursor::new(func).at_inst(first);
                    let back = at.ins().iconst(ty, back);
                    let recovered = at.ins().iadd(mine, back);
                    stepped.push((recovered, mine, back));
                    recovered
                }
                None => mine,
            };
            start.insert(p, recovered);
        }
        let renamed = copy_header(func, uses, &plan.insts, start, |func, clone| func.layout.insert_inst(clone, first));
        // The graph is unchanged until the back edge is rewritten below;
        // the copies just placed read the target's parameters already.
        for &v in &plan.defined {
            let region: Vec<Inst> = uses
                .of(func, v)
                .filter(|&(_, block)| block != edge.header && domtree.block_dominates(target, block))
                .map(|(inst, _)| inst)
                .collect();
            for inst in region {
                func.dfg.map_inst_values(inst, |v| renamed.get(&v).copied().unwrap_or(v));
                uses.add(func, inst);
            }
        }
        for &(recovered, carried, back) in &stepped {
            step_out_of_sums(func, uses, recovered, carried, back);
        }
        let dfg = &mut func.dfg;
        for dest in dfg.insts[plan.brif].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables) {
            if dest.block(&dfg.value_lists) == target {
                for &(carry, _) in &carried {
                    dest.append_argument(carry, &mut dfg.value_lists);
                }
            }
        }
    }
    // The back edge: its arguments, renamed above if the latch is in a
    // target's region, feed a copy of the header ending in the `brif`.
    let start = params.iter().copied().zip(back_edge_args(func, edge)).collect();
    let mut all = plan.insts.clone();
    all.push(plan.brif);
    if edge.unconditional {
        func.layout.remove_inst(edge.branch);
        copy_header(func, uses, &all, start, |func, clone| {
            FuncCursor::new(func).at_bottom(edge.latch).insert_inst(clone);
        });
    } else {
        let block = func.dfg.make_block();
        func.layout.insert_block_after(block, edge.latch);
        copy_header(func, uses, &all, start, |func, clone| func.layout.append_inst(clone, block));
        let dfg = &mut func.dfg;
        let dests = dfg.insts[edge.branch].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
        dests[edge.dest] = BlockCall::new(block, [], &mut dfg.value_lists);
        if edge.dest == 0 {
            swap_arms(func, edge.branch);
        }
    }
    // The header's body arm first, so that Cranelift lays the exit out
    // after the loop rather than between the header and the body.
    if let Some(body) = plan.body
        && func.dfg.insts[plan.brif].branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)[1]
            .block(&func.dfg.value_lists)
            == body
    {
        swap_arms(func, plan.brif);
    }
}

/// Rewrites each `x + recovered`, where `recovered` is `carried + back`
/// (`back` a constant), as `(x + carried) + back`: the same value, modulo
/// the type's width. An address in the body (`p + i`, `i` recovered as
/// `carried - 16`) then no longer reads `recovered`, and a match exit's
/// `i` is the only use left: Cranelift recomputes an add of a constant in
/// each block that uses it, so `i` is then computed in the exit alone
/// instead of in the loop and kept live out of it. The address keeps one
/// instruction (`lea -16(p, carried)`).
fn step_out_of_sums(func: &mut Function, uses: &mut Uses, recovered: Value, carried: Value, back: Value) {
    let sums: Vec<(Inst, Value)> = uses
        .of(func, recovered)
        .filter_map(|(inst, _)| {
            let InstructionData::Binary { opcode: Opcode::Iadd, args: [a, b] } = func.dfg.insts[inst] else {
                return None;
            };
            let other = if a == recovered { b } else { a };
            let constant = matches!(func.dfg.value_def(other), cranelift_codegen::ir::ValueDef::Result(i, _)
                if func.dfg.insts[i].opcode() == Opcode::Iconst);
            (other != recovered && !constant).then_some((inst, other))
        })
        .collect();
    for (inst, other) in sums {
        let sum = FuncCursor::new(func).at_inst(inst).ins().iadd(other, carried);
        if let Some(def) = func.dfg.value_def(sum).inst() {
            uses.add(func, def);
        }
        func.dfg.insts[inst] = InstructionData::Binary { opcode: Opcode::Iadd, args: [sum, back] };
        uses.add(func, inst);
    }
}

/// Makes the `brif` `branch` test the opposite condition with its arms
/// swapped. Cranelift lowers blocks in a reverse postorder that visits a
/// `brif`'s then arm first, so it lays the else arm out right after the
/// branch and the then arm's region after everything else reached from
/// there. A rotated loop wants its back edge's block right after the
/// latch (the loop falls through its match test to its bound test), and
/// the header's exit reached first through that block (so the loop's
/// exits come after the loop, not between its blocks).
fn swap_arms(func: &mut Function, branch: Inst) {
    let InstructionData::Brif { arg, .. } = func.dfg.insts[branch] else { return };
    let zero = FuncCursor::new(func).at_inst(branch).ins().icmp_imm_u(IntCC::Equal, arg, 0);
    if let InstructionData::Brif { arg, blocks, .. } = &mut func.dfg.insts[branch] {
        *arg = zero;
        blocks.swap(0, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::{sysv_function, verified};
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Opcode, condcodes::IntCC, types};
    use cranelift_frontend::FunctionBuilder;

    /// Fills `header` with `while i + step <= n`: the step, then a `brif`
    /// to `exit` or `body`. Returns `i + step`.
    fn bound_test(
        b: &mut FunctionBuilder<'_>,
        header: Block,
        i: Value,
        step: i64,
        n: Value,
        exit: Block,
        body: Block,
    ) -> Value {
        b.switch_to_block(header);
        let t = b.ins().iadd_imm_s(i, step);
        let out = b.ins().icmp(IntCC::UnsignedGreaterThan, t, n);
        b.ins().brif(out, exit, &[], body, &[]);
        t
    }

    /// `fn(i64 base, i32 n) -> i32`: `i = 0; while i + step <= n { if
    /// load(base + i) != 0 { return i } i += step } return -1`, the shape
    /// of a byte search, with its header and body. The body's "no match"
    /// goes to a latch that jumps back, or back itself when `by_br_if` (as
    /// a byte search's `br_if` does).
    fn search_loop(step: i64, by_br_if: bool) -> (Function, Block, Block) {
        let mut blocks = (None, None);
        let func = sysv_function(&[types::I64, types::I32], &[types::I32], |b, args| {
            let (base, n) = (args[0], args[1]);
            let (header, body) = (b.create_block(), b.create_block());
            let latch = (!by_br_if).then(|| b.create_block());
            let (found, exit) = (b.create_block(), b.create_block());
            blocks = (Some(header), Some(body));
            let i = b.append_block_param(header, types::I32);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().jump(header, &[zero.into()]);
            let t = bound_test(b, header, i, step, n, exit, body);
            b.switch_to_block(body);
            let at = b.ins().uextend(types::I64, i);
            let addr = b.ins().iadd(base, at);
            let x = b.ins().load(types::I32, MemFlagsData::new(), addr, 0);
            match latch {
                Some(latch) => {
                    b.ins().brif(x, found, &[], latch, &[]);
                    b.switch_to_block(latch);
                    b.ins().jump(header, &[t.into()]);
                }
                None => {
                    b.ins().brif(x, found, &[], header, &[t.into()]);
                }
            }
            b.switch_to_block(found);
            b.ins().return_(&[i]);
            b.switch_to_block(exit);
            let none = b.ins().iconst(types::I32, -1);
            b.ins().return_(&[none]);
        });
        (func, blocks.0.unwrap(), blocks.1.unwrap())
    }

    #[test]
    fn a_while_loop_tests_its_bound_at_the_latch() {
        let (mut func, _, _) = search_loop(4, false);
        rotate_loops(&mut func);
        let clif = verified(&func);
        // The latch no longer jumps to the header: it tests the bound
        // again, stepping the index it carries, and branches to the body.
        // The header carries the stepped index `i + 4` too, with its body
        // arm first; the body recovers `i` as `carried - 4`. (It also
        // recomputes the header's values from it; the test there is dead,
        // and Cranelift drops it.)
        assert_eq!(clif.matches("jump block1").count(), 1, "{clif}");
        expect(
            &clif,
            &[
                "v21 = icmp eq v6, v20  ; v20 = 0\n    brif v21, block2(v5), block5",
                "block2(v11: i32):\n    v12 = iconst.i32 -4\n    v13 = iadd v11, v12",
                // The body's `i + 4`, and its load at the recovered index.
                "v15 = iadd v13, v14  ; v14 = 4",
                "v7 = uextend.i64 v13",
                // The latch steps what it carries and tests it.
                "v18 = iadd.i32 v15, v17  ; v17 = 4\n    v19 = icmp ugt v18, v1",
                "brif v19, block5, block2(v18)",
                // The found block reads the body's index.
                "block4:\n    return v13",
            ],
        );
    }

    /// Fails unless `clif` contains each of `texts`.
    fn expect(clif: &str, texts: &[&str]) {
        for text in texts {
            assert!(clif.contains(text), "no {text:?} in\n{clif}");
        }
    }

    /// The predecessors of `block` in `func`, as block numbers.
    fn preds(func: &Function, block: Block) -> Vec<Block> {
        let cfg = ControlFlowGraph::with_function(func);
        let mut preds: Vec<Block> = cfg.pred_iter(block).map(|p| p.block).collect();
        preds.sort();
        preds
    }

    #[test]
    fn a_loop_closed_by_a_br_if_tests_its_bound_on_a_block_of_the_edge() {
        // The byte search closes its loop with the body's `brif`: back to
        // the header on "no match".
        let (mut func, header, body) = search_loop(16, true);
        let entry = func.layout.entry_block().unwrap();
        rotate_loops(&mut func);
        let clif = verified(&func);
        // The header runs once, from the entry; the body is entered from it
        // and from the new block on the back edge, which tests the bound.
        assert_eq!(preds(&func, header), [entry], "{clif}");
        let into_body = preds(&func, body);
        assert_eq!(into_body.len(), 2, "{clif}");
        let edge = into_body.into_iter().find(|&p| p != header).unwrap();
        assert!(func.layout.block_insts(edge).any(|i| func.dfg.insts[i].opcode() == Opcode::Icmp), "{clif}");
        assert_eq!(func.dfg.block_params(body).len(), 1, "the body takes the index: {clif}");
        expect(
            &clif,
            &[
                // The header passes `i + 16`, body first; the body recovers `i`.
                "brif v21, block2(v5), block4",
                "v13 = iadd v11, v12  ; v12 = -16",
                // The latch's match test goes to the edge's block as its
                // else arm, which Cranelift lays out right after it.
                "brif v9, block3, block5",
                "v18 = iadd.i32 v15, v17  ; v17 = 16\n    v19 = icmp ugt v18, v1",
                "brif v19, block4, block2(v18)",
                "block3:\n    return v13",
            ],
        );
    }

    #[test]
    fn a_nest_rotates_the_inner_loop_then_the_outer_one() {
        // `i = 0; while i + 1 <= n { j = 0; while j + 1 <= i { j += 1 }
        // i += 1 }; return i`: the inner loop's test reads the outer
        // header's `i`, which the outer rotation renames in the inner
        // loop's copies too.
        let mut blocks = Vec::new();
        let mut func = sysv_function(&[types::I32], &[types::I32], |b, args| {
            let n = args[0];
            let [oh, ob, ih, ib, ie, exit] = [(); 6].map(|()| b.create_block());
            blocks = vec![oh, ob, ih];
            let i = b.append_block_param(oh, types::I32);
            let j = b.append_block_param(ih, types::I32);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().jump(oh, &[zero.into()]);
            let t = bound_test(b, oh, i, 1, n, exit, ob);
            b.switch_to_block(ob);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().jump(ih, &[zero.into()]);
            let u = bound_test(b, ih, j, 1, i, ie, ib);
            b.switch_to_block(ib);
            b.ins().jump(ih, &[u.into()]);
            b.switch_to_block(ie);
            b.ins().jump(oh, &[t.into()]);
            b.switch_to_block(exit);
            b.ins().return_(&[i]);
        });
        let entry = func.layout.entry_block().unwrap();
        rotate_loops(&mut func);
        let clif = verified(&func);
        let (outer, outer_body, inner) = (blocks[0], blocks[1], blocks[2]);
        // Each header is entered only from outside its loop now, and each
        // body also from its own latch.
        assert_eq!(preds(&func, outer), [entry], "{clif}");
        assert_eq!(preds(&func, inner), [outer_body], "{clif}");
        assert_eq!(preds(&func, outer_body).len(), 2, "{clif}");
    }

    #[test]
    fn a_header_with_an_effect_is_left_alone() {
        let mut func = sysv_function(&[types::I64, types::I32], &[], |b, args| {
            let (header, exit) = (b.create_block(), b.create_block());
            let i = b.append_block_param(header, types::I32);
            b.ins().jump(header, &[args[1].into()]);
            b.switch_to_block(header);
            b.ins().store(MemFlagsData::new(), i, args[0], 0);
            let next = b.ins().iadd_imm_s(i, -1);
            b.ins().brif(next, header, &[next.into()], exit, &[]);
            b.switch_to_block(exit);
            b.ins().return_(&[]);
        });
        let before = func.display().to_string();
        rotate_loops(&mut func);
        assert_eq!(func.display().to_string(), before);
    }

    #[test]
    fn a_header_value_used_after_a_join_only_the_header_dominates_is_left_alone() {
        // Both the exit and the body reach `join`, which reads `t`.
        let mut func = sysv_function(&[types::I32], &[types::I32], |b, args| {
            let (header, body, exit, join) = (b.create_block(), b.create_block(), b.create_block(), b.create_block());
            let i = b.append_block_param(header, types::I32);
            b.ins().jump(header, &[args[0].into()]);
            b.switch_to_block(header);
            let t = b.ins().iadd_imm_s(i, 1);
            b.ins().brif(t, body, &[], exit, &[]);
            let latch = b.create_block();
            b.switch_to_block(body);
            b.ins().brif(i, join, &[], latch, &[]);
            b.switch_to_block(latch);
            b.ins().jump(header, &[t.into()]);
            b.switch_to_block(exit);
            b.ins().jump(join, &[]);
            b.switch_to_block(join);
            b.ins().return_(&[t]);
        });
        let before = func.display().to_string();
        rotate_loops(&mut func);
        assert_eq!(func.display().to_string(), before);
    }
}
