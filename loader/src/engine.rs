//! `Engine` and `Config`: process-wide settings and the engine-wide
//! signature registry that makes `call_indirect` type checks work across
//! modules.

use kiln_runtime_support::index::VMSharedTypeId;
use kiln_runtime_support::types::WasmFuncType;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::pooling::InstanceAllocationStrategy;
use kiln_runtime_support::vm::pool::PoolingAllocator;

pub use kiln_runtime_support::OptLevel;

/// The largest `Config::max_wasm_stack` an engine accepts: 1 GiB.
pub const MAX_WASM_STACK_LIMIT: usize = 1 << 30;

/// Engine configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) opt_level: OptLevel,
    pub(crate) max_wasm_stack: usize,
    pub(crate) verify: bool,
    pub(crate) tunables: kiln_runtime_support::tunables::Tunables,
    pub(crate) memory_init_cow: bool,
    pub(crate) allocation_strategy: InstanceAllocationStrategy,
    pub(crate) proposals: crate::features::Proposals,
    pub(crate) parallel_compilation: bool,
    pub(crate) memory_reservation: Option<u64>,
    pub(crate) memory_guard_size: Option<u64>,
    pub(crate) cranelift_flags: Vec<(String, Option<String>)>,
    pub(crate) codegen: crate::codegen::CodegenChoices,
    pub(crate) profiler: crate::profiling::ProfilingStrategy,
    #[cfg(feature = "compiler")]
    pub(crate) cache: Option<crate::cache::Cache>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            opt_level: OptLevel::Speed,
            max_wasm_stack: 1 << 20,
            verify: false,
            tunables: Default::default(),
            memory_init_cow: true,
            allocation_strategy: InstanceAllocationStrategy::OnDemand,
            proposals: Default::default(),
            parallel_compilation: true,
            memory_reservation: None,
            memory_guard_size: None,
            cranelift_flags: Vec::new(),
            codegen: Default::default(),
            profiler: Default::default(),
            #[cfg(feature = "compiler")]
            cache: None,
        }
    }
}

