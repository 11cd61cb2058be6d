//! Implementations of the libcalls listed in `crate::libcalls`, and the
//! builtins table every VMContext points to.
//!
//! Each follows the rules in `crate::libcalls`: the VMContext first, a
//! status result for the ones that can trap, and no unwinding.

use crate::index::{DataIndex, ElemIndex, MemoryIndex, TableIndex};
use crate::libcalls::{GROW_TRAP, NUM_LIBCALLS};
use crate::vm::deadline::new_epoch;
use crate::vm::instance::Instance;
use crate::vm::limiter::{GrowTrap, HookLimiter};
use crate::vm::table::range;
use cranelift_entity::EntityRef;

/// The table of libcall entry points, indexed by `Libcall`.
#[repr(transparent)]
pub struct VMBuiltinFunctions([*const (); NUM_LIBCALLS]);

// SAFETY: the table is immutable and holds only function addresses.
unsafe impl Sync for VMBuiltinFunctions {}

impl VMBuiltinFunctions {
    /// Pointer to the first entry.
    pub fn as_ptr(&self) -> *const *const () {
        self.0.as_ptr()
    }
}

macro_rules! libcall_ty {
    (I32) => { u32 };
    (I64) => { u64 };
    (Ptr) => { *mut u8 };
}

macro_rules! builtins_table {
    ($($name:ident($($pname:ident: $pty:ident),*) -> $rty:ident, $trap:ident $(== $sentinel:ident)?;)*) => {
        /// The builtins table. Each entry is checked against the list's
        /// signature when this static is compiled.
        pub static BUILTINS: VMBuiltinFunctions = VMBuiltinFunctions([$({
            let f: unsafe extern "C" fn($(libcall_ty!($pty)),*) -> libcall_ty!($rty) = $name;
            f as *const ()
        }),*]);
    };
}
kiln_environ::foreach_libcall!(builtins_table);

const OK: u32 = 0;
const TRAP: u32 = 1;

fn status(ok: bool) -> u32 {
    if ok { OK } else { TRAP }
}

/// A grow's result as `memory.grow`/`table.grow` return it: the old size,
/// -1 when refused, or the sentinel that makes the caller trap. Old sizes
/// are at most 65536 pages or `MAX_TABLE_ELEMENTS`, so they fit.
fn grow_result(result: Result<Option<u64>, GrowTrap>) -> u32 {
    match result {
        Ok(Some(old)) => old as u32,
        Ok(None) => u32::MAX,
        Err(GrowTrap) => GROW_TRAP,
    }
}

unsafe extern "C" fn memory32_grow(vmctx: *mut u8, memory: u32, delta: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    // SAFETY: store-owned memory. A null pointer (an index the module does not
    // have, which only a kiln bug or a forged artifact gives) traps.
    let Some(mem) = (unsafe { instance.memory(MemoryIndex::new(memory as usize)).as_mut() }) else {
        return u32::MAX;
    };
    // SAFETY: as above, the VMContext is live and its store entered wasm.
    let mut limiter = unsafe { HookLimiter::from_vmctx(vmctx) };
    grow_result(mem.grow(u64::from(delta), &mut limiter))
}

unsafe extern "C" fn memory_fill(vmctx: *mut u8, memory: u32, dst: u32, val: u32, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    // SAFETY: store-owned memory. A null pointer (an index the module does not
    // have, which only a kiln bug or a forged artifact gives) traps.
    let Some(mem) = (unsafe { instance.memory(MemoryIndex::new(memory as usize)).as_mut() }) else {
        return TRAP;
    };
    let Some(r) = range(u64::from(dst), u64::from(len), mem.byte_len() as u64) else {
        return TRAP;
    };
    mem.as_mut_slice()[r].fill(val as u8);
    OK
}

