//! kiln's side of the comparison: a module compiled once, serialized and
//! deserialized (as a server loads its artifact), then instantiated in a
//! fresh `Store` per request.
//!
//! Configured as the wasmtime side is: the pooling allocator with its
//! default sizes, copy-on-write memory images, and imports resolved once
//! (`Linker::instantiate_pre`), so a request is `InstancePre::instantiate`
//! in a new `Store`.

use anyhow::Result;
use kiln::{Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, PoolingAllocationConfig, Store};

/// The engine the benchmarks use: the pooling allocator (default
/// `PoolingAllocationConfig`) and copy-on-write memory images.
pub fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default()));
    config.memory_init_cow(true);
    Engine::new(&config)
}

/// A module ready to be instantiated per request, with its imports
/// defined once.
pub struct KilnPre {
    engine: Engine,
    pre: InstancePre<()>,
}

impl KilnPre {
    /// Compiles `wasm`, round-trips it through its artifact bytes, and
    /// defines every function import as one that traps when called
    /// (instantiation only needs them to exist with the right type).
    pub fn new(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        let artifact = engine.precompile_module(wasm)?;
        // SAFETY: the artifact was produced by this engine just above.
        let module = unsafe { Module::deserialize(engine, &artifact) }?;
        let mut linker = Linker::new(engine);
        linker.define_unknown_imports_as_traps(&module)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(Self { engine: engine.clone(), pre })
    }

    /// One request's instantiation: a new store, the instance, both
    /// dropped on return.
    pub fn instantiate(&self) -> Result<()> {
        let mut store = Store::new(&self.engine, ());
        self.pre.instantiate(&mut store)?;
        Ok(())
    }
}
