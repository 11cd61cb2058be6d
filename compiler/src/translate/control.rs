//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the
//! branches, `return`, `unreachable`, plus the parametric operators
//! (`nop`, `drop`, `select`).
//!
//! Block parameters stay on the operand stack as the same SSA values: the
//! blocks of a construct are dominated by the block it starts in. Only
//! join points get Cranelift block parameters: `next` (one per result) and
//! loop headers (one per parameter).

use super::FuncTranslator;
use super::state::{ControlFrame, FrameKind};
use crate::error::CompileResult;
use crate::trap_codes::ir_trap;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value};
use cranelift_entity::EntityRef;
use kiln_environ::{TrapCode, TypeIndex, WasmValType};
use wasmparser::{BlockType, Operator as O};

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
                let sig = &info.signatures[info.types[TypeIndex::new(i as usize)]];
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

    fn push_dead_frame(&mut self) {
        let next = self.builder.create_block();
        let mut frame = ControlFrame::function(next, 0);
        frame.kind = FrameKind::Block;
        frame.live = false;
        frame.height = self.stack.len();
        self.control.push(frame);
    }

    fn push_frame(&mut self, kind: FrameKind, next: Block, params: usize, results: usize, else_params: Vec<Value>) {
        self.control.push(ControlFrame {
            kind,
            next,
            num_params: params,
            num_results: results,
            height: self.stack.len() - params,
            live: true,
            next_reached: false,
            else_params,
        });
    }

    /// Jumps to the frame `depth` levels out, with the values it expects.
    fn branch(&mut self, depth: u32) {
        let i = self.control.len() - 1 - depth as usize;
        let (target, n) = self.control[i].branch_target();
        if matches!(self.control[i].kind, FrameKind::Function) {
            let vals = self.peekn(n).to_vec();
            self.builder.ins().return_(&vals);
            return;
        }
        if !self.control[i].is_loop() {
            self.control[i].next_reached = true;
        }
        let a = args(self.peekn(n));
        self.builder.ins().jump(target, &a);
    }

    /// Handles control operators. Runs in unreachable code too.
    pub(super) fn control(&mut self, op: &O<'_>) -> CompileResult<bool> {
        match *op {
            O::Block { blockty } => {
                if !self.reachable {
                    self.push_dead_frame();
                    return Ok(true);
                }
                let (params, results) = self.block_type(blockty)?;
                let next = self.block_with_params(&results);
                self.push_frame(FrameKind::Block, next, params.len(), results.len(), Vec::new());
            }
            O::Loop { blockty } => {
                if !self.reachable {
                    self.push_dead_frame();
                    return Ok(true);
                }
                let (params, results) = self.block_type(blockty)?;
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let a = args(self.peekn(params.len()));
                self.builder.ins().jump(header, &a);
                let base = self.stack.len() - params.len();
                self.stack.truncate(base);
                self.builder.switch_to_block(header);
                self.stack.extend_from_slice(self.builder.block_params(header));
                self.push_frame(FrameKind::Loop { header }, next, params.len(), results.len(), Vec::new());
            }
            O::If { blockty } => {
                if !self.reachable {
                    self.push_dead_frame();
                    return Ok(true);
                }
                let cond = self.pop();
                let (params, results) = self.block_type(blockty)?;
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                let next = self.block_with_params(&results);
                self.builder.ins().brif(cond, then_block, &[], else_block, &[]);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                let else_params = self.peekn(params.len()).to_vec();
                let kind = FrameKind::If { else_block, has_else: false };
                self.push_frame(kind, next, params.len(), results.len(), else_params);
            }
            O::Else => {
                let reachable = self.reachable;
                let frame = self.control.last_mut().expect("validated: else inside if");
                if !frame.live {
                    return Ok(true);
                }
                let FrameKind::If { else_block, .. } = frame.kind else { unreachable!("validated: else closes an if") };
                frame.kind = FrameKind::If { else_block, has_else: true };
                let (next, n, height) = (frame.next, frame.num_results, frame.height);
                let else_params = frame.else_params.clone();
                if reachable {
                    frame.next_reached = true;
                    let a = args(self.peekn(n));
                    self.builder.ins().jump(next, &a);
                }
                self.stack.truncate(height);
                self.stack.extend(else_params);
                self.builder.switch_to_block(else_block);
                self.reachable = true;
            }
            O::End => {
                let mut frame = self.control.pop().expect("validated: end closes a frame");
                if !frame.live {
                    return Ok(true);
                }
                if self.reachable {
                    frame.next_reached = true;
                    let a = args(self.peekn(frame.num_results));
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
                self.stack.truncate(frame.height);
                if frame.next_reached {
                    self.builder.switch_to_block(frame.next);
                    self.builder.seal_block(frame.next);
                    self.stack.extend_from_slice(self.builder.block_params(frame.next));
                    self.reachable = true;
                    if matches!(frame.kind, FrameKind::Function) {
                        let vals = self.stack.clone();
                        self.builder.ins().return_(&vals);
                        self.reachable = false;
                    }
                } else {
                    self.reachable = false;
                }
            }
            _ if !self.reachable => {
                return Ok(matches!(
                    op,
                    O::Br { .. }
                        | O::BrIf { .. }
                        | O::BrTable { .. }
                        | O::Return
                        | O::Unreachable
                        | O::Nop
                        | O::Drop
                        | O::Select
                        | O::TypedSelect { .. }
                ));
            }
            O::Br { relative_depth } => {
                self.branch(relative_depth);
                self.reachable = false;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop();
                let i = self.control.len() - 1 - relative_depth as usize;
                let (target, n) = self.control[i].branch_target();
                let fallthrough = self.builder.create_block();
                if matches!(self.control[i].kind, FrameKind::Function) {
                    // A conditional return: branch to a block that returns.
                    let ret = self.builder.create_block();
                    self.builder.ins().brif(cond, ret, &[], fallthrough, &[]);
                    self.builder.seal_block(ret);
                    self.builder.switch_to_block(ret);
                    let vals = self.peekn(n).to_vec();
                    self.builder.ins().return_(&vals);
                } else {
                    if !self.control[i].is_loop() {
                        self.control[i].next_reached = true;
                    }
                    let a = args(self.peekn(n));
                    self.builder.ins().brif(cond, target, &a, fallthrough, &[]);
                }
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
            }
            O::BrTable { ref targets } => {
                let index = self.pop();
                let default = targets.default();
                let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
                let n = self.control[self.control.len() - 1 - default as usize].branch_target().1;
                let a = args(self.peekn(n));
                let mut calls = Vec::with_capacity(depths.len());
                let mut return_block = None;
                let mut call_for = |t: &mut Self, depth: u32| {
                    let i = t.control.len() - 1 - depth as usize;
                    let target = if matches!(t.control[i].kind, FrameKind::Function) {
                        *return_block.get_or_insert_with(|| t.builder.create_block())
                    } else {
                        if !t.control[i].is_loop() {
                            t.control[i].next_reached = true;
                        }
                        t.control[i].branch_target().0
                    };
                    let ba: &[BlockArg] = if Some(target) == return_block { &[] } else { &a };
                    t.builder.func.dfg.block_call(target, ba)
                };
                for d in &depths {
                    calls.push(call_for(self, *d));
                }
                let default_call = call_for(self, default);
                let jt =
                    self.builder.create_jump_table(cranelift_codegen::ir::JumpTableData::new(default_call, &calls));
                self.builder.ins().br_table(index, jt);
                if let Some(ret) = return_block {
                    self.builder.seal_block(ret);
                    self.builder.switch_to_block(ret);
                    let vals = self.peekn(n).to_vec();
                    self.builder.ins().return_(&vals);
                }
                self.reachable = false;
            }
            O::Return => {
                self.branch(self.control.len() as u32 - 1);
                self.reachable = false;
            }
            O::Unreachable => {
                self.builder.ins().trap(ir_trap(TrapCode::UnreachableCodeReached));
                self.reachable = false;
            }
            O::Nop => {}
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let (a, b, c) = self.pop3();
                let v = self.builder.ins().select(c, a, b);
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
