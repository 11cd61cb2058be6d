//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the
//! branches, `return`, `unreachable`, plus the parametric operators
//! (`nop`, `drop`, `select`).
//!
//! Block parameters stay on the operand stack as the same SSA values: the
//! blocks of a construct are dominated by the block it starts in. Only
//! join points get Cranelift block parameters: `next` (one per result) and
//! loop headers (one per parameter).
//!
//! Everything here runs in reachable code only, except `else` and `end`,
//! which `unreachable` also calls: they close what reachable code opened.

use super::FuncTranslator;
use super::state::{ControlFrame, FrameKind};
use crate::error::{CompileResult, bail_bug};
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Value};
use kiln_environ::{TrapCode, TypeIndex, WasmValType};
use wasmparser::{BlockType, BrTable};

fn args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl FuncTranslator<'_, '_> {
    fn block_type(&self, ty: BlockType) -> CompileResult<(Vec<WasmValType>, Vec<WasmValType>)> {
        Ok(match ty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![crate::environ::val_type(t)?]),
            BlockType::FuncType(i) => {
                let info = self.env.info;
                let Some(sig) = info.types.get(TypeIndex::from_u32(i)) else {
                    bail_bug!("block type {i} is not in the type section")
                };
                let sig = &info.signatures[*sig];
                (sig.params.to_vec(), sig.results.to_vec())
            }
        })
    }

    fn block_with_params(&mut self, tys: &[WasmValType]) -> Block {
        let block = self.builder.create_block();
        for t in tys {
            self.builder.append_block_param(block, super::ir_type(*t));
        }
        block
    }

    /// Opens a frame that only keeps nesting right (in unreachable code).
    pub(super) fn push_dead_frame(&mut self) {
        let next = self.builder.create_block();
        self.control.push(ControlFrame::dead(next, self.stack.len()));
    }

    fn push_frame(
        &mut self,
        kind: FrameKind,
        next: Block,
        params: usize,
        results: usize,
        else_params: Vec<Value>,
    ) -> CompileResult<()> {
        let Some(height) = self.stack.len().checked_sub(params) else {
            bail_bug!("block with {params} params on a stack of {}", self.stack.len())
        };
        self.control.push(ControlFrame {
            kind,
            next,
            num_params: params,
            num_results: results,
            height,
            live: true,
            next_reached: false,
            else_params,
        });
        Ok(())
    }

    /// Jumps to the frame `depth` levels out, with the values it expects.
    fn branch(&mut self, depth: u32) -> CompileResult<()> {
        let frame = self.control.at_depth(depth)?;
        let (target, n) = frame.branch_target();
        if frame.is_function() {
            let vals = self.stack.peekn(n)?.to_vec();
            self.return_values(&vals)?;
            return Ok(());
        }
        frame.note_branch();
        let a = args(self.stack.peekn(n)?);
        self.builder.ins().jump(target, &a);
        Ok(())
    }

    /// `block`
    pub(super) fn block(&mut self, ty: BlockType) -> CompileResult<()> {
        let (params, results) = self.block_type(ty)?;
        let next = self.block_with_params(&results);
        self.push_frame(FrameKind::Block, next, params.len(), results.len(), Vec::new())
    }

    /// `loop`
    pub(super) fn loop_(&mut self, ty: BlockType) -> CompileResult<()> {
        let (params, results) = self.block_type(ty)?;
        let header = self.block_with_params(&params);
        let next = self.block_with_params(&results);
        let entry = self.stack.popn(params.len())?;
        self.builder.ins().jump(header, &args(&entry));
        self.builder.switch_to_block(header);
        self.stack.extend(self.builder.block_params(header).to_vec());
        self.deadline_loop_header()?;
        self.push_frame(FrameKind::Loop { header }, next, params.len(), results.len(), Vec::new())
    }

    /// `if`
    pub(super) fn if_(&mut self, ty: BlockType) -> CompileResult<()> {
        let cond = self.pop()?;
        let (params, results) = self.block_type(ty)?;
        let then_block = self.builder.create_block();
        let else_block = self.builder.create_block();
        let next = self.block_with_params(&results);
        self.builder.ins().brif(cond, then_block, &[], else_block, &[]);
        self.builder.seal_block(then_block);
        self.builder.seal_block(else_block);
        self.builder.switch_to_block(then_block);
        let else_params = self.stack.peekn(params.len())?.to_vec();
        let kind = FrameKind::If { else_block, has_else: false };
        self.push_frame(kind, next, params.len(), results.len(), else_params)
    }

    /// `else`, in reachable and unreachable code alike.
    pub(super) fn else_(&mut self) -> CompileResult<()> {
        let reachable = self.reachable;
        let frame = self.control.innermost()?;
        if !frame.live {
            return Ok(());
        }
        let FrameKind::If { else_block, .. } = frame.kind else { bail_bug!("else closes a {:?}", frame.kind) };
        frame.kind = FrameKind::If { else_block, has_else: true };
        let (next, n, height) = (frame.next, frame.num_results, frame.height);
        let else_params = std::mem::take(&mut frame.else_params);
        if reachable {
            frame.next_reached = true;
            let a = args(self.stack.peekn(n)?);
            self.builder.ins().jump(next, &a);
        }
        self.stack.truncate(height)?;
        self.stack.extend(else_params);
        self.builder.switch_to_block(else_block);
        self.reachable = true;
        Ok(())
    }

    /// `end`, in reachable and unreachable code alike.
    pub(super) fn end(&mut self) -> CompileResult<()> {
        let mut frame = self.control.pop()?;
        if !frame.live {
            return Ok(());
        }
        if self.reachable {
            frame.next_reached = true;
            let a = args(self.stack.peekn(frame.num_results)?);
            self.builder.ins().jump(frame.next, &a);
        }
        match frame.kind {
            FrameKind::If { else_block, has_else: false } => {
                // The implicit else passes the parameters through.
                self.builder.switch_to_block(else_block);
                let a = args(&frame.else_params);
                self.builder.ins().jump(frame.next, &a);
                frame.next_reached = true;
            }
            FrameKind::Loop { header } => self.builder.seal_block(header),
            _ => {}
        }
        self.stack.truncate(frame.height)?;
        if frame.next_reached {
            self.builder.switch_to_block(frame.next);
            self.builder.seal_block(frame.next);
            self.stack.extend(self.builder.block_params(frame.next).to_vec());
            self.reachable = true;
            if frame.is_function() {
                let vals = self.stack.as_slice().to_vec();
                self.return_values(&vals)?;
                self.reachable = false;
            }
        } else {
            self.reachable = false;
        }
        Ok(())
    }

    /// `br`
    pub(super) fn br(&mut self, depth: u32) -> CompileResult<()> {
        self.branch(depth)?;
        self.reachable = false;
        Ok(())
    }

    /// `br_if`
    pub(super) fn br_if(&mut self, depth: u32) -> CompileResult<()> {
        let cond = self.pop()?;
        let frame = self.control.at_depth(depth)?;
        let (target, n) = frame.branch_target();
        let fallthrough = self.builder.create_block();
        if frame.is_function() {
            // A conditional return: branch to a block that returns.
            let ret = self.builder.create_block();
            self.builder.ins().brif(cond, ret, &[], fallthrough, &[]);
            self.builder.seal_block(ret);
            self.builder.switch_to_block(ret);
            let vals = self.stack.peekn(n)?.to_vec();
            self.return_values(&vals)?;
        } else {
            frame.note_branch();
            let a = args(self.stack.peekn(n)?);
            self.builder.ins().brif(cond, target, &a, fallthrough, &[]);
        }
        self.builder.seal_block(fallthrough);
        self.builder.switch_to_block(fallthrough);
        Ok(())
    }

    /// `br_table`
    pub(super) fn br_table(&mut self, targets: &BrTable<'_>) -> CompileResult<()> {
        let index = self.pop()?;
        let default = targets.default();
        let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
        let n = self.control.at_depth(default)?.branch_target().1;
        let a = args(self.stack.peekn(n)?);
        let mut return_block = None;
        let mut call_for = |t: &mut Self, depth: u32| -> CompileResult<_> {
            let frame = t.control.at_depth(depth)?;
            let target = if frame.is_function() {
                *return_block.get_or_insert_with(|| t.builder.create_block())
            } else {
                frame.note_branch();
                frame.branch_target().0
            };
            let ba: &[BlockArg] = if Some(target) == return_block { &[] } else { &a };
            Ok(t.builder.func.dfg.block_call(target, ba))
        };
        let mut calls = Vec::with_capacity(depths.len());
        for d in &depths {
            calls.push(call_for(self, *d)?);
        }
        let default_call = call_for(self, default)?;
        let jt = self.builder.create_jump_table(JumpTableData::new(default_call, &calls));
        self.builder.ins().br_table(index, jt);
        if let Some(ret) = return_block {
            self.builder.seal_block(ret);
            self.builder.switch_to_block(ret);
            let vals = self.stack.peekn(n)?.to_vec();
            self.return_values(&vals)?;
        }
        self.reachable = false;
        Ok(())
    }

    /// `return`
    pub(super) fn return_(&mut self) -> CompileResult<()> {
        let depth = self.control.function_depth()?;
        self.br(depth)
    }

    /// `unreachable`
    pub(super) fn unreachable_(&mut self) -> CompileResult<()> {
        self.builder.ins().trap(ir_trap(TrapCode::UnreachableCodeReached));
        self.reachable = false;
        Ok(())
    }

    /// `drop`
    pub(super) fn drop_(&mut self) -> CompileResult<()> {
        self.pop().map(|_| ())
    }

    /// `select` and typed `select`.
    pub(super) fn select(&mut self) -> CompileResult<()> {
        let (a, b, c) = self.pop3()?;
        let v = self.builder.ins().select(c, a, b);
        self.push(v);
        Ok(())
    }
}
