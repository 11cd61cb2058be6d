//! `Instance`: an instantiated module, and instantiation itself.
//!
//! Instantiation: check and resolve imports -> create the module's own
//! memories and tables -> build the VMContext -> initialize globals and
//! apply element and data segments -> run the start function. Nothing here
//! parses metadata: everything comes precomputed from the artifact.

use crate::externals::{Export, Extern};
use crate::func::{Func, invoke_wasm};
use crate::global::Global;
use crate::memory::{MEMORY_LIMIT_PAGES, Memory};
use crate::module::Module;
use crate::store::{AsContextMut, InstanceData, StoreOpaque};
use crate::table::Table;
use crate::trap::WasmBacktrace;
use crate::typed::{TypedFunc, WasmTyList};
use crate::types::{ExternType, GlobalType, MemoryType, TableType};
use anyhow::{Context, Result, anyhow, bail};
use cranelift_entity::EntityRef;
use kiln_runtime_support::bail_bug;
use kiln_runtime_support::index::*;
use kiln_runtime_support::module_info::EntityType;
use kiln_runtime_support::types::Limits;
use kiln_runtime_support::vm::error::InstanceError;
use kiln_runtime_support::vm::instance::{Instance as VmInstance, InstanceImports, InstanceParams};
use kiln_runtime_support::vm::memory::LinearMemory;
use kiln_runtime_support::vm::memory_image::MemoryImage;
use kiln_runtime_support::vm::owned::OwnedPtr;
use kiln_runtime_support::vm::pool::PoolingAllocator;
use kiln_runtime_support::vm::table::Table as VmTable;
use kiln_runtime_support::vmoffsets::VMFuncRef;
use std::sync::Arc;

/// The store index of a defined global not handed out as a `Global` yet.
const GLOBAL_NOT_REGISTERED: usize = usize::MAX;

/// An instance of a module in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

/// Why the imports given do not fit the module, as an instantiation error
/// (`assert_unlinkable`).
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// An import of the wrong kind or type.
    #[error("incompatible import type for `{module}::{name}`: {reason}")]
    Incompatible {
        /// The import's module name.
        module: String,
        /// The import's name.
        name: String,
        /// What does not fit.
        reason: String,
    },
    /// An import the linker has no definition for.
    #[error("unknown import: `{module}::{name}` has not been defined (expected {expected})")]
    Unknown {
        /// The import's module name.
        module: String,
        /// The import's name.
        name: String,
        /// The type the module expects.
        expected: String,
    },
    /// Not as many imports as the module declares.
    #[error("expected {expected} imports, found {found}")]
    Count {
        /// What the module declares.
        expected: usize,
        /// What was given.
        found: usize,
    },
}

fn limits_match(actual: Limits, expected: Limits) -> bool {
    actual.min >= expected.min
        && match expected.max {
            None => true,
            Some(em) => matches!(actual.max, Some(am) if am <= em),
        }
}

impl Instance {
    /// Instantiates `module` with `imports`, given in the module's import order.
    pub fn new(mut store: impl AsContextMut, module: &Module, imports: &[Extern]) -> Result<Instance> {
        let ctx = store.as_context_mut();
        ctx.0.admit_instance(module)?;
        let inner: *mut crate::store::StoreInner<_> = ctx.0;
        let before = ctx.0.opaque.instances.len();
        let result = instantiate(&mut ctx.0.opaque, inner.cast(), module, imports);
        if result.is_err() && ctx.0.opaque.instances.len() == before {
            ctx.0.release_instance(module);
        }
        result
    }

