//! Resource limits: `StoreLimits` and custom `ResourceLimiter`s bounding
//! memory and table growth from wasm and from the host, trapping with the
//! limiter's error, and instance, memory and table counts.

use anyhow::{Result, anyhow};
use kiln::*;

const GROW: &str = r#"(module
  (memory (export "mem") 1)
  (table $t (export "table") 1 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow_table") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
)"#;

struct State {
    limits: StoreLimits,
}

fn setup(limits: StoreLimits) -> (Store<State>, Instance) {
    let (engine, module) = crate::module(GROW);
    let mut store = Store::new(&engine, State { limits });
    store.limiter(|s| &mut s.limits);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn grow(store: &mut Store<State>, instance: &Instance, name: &str, delta: i32) -> Result<i32> {
    instance.get_typed_func::<i32, i32>(&mut *store, name)?.call(&mut *store, delta)
}

#[test]
fn memory_grow_past_the_limit_returns_minus_one() {
    let (mut store, instance) = setup(StoreLimitsBuilder::new().memory_size(3 << 16).build());
    assert_eq!(grow(&mut store, &instance, "grow", 2).unwrap(), 1);
    assert_eq!(grow(&mut store, &instance, "grow", 1).unwrap(), -1);
    let size = instance.get_typed_func::<(), i32>(&mut store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(grow(&mut store, &instance, "grow", 0).unwrap(), 3);
}

#[test]
fn trap_on_grow_failure_traps_with_the_limiters_error() {
    let limits = StoreLimitsBuilder::new().memory_size(2 << 16).table_elements(3).trap_on_grow_failure(true).build();
    let (mut store, instance) = setup(limits);
    assert_eq!(grow(&mut store, &instance, "grow", 1).unwrap(), 1);
    let err = grow(&mut store, &instance, "grow", 1).unwrap_err();
    assert_eq!(err.root_cause().to_string(), "forcing trap when growing memory to 196608 bytes");
    assert!(err.downcast_ref::<WasmBacktrace>().is_some(), "the error carries a backtrace: {err:?}");
    assert_eq!(instance.get_memory(&mut store, "mem").unwrap().size(&store), 2);
    let err = grow(&mut store, &instance, "grow_table", 3).unwrap_err();
    assert_eq!(err.root_cause().to_string(), "forcing trap when growing table to 4 elements");
    // The store stays usable.
    assert_eq!(grow(&mut store, &instance, "grow_table", 2).unwrap(), 1);
}

#[test]
fn table_grow_past_the_limit_returns_minus_one() {
    let (mut store, instance) = setup(StoreLimitsBuilder::new().table_elements(5).build());
    assert_eq!(grow(&mut store, &instance, "grow_table", 4).unwrap(), 1);
    assert_eq!(grow(&mut store, &instance, "grow_table", 1).unwrap(), -1);
    let table = instance.get_table(&mut store, "table").unwrap();
    assert_eq!(table.size(&store), 5);
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());
}

#[test]
fn host_grows_are_limited_too() {
    let (mut store, instance) = setup(StoreLimitsBuilder::new().memory_size(2 << 16).build());
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    assert_eq!(mem.grow(&mut store, 1).unwrap(), 1);
    let err = mem.grow(&mut store, 1).unwrap_err();
    assert!(err.to_string().contains("failed to grow memory"), "{err}");
    assert_eq!(mem.size(&store), 2);
    // Creation asks too: a memory whose minimum is over the limit.
    let ty = MemoryType::new(3, None);
    let err = Memory::new(&mut store, ty).unwrap_err();
    assert!(err.to_string().contains("memory minimum size of 3 pages exceeds memory limits"), "{err}");
    assert!(Memory::new(&mut store, MemoryType::new(2, None)).is_ok());
}

/// Records every question and answers from a script.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    refuse_memory_above: Option<usize>,
    error_on_table: bool,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.calls.push(format!("memory {current} -> {desired} (max {maximum:?})"));
        Ok(self.refuse_memory_above.is_none_or(|limit| desired <= limit))
    }
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        self.calls.push(format!("memory failed: {error}"));
        Ok(())
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.calls.push(format!("table {current} -> {desired} (max {maximum:?})"));
        if self.error_on_table {
            return Err(anyhow!("no tables for you"));
        }
        Ok(true)
    }
}

