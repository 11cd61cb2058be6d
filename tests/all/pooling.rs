//! `InstancePre`, `define_unknown_imports_as_traps`, the pooling allocator
//! (slot reuse, reset, limits) and the table image.

use anyhow::Result;
use kiln::*;

/// An engine with a small pool.
fn pooled(configure: impl FnOnce(&mut PoolingAllocationConfig)) -> Engine {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_memories(2).total_tables(2).total_core_instances(2).table_elements(100);
    configure(&mut pool);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).unwrap()
}

const COUNTER: &str = r#"(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "bump") (result i32)
    (global.set $g (call $add (global.get $g) (i32.const 1)))
    (global.get $g)))"#;

#[test]
fn instance_pre_instantiates_in_many_stores() -> Result<()> {
    for engine in [Engine::default(), pooled(|_| {})] {
        let module = Module::new(&engine, COUNTER)?;
        let mut linker: Linker<u32> = Linker::new(&engine);
        linker.func_wrap("host", "add", |mut caller: Caller<'_, u32>, a: i32, b: i32| {
            *caller.data_mut() += 1;
            a + b
        })?;
        let pre = linker.instantiate_pre(&module)?;
        assert_eq!(pre.module().imports().len(), 1);
        for round in 0..10 {
            let mut store = Store::new(&engine, 0u32);
            let instance = pre.clone().instantiate(&mut store)?;
            let bump = instance.get_typed_func::<(), i32>(&mut store, "bump")?;
            assert_eq!(bump.call(&mut store, ())?, 1, "round {round}: a fresh global");
            assert_eq!(bump.call(&mut store, ())?, 2);
            assert_eq!(*store.data(), 2, "the host function ran in this store");
        }
    }
    Ok(())
}

#[test]
fn instantiate_pre_reports_import_errors_once() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER)?;
    let mut linker: Linker<()> = Linker::new(&engine);
    let err = linker.instantiate_pre(&module).err().expect("unknown import").to_string();
    assert!(err.contains("unknown import: `host::add` has not been defined"), "{err}");
    linker.func_wrap("host", "add", |a: i32| a)?;
    let err = linker.instantiate_pre(&module).err().expect("wrong type");
    assert!(matches!(err.downcast_ref::<LinkError>(), Some(LinkError::Incompatible { .. })), "{err}");
    assert!(err.to_string().contains("host::add"), "{err}");
    Ok(())
}

#[test]
fn unknown_imports_trap_with_their_name() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "env" "missing" (func $m (result i32)))
          (import "env" "mem" (memory 1))
          (func (export "call") (result i32) (call $m)))"#,
    )?;
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&module)?;
    // The memory import is left alone: still unknown.
    let err = linker.instantiate_pre(&module).err().expect("memory is not defined").to_string();
    assert!(err.contains("env::mem"), "{err}");
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    linker.define(&store, "env", "mem", memory)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let call = instance.get_typed_func::<(), i32>(&mut store, "call")?;
    let err = format!("{:?}", call.call(&mut store, ()).unwrap_err());
    assert!(err.contains("unknown import: `env::missing` has not been defined"), "{err}");
    Ok(())
}

const TENANT: &str = r#"(module
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global $g (export "g") (mut i32) (i32.const 5))
  (func $f (result i32) (i32.const 42))
  (elem declare func $f)
  (func (export "dirty") (param $pages i32)
    (drop (memory.grow (local.get $pages)))
    (i32.store (i32.const 0) (i32.const 0xdead))
    (i32.store (i32.const 70000) (i32.const 0xbeef))
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 0xfeed))
    (table.set (i32.const 1) (ref.func $f))
    (global.set $g (i32.const 99)))
  (func (export "sum") (result i64) (local $i i32) (local $acc i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))
      (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $acc))
  (func (export "entry") (result i32) (ref.is_null (table.get (i32.const 1)))))"#;

