//! `Linker<T>`: names for imports. Host functions defined here are not tied
//! to a store: each has one context shared by every store, and an
//! instance imports it without materializing anything in its store.
//! Imports are resolved and type-checked once, by
//! [`Linker::instantiate_pre`]; [`Linker::instantiate`] goes through it.

use crate::func::{Caller, Func, HostFn, IntoFunc, SharedHostFunc};
use crate::instance::{Instance, check_import_type};
use crate::instance_pre::{InstancePre, PreItem};
use crate::module::Module;
use crate::store::{AsContext, AsContextMut};
use crate::types::{ExternType, FuncType};
use crate::values::Val;
use crate::{Engine, Extern, LinkError};
use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T> {
    /// A store's item, with its type when it was defined.
    Extern(Extern, ExternType),
    HostFunc(Arc<SharedHostFunc<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Extern(e, t) => Self::Extern(*e, t.clone()),
            Self::HostFunc(f) => Self::HostFunc(f.clone()),
        }
    }
}

/// The type of a store's item.
fn extern_type(store: impl AsContext, item: &Extern) -> ExternType {
    match item {
        Extern::Func(f) => ExternType::Func(f.ty(&store)),
        Extern::Global(g) => ExternType::Global(g.ty(&store)),
        Extern::Table(t) => ExternType::Table(t.ty(&store)),
        Extern::Memory(m) => ExternType::Memory(m.ty(&store)),
    }
}

