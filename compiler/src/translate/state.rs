//! The control stack of a function translation.

use cranelift_codegen::ir::Block;

/// What kind of construct a control frame is.
#[derive(Debug, Clone, Copy)]
pub enum FrameKind {
    /// The function body; branching to it returns.
    Function,
    /// `block`
    Block,
    /// `loop`; branches go back to `header`.
    Loop {
        /// The loop header.
        header: Block,
    },
    /// `if`, with the block its `else` arm starts in.
    If {
        /// Where the else arm (or the implicit one) starts.
        else_block: Block,
        /// Whether an `else` was seen.
        has_else: bool,
    },
}

/// One entry of the control stack.
#[derive(Debug, Clone)]
pub struct ControlFrame {
    /// The construct.
    pub kind: FrameKind,
    /// The block after `end`, with one parameter per result.
    pub next: Block,
    /// Number of parameters (block type params).
    pub num_params: usize,
    /// Number of results.
    pub num_results: usize,
    /// Operand stack height below the parameters.
    pub height: usize,
    /// Whether code was reachable where the frame started. Frames entered in
    /// unreachable code emit nothing.
    pub live: bool,
    /// Whether anything branches to (or falls through to) `next`.
    pub next_reached: bool,
    /// For `if`: the parameter values, which the else arm starts with.
    pub else_params: Vec<cranelift_codegen::ir::Value>,
}

impl ControlFrame {
    /// The frame of a function body.
    pub fn function(ret: Block, num_results: usize) -> Self {
        Self {
            kind: FrameKind::Function,
            next: ret,
            num_params: 0,
            num_results,
            height: 0,
            live: true,
            next_reached: false,
            else_params: Vec::new(),
        }
    }

    /// The block a branch to this frame goes to, and how many values it takes.
    pub fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.num_params),
            _ => (self.next, self.num_results),
        }
    }

    /// Whether this is a loop (branches to it do not reach `next`).
    pub fn is_loop(&self) -> bool {
        matches!(self.kind, FrameKind::Loop { .. })
    }
}