unsafe extern "C" fn memory_copy(vmctx: *mut u8, dst_mem: u32, src_mem: u32, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    let dm = instance.memory(MemoryIndex::new(dst_mem as usize));
    let sm = instance.memory(MemoryIndex::new(src_mem as usize));
    if dm.is_null() || sm.is_null() {
        return TRAP;
    }
    // SAFETY: store-owned memories; we only read lengths and bases here.
    let (dlen, slen) = unsafe { ((*dm).byte_len() as u64, (*sm).byte_len() as u64) };
    let (Some(d), Some(s)) = (range(u64::from(dst), u64::from(len), dlen), range(u64::from(src), u64::from(len), slen))
    else {
        return TRAP;
    };
    // SAFETY: both ranges were checked against their memories; `copy`
    // handles overlap when both are the same memory.
    unsafe { std::ptr::copy((*sm).base().add(s.start), (*dm).base().add(d.start), d.len()) };
    OK
}

unsafe extern "C" fn memory_init(vmctx: *mut u8, memory: u32, data: u32, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    let bytes = instance.data_bytes(DataIndex::new(data as usize));
    let Some(s) = range(u64::from(src), u64::from(len), bytes.len() as u64) else {
        return TRAP;
    };
    // SAFETY: store-owned memory, distinct from the artifact's data. A null pointer (an index the module does not
    // have, which only a kiln bug or a forged artifact gives) traps.
    let Some(mem) = (unsafe { instance.memory(MemoryIndex::new(memory as usize)).as_mut() }) else {
        return TRAP;
    };
    let Some(d) = range(u64::from(dst), u64::from(len), mem.byte_len() as u64) else {
        return TRAP;
    };
    mem.as_mut_slice()[d].copy_from_slice(&bytes[s]);
    OK
}

unsafe extern "C" fn data_drop(vmctx: *mut u8, data: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    unsafe { Instance::from_vmctx(vmctx) }.drop_data(DataIndex::new(data as usize));
    OK
}

unsafe extern "C" fn table_grow(vmctx: *mut u8, table: u32, delta: u32, init: *mut u8) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    // SAFETY: store-owned table. A null pointer (an index the module does not
    // have, which only a kiln bug or a forged artifact gives) traps.
    let Some(t) = (unsafe { instance.table(TableIndex::new(table as usize)).as_mut() }) else {
        return u32::MAX;
    };
    // SAFETY: as above, the VMContext is live and its store entered wasm.
    let mut limiter = unsafe { HookLimiter::from_vmctx(vmctx) };
    grow_result(t.grow(u64::from(delta), init as usize, &mut limiter))
}

unsafe extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u32, val: *mut u8, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    // SAFETY: store-owned table. A null pointer (an index the module does not
    // have, which only a kiln bug or a forged artifact gives) traps.
    let Some(t) = (unsafe { instance.table(TableIndex::new(table as usize)).as_mut() }) else {
        return TRAP;
    };
    status(t.fill(u64::from(dst), val as usize, u64::from(len)))
}

unsafe extern "C" fn table_copy(vmctx: *mut u8, dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    let dt = instance.table(TableIndex::new(dst_table as usize));
    let st = instance.table(TableIndex::new(src_table as usize));
    if dt.is_null() || st.is_null() {
        return TRAP;
    }
    let ok = if dt == st {
        // SAFETY: store-owned table.
        unsafe { (*dt).copy_within(u64::from(dst), u64::from(src), u64::from(len)) }
    } else {
        // SAFETY: two distinct store-owned tables.
        unsafe { (*dt).copy_from(u64::from(dst), &*st, u64::from(src), u64::from(len)) }
    };
    status(ok)
}

unsafe extern "C" fn table_init(vmctx: *mut u8, table: u32, elem: u32, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    let instance = unsafe { Instance::from_vmctx(vmctx) };
    // SAFETY: store-owned table, not part of the instance. A null pointer
    // (an index the module does not have, which only a kiln bug or a
    // forged artifact gives) traps.
    let Some(t) = (unsafe { instance.table(TableIndex::new(table as usize)).as_mut() }) else {
        return TRAP;
    };
    let elem = ElemIndex::new(elem as usize);
    status(instance.init_table(t, elem, u64::from(dst), u64::from(src), u64::from(len)).unwrap_or(false))
}

unsafe extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) -> u32 {
    // SAFETY: compiled code passes its own live VMContext.
    unsafe { Instance::from_vmctx(vmctx) }.drop_elem(ElemIndex::new(elem as usize));
    OK
}
