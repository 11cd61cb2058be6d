//! DWARF for `-D debug-info`: the module's own debug information, carried
//! into the object and mapped from wasm code offsets to native addresses,
//! so that `gdb` steps through the guest's source lines.
//!
//! - [`wasm_lines`] reads the line tables of the module's `.debug_*`
//!   custom sections (addresses there are offsets into the code section).
//! - [`write`] writes one compile unit for the object: a line program whose
//!   rows are the native ranges Cranelift reports for each wasm operator
//!   (its source location is the operator's offset in the module), looked
//!   up in those tables, and a subprogram per function; addresses and
//!   cross-section offsets are relocations, so the linker (for `--exe`
//!   and linked modules) or the loader (for the debugger's JIT image)
//!   places them.
//!
//! Only line information is carried over: variables, types and scopes
//! would need wasm locals mapped to native locations, which kiln does not
//! track.

pub mod wasm_lines;
pub mod write;

pub use wasm_lines::WasmLines;
pub use write::{DebugReloc, DebugSection, FunctionRanges, RelocTarget};
