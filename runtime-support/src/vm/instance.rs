//! A module instance as the runtime sees it: the VMContext allocation, the
//! memories and tables it uses, and the segment state `memory.init`,
//! `table.init` and the drop instructions need.
//!
//! Memories, tables and host globals are owned by the store; an instance
//! holds raw pointers to them, valid as long as the store lives, which
//! outlives every instance in it.
//!
//! The module's metadata was validated when it was loaded
//! (`kiln_environ::artifact::validate`). Even so, every write into the
//! VMContext, a table or a memory is bounds-checked here, and a count that
//! does not match what the layout was computed for is a [`KilnBug`] error,
//! never an out-of-bounds write.

use crate::index::*;
use crate::module_info::{ConstExpr, ConstOp, DataKind, ElementItems, ElementKind, ModuleInfo};
use crate::trap_code::TrapCode;
use crate::types::WasmRefType;
use crate::vm::error::InstanceError;
use crate::vm::libcalls::BUILTINS;
use crate::vm::memory::LinearMemory;
use crate::vm::owned::OwnedPtr;
use crate::vm::pool::{PoolingAllocator, SlotIndex};
use crate::vm::table::{Table, range};
use crate::vm::template::InstanceTemplate;
use crate::vmoffsets::*;
use cranelift_entity::{EntityRef, PrimaryMap};
use kiln_environ::bail_bug;
use kiln_environ::bug::KilnBug;
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::ptr::NonNull;
use std::sync::Arc;

/// What an instance needs from its compiled module.
pub trait ModuleRuntime: Send + Sync + 'static {
    /// The module.
    fn module(&self) -> &ModuleInfo;
    /// Its VMContext layout.
    fn offsets(&self) -> &VMOffsets;
    /// The data-segment bytes.
    fn data_section(&self) -> &[u8];
    /// What every instance starts from, computed at load.
    fn template(&self) -> &InstanceTemplate;
    /// The active data segments the module's memory images stand for,
    /// sorted: they count as applied (by the image, mapped or copied when
    /// the memory was created) and dropped from the start.
    fn covered_data(&self) -> &[DataIndex];
}

/// Everything an instance imports, resolved, in import order per kind.
pub struct InstanceImports<'a> {
    /// Imported functions.
    pub funcs: &'a [VMFuncRef],
    /// Imported tables.
    pub tables: &'a [*mut Table],
    /// Imported memories.
    pub memories: &'a [*mut LinearMemory],
    /// Imported globals.
    pub globals: &'a [*mut VMGlobalDefinition],
}

/// Everything needed to build an instance.
pub struct InstanceParams<'a> {
    /// The compiled module.
    pub runtime: Arc<dyn ModuleRuntime>,
    /// Resolved imports.
    pub imports: InstanceImports<'a>,
    /// The module's own memories, already created by the store.
    pub defined_memories: Vec<*mut LinearMemory>,
    /// The module's own tables, already created by the store.
    pub defined_tables: Vec<*mut Table>,
    /// Engine-wide type ids, by signature.
    pub type_ids: &'a [VMSharedTypeId],
    /// The store's context.
    pub store_context: *mut VMStoreContext,
    /// The store, opaque here.
    pub store: *mut u8,
    /// The engine's pool, when it has one: the VMContext comes from it.
    pub pool: Option<&'a Arc<PoolingAllocator>>,
}

/// Where a VMContext lives.
enum VmctxStorage {
    /// Allocated on the heap with this layout.
    Heap(Layout),
    /// A slot of an engine's pool, of which `used` bytes are the VMContext.
    Pooled { pool: Arc<PoolingAllocator>, slot: SlotIndex, used: usize },
}

/// A runtime instance.
pub struct Instance {
    /// The embedding's index for this instance in its store.
    pub host_index: usize,
    runtime: Arc<dyn ModuleRuntime>,
    vmctx: NonNull<u8>,
    vmctx_storage: VmctxStorage,
    memories: PrimaryMap<MemoryIndex, *mut LinearMemory>,
    tables: PrimaryMap<TableIndex, *mut Table>,
    dropped_elems: Vec<bool>,
    dropped_data: Vec<bool>,
}

