//! The control stack of a function translation: one frame per open
//! `block`, `loop`, `if` and the function body itself.
//!
//! Branch depths are relative (`0` is the innermost frame). The validator
//! has proved every depth in range; a depth out of range, or an `end` with
//! no open frame, is a kiln bug reported as `CompileError::Internal`.

use crate::error::{CompileResult, bail_bug};
use cranelift_codegen::ir::{Block, Value};

/// What kind of construct a control frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub else_params: Vec<Value>,
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

    /// A frame opened in unreachable code: it only keeps nesting right.
    pub fn dead(next: Block, height: usize) -> Self {
        Self { kind: FrameKind::Block, live: false, height, ..Self::function(next, 0) }
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

    /// Whether branching here returns from the function.
    pub fn is_function(&self) -> bool {
        matches!(self.kind, FrameKind::Function)
    }

    /// Records a branch to this frame: unless it is a loop, `next` becomes
    /// reachable.
    pub fn note_branch(&mut self) {
        if !self.is_loop() {
            self.next_reached = true;
        }
    }
}

/// The control stack.
#[derive(Debug, Default)]
pub struct ControlStack {
    frames: Vec<ControlFrame>,
}

impl ControlStack {
    /// Opens a frame.
    pub fn push(&mut self, frame: ControlFrame) {
        self.frames.push(frame);
    }

    /// Closes the innermost frame.
    pub fn pop(&mut self) -> CompileResult<ControlFrame> {
        match self.frames.pop() {
            Some(f) => Ok(f),
            None => bail_bug!("control stack underflow"),
        }
    }

    /// The innermost frame.
    pub fn innermost(&mut self) -> CompileResult<&mut ControlFrame> {
        match self.frames.last_mut() {
            Some(f) => Ok(f),
            None => bail_bug!("control stack is empty"),
        }
    }

    /// The frame `depth` levels out from the innermost one.
    pub fn at_depth(&mut self, depth: u32) -> CompileResult<&mut ControlFrame> {
        let len = self.frames.len();
        match usize::try_from(depth).ok().and_then(|d| len.checked_sub(d + 1)) {
            Some(i) => Ok(&mut self.frames[i]),
            None => bail_bug!("branch depth {depth} with {len} open frames"),
        }
    }

    /// The depth of the function body's frame (the outermost one), which
    /// `return` branches to.
    pub fn function_depth(&self) -> CompileResult<u32> {
        match self.frames.len().checked_sub(1).and_then(|d| u32::try_from(d).ok()) {
            Some(d) => Ok(d),
            None => bail_bug!("return with no function frame"),
        }
    }

    /// The number of open frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frame is open (after the function's final `end`).
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CompileError;
    use cranelift_entity::EntityRef;

    fn block(n: usize) -> Block {
        Block::new(n)
    }

    #[test]
    fn depths_count_from_the_innermost_frame() {
        let mut s = ControlStack::default();
        s.push(ControlFrame::function(block(0), 1));
        s.push(ControlFrame {
            kind: FrameKind::Loop { header: block(2) },
            num_params: 2,
            ..ControlFrame::function(block(1), 0)
        });
        assert!(s.at_depth(0).unwrap().is_loop());
        assert_eq!(s.at_depth(0).unwrap().branch_target(), (block(2), 2));
        assert!(s.at_depth(1).unwrap().is_function());
        assert_eq!(s.at_depth(1).unwrap().branch_target(), (block(0), 1));
        assert_eq!(s.function_depth().unwrap(), 1);
        assert!(matches!(s.at_depth(2), Err(CompileError::Internal(_))));
        assert!(matches!(s.at_depth(u32::MAX), Err(CompileError::Internal(_))));
    }

    #[test]
    fn branches_to_loops_do_not_reach_their_end() {
        let mut l = ControlFrame { kind: FrameKind::Loop { header: block(2) }, ..ControlFrame::function(block(1), 0) };
        l.note_branch();
        assert!(!l.next_reached);
        let mut b = ControlFrame { kind: FrameKind::Block, ..ControlFrame::function(block(1), 0) };
        b.note_branch();
        assert!(b.next_reached);
    }

    #[test]
    fn dead_frames_are_not_live() {
        let f = ControlFrame::dead(block(3), 4);
        assert!(!f.live);
        assert_eq!(f.height, 4);
        assert_eq!(f.kind, FrameKind::Block);
    }

    #[test]
    fn popping_past_the_bottom_is_an_internal_error() {
        let mut s = ControlStack::default();
        assert!(s.is_empty());
        assert!(matches!(s.pop(), Err(CompileError::Internal(_))));
        assert!(matches!(s.innermost(), Err(CompileError::Internal(_))));
        assert!(matches!(s.function_depth(), Err(CompileError::Internal(_))));
        s.push(ControlFrame::function(block(0), 0));
        assert_eq!(s.len(), 1);
        assert!(s.pop().unwrap().is_function());
    }
}
