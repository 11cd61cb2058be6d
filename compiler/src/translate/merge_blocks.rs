//! Merges a block into its predecessor when that is its only one and
//! ends with a plain `jump` to it: the continuation of a wasm `block`,
//! `if` or the function body that nothing branches to, the tail of a loop
//! body after a `br_if`.
//!
//! The translator creates such blocks all the time (every `end` has its
//! own), and Cranelift keeps them. Beyond the jump itself, the split costs
//! code quality: its optimizer places each pure instruction in the block
//! of its use, and the x86-64 backend merges a load into its user only
//! within one block. So `(i32.add (local.get 1) (i32.load ...))` at the
//! end of a function loaded into a register in one block and added in
//! the next; merged, the add reads memory.
//!
//! The merge keeps every instruction and its order: the block's
//! parameters become aliases of the jump's arguments, its instructions
//! move to the end of the predecessor in place of the jump.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::entity::packed_option::PackedOption;
use cranelift_codegen::ir::{Block, Function, Inst, Opcode};

/// Merges every block whose only incoming edge is a `jump` into the block
/// holding that jump (see the module doc).
pub fn merge_blocks(func: &mut Function) {
    // The number of incoming edges of each block, and the last `jump`
    // seen to it.
    let mut edges: SecondaryMap<Block, u32> = SecondaryMap::new();
    let mut jump: SecondaryMap<Block, PackedOption<Inst>> = SecondaryMap::new();
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for &block in &blocks {
        let Some(term) = func.layout.last_inst(block) else { continue };
        let data = &func.dfg.insts[term];
        for dest in data.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables) {
            let to = dest.block(&func.dfg.value_lists);
            edges[to] += 1;
            if data.opcode() == Opcode::Jump {
                jump[to] = term.into();
            }
        }
    }
    let entry = func.layout.entry_block();
    for &block in &blocks {
        let Some(term) = jump[block].expand() else { continue };
        if edges[block] != 1 || Some(block) == entry {
            continue;
        }
        // The block holding the jump now (it may have been merged itself).
        let Some(pred) = func.layout.inst_block(term) else { continue };
        if pred == block {
            continue;
        }
        let args: Vec<_> = func.dfg.insts[term]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            .iter()
            .flat_map(|d| d.args(&func.dfg.value_lists).collect::<Vec<_>>())
            .collect();
        let Some(args) = args.iter().map(|a| a.as_value()).collect::<Option<Vec<_>>>() else { continue };
        let params = func.dfg.block_params(block).to_vec();
        if params.len() != args.len() || params.iter().zip(&args).any(|(p, a)| func.dfg.resolve_aliases(*a) == *p) {
            continue;
        }
        func.dfg.detach_block_params(block);
        for (p, a) in params.into_iter().zip(args) {
            func.dfg.change_to_alias(p, a);
        }
        func.layout.remove_inst(term);
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            func.layout.remove_inst(inst);
            func.layout.append_inst(inst, pred);
        }
        func.layout.remove_block(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_support::sysv_function;
    use cranelift_codegen::ir::{InstBuilder, types};
    use cranelift_frontend::FunctionBuilder;

    /// `(i32) -> i32` built by `body` from its entry block and parameter,
    /// merged, as text.
    fn merged(body: impl FnOnce(&mut FunctionBuilder<'_>, cranelift_codegen::ir::Value)) -> String {
        let mut func = sysv_function(&[types::I32], &[types::I32], |b, p| body(b, p[0]));
        merge_blocks(&mut func);
        func.display().to_string()
    }

    #[test]
    fn a_chain_of_jumps_becomes_one_block() {
        let clif = merged(|b, p| {
            let (b1, b2) = (b.create_block(), b.create_block());
            let x = b.append_block_param(b1, types::I32);
            b.ins().jump(b1, &[p.into()]);
            b.switch_to_block(b1);
            let y = b.ins().iadd(x, x);
            b.ins().jump(b2, &[]);
            b.switch_to_block(b2);
            b.ins().return_(&[y]);
        });
        assert!(!clif.contains("block1") && !clif.contains("jump"), "{clif}");
        // The parameter is the jump's argument.
        assert!(clif.contains("v1 -> v0") && clif.contains("iadd v1, v1"), "{clif}");
    }

    #[test]
    fn blocks_with_several_edges_or_a_conditional_one_stay() {
        let clif = merged(|b, p| {
            let (then, join) = (b.create_block(), b.create_block());
            let r = b.append_block_param(join, types::I32);
            b.ins().brif(p, then, &[], join, &[p.into()]);
            b.switch_to_block(then);
            let one = b.ins().iconst(types::I32, 1);
            b.ins().jump(join, &[one.into()]);
            b.switch_to_block(join);
            b.ins().return_(&[r]);
        });
        assert!(clif.contains("block1:") && clif.contains("block2(v1: i32):"), "{clif}");
    }

    /// The clean-ups (this one and `load_fold`) leave IR Cranelift's
    /// verifier accepts, on the golden modules and the SIMD kernels.
    #[test]
    fn the_verifier_accepts_cleaned_up_functions() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut inputs = vec![root.join("tests/simd-guests/bin/simd_kernels.wasm")];
        for e in std::fs::read_dir(root.join("tests/disas")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "wat") {
                inputs.push(p);
            }
        }
        let config = crate::CompilerConfig { verify: true, ..Default::default() };
        for p in inputs {
            let wasm = wat::parse_file(&p).unwrap();
            crate::compile(&wasm, &config).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}