// SAFETY: the raw pointers refer to store-owned objects; an `Instance` moves
// between threads only together with its store.
unsafe impl Send for Instance {}
// SAFETY: as above; mutation needs `&mut self`.
unsafe impl Sync for Instance {}

impl Instance {
    /// Allocates and fills the VMContext. Globals, tables and memories are
    /// initialized by [`Instance::initialize`].
    ///
    /// Every array written into the VMContext must have exactly the length
    /// the layout was computed for; anything else is a kiln bug, refused
    /// before the first write.
    pub fn new(params: InstanceParams<'_>) -> Result<OwnedPtr<Instance>, InstanceError> {
        let runtime = params.runtime;
        let module = runtime.module();
        let offsets = runtime.offsets();
        let template = runtime.template();
        // The layout was computed from this module's counts
        // (`VMOffsets::new`), so these are the lengths it has room for.
        let counts = [
            ("imported functions", params.imports.funcs.len(), module.num_imported_funcs as usize),
            ("imported globals", params.imports.globals.len(), module.num_imported_globals as usize),
            ("imported memories", params.imports.memories.len(), module.num_imported_memories as usize),
            ("defined memories", params.defined_memories.len(), module.num_defined_memories()),
            ("imported tables", params.imports.tables.len(), module.num_imported_tables as usize),
            ("defined tables", params.defined_tables.len(), module.num_defined_tables()),
            ("signatures", params.type_ids.len(), offsets.num_signatures() as usize),
            ("function references", template.func_refs().len(), module.num_func_refs as usize),
        ];
        for (what, have, layout) in counts {
            if have != layout {
                bail_bug!("{have} {what} for a VMContext laid out for {layout}");
            }
        }
        // Sized by the artifact: allocated fallibly, before the VMContext.
        let dropped_elems = filled(module.elements.len(), false, "element segment flags")?;
        let mut dropped_data = filled(module.data.len(), false, "data segment flags")?;
        // The segments a memory image applied count as dropped from the start.
        for d in runtime.covered_data() {
            if let Some(dropped) = dropped_data.get_mut(d.index()) {
                *dropped = true;
            }
        }
        let (vmctx, vmctx_storage) = allocate_vmctx(offsets.size() as usize, params.pool)?;
        let mut memories = PrimaryMap::new();
        memories.extend(params.imports.memories.iter().copied());
        memories.extend(params.defined_memories);
        let mut tables = PrimaryMap::new();
        tables.extend(params.imports.tables.iter().copied());
        tables.extend(params.defined_tables);
        let instance = OwnedPtr::new(Instance {
            host_index: usize::MAX,
            dropped_elems,
            dropped_data,
            runtime: runtime.clone(),
            vmctx,
            vmctx_storage,
            memories,
            tables,
        });
        let me: *mut Instance = instance.as_ptr();
        // SAFETY: every write below stays inside the VMContext allocation,
        // at offsets from the layout computed for this very module: each
        // array's length was checked against the layout's count above.
        unsafe {
            instance.write(HostPtr.vmctx_magic(), VMCONTEXT_MAGIC);
            instance.write(HostPtr.vmctx_store_context(), params.store_context);
            instance.write(HostPtr.vmctx_builtins(), BUILTINS.as_ptr());
            instance.write(HostPtr.vmctx_instance(), me);
            instance.write(HostPtr.vmctx_store(), params.store);
            if !params.type_ids.is_empty() {
                instance.write_slice(offsets.type_id(SignatureIndex::new(0)), params.type_ids);
            }
            for (i, f) in params.imports.funcs.iter().enumerate() {
                instance.write(offsets.imported_func(FuncIndex::new(i)), *f);
            }
            for (i, g) in params.imports.globals.iter().enumerate() {
                instance.write(offsets.imported_global(GlobalIndex::new(i)), *g);
            }
            for (index, &mem) in instance.memories.iter() {
                let slot = VMMemoryImport { base: (*mem).base(), definition: (*mem).definition() };
                instance.write(offsets.memory(index), slot);
            }
            for (index, &table) in instance.tables.iter() {
                instance.write(offsets.table(index), (*table).definition());
            }
            // The escaping functions' VMFuncRefs come whole from the
            // template; only the VMContext pointer is this instance's.
            let func_refs = template.func_refs();
            if !func_refs.is_empty() {
                let first = offsets.func_ref(FuncRefIndex::new(0));
                instance.write_slice(first, func_refs);
                let vmctx = instance.vmctx.as_ptr();
                for i in 0..func_refs.len() {
                    instance.write(offsets.func_ref(FuncRefIndex::new(i)) + HostPtr.vmfunc_ref_vmctx(), vmctx);
                }
            }
        }
        Ok(instance)
    }