#[test]
fn a_custom_limiter_sees_current_desired_and_maximum() {
    let (engine, module) = crate::module(
        r#"(module
          (memory 1 4)
          (table $t 2 10 funcref)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "grow_table") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, Recorder { refuse_memory_above: Some(3 << 16), ..Default::default() });
    store.limiter(|r| r as &mut dyn ResourceLimiter);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 2).unwrap(), -1, "refused by the limiter");
    assert_eq!(grow.call(&mut store, 0).unwrap(), 2, "a zero grow asks nobody");
    store.data_mut().refuse_memory_above = None;
    assert_eq!(grow.call(&mut store, 3).unwrap(), -1, "past the type's maximum");
    let grow_table = instance.get_typed_func::<i32, i32>(&mut store, "grow_table").unwrap();
    assert_eq!(grow_table.call(&mut store, 3).unwrap(), 2);
    assert_eq!(
        store.data().calls,
        [
            "memory 0 -> 65536 (max Some(262144))",
            "table 0 -> 2 (max Some(10))",
            "memory 65536 -> 131072 (max Some(262144))",
            "memory 131072 -> 262144 (max Some(262144))",
            "memory 131072 -> 327680 (max Some(262144))",
            "memory failed: memory maximum size exceeded",
            "table 2 -> 5 (max Some(10))",
        ]
    );
    // An error from the limiter traps the guest with that error.
    store.data_mut().error_on_table = true;
    let err = grow_table.call(&mut store, 1).unwrap_err();
    assert_eq!(err.root_cause().to_string(), "no tables for you");
    assert!(err.downcast_ref::<Trap>().is_none(), "the limiter's error, not a trap code: {err:?}");
    // And a memory without a maximum reports 4 GiB.
    let mut store = Store::new(&engine, Recorder::default());
    store.limiter(|r| r as &mut dyn ResourceLimiter);
    Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    assert_eq!(store.data().calls, ["memory 0 -> 65536 (max Some(4294967296))"]);
}

#[test]
fn counts_are_enforced_at_instantiation() {
    let (engine, module) = crate::module(GROW);
    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().instances(2).build() });
    store.limiter(|s| &mut s.limits);
    Instance::new(&mut store, &module, &[]).unwrap();
    Instance::new(&mut store, &module, &[]).unwrap();
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.to_string(), "resource limit exceeded: instance count too high at 3");

    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().memories(1).tables(5).build() });
    store.limiter(|s| &mut s.limits);
    Instance::new(&mut store, &module, &[]).unwrap();
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.to_string(), "resource limit exceeded: memory count too high at 2");

    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().tables(0).build() });
    store.limiter(|s| &mut s.limits);
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.to_string(), "resource limit exceeded: table count too high at 1");

    // A memory whose minimum is over the size limit refuses the instance.
    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().memory_size(100).build() });
    store.limiter(|s| &mut s.limits);
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.to_string(), "memory minimum size of 1 pages exceeds memory limits");
    // ...and is not counted: the store can still hold its instances.
    store.data_mut().limits = StoreLimitsBuilder::new().build();
    Instance::new(&mut store, &module, &[]).unwrap();
}

/// `InstancePre::instantiate` (and so `Linker::instantiate`) admits
/// instances exactly as `Instance::new` does.
#[test]
fn instance_pre_is_counted_and_limited_too() {
    let (engine, module) = crate::module(GROW);
    let pre = Linker::<State>::new(&engine).instantiate_pre(&module).unwrap();
    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().instances(1).build() });
    store.limiter(|s| &mut s.limits);
    pre.instantiate(&mut store).unwrap();
    let err = pre.instantiate(&mut store).unwrap_err();
    assert_eq!(err.to_string(), "resource limit exceeded: instance count too high at 2");

    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().memory_size(100).build() });
    store.limiter(|s| &mut s.limits);
    let err = pre.instantiate(&mut store).unwrap_err();
    assert_eq!(err.to_string(), "memory minimum size of 1 pages exceeds memory limits");
}

#[test]
fn a_failed_link_is_not_counted() {
    let (engine, module) = crate::module(r#"(module (import "m" "f" (func)))"#);
    let mut store = Store::new(&engine, State { limits: StoreLimitsBuilder::new().instances(1).build() });
    store.limiter(|s| &mut s.limits);
    assert!(Instance::new(&mut store, &module, &[]).is_err());
    let f = Func::wrap(&mut store, || {});
    Instance::new(&mut store, &module, &[f.into()]).unwrap();
}

struct Panicker;

impl ResourceLimiter for Panicker {
    fn memory_growing(&mut self, current: usize, _: usize, _: Option<usize>) -> Result<bool> {
        if current > 0 {
            panic!("limiter panicked");
        }
        Ok(true)
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool> {
        Ok(true)
    }
}

/// A panic in the limiter, called from `memory.grow`, resumes in the host
/// caller (it never crosses the libcall's `extern "C"` edge).
#[test]
fn a_limiter_panic_resumes_in_the_host() {
    let (engine, module) = crate::module(GROW);
    let mut store = Store::new(&engine, Panicker);
    store.limiter(|p| p as &mut dyn ResourceLimiter);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| grow.call(&mut store, 1)));
    let payload = caught.expect_err("the panic reaches the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"limiter panicked"));
}
