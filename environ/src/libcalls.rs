//! The single list of libcalls: runtime functions that compiled code calls
//! through the `builtins` table of its VMContext.
//!
//! `foreach_libcall!` is the only place the list is written down. The
//! compiler uses it to build signatures; the runtime uses it to build the
//! table of function pointers (`kiln_runtime_support::vm::libcalls`). A test checks
//! that both agree.
//!
//! Rules every libcall follows:
//! - The first argument is the caller's VMContext.
//! - Arguments and results are `i32`, `i64` or pointer-sized (`ptr`), which
//!   the wasm side passes as `i64` on 64-bit hosts.
//! - A libcall that can trap returns an `i32` status instead of raising the
//!   trap itself: `0` means success, anything else makes the compiled code
//!   trap on the spot with the code named in the list. The trap then comes
//!   from a wasm instruction, with an exact program counter and backtrace.
//! - A libcall whose result is a value (`memory32_grow`, `table_grow`: the
//!   old size, or -1) traps instead on one sentinel value no result can
//!   take, written `Code == SENTINEL` in the list.
//! - A libcall never unwinds and never panics across the `extern "C"` edge.

use crate::trap_code::TrapCode;

/// Argument and result types of libcalls.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum LibcallType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// A pointer-sized value (the VMContext, a funcref, an externref).
    Ptr,
}

/// What `memory32_grow` and `table_grow` return when the store's resource
/// limiter failed the grow with an error: the caller traps (and the store
/// reports the limiter's error). No old size can be this: a memory has at
/// most 65536 pages and a table at most 10,000,000 elements.
pub const GROW_TRAP: u32 = u32::MAX - 1;

/// Invokes `$mac` with the list of libcalls. Each entry reads
/// `name(params) -> result, trap_code;` where `trap_code` is the trap the
/// caller raises when the libcall returns a non-zero status, or `none`, or
/// `Code == SENTINEL` for a libcall that returns a value and traps only
/// when it returns `SENTINEL`.
#[macro_export]
macro_rules! foreach_libcall {
    ($mac:ident) => {
        $mac! {
            memory32_grow(vmctx: Ptr, memory: I32, delta: I32) -> I32, ResourceLimitExceeded == GROW_TRAP;
            memory_fill(vmctx: Ptr, memory: I32, dst: I32, val: I32, len: I32) -> I32, MemoryOutOfBounds;
            memory_copy(vmctx: Ptr, dst_memory: I32, src_memory: I32, dst: I32, src: I32, len: I32) -> I32, MemoryOutOfBounds;
            memory_init(vmctx: Ptr, memory: I32, data: I32, dst: I32, src: I32, len: I32) -> I32, MemoryOutOfBounds;
            data_drop(vmctx: Ptr, data: I32) -> I32, none;
            table_grow(vmctx: Ptr, table: I32, delta: I32, init: Ptr) -> I32, ResourceLimitExceeded == GROW_TRAP;
            table_fill(vmctx: Ptr, table: I32, dst: I32, val: Ptr, len: I32) -> I32, TableOutOfBounds;
            table_copy(vmctx: Ptr, dst_table: I32, src_table: I32, dst: I32, src: I32, len: I32) -> I32, TableOutOfBounds;
            table_init(vmctx: Ptr, table: I32, elem: I32, dst: I32, src: I32, len: I32) -> I32, TableOutOfBounds;
            elem_drop(vmctx: Ptr, elem: I32) -> I32, none;
            new_epoch(vmctx: Ptr) -> I32, Interrupt;
        }
    };
}

macro_rules! declare_libcalls {
    ($($name:ident($($pname:ident: $pty:ident),*) -> $rty:ident, $trap:ident $(== $sentinel:ident)?;)*) => {
        /// A libcall, by its index in the builtins table.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        #[allow(non_camel_case_types)]
        #[repr(u32)]
        pub enum Libcall {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                $name,
            )*
        }

        impl Libcall {
            /// Every libcall, in table order.
            pub const ALL: &'static [Libcall] = &[$(Libcall::$name),*];

            /// The libcall's name.
            pub fn name(self) -> &'static str {
                match self { $(Self::$name => stringify!($name),)* }
            }

            /// Parameter types.
            pub fn params(self) -> &'static [LibcallType] {
                match self { $(Self::$name => &[$(LibcallType::$pty),*],)* }
            }

            /// Result type.
            pub fn result(self) -> LibcallType {
                match self { $(Self::$name => LibcallType::$rty,)* }
            }

            /// The trap the libcall's failure stands for, if it can trap.
            pub fn trap(self) -> Option<TrapCode> {
                match self { $(Self::$name => declare_libcalls!(@trap $trap),)* }
            }

            /// The result that means failure, for a libcall that returns a
            /// value rather than a status (any non-zero status fails
            /// otherwise).
            pub fn trap_sentinel(self) -> Option<u32> {
                match self { $(Self::$name => declare_libcalls!(@sentinel $($sentinel)?),)* }
            }

            /// Offset of this libcall's pointer in the builtins table.
            pub fn table_offset(self, ptr: &impl $crate::vmoffsets::PtrSize) -> u32 {
                ptr.vmbuiltins_entry(self as u32)
            }
        }
    };
    (@trap none) => { None };
    (@trap $code:ident) => { Some(TrapCode::$code) };
    (@sentinel) => { None };
    (@sentinel $sentinel:ident) => { Some($sentinel) };
}

foreach_libcall!(declare_libcalls);

/// Number of libcalls.
pub const NUM_LIBCALLS: usize = Libcall::ALL.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_is_declaration_order() {
        for (i, l) in Libcall::ALL.iter().enumerate() {
            assert_eq!(*l as usize, i);
            assert_eq!(l.params()[0], LibcallType::Ptr, "{} takes the vmctx first", l.name());
            if l.trap_sentinel().is_some() {
                assert!(l.trap().is_some(), "{} has a sentinel but no trap", l.name());
            }
        }
        assert_eq!(Libcall::memory32_grow.trap_sentinel(), Some(GROW_TRAP));
        assert_eq!(Libcall::memory_fill.trap_sentinel(), None);
    }
}