    /// # Safety
    /// `offset` must be the offset of an array of at least `values.len()`
    /// fields of type `T` in this layout.
    unsafe fn write_slice<T: Copy>(&self, offset: u32, values: &[T]) {
        // SAFETY: per the contract; the source is a distinct Rust slice.
        unsafe {
            let dst = self.vmctx.as_ptr().add(offset as usize).cast::<T>();
            std::ptr::copy_nonoverlapping(values.as_ptr(), dst, values.len());
        }
    }

    /// # Safety
    /// `offset` must be the offset of a field of type `T` in this layout.
    unsafe fn write<T>(&self, offset: u32, value: T) {
        // SAFETY: per the contract.
        unsafe { self.vmctx.as_ptr().add(offset as usize).cast::<T>().write(value) }
    }

    /// # Safety
    /// `offset` must be the offset of a field of type `T` in this layout.
    unsafe fn read<T: Copy>(&self, offset: u32) -> T {
        // SAFETY: per the contract.
        unsafe { self.vmctx.as_ptr().add(offset as usize).cast::<T>().read() }
    }

    /// The instance that owns `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be the VMContext of a live instance.
    pub unsafe fn from_vmctx<'a>(vmctx: *mut u8) -> &'a mut Instance {
        // SAFETY: per the contract, the header holds the owning instance.
        unsafe {
            debug_assert_eq!(*(vmctx.add(HostPtr.vmctx_magic() as usize) as *const u32), VMCONTEXT_MAGIC);
            &mut **(vmctx.add(HostPtr.vmctx_instance() as usize) as *mut *mut Instance)
        }
    }

    /// The VMContext.
    pub fn vmctx(&self) -> *mut u8 {
        self.vmctx.as_ptr()
    }

    /// The module.
    pub fn module(&self) -> &ModuleInfo {
        self.runtime.module()
    }

    /// The compiled module.
    pub fn runtime(&self) -> &Arc<dyn ModuleRuntime> {
        &self.runtime
    }

    /// The store pointer recorded in the VMContext.
    pub fn store(&self) -> *mut u8 {
        // SAFETY: the header field is a pointer.
        unsafe { self.read(HostPtr.vmctx_store()) }
    }

    /// The memory behind an index, or null for one the module lacks.
    pub fn memory(&self, index: MemoryIndex) -> *mut LinearMemory {
        self.memories.get(index).copied().unwrap_or(std::ptr::null_mut())
    }

    /// The table behind an index, or null for one the module lacks.
    pub fn table(&self, index: TableIndex) -> *mut Table {
        self.tables.get(index).copied().unwrap_or(std::ptr::null_mut())
    }

    /// The `VMFuncRef` of a function, or null if it has none (a defined
    /// function that never escapes).
    pub fn func_ref(&self, index: FuncIndex) -> *const VMFuncRef {
        self.func_ref_in(self.runtime.template(), index)
    }