/// Resolves imports by module and item name.
pub struct Linker<T> {
    engine: Engine,
    map: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
    allow_unknown_exports: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            map: self.map.clone(),
            allow_shadowing: self.allow_shadowing,
            allow_unknown_exports: self.allow_unknown_exports,
        }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Self { engine: engine.clone(), map: HashMap::new(), allow_shadowing: false, allow_unknown_exports: false }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.map.contains_key(&key) {
            bail!("import of `{module}::{name}` defined twice");
        }
        self.map.insert(key, def);
        Ok(())
    }

    /// Defines a host function from a closure (see [`Func::wrap`]).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, host) = func.into_func();
        self.insert_host(module, name, ty, host)?;
        Ok(self)
    }

    /// Defines a host function with a dynamic signature (see [`Func::new`]).
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let t = ty.clone();
        let host: Arc<HostFn<T>> = Arc::new(move |caller: Caller<'_, T>, raw: &mut [u128]| {
            let Caller { store, instance } = caller;
            let params: Vec<Val> =
                t.params().enumerate().map(|(i, ty)| Val::from_raw(&mut store.opaque, raw[i], ty)).collect();
            let mut results: Vec<Val> = t.results().map(Val::default_for).collect();
            func(Caller { store: &mut *store, instance }, &params, &mut results)?;
            for (i, (r, ty)) in results.iter().zip(t.results()).enumerate() {
                r.check(&store.opaque, ty)?;
                raw[i] = r.to_raw(&mut store.opaque)?;
            }
            Ok(())
        });
        self.insert_host(module, name, ty, host)?;
        Ok(self)
    }

    fn insert_host(&mut self, module: &str, name: &str, ty: FuncType, host: Arc<HostFn<T>>) -> Result<()> {
        let shared = SharedHostFunc::new(&self.engine, ty, host);
        self.insert(module, name, Definition::HostFunc(Arc::new(shared)))
    }

    /// Defines every function import of `module` that this linker does not
    /// define as a function that traps, naming the import, when called.
    /// Other kinds of imports are left alone.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<()> {
        for import in module.imports() {
            let (m, n) = (import.module().to_string(), import.name().to_string());
            if self.map.contains_key(&(m.clone(), n.clone())) {
                continue;
            }
            if let ExternType::Func(ty) = import.ty() {
                let host: Arc<HostFn<T>> = Arc::new(move |_: Caller<'_, T>, _: &mut [u128]| {
                    bail!("unknown import: `{m}::{n}` has not been defined")
                });
                self.insert_host(import.module(), import.name(), ty, host)?;
            }
        }
        Ok(())
    }

    /// Defines an item.
    pub fn define(
        &mut self,
        _store: impl crate::AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let item = item.into();
        let ty = extern_type(&_store, &item);
        self.insert(module, name, Definition::Extern(item, ty))?;
        Ok(self)
    }

    /// Defines every export of `instance` under `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for export in instance.exports(&mut store) {
            let name = export.name().to_string();
            let item = export.into_extern();
            let ty = extern_type(&store, &item);
            self.insert(module, &name, Definition::Extern(item, ty))?;
        }
        Ok(self)
    }

    /// The item defined as `module::name`, materialized in `store`.
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.map.get(&(module.to_string(), name.to_string()))?.clone();
        Some(self.materialize(&mut store, def))
    }

    /// Defines `as_module::as_name` as whatever `module::name` is defined as.
    pub fn alias(&mut self, module: &str, name: &str, as_module: &str, as_name: &str) -> Result<&mut Self> {
        let Some(def) = self.map.get(&(module.to_string(), name.to_string())).cloned() else {
            bail!("no item named `{module}::{name}` in the linker");
        };
        self.insert(as_module, as_name, def)?;
        Ok(self)
    }

    /// Defines every item of `module` under `as_module` as well.
    pub fn alias_module(&mut self, module: &str, as_module: &str) -> Result<()> {
        let items: Vec<(String, Definition<T>)> =
            self.map.iter().filter(|((m, _), _)| m == module).map(|((_, n), d)| (n.clone(), d.clone())).collect();
        for (name, def) in items {
            self.insert(as_module, &name, def)?;
        }
        Ok(())
    }

    /// Every item defined, as `(module, name, item)`, materialized in
    /// `store` (in no particular order, as in wasmtime).
    pub fn iter<'a: 'p, 'p>(
        &'a self,
        mut store: impl AsContextMut<Data = T> + 'p,
    ) -> impl Iterator<Item = (&'a str, &'a str, Extern)> + 'p {
        let items: Vec<_> = self
            .map
            .iter()
            .map(|((m, n), def)| (m.as_str(), n.as_str(), self.materialize(&mut store, def.clone())))
            .collect();
        items.into_iter()
    }

    /// The default export of the instance defined as `module`: its export
    /// named `""`, else `_start` (for compatibility), else a function that
    /// does nothing, as in wasmtime.
    pub fn get_default(&self, mut store: impl AsContextMut<Data = T>, module: &str) -> Result<Func> {
        for name in ["", "_start"] {
            match self.get(&mut store, module, name) {
                Some(Extern::Func(f)) => return Ok(f),
                Some(_) if name.is_empty() => bail!("default export in '{module}' is not a function"),
                Some(_) => bail!("`_start` in '{module}' is not a function"),
                None => {}
            }
        }
        Ok(Func::wrap(store, || {}))
    }

    fn materialize(&self, store: &mut impl AsContextMut<Data = T>, def: Definition<T>) -> Extern {
        match def {
            Definition::Extern(e, _) => e,
            Definition::HostFunc(h) => {
                Extern::Func(Func::from_host(store.as_context_mut().0, h.ty.clone(), h.host.clone()))
            }
        }
    }

    /// Resolves every import of `module` by name and checks its type, once:
    /// the result instantiates in any store without doing either again.
    /// An unknown or incompatible import is a [`LinkError`].
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        if !Engine::same(&self.engine, module.engine()) {
            bail!("cross-engine instantiation is not supported");
        }
        let info = module.info();
        let mut items = Vec::with_capacity(info.imports.len());
        for import in &info.imports {
            let key = (import.module.clone(), import.name.clone());
            let expected = info.entity_type(import.index);
            let Some(def) = self.map.get(&key) else {
                return Err(LinkError::Unknown {
                    module: import.module.clone(),
                    name: import.name.clone(),
                    expected: ExternType::from_entity(expected).to_string(),
                }
                .into());
            };
            let (actual, item) = match def {
                Definition::Extern(e, ty) => (ty.clone(), PreItem::Extern(*e)),
                Definition::HostFunc(h) => (ExternType::Func(h.ty.clone()), PreItem::HostFunc(h.clone())),
            };
            // A memory or table can grow after it was defined, which may
            // make it fit: its type is checked at each instantiation.
            let grows = matches!(actual, ExternType::Memory(_) | ExternType::Table(_));
            if let Err(reason) = check_import_type(&actual, expected, !grows) {
                return Err(LinkError::Incompatible {
                    module: import.module.clone(),
                    name: import.name.clone(),
                    reason,
                }
                .into());
            }
            items.push(item);
        }
        InstancePre::new(module, items)
    }

    /// Instantiates `module`, resolving its imports by name (through
    /// [`Linker::instantiate_pre`]).
    pub fn instantiate(&self, store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        self.instantiate_pre(module)?.instantiate(store)
    }

    /// Defines the exports of `module` under `name`, as wasmtime does for
    /// the two kinds of WASI program:
    /// - a command (it exports `_start`) gets a fresh instance for every
    ///   call of each of its exported functions, so no state carries over
    ///   from one call to the next;
    /// - a reactor (anything else) is instantiated once, its `_initialize`
    ///   run if it has one, and its exports defined.
    pub fn module(&mut self, mut store: impl AsContextMut<Data = T>, name: &str, module: &Module) -> Result<&mut Self> {
        let is_func = |t: &ExternType| matches!(t, ExternType::Func(_));
        match (module.get_export("_start"), module.get_export("_initialize")) {
            (Some(_), Some(_)) => bail!("module must not contain both _start and _initialize"),
            (Some(t), None) if is_func(&t) => self.command(store, name, module),
            (Some(_), None) => bail!("`_start` must be a function"),
            (None, Some(t)) if !is_func(&t) => bail!("`_initialize` must be a function"),
            _ => {
                let instance = self.instantiate(&mut store, module)?;
                if let Some(init) = instance.get_func(&mut store, "_initialize") {
                    init.typed::<(), ()>(&store)
                        .and_then(|f| f.call(&mut store, ()))
                        .context("calling the Reactor initialization function")?;
                }
                self.instance(store, name, instance)
            }
        }
    }

    /// [`Linker::module`] for a command: each exported function
    /// instantiates the module afresh and calls its namesake there.
    fn command(&mut self, mut store: impl AsContextMut<Data = T>, name: &str, module: &Module) -> Result<&mut Self> {
        for export in module.exports() {
            let export_name = export.name().to_string();
            match export.ty() {
                ExternType::Func(ty) => {
                    let pre = self.instantiate_pre(module)?;
                    let callee = export_name.clone();
                    let func = Func::new(&mut store, ty, move |mut caller, params, results| {
                        let instance = pre.instantiate(&mut caller)?;
                        let Some(f) = instance.get_func(&mut caller, &callee) else {
                            bail!("command export `{callee}` is not a function");
                        };
                        f.call(&mut caller, params, results)
                    });
                    self.define(&store, name, &export_name, func)?;
                }
                // What toolchains export beside a command's functions, as
                // wasmtime allows it.
                ExternType::Memory(_) if export_name == "memory" => {}
                ExternType::Table(_) if ["__indirect_function_table", "table"].contains(&export_name.as_str()) => {}
                ExternType::Global(_)
                    if ["__data_end", "__heap_base", "__dso_handle", "__rtti_base"].contains(&export_name.as_str()) => {
                }
                _ if self.allow_unknown_exports => {}
                _ => bail!("command export '{export_name}' is not a function"),
            }
        }
        Ok(self)
    }

    /// Whether [`Linker::module`] accepts a command exporting something
    /// other than functions and the few items toolchains add (default: no).
    pub fn allow_unknown_exports(&mut self, allow: bool) -> &mut Self {
        self.allow_unknown_exports = allow;
        self
    }
}
