//! The embedding API, end to end.

use super::module;
use anyhow::Result;
use kiln::*;

#[test]
fn typed_and_dynamic_calls_agree() -> Result<()> {
    let (engine, module) = module(
        r#"(module (func (export "mix") (param i32 i64 f32 f64) (result f64 i32)
             local.get 3 local.get 2 f64.promote_f32 f64.add
             local.get 0 local.get 1 i32.wrap_i64 i32.add))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let typed = instance.get_typed_func::<(i32, i64, f32, f64), (f64, i32)>(&mut store, "mix")?;
    assert_eq!(typed.call(&mut store, (1, 2, 0.5, 0.25))?, (0.75, 3));
    let func = instance.get_func(&mut store, "mix").unwrap();
    let mut results = [Val::I32(0), Val::I32(0)];
    func.call(&mut store, &[Val::I32(1), Val::I64(2), 0.5f32.into(), 0.25f64.into()], &mut results)?;
    assert_eq!(results[0].f64(), Some(0.75));
    assert_eq!(results[1].i32(), Some(3));
    // Wrong types are refused, not miscalled.
    assert!(instance.get_typed_func::<i32, i32>(&mut store, "mix").is_err());
    assert!(func.call(&mut store, &[Val::I32(1)], &mut results).is_err());
    assert!(func.call(&mut store, &[Val::I64(1), Val::I64(2), Val::F32(0), Val::F64(0)], &mut results).is_err());
    Ok(())
}

#[test]
fn func_new_and_linker_get() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0u64);
    let mut linker = Linker::new(&engine);
    let ty = FuncType::new([ValType::I64], [ValType::I64]);
    linker.func_new("env", "double", ty, |mut caller: Caller<'_, u64>, params, results| {
        *caller.data_mut() += 1;
        results[0] = Val::I64(params[0].unwrap_i64() * 2);
        Ok(())
    })?;
    let module = Module::new(
        &engine,
        r#"(module (import "env" "double" (func $d (param i64) (result i64)))
             (func (export "quad") (param i64) (result i64) local.get 0 call $d call $d))"#,
    )?;
    let instance = linker.instantiate(&mut store, &module)?;
    let quad = instance.get_typed_func::<i64, i64>(&mut store, "quad")?;
    assert_eq!(quad.call(&mut store, 5)?, 20);
    assert_eq!(*store.data(), 2);
    assert!(linker.get(&mut store, "env", "double").is_some());
    assert!(linker.get(&mut store, "env", "missing").is_none());
    Ok(())
}

#[test]
fn linker_reports_missing_and_mismatched_imports() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let module = Module::new(&engine, r#"(module (import "env" "f" (func (param i32))))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("env::f"), "{err}");
    linker.func_wrap("env", "f", |_: i64| {}).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("incompatible import type"), "{err}");
    assert!(linker.func_wrap("env", "f", |_: i64| {}).is_err(), "no shadowing by default");
}

#[test]
fn instances_link_to_each_other() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let a = Module::new(
        &engine,
        r#"(module (memory (export "mem") 1) (global (export "g") (mut i32) (i32.const 7))
             (table (export "t") 2 funcref) (func $f (export "f") (result i32) i32.const 42)
             (elem (i32.const 0) $f))"#,
    )?;
    let a_inst = linker.instantiate(&mut store, &a)?;
    linker.instance(&mut store, "a", a_inst)?;
    let b = Module::new(
        &engine,
        r#"(module (import "a" "mem" (memory 1)) (import "a" "g" (global $g (mut i32)))
             (import "a" "t" (table 2 funcref)) (type $t (func (result i32)))
             (func (export "run") (result i32)
               (i32.store (i32.const 8) (i32.const 99))
               (global.set $g (i32.add (global.get $g) (i32.const 1)))
               (call_indirect (type $t) (i32.const 0))))"#,
    )?;
    let b_inst = linker.instantiate(&mut store, &b)?;
    assert_eq!(b_inst.get_typed_func::<(), i32>(&mut store, "run")?.call(&mut store, ())?, 42);
    let mem = a_inst.get_memory(&mut store, "mem").unwrap();
    assert_eq!(mem.data(&store)[8], 99);
    let g = a_inst.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&mut store).unwrap_i32(), 8);
    Ok(())
}

