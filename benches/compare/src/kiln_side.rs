//! kiln's side of the comparison: a module compiled once, serialized and
//! deserialized (as a server loads its artifact), then instantiated in a
//! fresh `Store` per request.
//!
//! Everything engine-specific is in [`engine`] and [`KilnPre`], so moving
//! to pre-resolved instantiation and pooled, copy-on-write instances
//! changes only those: `Linker::instantiate_pre` in [`KilnPre::new`],
//! `InstancePre::instantiate` in [`KilnPre::instantiate`], and
//! `Config::allocation_strategy(InstanceAllocationStrategy::Pooling(..))`
//! plus `Config::memory_init_cow(true)` in [`engine`].

use anyhow::{Result, anyhow};
use kiln::{Config, Engine, ExternType, Linker, Module, Store};

/// The engine the benchmarks use: kiln's default configuration (its
/// on-demand allocator, with data segments copied at instantiation).
pub fn engine() -> Result<Engine> {
    let config = Config::new();
    Engine::new(&config)
}

/// A module ready to be instantiated per request, with its imports
/// defined once.
pub struct KilnPre {
    engine: Engine,
    linker: Linker<()>,
    module: Module,
}

impl KilnPre {
    /// Compiles `wasm`, round-trips it through its artifact bytes, and
    /// defines every function import as a host function that fails when
    /// called (instantiation only needs them to exist with the right type).
    pub fn new(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        let artifact = engine.precompile_module(wasm)?;
        // SAFETY: the artifact was produced by this engine just above.
        let module = unsafe { Module::deserialize(engine, &artifact) }?;
        let mut linker = Linker::new(engine);
        for import in module.imports() {
            let ExternType::Func(ty) = import.ty() else {
                return Err(anyhow!("import `{}::{}` is not a function", import.module(), import.name()));
            };
            let what = format!("{}::{}", import.module(), import.name());
            linker.func_new(import.module(), import.name(), ty, move |_, _, _| {
                Err(anyhow!("`{what}` is a benchmark stub"))
            })?;
        }
        Ok(Self { engine: engine.clone(), linker, module })
    }

    /// One request's instantiation: a new store, the instance, both
    /// dropped on return.
    pub fn instantiate(&self) -> Result<()> {
        let mut store = Store::new(&self.engine, ());
        self.linker.instantiate(&mut store, &self.module)?;
        Ok(())
    }
}