    /// Whether `raw` is the address of one of this instance's `VMFuncRef`
    /// slots (imported or its own).
    pub fn holds_func_ref(&self, raw: usize) -> bool {
        raw.checked_sub(self.vmctx.as_ptr() as usize)
            .is_some_and(|offset| self.runtime.template().is_func_ref_offset(offset))
    }

    /// [`Instance::func_ref`] with the module's template at hand, for loops
    /// (one dynamic call per loop instead of one per element).
    fn func_ref_in(&self, template: &InstanceTemplate, index: FuncIndex) -> *const VMFuncRef {
        match template.func_ref_offset(index) {
            // SAFETY: the offset is a VMFuncRef slot inside the VMContext.
            Some(offset) => unsafe { self.vmctx.as_ptr().add(offset as usize) as *const VMFuncRef },
            None => std::ptr::null(),
        }
    }

    /// The storage of a global, or null for an index the module does not
    /// have.
    pub fn global_ptr(&self, index: GlobalIndex) -> *mut VMGlobalDefinition {
        if index.index() >= self.module().globals.len() {
            return std::ptr::null_mut();
        }
        let offsets = self.runtime.offsets();
        match self.module().defined_global_index(index) {
            // SAFETY: a defined global below the global count: its slot is
            // inside the VMContext.
            Some(def) => unsafe { self.vmctx.as_ptr().add(offsets.defined_global(def) as usize).cast() },
            // SAFETY: the slot holds the imported global's pointer.
            None => unsafe { self.read(offsets.imported_global(index)) },
        }
    }

    /// Evaluates a constant expression to raw bits.
    ///
    /// Validation proved the expression well typed (so the stack never
    /// underflows) and its `global.get`s in range; an out-of-range global
    /// is still refused here rather than read.
    pub fn eval_const(&self, expr: &ConstExpr) -> Result<u128, KilnBug> {
        let mut stack: Vec<u128> = Vec::with_capacity(2);
        let pop = |stack: &mut Vec<u128>| stack.pop().unwrap_or(0);
        for op in &expr.0 {
            let v = match *op {
                ConstOp::I32Const(v) => v as u32 as u128,
                ConstOp::I64Const(v) => v as u64 as u128,
                ConstOp::F32Const(v) => v as u128,
                ConstOp::F64Const(v) => v as u128,
                ConstOp::V128Const(v) => v,
                ConstOp::RefNull(_) => 0,
                ConstOp::RefFunc(f) => self.func_ref(f) as usize as u128,
                ConstOp::GlobalGet(g) => {
                    let ptr = self.global_ptr(g);
                    if ptr.is_null() {
                        bail_bug!("constant expression reads missing global {}", g.index());
                    }
                    // SAFETY: the pointer is the global's live storage.
                    u128::from_le_bytes(unsafe { (*ptr).storage })
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let (b, a) = (pop(&mut stack) as u32, pop(&mut stack) as u32);
                    (match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let (b, a) = (pop(&mut stack) as u64, pop(&mut stack) as u64);
                    (match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }) as u128
                }
            };
            stack.push(v);
        }
        Ok(stack.pop().unwrap_or(0))
    }