impl Config {
    /// Compiles through `cache` (`None`, the default, compiles every time):
    /// `Module::new` loads a module compiled before with the same settings
    /// from it, and stores what it compiles. See [`Cache`](crate::Cache).
    #[cfg(feature = "compiler")]
    pub fn cache(&mut self, cache: Option<crate::cache::Cache>) -> &mut Self {
        self.cache = cache;
        self
    }

    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the Cranelift optimization level.
    pub fn cranelift_opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.opt_level = level;
        self
    }

    /// Sets how many bytes of native stack wasm may use before a call traps
    /// with a stack overflow (default 1 MiB, at most 1 GiB: see
    /// [`Engine::new`]). The thread's real stack bounds it too.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Compiles checks of the engine's epoch into function entries and loop
    /// headers, so that [`Engine::increment_epoch`] and
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline) can
    /// interrupt wasm. A store's deadline starts at 0: wasm traps with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) at once unless a
    /// deadline is set.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.tunables.epoch_interruption = enable;
        self
    }

    /// Makes wasm consume fuel, one unit for most operators; a store starts
    /// with none (see [`Store::set_fuel`](crate::Store::set_fuel)) and wasm
    /// traps with [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) once it is
    /// spent.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.tunables.consume_fuel = enable;
        self
    }

    /// Whether relaxed SIMD operators give the same result on every host
    /// (wasmtime's spelling). **kiln's default is `true`** (wasmtime's is
    /// `false`): a module computes the same values wherever it runs, and
    /// its artifact loads on any host with the CPU features it records.
    /// `false` lets each operator use the fastest native instruction, whose
    /// results on edge cases (NaNs, out-of-range lanes, overflow) may differ
    /// between hosts. The setting is recorded in the artifact; an engine
    /// with the other one refuses to load it.
    pub fn relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.tunables.relaxed_simd_deterministic = enable;
        self
    }

    /// Whether a module's initial memory contents are mapped copy-on-write
    /// from its artifact file, or from a memfd built once per module, so
    /// that instantiation copies nothing (default: on). Off, or where
    /// mapping is impossible, instantiation copies them. The artifact is
    /// the same either way.
    pub fn memory_init_cow(&mut self, enable: bool) -> &mut Self {
        self.memory_init_cow = enable;
        self
    }

    /// Whether functions are compiled in parallel on rayon's thread pool
    /// (default: on). Off, a module compiles on the calling thread alone.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.parallel_compilation = enable;
        self
    }

    /// The address space reserved for each linear memory, before its guard
    /// region. kiln compiles loads and stores without bounds checks, so
    /// every 32-bit memory reserves its full 4 GiB: `Engine::new` refuses
    /// a smaller reservation (there is no bounds-checked mode) and accepts
    /// a larger one, which a 32-bit memory cannot use anyway.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Self {
        self.memory_reservation = Some(bytes);
        self
    }

    /// The inaccessible region after each linear memory's reservation.
    /// kiln's guard is fixed at 2 GiB, which its code relies on to elide
    /// bounds checks for static offsets: `Engine::new` accepts any size up
    /// to that (the guard is never smaller than asked) and refuses a larger
    /// one.
    pub fn memory_guard_size(&mut self, bytes: u64) -> &mut Self {
        self.memory_guard_size = Some(bytes);
        self
    }

    /// Sets how instances' memories, tables and VMContexts are allocated
    /// (default [`InstanceAllocationStrategy::OnDemand`]).
    pub fn allocation_strategy(&mut self, strategy: InstanceAllocationStrategy) -> &mut Self {
        self.allocation_strategy = strategy;
        self
    }

    /// Enables the Cranelift ISA flag `flag` (a CPU feature such as
    /// `has_avx2`, or a preset) on top of the host's. Code may then use
    /// it, and the artifact records it: a host without it refuses the
    /// artifact, naming it. An unknown flag makes [`Engine::new`] fail.
    ///
    /// # Safety
    ///
    /// As in wasmtime: kiln does not check that the flag is a sound choice
    /// for the code it compiles.
    pub unsafe fn cranelift_flag_enable(&mut self, flag: &str) -> &mut Self {
        self.cranelift_flags.push((flag.to_string(), None));
        self
    }

    /// Sets the Cranelift ISA flag `name` to `value`, e.g. `has_avx` to
    /// `false` so that compiled code does not use AVX (and the artifact
    /// does not ask for it). Only ISA flags can be set: kiln fixes the
    /// shared ones (`opt_level` has [`Config::cranelift_opt_level`]). An
    /// unknown flag or a bad value makes [`Engine::new`] fail; an operator
    /// that cannot be compiled without a disabled feature fails its
    /// module's compilation with a target-configuration error.
    ///
    /// # Safety
    ///
    /// As in wasmtime: kiln does not check that the setting is a sound
    /// choice for the code it compiles.
    pub unsafe fn cranelift_flag_set(&mut self, name: &str, value: &str) -> &mut Self {
        self.cranelift_flags.push((name.to_string(), Some(value.to_string())));
        self
    }

    /// The code generator. kiln has Cranelift only: `Auto` and `Cranelift`
    /// work, [`Strategy::Winch`](crate::Strategy::Winch) fails `Engine::new`.
    pub fn strategy(&mut self, strategy: crate::Strategy) -> &mut Self {
        self.codegen.strategy = strategy;
        self
    }

    /// The target to compile for: the host (its triple, or a shorter one
    /// that agrees with it, such as its bare architecture; the default), or
    /// `aarch64-unknown-linux-gnu` / `x86_64-unknown-linux-gnu` on the other
    /// architecture (a bare `aarch64` means Linux). Any other target, or a
    /// string that is no target triple, is an error. Host code uses the
    /// host's CPU features, another target's code its baseline (as
    /// [`Config::cranelift_flag_set`] leaves them); an artifact records its
    /// target and features and loads only where both match. An engine for
    /// another target can [`Engine::precompile_module`] but not run what it
    /// compiles (`Module::new` refuses it by target). Without the `compiler`
    /// feature, only the host is accepted.
    pub fn target(&mut self, target: &str) -> anyhow::Result<&mut Self> {
        self.codegen.target = crate::codegen::resolve_target(target)?;
        Ok(self)
    }

    /// Whether to carry the module's DWARF debug information (its line
    /// tables) into compiled code, mapped to native addresses, so that
    /// `gdb` steps through the guest's source lines. Off by default; a
    /// module without DWARF compiles the same either way.
    pub fn debug_info(&mut self, enable: bool) -> &mut Self {
        self.codegen.debug_info = enable;
        self
    }

    /// Whether traps may be detected with signals (guard pages). kiln's code
    /// always relies on them: `true` (the default) works, `false` fails
    /// `Engine::new`.
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Self {
        self.codegen.signals_based_traps = enable;
        self
    }

    /// Runs Cranelift's IR verifier on every function (slow; for debugging).
    pub fn cranelift_debug_verifier(&mut self, enable: bool) -> &mut Self {
        self.verify = enable;
        self
    }
}

