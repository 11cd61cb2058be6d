//! Unit tests of operator routing: refusals by proposal, and what
//! unreachable code does.

use super::test_support::with_translator_on;
use super::*;
use wasmparser::{BlockType, Operator};

/// Runs `f` on a translator positioned in the entry block of a fresh
/// `fn(vmctx, i32)` for the host, inside its function frame.
fn with_translator(f: impl FnOnce(&mut FuncTranslator<'_, '_>)) {
    let isa = crate::build_isa(&crate::CompilerConfig::default()).expect("host ISA");
    with_translator_on(isa, Default::default(), f);
}

fn unsupported(name: &str) -> CompileResult<()> {
    Err(crate::error::CompileError::Unsupported(name.into()))
}

#[test]
fn operators_of_unsupported_proposals_are_refused_by_name() {
    with_translator(|t| {
        assert_eq!(
            t.visit_operator(&Operator::AtomicFence { ordering: wasmparser::Ordering::SeqCst }),
            unsupported("threads")
        );
        assert_eq!(t.visit_operator(&Operator::ReturnCall { function_index: 0 }), unsupported("tail_call"));
        assert_eq!(t.visit_operator(&Operator::Throw { tag_index: 0 }), unsupported("exceptions"));
        assert_eq!(t.visit_operator(&Operator::RefEq), unsupported("gc"));
        assert_eq!(t.visit_operator(&Operator::I64Add128), unsupported("wide_arithmetic"));
        assert_eq!(t.visit_operator(&Operator::MemoryDiscard { mem: 0 }), unsupported("memory_control"));
        // Nothing was pushed or emitted on the way.
        assert!(t.stack.is_empty());
    });
}

#[test]
fn supported_operators_reach_their_family() {
    with_translator(|t| {
        t.visit_operator(&Operator::I32Const { value: 3 }).unwrap();
        t.visit_operator(&Operator::I32Const { value: 4 }).unwrap();
        t.visit_operator(&Operator::I32Add).unwrap();
        assert_eq!(t.stack.len(), 1);
        t.visit_operator(&Operator::Drop).unwrap();
        assert!(t.stack.is_empty());
    });
}

#[test]
fn a_stack_underflow_is_an_internal_error() {
    with_translator(|t| {
        let r = t.visit_operator(&Operator::Drop);
        assert!(matches!(r, Err(crate::error::CompileError::Internal(_))), "{r:?}");
    });
}

#[test]
fn unreachable_code_only_keeps_the_control_stack() {
    with_translator(|t| {
        t.visit_operator(&Operator::Unreachable).unwrap();
        assert!(!t.reachable);
        let insts = t.builder.func.dfg.num_insts();
        // Any operator, of any family or proposal, is skipped...
        for op in [
            Operator::I32Add,
            Operator::I32Const { value: 1 },
            Operator::I8x16Add,
            Operator::Call { function_index: 7 },
        ] {
            t.visit_unreachable(&op).unwrap();
        }
        assert!(t.stack.is_empty());
        assert_eq!(t.builder.func.dfg.num_insts(), insts);
        // ...but constructs still nest, with dead frames.
        t.visit_unreachable(&Operator::Block { blockty: BlockType::Empty }).unwrap();
        t.visit_unreachable(&Operator::Loop { blockty: BlockType::Empty }).unwrap();
        assert_eq!(t.control.len(), 3);
        assert!(!t.control.innermost().unwrap().live);
        t.visit_unreachable(&Operator::End).unwrap();
        t.visit_unreachable(&Operator::End).unwrap();
        assert_eq!(t.control.len(), 1);
        assert!(!t.reachable);
        assert_eq!(t.builder.func.dfg.num_insts(), insts);
    });
}

#[test]
fn else_makes_code_reachable_again() {
    with_translator(|t| {
        t.visit_operator(&Operator::I32Const { value: 1 }).unwrap();
        t.visit_operator(&Operator::If { blockty: BlockType::Empty }).unwrap();
        t.visit_operator(&Operator::Unreachable).unwrap();
        t.visit_unreachable(&Operator::Else).unwrap();
        assert!(t.reachable);
        t.visit_operator(&Operator::End).unwrap();
        assert!(t.reachable);
        assert_eq!(t.control.len(), 1);
    });
}