    /// Initializes globals, then applies element and data segments in
    /// order, as instantiation does. Stops at the first out-of-bounds
    /// segment with its trap; earlier segments stay applied.
    pub fn initialize(&mut self) -> Result<(), InstanceError> {
        let runtime = self.runtime.clone();
        let module = runtime.module();
        if module.global_inits.len() != module.num_defined_globals() {
            bail_bug!(
                "{} global initializers for {} defined globals",
                module.global_inits.len(),
                module.num_defined_globals()
            );
        }
        for (def, init) in module.global_inits.iter() {
            let value = self.eval_const(init)?;
            let offset = runtime.offsets().defined_global(def);
            // SAFETY: a defined global's slot: `def` is below the module's
            // defined-global count (checked above), which the layout has.
            unsafe { self.write(offset, VMGlobalDefinition { storage: value.to_le_bytes() }) };
        }
        for (index, seg) in module.elements.iter() {
            match &seg.kind {
                ElementKind::Active { table, offset } => {
                    if let Some(init) = runtime.template().table_init(index)
                        && let Some(&table_ptr) = self.tables.get(init.table)
                    {
                        // SAFETY: the store keeps its tables alive.
                        let table = unsafe { &mut *table_ptr };
                        if table.init_from_image(u64::from(init.dst), self.vmctx.as_ptr(), &init.offsets) {
                            self.drop_elem(index);
                            continue;
                        }
                        // It does not fit: the ordinary path below traps.
                    }
                    let dst = self.eval_const(offset)? as u32;
                    let values = self.element_values(index)?;
                    let Some(&table_ptr) = self.tables.get(*table) else {
                        bail_bug!("element segment {} names missing table {}", index.index(), table.index());
                    };
                    // SAFETY: as above.
                    let table = unsafe { &mut *table_ptr };
                    if !table.init(u64::from(dst), &values) {
                        return Err(TrapCode::TableOutOfBounds.into());
                    }
                    self.drop_elem(index);
                }
                ElementKind::Declared => self.drop_elem(index),
                ElementKind::Passive => {}
            }
        }
        for (index, seg) in module.data.iter() {
            // A segment dropped before initialisation is one a memory image
            // applied already.
            if self.dropped_data.get(index.index()).copied().unwrap_or(true) {
                continue;
            }
            if let DataKind::Active { memory, offset } = &seg.kind {
                let dst = self.eval_const(offset)? as u32;
                let bytes = self.data_bytes(index);
                let Some(&mem_ptr) = self.memories.get(*memory) else {
                    bail_bug!("data segment {} names missing memory {}", index.index(), memory.index());
                };
                // SAFETY: as above.
                let mem = unsafe { &mut *mem_ptr };
                let Some(r) = range(u64::from(dst), bytes.len() as u64, mem.byte_len() as u64) else {
                    return Err(TrapCode::MemoryOutOfBounds.into());
                };
                mem.as_mut_slice()[r].copy_from_slice(bytes);
                self.drop_data(index);
            }
        }
        Ok(())
    }

    /// The raw values of an element segment (empty once dropped, and for
    /// a segment the module does not have). The list is allocated
    /// fallibly: it is as long as the artifact says.
    pub fn element_values(&self, index: ElemIndex) -> Result<Vec<usize>, InstanceError> {
        let Some(seg) = self.module().elements.get(index) else { return Ok(Vec::new()) };
        if self.dropped_elems.get(index.index()).copied().unwrap_or(true) {
            return Ok(Vec::new());
        }
        let mut values = Vec::new();
        match &seg.items {
            ElementItems::Functions(fs) => {
                reserve(&mut values, fs.len(), "element segment")?;
                let template = self.runtime.template();
                values.extend(fs.iter().map(|f| self.func_ref_in(template, *f) as usize));
            }
            ElementItems::Expressions(es) => {
                reserve(&mut values, es.len(), "element segment")?;
                for e in es {
                    values.push(self.eval_const(e)? as usize);
                }
            }
        }
        Ok(values)
    }