/// Engine-wide function signature ids. Ids are never reused.
#[derive(Default)]
pub(crate) struct SignatureRegistry {
    ids: HashMap<WasmFuncType, VMSharedTypeId>,
    types: Vec<WasmFuncType>,
}

impl SignatureRegistry {
    pub(crate) fn register(&mut self, ty: &WasmFuncType) -> VMSharedTypeId {
        if let Some(id) = self.ids.get(ty) {
            return *id;
        }
        let id = VMSharedTypeId(self.types.len() as u32);
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }

    pub(crate) fn lookup(&self, id: VMSharedTypeId) -> Option<&WasmFuncType> {
        self.types.get(id.0 as usize)
    }
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) signatures: Mutex<SignatureRegistry>,
    /// The epoch, which compiled code reads through each store's context.
    pub(crate) epoch: AtomicU64,
    /// The pools, with the pooling allocation strategy.
    pub(crate) pool: Option<Arc<PoolingAllocator>>,
}

/// A compilation and runtime environment; cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(&Config::default()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.inner.config).finish()
    }
}

impl Engine {
    /// Creates an engine with `config`.
    ///
    /// Fails when `max_wasm_stack` is above [`MAX_WASM_STACK_LIMIT`]: the
    /// stack limit must stay a real bound even on a thread whose stack is
    /// unlimited (`ulimit -s unlimited`), where the thread's own guard gives
    /// none.
    pub fn new(config: &Config) -> anyhow::Result<Engine> {
        config.proposals.check()?;
        config.codegen.check()?;
        check_memory_layout(config)?;
        #[cfg(feature = "compiler")]
        kiln_compiler::check_target(&compiler_config(config))?;
        #[cfg(not(feature = "compiler"))]
        if let Some((name, _)) = config.cranelift_flags.first() {
            anyhow::bail!("Cranelift flag `{name}`: this build of kiln has no compiler (the `compiler` feature)");
        }
        crate::profiling::start(config.profiler)?;
        if config.max_wasm_stack > MAX_WASM_STACK_LIMIT {
            anyhow::bail!(
                "max_wasm_stack of {} bytes is above the largest supported, {MAX_WASM_STACK_LIMIT} bytes (1 GiB)",
                config.max_wasm_stack
            );
        }
        let pool = match &config.allocation_strategy {
            InstanceAllocationStrategy::OnDemand => None,
            InstanceAllocationStrategy::Pooling(p) => Some(Arc::new(PoolingAllocator::new(p.config)?)),
        };
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                signatures: Mutex::new(SignatureRegistry::default()),
                epoch: AtomicU64::new(0),
                pool,
            }),
        })
    }

    /// The pooling allocator, with the pooling strategy.
    pub(crate) fn pool(&self) -> Option<&Arc<PoolingAllocator>> {
        self.inner.pool.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles are the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Advances the epoch by one: every store of this engine whose deadline
    /// the new epoch reaches stops at its next check. One atomic add, safe
    /// from any thread (a signal handler included).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Relaxed)
    }

    pub(crate) fn epoch_ptr(&self) -> *const u64 {
        self.inner.epoch.as_ptr().cast_const()
    }

    pub(crate) fn register_signature(&self, ty: &WasmFuncType) -> VMSharedTypeId {
        self.inner.signatures.lock().unwrap_or_else(|e| e.into_inner()).register(ty)
    }

    pub(crate) fn signature(&self, id: VMSharedTypeId) -> Option<WasmFuncType> {
        self.inner.signatures.lock().unwrap_or_else(|e| e.into_inner()).lookup(id).cloned()
    }

    /// Compiles a module (binary or text) to artifact bytes without loading
    /// it: what `kiln compile` writes.
    #[cfg(feature = "compiler")]
    pub fn precompile_module(&self, bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
        Ok(self.compile(bytes)?.bytes)
    }

    /// Compiles a module (binary or text) to a *linkable* object, for a
    /// system linker rather than [`Module::deserialize`](crate::Module::deserialize):
    /// position-independent, with the descriptor symbol `options.symbol`
    /// that [`Module::from_linked`](crate::Module::from_linked) loads once
    /// the object is linked into the program (`kiln compile --exe` and
    /// build scripts use it). The metadata comes back decoded too, for
    /// tools that describe the module (a C header).
    #[cfg(feature = "compiler")]
    pub fn precompile_linkable(
        &self,
        bytes: &[u8],
        options: &crate::LinkOptions,
    ) -> anyhow::Result<kiln_compiler::CompiledArtifact> {
        Ok(kiln_compiler::compile_linkable(bytes, &compiler_config(&self.inner.config), options)?)
    }

    /// Compiles a module, keeping its metadata decoded for `Module::new`.
    #[cfg(feature = "compiler")]
    pub(crate) fn compile(&self, bytes: &[u8]) -> anyhow::Result<kiln_compiler::CompiledArtifact> {
        Ok(kiln_compiler::compile_module(bytes, &compiler_config(&self.inner.config))?)
    }

    /// What the compiler is told: every setting that shapes an artifact.
    #[cfg(feature = "compiler")]
    pub(crate) fn compiler_config(&self) -> kiln_compiler::CompilerConfig {
        compiler_config(&self.inner.config)
    }
}