#[test]
fn memory_global_table_from_the_host() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(3)))?;
    assert_eq!(mem.size(&store), 1);
    assert_eq!(mem.grow(&mut store, 1)?, 1);
    assert!(mem.grow(&mut store, 5).is_err());
    mem.write(&mut store, 65536 * 2 - 4, &[1, 2, 3, 4])?;
    let mut buf = [0; 4];
    mem.read(&store, 65536 * 2 - 4, &mut buf)?;
    assert_eq!(buf, [1, 2, 3, 4]);
    assert!(mem.read(&store, 65536 * 2 - 3, &mut buf).is_err());

    let g = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Var), Val::I32(1))?;
    g.set(&mut store, Val::I32(5))?;
    assert!(g.set(&mut store, Val::I64(5)).is_err());
    let c = Global::new(&mut store, GlobalType::new(ValType::F64, Mutability::Const), 1.5f64.into())?;
    assert!(c.set(&mut store, 2.5f64.into()).is_err());

    let t = Table::new(&mut store, TableType::new(ValType::FuncRef, 2, None), Val::FuncRef(None))?;
    assert_eq!(t.grow(&mut store, 3, Val::FuncRef(None))?, 2);
    assert_eq!(t.size(&store), 5);
    assert!(t.get(&mut store, 5).is_none());

    let module = Module::new(
        &engine,
        r#"(module (import "" "m" (memory 2)) (import "" "g" (global (mut i32)))
             (import "" "t" (table 1 funcref))
             (func (export "read") (result i32) (i32.add (i32.load8_u (i32.const 131068)) (global.get 0)))
             (func (export "size") (result i32) table.size 0))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[mem.into(), g.into(), t.into()])?;
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "read")?.call(&mut store, ())?, 6);
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "size")?.call(&mut store, ())?, 5);
    Ok(())
}

#[test]
fn host_functions_in_tables_and_as_funcref_values() -> Result<()> {
    let (engine, module) = module(
        r#"(module (type $t (func (param i32) (result i32)))
             (table (export "t") 1 funcref)
             (func (export "call0") (param i32) (result i32) local.get 0 (call_indirect (type $t) (i32.const 0)))
             (func (export "id") (param funcref) (result funcref) local.get 0))"#,
    );
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let host = Func::wrap(&mut store, |x: i32| x + 100);
    let table = instance.get_table(&mut store, "t").unwrap();
    table.set(&mut store, 0, Val::FuncRef(Some(host)))?;
    assert_eq!(instance.get_typed_func::<i32, i32>(&mut store, "call0")?.call(&mut store, 1)?, 101);
    let id = instance.get_typed_func::<Option<Func>, Option<Func>>(&mut store, "id")?;
    assert_eq!(id.call(&mut store, Some(host))?, Some(host));
    assert_eq!(id.call(&mut store, None)?, None);
    Ok(())
}

#[test]
fn externrefs_round_trip() -> Result<()> {
    let (engine, module) = module(r#"(module (func (export "id") (param externref) (result externref) local.get 0))"#);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let r = ExternRef::new(&mut store, String::from("hi"))?;
    let id = instance.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "id")?;
    let back = id.call(&mut store, Some(r))?.unwrap();
    assert_eq!(back.data(&store)?.downcast_ref::<String>().map(String::as_str), Some("hi"));
    Ok(())
}

#[test]
fn host_errors_come_back_as_themselves() {
    #[derive(Debug)]
    struct MyError;
    impl std::fmt::Display for MyError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("my error")
        }
    }
    impl std::error::Error for MyError {}
    let (engine, module) = module(r#"(module (import "" "f" (func $f)) (func $g (export "g") call $f))"#);
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, || -> Result<()> { Err(MyError.into()) });
    let instance = Instance::new(&mut store, &module, &[f.into()]).unwrap();
    let g = instance.get_typed_func::<(), ()>(&mut store, "g").unwrap();
    let err = g.call(&mut store, ()).unwrap_err();
    assert!(err.downcast_ref::<MyError>().is_some(), "{err:?}");
    // The store is still usable afterwards.
    assert!(g.call(&mut store, ()).is_err());
}

