//! wasmtime's side of the comparison, configured as a server would run
//! it: the pooling allocator, copy-on-write memory images and an
//! `InstancePre` whose imports are resolved once.

use wasmtime::Result;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, PoolingAllocationConfig, Store,
};

/// An engine with the pooling allocator (wasmtime's default pool sizes)
/// and `memory_init_cow`.
pub fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default()));
    config.memory_init_cow(true);
    Engine::new(&config)
}

/// A module ready to be instantiated per request.
pub struct WasmtimePre {
    engine: Engine,
    pre: InstancePre<()>,
}

impl WasmtimePre {
    /// Compiles `wasm`, round-trips it through `serialize`/`deserialize`,
    /// and defines every import as a trapping stub (wasmtime's
    /// `define_unknown_imports_as_traps`).
    pub fn new(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        let artifact = Module::new(engine, wasm)?.serialize()?;
        // SAFETY: the bytes were produced by this engine's `serialize` just above.
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