    fn data<'a>(&self, store: &'a StoreOpaque) -> &'a InstanceData {
        store.check(self.store);
        &store.instances[self.index]
    }

    /// The export `name`, if any.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let s = &mut store.as_context_mut().0.opaque;
        let index = self.data(s).module.info().exports.iter().find(|e| e.name == name)?.index;
        self.export_entity(s, index)
    }

    /// The export of entity `index`. Validation proved every export in
    /// range and every exported function to have a `VMFuncRef`, so `None`
    /// only comes from a kiln bug.
    fn export_entity(&self, s: &mut StoreOpaque, index: EntityIndex) -> Option<Extern> {
        let data = &s.instances[self.index];
        Some(match index {
            EntityIndex::Function(f) => {
                let raw = data.handle.func_ref(f) as usize;
                Extern::Func(Func::from_raw(s, raw)?)
            }
            EntityIndex::Memory(m) => Extern::Memory(Memory { store: s.id, index: *data.memories.get(m.index())? }),
            EntityIndex::Table(t) => Extern::Table(Table { store: s.id, index: *data.tables.get(t.index())? }),
            EntityIndex::Global(g) => {
                let mut index = *data.globals.get(g.index())?;
                if index == GLOBAL_NOT_REGISTERED {
                    let ty = GlobalType::from_wasm(*data.module.info().globals.get(g)?);
                    let def = data.handle.global_ptr(g);
                    if def.is_null() {
                        return None;
                    }
                    index = Global::from_definition(s, ty, def).index;
                    s.instances[self.index].globals[g.index()] = index;
                }
                Extern::Global(Global { store: s.id, index })
            }
        })
    }

    /// All exports, in order.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<Export> {
        let s = &mut store.as_context_mut().0.opaque;
        let exports = self.data(s).module.info().exports.clone();
        exports.into_iter().filter_map(|e| Some(Export::new(e.name, self.export_entity(s, e.index)?))).collect()
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, with its type checked.
    pub fn get_typed_func<Params: WasmTyList, Results: WasmTyList>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let f = self.get_func(&mut store, name).ok_or_else(|| anyhow!("failed to find function export `{name}`"))?;
        f.typed(&store).with_context(|| format!("failed to convert function `{name}` to the requested type"))
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The module this is an instance of.
    pub fn module(&self, store: impl crate::AsContext) -> Module {
        self.data(&store.as_context().0.opaque).module.clone()
    }
}

/// Imports resolved to what the VMContext holds, per kind in import order,
/// and the store indices of the imported tables, memories and globals.
#[derive(Default)]
pub(crate) struct Resolved<'a> {
    pub(crate) funcs: std::borrow::Cow<'a, [VMFuncRef]>,
    pub(crate) tables: Vec<*mut VmTable>,
    pub(crate) memories: Vec<*mut LinearMemory>,
    pub(crate) globals: Vec<*mut kiln_runtime_support::vmoffsets::VMGlobalDefinition>,
    pub(crate) table_ids: Vec<usize>,
    pub(crate) memory_ids: Vec<usize>,
    pub(crate) global_ids: Vec<usize>,
}

fn resolve_imports(s: &mut StoreOpaque, module: &Module, imports: &[Extern]) -> Result<Resolved<'static>> {
    let info = module.info();
    if imports.len() != info.imports.len() {
        return Err(LinkError::Count { expected: info.imports.len(), found: imports.len() }.into());
    }
    let mut r = Resolved::default();
    for (import, ext) in info.imports.iter().zip(imports) {
        resolve_import(s, module, import, ext, &mut r, true)?;
    }
    Ok(r)
}