#[test]
fn a_reused_slot_starts_fresh() -> Result<()> {
    // One slot of each kind, so every tenant reuses the same ones; keep
    // part of the memory and table resident to test that path too.
    let engine = pooled(|p| {
        p.total_memories(1).total_tables(1).total_core_instances(1);
        p.linear_memory_keep_resident(65536).table_keep_resident(4096);
    });
    let module = Module::new(&engine, TENANT)?;
    let linker: Linker<()> = Linker::new(&engine);
    let pre = linker.instantiate_pre(&module)?;
    for round in 0..4 {
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate(&mut store)?;
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        assert_eq!(memory.data_size(&store), 65536, "round {round}: the initial size, not the last tenant's");
        let sum = instance.get_typed_func::<(), i64>(&mut store, "sum")?;
        assert_eq!(sum.call(&mut store, ())?, 0, "round {round}: memory reads as zero");
        let entry = instance.get_typed_func::<(), i32>(&mut store, "entry")?;
        assert_eq!(entry.call(&mut store, ())?, 1, "round {round}: the table entry is null");
        let g = instance.get_global(&mut store, "g").unwrap();
        assert!(matches!(g.get(&mut store), Val::I32(5)), "round {round}: the global starts at its initializer");
        // Pages the last tenant grew into read as zero once grown into again.
        assert_eq!(memory.grow(&mut store, 2)?, 1);
        assert_eq!(sum.call(&mut store, ())?, 0, "round {round}: grown pages read as zero");
        let dirty = instance.get_typed_func::<i32, ()>(&mut store, "dirty")?;
        dirty.call(&mut store, 0)?;
        assert_eq!(memory.data_size(&store), 3 * 65536);
        assert_ne!(sum.call(&mut store, ())?, 0);
        assert_eq!(entry.call(&mut store, ())?, 0);
    }
    Ok(())
}

#[test]
fn a_reused_memory_slot_is_bounded_by_the_new_size() -> Result<()> {
    let engine = pooled(|p| {
        p.total_memories(1);
    });
    let big = Module::new(
        &engine,
        r#"(module (memory 3) (func (export "poke") (i32.store (i32.const 131072) (i32.const 1))))"#,
    )?;
    let small = Module::new(
        &engine,
        r#"(module (memory 1) (func (export "poke") (i32.store (i32.const 131072) (i32.const 1))))"#,
    )?;
    let linker: Linker<()> = Linker::new(&engine);
    {
        let mut store = Store::new(&engine, ());
        let i = linker.instantiate(&mut store, &big)?;
        i.get_typed_func::<(), ()>(&mut store, "poke")?.call(&mut store, ())?;
    }
    let mut store = Store::new(&engine, ());
    let i = linker.instantiate(&mut store, &small)?;
    let err = i.get_typed_func::<(), ()>(&mut store, "poke")?.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds), "{err:?}");
    Ok(())
}

#[test]
fn slot_counts_are_enforced_and_slots_come_back() -> Result<()> {
    let engine = pooled(|p| {
        p.total_memories(2).total_tables(3).total_core_instances(3);
    });
    let linker: Linker<()> = Linker::new(&engine);
    let with_memory = Module::new(&engine, "(module (memory 1))")?;
    let with_table = Module::new(&engine, "(module (table 1 funcref))")?;
    let empty = Module::new(&engine, "(module)")?;
    let mut store = Store::new(&engine, ());
    linker.instantiate(&mut store, &with_memory)?;
    linker.instantiate(&mut store, &with_memory)?;
    let err = linker.instantiate(&mut store, &with_memory).unwrap_err().to_string();
    assert!(err.contains("maximum concurrent limit of 2 for memories reached"), "{err}");
    drop(store);

    let mut store = Store::new(&engine, ());
    linker.instantiate(&mut store, &with_table)?;
    linker.instantiate(&mut store, &with_table)?;
    linker.instantiate(&mut store, &with_table)?;
    let err = linker.instantiate(&mut store, &empty).unwrap_err().to_string();
    assert!(err.contains("maximum concurrent limit of 3 for core instances reached"), "{err}");
    let mut other = Store::new(&engine, ());
    let err =
        Table::new(&mut other, TableType::new(RefType::FUNCREF, 1, None), Ref::Func(None)).unwrap_err().to_string();
    assert!(err.contains("maximum concurrent limit of 3 for tables reached"), "{err}");
    drop(store);
    // Everything is free again.
    for _ in 0..3 {
        linker.instantiate(&mut other, &with_table)?;
    }
    Ok(())
}