#[test]
fn host_panics_do_not_unwind_through_wasm() {
    let (engine, module) = module(r#"(module (import "" "f" (func $f)) (func (export "g") call $f))"#);
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, || -> () { panic!("host panic") });
    let instance = Instance::new(&mut store, &module, &[f.into()]).unwrap();
    let g = instance.get_typed_func::<(), ()>(&mut store, "g").unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.call(&mut store, ())));
    let payload = caught.expect_err("the panic reaches the embedder");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"host panic"));
    // Wasm can be entered again.
    let ok = Func::wrap(&mut store, || {});
    let again = Instance::new(&mut store, &module, &[ok.into()]).unwrap();
    again.get_typed_func::<(), ()>(&mut store, "g").unwrap().call(&mut store, ()).unwrap();
}

#[test]
fn module_describes_imports_and_exports() -> Result<()> {
    let (_, module) = module(
        r#"(module (import "env" "f" (func (param i32) (result i64))) (import "env" "m" (memory 1 2))
             (global (export "g") f32 (f32.const 1)) (func (export "h")) (table (export "t") 3 externref))"#,
    );
    let imports: Vec<_> = module.imports().map(|i| (i.module().to_string(), i.name().to_string(), i.ty())).collect();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].2, ExternType::Func(FuncType::new([ValType::I32], [ValType::I64])));
    assert_eq!(imports[1].2, ExternType::Memory(MemoryType::new(1, Some(2))));
    let exports: Vec<_> = module.exports().map(|e| e.name().to_string()).collect();
    assert_eq!(exports, ["g", "h", "t"]);
    assert_eq!(module.get_export("g"), Some(ExternType::Global(GlobalType::new(ValType::F32, Mutability::Const))));
    Ok(())
}

#[test]
fn serialize_and_deserialize_round_trip() -> Result<()> {
    let (engine, module) = module(r#"(module (func (export "f") (result i32) i32.const 7))"#);
    let bytes = module.serialize()?;
    // SAFETY: these bytes were just produced by kiln.
    let loaded = unsafe { Module::deserialize(&engine, &bytes)? };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f.o");
    std::fs::write(&path, &bytes)?;
    // SAFETY: as above; the file is not modified while mapped.
    let mapped = unsafe { Module::deserialize_file(&engine, &path)? };
    // The safe constructor never loads native code, whatever the file name.
    let err = Module::from_file(&engine, &path).unwrap_err().to_string();
    assert!(err.contains("compiled kiln artifact") && err.contains("deserialize_file"), "{err}");
    for m in [loaded, mapped] {
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &m, &[])?;
        assert_eq!(i.get_typed_func::<(), i32>(&mut store, "f")?.call(&mut store, ())?, 7);
    }
    Ok(())
}

#[test]
fn reactor_and_start_functions_run() -> Result<()> {
    let (engine, module) = module(
        r#"(module (global $g (export "g") (mut i32) (i32.const 0))
             (func $start (global.set $g (i32.const 5))) (start $start))"#,
    );
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[])?;
    assert_eq!(i.get_global(&mut store, "g").unwrap().get(&mut store).unwrap_i32(), 5);
    Ok(())
}

#[test]
fn unsupported_features_are_named() {
    let engine = Engine::default();
    let err = Module::new(&engine, r#"(module (func (result v128) v128.const i32x4 0 0 0 0))"#).unwrap_err();
    assert_eq!(err.to_string(), "unsupported: simd");
    let err = Module::new(&engine, r#"(module (memory i64 1))"#).unwrap_err();
    assert_eq!(err.to_string(), "unsupported: memory64");
    let err = Module::new(&engine, "(module (func i32.add))").unwrap_err();
    assert!(err.to_string().starts_with("invalid WebAssembly module"), "{err}");
}
