//! A server's per-request instantiation: the pooling allocator,
//! copy-on-write memory, imports resolved once with `InstancePre`, and a
//! new store per request (the scenario of wasmtime's
//! `fast_instantiation` example).

use kiln::*;

const WAT: &str = r#"(module
  (import "host" "request_id" (func $id (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello")
  (func (export "handle") (result i32)
    ;; Prove the memory is fresh: byte 100 is zero, then write to it.
    (if (i32.load8_u (i32.const 100)) (then unreachable))
    (i32.store8 (i32.const 100) (i32.const 1))
    (i32.add (call $id) (i32.load8_u (i32.const 0)))))"#;

fn main() -> Result<()> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_memories(8).total_tables(8).total_core_instances(8);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool)).memory_init_cow(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, WAT)?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "request_id", |caller: Caller<'_, i32>| *caller.data())?;
    let pre = linker.instantiate_pre(&module)?;

    for request in 0..100 {
        let mut store = Store::new(&engine, request);
        let instance = pre.instantiate(&mut store)?;
        let handle = instance.get_typed_func::<(), i32>(&mut store, "handle")?;
        ensure!(handle.call(&mut store, ())? == request + i32::from(b'h'), "request {request}");
    }
    println!("served 100 requests, each in a fresh pooled instance");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