/// What the compiler is asked for by `c`.
#[cfg(feature = "compiler")]
fn compiler_config(c: &Config) -> kiln_compiler::CompilerConfig {
    kiln_compiler::CompilerConfig {
        opt_level: c.opt_level,
        verify: c.verify,
        tunables: c.tunables,
        features: c.proposals.compiler_features(),
        single_threaded: !c.parallel_compilation,
        cranelift_flags: c.cranelift_flags.clone(),
        target: c.codegen.target.clone(),
        debug_info: c.codegen.debug_info,
    }
}

/// Refuses a memory reservation or guard size kiln's fixed heap layout
/// (`kiln_environ::heap`) cannot honour.
fn check_memory_layout(config: &Config) -> anyhow::Result<()> {
    use kiln_runtime_support::heap::{GUARD_SIZE, RESERVATION_SIZE};
    let addressable = RESERVATION_SIZE - GUARD_SIZE;
    if let Some(bytes) = config.memory_reservation
        && bytes < addressable
    {
        anyhow::bail!(
            "memory_reservation of {bytes} bytes is below the {addressable} bytes kiln reserves for every memory: \
             kiln compiles without bounds checks and has no mode for smaller reservations"
        );
    }
    if let Some(bytes) = config.memory_guard_size
        && bytes > GUARD_SIZE
    {
        anyhow::bail!("memory_guard_size of {bytes} bytes is above kiln's fixed guard region of {GUARD_SIZE} bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_stack_limits_are_refused() {
        let mut config = Config::new();
        config.max_wasm_stack(usize::MAX);
        let err = Engine::new(&config).unwrap_err().to_string();
        assert!(err.contains("max_wasm_stack"), "{err}");
        config.max_wasm_stack(MAX_WASM_STACK_LIMIT);
        assert!(Engine::new(&config).is_ok());
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }

    #[test]
    fn equal_signatures_share_an_id() {
        let e = Engine::default();
        let a = WasmFuncType { params: vec![kiln_runtime_support::WasmValType::I32].into(), results: vec![].into() };
        let b = WasmFuncType::default();
        assert_eq!(e.register_signature(&a), e.register_signature(&a.clone()));
        assert_ne!(e.register_signature(&a), e.register_signature(&b));
    }
}