/// Resolves one import to what the VMContext holds, appending it to `r`.
/// With `check`, its type is checked too; an `InstancePre` checked it
/// already, so it passes false (the kind must match in any case).
pub(crate) fn resolve_import(
    s: &mut StoreOpaque,
    module: &Module,
    import: &kiln_runtime_support::module_info::Import,
    ext: &Extern,
    r: &mut Resolved<'_>,
    check: bool,
) -> Result<()> {
    let info = module.info();
    let expected = info.entity_type(import.index);
    let fail =
        |reason: String| LinkError::Incompatible { module: import.module.clone(), name: import.name.clone(), reason };
    match (ext, &expected) {
        (Extern::Func(f), EntityType::Function(ty)) => {
            s.check(f.store);
            let data = &s.funcs[f.index];
            if check && data.ty.wasm != *ty {
                return Err(fail(format!("expected function of type {ty}, found {}", data.ty)).into());
            }
            // SAFETY: the store keeps the VMFuncRef alive.
            let mut func_ref = unsafe { *data.func_ref };
            if let crate::store::FuncKind::Host(_) = data.kind {
                // Validation proved the import's function and its
                // signature in range.
                let trampoline = match import.index {
                    EntityIndex::Function(fi) => {
                        info.functions.get(fi).and_then(|f| module.inner.wasm_to_array(f.signature))
                    }
                    _ => None,
                };
                let Some(trampoline) = trampoline else {
                    bail_bug!("function import `{}::{}` has no trampoline", import.module, import.name);
                };
                func_ref.wasm_call = trampoline;
            }
            r.funcs.to_mut().push(func_ref);
        }
        (Extern::Table(t), EntityType::Table(ty)) => {
            let actual = t.ty_in(s);
            if check && (actual.wasm.element != ty.element || !limits_match(actual.wasm.limits, ty.limits)) {
                let want = ExternType::Table(TableType { wasm: *ty });
                return Err(fail(format!("expected {want}, found {}", ExternType::Table(actual))).into());
            }
            r.tables.push(&mut *s.tables[t.index] as *mut VmTable);
            r.table_ids.push(t.index);
        }
        (Extern::Memory(m), EntityType::Memory(ty)) => {
            s.check(m.store);
            let mem = &s.memories[m.index];
            let actual = Limits { min: mem.pages(), max: mem.ty().limits.max };
            if check && !limits_match(actual, ty.limits) {
                let want = ExternType::Memory(MemoryType { wasm: *ty });
                return Err(fail(format!(
                    "expected {want}, found {}",
                    ExternType::Memory(MemoryType { wasm: mem.ty() })
                ))
                .into());
            }
            r.memories.push(&mut *s.memories[m.index] as *mut LinearMemory);
            r.memory_ids.push(m.index);
        }
        (Extern::Global(g), EntityType::Global(ty)) => {
            let actual = g.ty_in(s);
            if check && actual.to_wasm() != *ty {
                return Err(fail(format!("expected global {:?}, found {actual:?}", GlobalType::from_wasm(*ty))).into());
            }
            r.globals.push(g.definition(s));
            r.global_ids.push(g.index);
        }
        _ => {
            return Err(fail(format!(
                "expected {}, found a different kind of item",
                ExternType::from_entity(expected)
            ))
            .into());
        }
    }
    Ok(())
}

/// Whether an item of type `actual` can be imported as `expected`, with
/// the same rules (and wording) as [`resolve_import`]'s checks; without
/// `limits`, a memory's or table's size limits are left for later.
pub(crate) fn check_import_type(actual: &ExternType, expected: EntityType, limits: bool) -> Result<(), String> {
    match (actual, &expected) {
        (ExternType::Func(f), EntityType::Function(ty)) if f.wasm != *ty => {
            Err(format!("expected function of type {ty}, found {f}"))
        }
        (ExternType::Table(t), EntityType::Table(ty))
            if t.wasm.element != ty.element || (limits && !limits_match(t.wasm.limits, ty.limits)) =>
        {
            Err(format!("expected {}, found {actual}", ExternType::Table(TableType { wasm: *ty })))
        }
        (ExternType::Memory(m), EntityType::Memory(ty)) if limits && !limits_match(m.wasm.limits, ty.limits) => {
            Err(format!("expected {}, found {actual}", ExternType::Memory(MemoryType { wasm: *ty })))
        }
        (ExternType::Global(g), EntityType::Global(ty)) if g.to_wasm() != *ty => {
            Err(format!("expected global {:?}, found {g:?}", GlobalType::from_wasm(*ty)))
        }
        (ExternType::Func(_), EntityType::Function(_))
        | (ExternType::Table(_), EntityType::Table(_))
        | (ExternType::Memory(_), EntityType::Memory(_))
        | (ExternType::Global(_), EntityType::Global(_)) => Ok(()),
        _ => Err(format!("expected {}, found a different kind of item", ExternType::from_entity(expected))),
    }
}

/// Instantiates `module` in the store whose opaque part is `s` and whose
/// `StoreInner<T>` is at `store_ptr` (recorded in the VMContext for host calls).
pub(crate) fn instantiate(
    s: &mut StoreOpaque,
    store_ptr: *mut u8,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    if !crate::Engine::same(&s.engine, module.engine()) {
        bail!("cross-engine instantiation is not supported");
    }
    let resolved = resolve_imports(s, module, imports)?;
    instantiate_resolved(s, store_ptr, module, resolved, None)
}

/// A memory of type `ty`, with `image` mapped over its first pages: from
/// `pool` when the engine has one, else on demand. The one place that
/// chooses; defined memories, `Memory::new` and the CoW path all come here.
pub(crate) fn allocate_memory(
    pool: Option<&Arc<PoolingAllocator>>,
    ty: kiln_runtime_support::types::MemoryType,
    image: Option<&MemoryImage>,
) -> Result<OwnedPtr<LinearMemory>, InstanceError> {
    match pool {
        Some(pool) => LinearMemory::new_pooled(pool, ty, MEMORY_LIMIT_PAGES, image),
        None => LinearMemory::new_with_image(ty, MEMORY_LIMIT_PAGES, image)
            .map_err(|e| InstanceError::ResourceExhausted(format!("failed to create memory: {e}"))),
    }
}

