//! `Linker<T>`: names for imports. Host functions defined here are not tied
//! to a store; each instantiation materializes them in its store.

use crate::func::{Caller, Func, HostFn, IntoFunc};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::AsContextMut;
use crate::types::{ExternType, FuncType};
use crate::values::Val;
use crate::{Engine, Extern};
use anyhow::{Result, bail};
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T> {
    Extern(Extern),
    HostFunc(FuncType, Arc<HostFn<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Extern(e) => Self::Extern(*e),
            Self::HostFunc(t, f) => Self::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Resolves imports by module and item name.
pub struct Linker<T> {
    engine: Engine,
    map: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Self { engine: engine.clone(), map: HashMap::new(), allow_shadowing: false }
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
        self.insert(module, name, Definition::HostFunc(ty, host))?;
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
        self.insert(module, name, Definition::HostFunc(ty, host))?;
        Ok(self)
    }

    /// Defines an item.
    pub fn define(
        &mut self,
        _store: impl crate::AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))?;
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
            self.insert(module, &name, Definition::Extern(export.into_extern()))?;
        }
        Ok(self)
    }

    /// The item defined as `module::name`, materialized in `store`.
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.map.get(&(module.to_string(), name.to_string()))?.clone();
        Some(self.materialize(&mut store, def))
    }

    fn materialize(&self, store: &mut impl AsContextMut<Data = T>, def: Definition<T>) -> Extern {
        match def {
            Definition::Extern(e) => e,
            Definition::HostFunc(ty, host) => Extern::Func(Func::from_host(store.as_context_mut().0, ty, host)),
        }
    }

    /// Instantiates `module`, resolving its imports by name.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let mut imports = Vec::with_capacity(module.imports().len());
        for import in module.imports() {
            let def =
                self.map.get(&(import.module().to_string(), import.name().to_string())).cloned().ok_or_else(|| {
                    anyhow::Error::new(crate::LinkError::Unknown {
                        module: import.module().to_string(),
                        name: import.name().to_string(),
                        expected: import.ty().to_string(),
                    })
                })?;
            if let (Definition::HostFunc(ty, _), ExternType::Func(want)) = (&def, import.ty())
                && *ty != want
            {
                bail!(
                    "incompatible import type for `{}::{}`: expected function of type {want}, found {ty}",
                    import.module(),
                    import.name()
                );
            }
            imports.push(self.materialize(&mut store, def));
        }
        Instance::new(store, module, &imports)
    }

    /// Instantiates `module` and defines its exports under `name`.
    pub fn module(&mut self, mut store: impl AsContextMut<Data = T>, name: &str, module: &Module) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, name, instance)
    }
}