    /// `table.init`: writes items `src..src + len` of element segment
    /// `index` (empty once dropped) into `table` at `dst`, computing each
    /// as it goes, so nothing is allocated. `Ok(false)` when either range
    /// is out of bounds (nothing written).
    pub fn init_table(
        &self,
        table: &mut Table,
        index: ElemIndex,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<bool, KilnBug> {
        let live = !self.dropped_elems.get(index.index()).copied().unwrap_or(true);
        let items = self.module().elements.get(index).filter(|_| live).map(|seg| &seg.items);
        let count = match items {
            Some(ElementItems::Functions(fs)) => fs.len(),
            Some(ElementItems::Expressions(es)) => es.len(),
            None => 0,
        };
        let (Some(s), Some(d)) = (range(src, len, count as u64), range(dst, len, table.len())) else {
            return Ok(false);
        };
        let template = self.runtime.template();
        for (i, slot) in s.zip(d) {
            let value = match items {
                Some(ElementItems::Functions(fs)) => self.func_ref_in(template, fs[i]) as usize,
                Some(ElementItems::Expressions(es)) => self.eval_const(&es[i])? as usize,
                None => bail_bug!("element segment {} has no item {i}", index.index()),
            };
            table.set(slot as u64, value);
        }
        Ok(true)
    }

    /// The bytes of a data segment (empty once dropped, and for a segment
    /// the module does not have).
    pub fn data_bytes(&self, index: DataIndex) -> &[u8] {
        let Some(seg) = self.module().data.get(index) else { return &[] };
        if self.dropped_data.get(index.index()).copied().unwrap_or(true) {
            return &[];
        }
        let section = self.runtime.data_section();
        section.get(seg.offset as usize..(seg.offset as usize).saturating_add(seg.len as usize)).unwrap_or(&[])
    }

    /// `elem.drop`.
    pub fn drop_elem(&mut self, index: ElemIndex) {
        if let Some(d) = self.dropped_elems.get_mut(index.index()) {
            *d = true;
        }
    }

    /// `data.drop`.
    pub fn drop_data(&mut self, index: DataIndex) {
        if let Some(d) = self.dropped_data.get_mut(index.index()) {
            *d = true;
        }
    }

    /// The element type of a table (funcref for one the module lacks).
    pub fn table_element(&self, index: TableIndex) -> WasmRefType {
        self.module().tables.get(index).map_or(WasmRefType::Func, |t| t.element)
    }
}

/// A zeroed VMContext of `size` bytes (16-aligned), from the pool when
/// there is one, else from the heap.
fn allocate_vmctx(
    size: usize,
    pool: Option<&Arc<PoolingAllocator>>,
) -> Result<(NonNull<u8>, VmctxStorage), InstanceError> {
    if let Some(pool) = pool {
        let max = pool.config().max_core_instance_size;
        if size > max {
            return Err(InstanceError::PoolLimit(format!(
                "instance allocation for this module requires {size} bytes which exceeds the configured maximum of \
                 {max} bytes"
            )));
        }
        let (slot, ptr) = pool.vmctxs.take()?;
        let Some(ptr) = NonNull::new(ptr) else { bail_bug!("a pooled VMContext slot at null") };
        return Ok((ptr, VmctxStorage::Pooled { pool: pool.clone(), slot, used: size }));
    }
    let Ok(layout) = Layout::from_size_align(size.max(16), 16) else {
        bail_bug!("VMContext size {size} has no layout");
    };
    // SAFETY: the layout has a non-zero size.
    let Some(ptr) = NonNull::new(unsafe { alloc_zeroed(layout) }) else {
        return Err(InstanceError::ResourceExhausted(format!(
            "cannot allocate a VMContext of {} bytes",
            layout.size()
        )));
    };
    Ok((ptr, VmctxStorage::Heap(layout)))
}

impl Drop for Instance {
    fn drop(&mut self) {
        match &self.vmctx_storage {
            // SAFETY: allocated in `allocate_vmctx` with this layout.
            VmctxStorage::Heap(layout) => unsafe { dealloc(self.vmctx.as_ptr(), *layout) },
            VmctxStorage::Pooled { pool, slot, used } => pool.vmctxs.give(*slot, *used),
        }
    }
}

/// Reserves room for `additional` more items, or says the host is out of
/// memory for `what`.
fn reserve<T>(v: &mut Vec<T>, additional: usize, what: &str) -> Result<(), InstanceError> {
    v.try_reserve_exact(additional).map_err(|_| {
        InstanceError::ResourceExhausted(format!("cannot allocate {additional} entries for {what}: out of memory"))
    })
}

/// `vec![value; len]`, allocated fallibly.
fn filled<T: Clone>(len: usize, value: T, what: &str) -> Result<Vec<T>, InstanceError> {
    let mut v = Vec::new();
    reserve(&mut v, len, what)?;
    v.resize(len, value);
    Ok(v)
}