/// A table of type `ty` with every element `init`: from `pool` when the
/// engine has one, else on demand.
pub(crate) fn allocate_table(
    pool: Option<&Arc<PoolingAllocator>>,
    ty: kiln_runtime_support::types::TableType,
    init: usize,
) -> Result<OwnedPtr<VmTable>, InstanceError> {
    match pool {
        Some(pool) => VmTable::new_pooled(pool, ty, init),
        None => {
            VmTable::new(ty, init).map_err(|e| InstanceError::ResourceExhausted(format!("failed to create table: {e}")))
        }
    }
}

/// Instantiates `module` with imports already resolved (the engine is
/// known to be the module's); `keep_alive` is what the imports need kept
/// alive as long as the instance.
pub(crate) fn instantiate_resolved(
    s: &mut StoreOpaque,
    store_ptr: *mut u8,
    module: &Module,
    resolved: Resolved<'_>,
    keep_alive: Option<Arc<dyn std::any::Any + Send + Sync>>,
) -> Result<Instance> {
    let info = module.info();
    s.register_module(module);

    let mut memory_ids = resolved.memory_ids;
    let mut defined_memories = Vec::new();
    for (i, (_, ty)) in info.memories.iter().skip(info.num_imported_memories as usize).enumerate() {
        let mem = module.inner.new_memory(s.engine.pool(), DefinedMemoryIndex::new(i), *ty).map_err(instance_error)?;
        let m = Memory::from_vm(s, mem);
        defined_memories.push(&mut *s.memories[m.index] as *mut LinearMemory);
        memory_ids.push(m.index);
    }
    let mut table_ids = resolved.table_ids;
    let mut defined_tables = Vec::new();
    for (_, ty) in info.tables.iter().skip(info.num_imported_tables as usize) {
        let t = allocate_table(s.engine.pool(), *ty, 0)?;
        s.tables.push(t);
        let i = s.tables.len() - 1;
        defined_tables.push(&mut *s.tables[i] as *mut VmTable);
        table_ids.push(i);
    }

    let runtime: Arc<dyn kiln_runtime_support::vm::instance::ModuleRuntime> = module.inner.clone();
    let store_context = s.store_context_ptr();
    let mut handle = VmInstance::new(InstanceParams {
        runtime,
        imports: InstanceImports {
            funcs: &resolved.funcs,
            tables: &resolved.tables,
            memories: &resolved.memories,
            globals: &resolved.globals,
        },
        defined_memories,
        defined_tables,
        type_ids: &module.inner.type_ids,
        store_context,
        store: store_ptr,
        pool: s.engine.pool(),
    })
    .map_err(instance_error)?;
    let index = s.instances.len();
    handle.host_index = index;

    // A defined global gets a store entry only when it is first exported
    // (`export_entity`), so instantiation inserts nothing for it.
    let mut global_ids = resolved.global_ids;
    global_ids.resize(info.globals.len(), GLOBAL_NOT_REGISTERED);
    let init = handle.initialize();
    s.instances.push(InstanceData {
        handle,
        module: module.clone(),
        memories: memory_ids,
        tables: table_ids,
        globals: global_ids,
        _keep_alive: keep_alive,
    });
    if let Err(e) = init {
        return Err(instance_error(e));
    }
    if let Some(start) = info.start {
        let func_ref = s.instances[index].handle.func_ref(start);
        if func_ref.is_null() {
            // Validation gave the start function a `VMFuncRef`.
            bail_bug!("start function {} has no VMFuncRef", start.index());
        }
        let mut raw = [0u128; 1];
        invoke_wasm(s, func_ref, &mut raw)?;
    }
    Ok(Instance { store: s.id, index })
}

/// An instantiation failure from the runtime, as the embedder sees it: a
/// trap carries an (empty) backtrace, as traps from calls do.
fn instance_error(e: InstanceError) -> anyhow::Error {
    match e {
        InstanceError::Trap(code) => anyhow::Error::new(code).context(WasmBacktrace::default()),
        other => anyhow::Error::new(other),
    }
}