#[test]
fn modules_too_large_for_the_pool_are_refused() -> Result<()> {
    let engine = pooled(|p| {
        p.max_memory_size(2 * 65536).table_elements(10).max_core_instance_size(4096);
    });
    let linker: Linker<()> = Linker::new(&engine);
    let cases = [
        ("(module (memory 3))", "minimum byte size of 196608 which exceeds the limit of 131072 bytes"),
        ("(module (table 11 funcref))", "minimum element size of 11 which exceeds the limit of 10"),
        (
            "(module (table 1 funcref) (table 1 funcref))",
            "defined tables count of 2 exceeds the per-instance limit of 1",
        ),
    ];
    // Refused when the module is created, as wasmtime does, not at each
    // instantiation.
    for (wat, want) in cases {
        let err = Module::new(&engine, wat).unwrap_err().to_string();
        assert!(err.contains(want), "{wat}: {err}");
    }
    let mut wat = String::from("(module");
    for i in 0..400 {
        wat.push_str(&format!(" (global $g{i} i64 (i64.const 0))"));
    }
    wat.push(')');
    let err = Module::new(&engine, &wat).unwrap_err().to_string();
    assert!(err.contains("exceeds the configured maximum of 4096 bytes"), "{err}");
    let mut store = Store::new(&engine, ());
    // Growth stops at the pool's limits: -1, not a fault.
    let module = Module::new(
        &engine,
        r#"(module (memory 1) (table 1 funcref)
            (func (export "mem") (result i32) (memory.grow (i32.const 2)))
            (func (export "tab") (result i32) (table.grow (ref.null func) (i32.const 10))))"#,
    )?;
    let instance = linker.instantiate(&mut store, &module)?;
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "mem")?.call(&mut store, ())?, -1);
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "tab")?.call(&mut store, ())?, -1);
    assert!(!PoolingAllocationConfig::are_memory_protection_keys_available());
    let engine = pooled(|p| {
        p.max_memories_per_module(0);
    });
    let err = Module::new(&engine, "(module (memory 1))").unwrap_err().to_string();
    assert!(err.contains("defined memories count of 1 exceeds the per-instance limit of 0"), "{err}");
    Ok(())
}

#[test]
fn table_image_matches_the_segment_path() -> Result<()> {
    // Segments with constant offsets use the image; the one at a global's
    // offset takes the ordinary path; both must fill the same table.
    let wat = r#"(module
      (import "env" "off" (global $off i32))
      (table $t 8 funcref)
      (func $a (result i32) (i32.const 1))
      (func $b (result i32) (i32.const 2))
      (elem (table $t) (i32.const 0) func $a $b)
      (elem (table $t) (i32.const 3) funcref (ref.func $b) (ref.null func) (ref.func $a))
      (elem (table $t) (global.get $off) func $b)
      (type $r (func (result i32)))
      (func (export "call") (param i32) (result i32) (call_indirect $t (type $r) (local.get 0)))
      (func (export "null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0)))))"#;
    for engine in [Engine::default(), pooled(|_| {})] {
        let module = Module::new(&engine, wat)?;
        let mut store = Store::new(&engine, ());
        let off = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Const), Val::I32(7))?;
        let mut linker: Linker<()> = Linker::new(&engine);
        linker.define(&store, "env", "off", off)?;
        let instance = linker.instantiate(&mut store, &module)?;
        let call = instance.get_typed_func::<i32, i32>(&mut store, "call")?;
        let null = instance.get_typed_func::<i32, i32>(&mut store, "null")?;
        let got: Vec<Option<i32>> = (0..8)
            .map(|i| if null.call(&mut store, i).unwrap() == 1 { None } else { call.call(&mut store, i).ok() })
            .collect();
        assert_eq!(got, [Some(1), Some(2), None, Some(2), None, Some(1), None, Some(2)]);
    }
    // A segment that does not fit traps, with the earlier ones applied.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (table (export "t") 2 funcref) (func $a)
            (elem (i32.const 0) func $a) (elem (i32.const 1) func $a $a))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds), "{err:?}");
    Ok(())
}

#[test]
fn shared_host_functions_work_as_exports_and_table_entries() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "double" (func $d (param i32) (result i32)))
          (table (export "t") 1 funcref)
          (elem (i32.const 0) func $d)
          (export "double" (func $d))
          (type $t (func (param i32) (result i32)))
          (func (export "indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))"#,
    )?;
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker.func_wrap("host", "double", |mut c: Caller<'_, u32>, x: i32| {
        *c.data_mut() += 1;
        x * 2
    })?;
    let pre = linker.instantiate_pre(&module)?;
    for _ in 0..3 {
        let mut store = Store::new(&engine, 0);
        let instance = pre.instantiate(&mut store)?;
        // From the host, through the export and through the table.
        let double = instance.get_typed_func::<i32, i32>(&mut store, "double")?;
        assert_eq!(double.call(&mut store, 21)?, 42);
        let table = instance.get_table(&mut store, "t").unwrap();
        let Some(Ref::Func(Some(f))) = table.get(&mut store, 0) else { panic!("a function in the table") };
        assert_eq!(f.typed::<i32, i32>(&store)?.call(&mut store, 5)?, 10);
        assert_eq!(&f, double.func(), "the same function either way");
        // From wasm, through the table.
        let indirect = instance.get_typed_func::<i32, i32>(&mut store, "indirect")?;
        assert_eq!(indirect.call(&mut store, 4)?, 8);
        assert_eq!(*store.data(), 3);
    }
    Ok(())
}
