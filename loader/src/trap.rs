//! Turning an abnormal exit from wasm into an `anyhow::Error`: a trap
//! becomes a [`Trap`] with a [`WasmBacktrace`] attached as context; a host
//! error comes back as itself, with the backtrace attached; a host panic
//! resumes unwinding in the host.

use crate::store::StoreOpaque;
use cranelift_entity::EntityRef;
use kiln_runtime_support::traphandlers::{RawBacktrace, UnwindReason};
use std::fmt;

pub use kiln_runtime_support::TrapCode as Trap;

/// One wasm frame of a backtrace.
#[derive(Clone, Debug)]
pub struct FrameInfo {
    module_name: Option<String>,
    func_index: u32,
    func_name: Option<String>,
    offset: usize,
}

impl FrameInfo {
    /// The module's name, if it has one.
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }
    /// The function's index in its module.
    pub fn func_index(&self) -> u32 {
        self.func_index
    }
    /// The function's name from the name section, if any.
    pub fn func_name(&self) -> Option<&str> {
        self.func_name.as_deref()
    }
    /// Offset of the program counter in the function's native code.
    pub fn native_offset(&self) -> usize {
        self.offset
    }
}

/// The wasm frames active when a trap or host error happened, innermost first.
#[derive(Clone, Debug, Default)]
pub struct WasmBacktrace {
    frames: Vec<FrameInfo>,
    truncated: bool,
}

impl WasmBacktrace {
    /// The frames, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }

    pub(crate) fn from_raw(store: &StoreOpaque, raw: &RawBacktrace) -> Self {
        let mut frames = Vec::new();
        for &pc in raw.pcs() {
            for module in &store.modules {
                let inner = &module.inner;
                if !inner.code.contains(pc) {
                    continue;
                }
                let offset = (pc - inner.code.base() as usize) as u32;
                // `func_at_offset` only returns defined functions; a frame
                // that somehow is not one is left out of the backtrace.
                if let Some((f, start)) = inner.func_at_offset(offset) {
                    let info = &inner.meta.module;
                    frames.push(FrameInfo {
                        module_name: info.name.clone(),
                        func_index: f.index() as u32,
                        func_name: info.func_name(f).map(str::to_string),
                        offset: (offset - start) as usize,
                    });
                }
                break;
            }
        }
        Self { frames, truncated: raw.truncated }
    }
}

impl fmt::Display for WasmBacktrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error while executing at wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            let module = frame.module_name.as_deref().unwrap_or("<unknown>");
            match &frame.func_name {
                Some(name) => write!(f, "  {i:>3}: {module}!{name}")?,
                None => write!(f, "  {i:>3}: {module}!<wasm function {}>", frame.func_index)?,
            }
            if i + 1 < self.frames.len() || self.truncated {
                writeln!(f)?;
            }
        }
        if self.truncated {
            write!(f, "  ... (more frames)")?;
        }
        Ok(())
    }
}

/// Converts an unwind into the error the API returns.
pub(crate) fn from_unwind(store: &StoreOpaque, reason: UnwindReason) -> anyhow::Error {
    match reason {
        UnwindReason::Trap { code, backtrace } => {
            anyhow::Error::new(code).context(WasmBacktrace::from_raw(store, &backtrace))
        }
        UnwindReason::HostError { error, backtrace } => {
            let error = match error.downcast::<anyhow::Error>() {
                Ok(e) => *e,
                Err(_) => anyhow::anyhow!("host function failed"),
            };
            let bt = WasmBacktrace::from_raw(store, &backtrace);
            if bt.frames.is_empty() { error } else { error.context(bt) }
        }
        UnwindReason::Panic(payload) => std::panic::resume_unwind(payload),
    }
}
