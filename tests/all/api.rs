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
    let ty = FuncType::new(&engine, [ValType::I64], [ValType::I64]);
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

    let t = Table::new(&mut store, TableType::new(RefType::FUNCREF, 2, None), Ref::Func(None))?;
    assert_eq!(t.grow(&mut store, 3, Ref::Func(None))?, 2);
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
    table.set(&mut store, 0, host.into())?;
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
    assert_eq!(back.data(&store)?.and_then(|d| d.downcast_ref::<String>()).map(String::as_str), Some("hi"));
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
    let (engine, module) = module(
        r#"(module (import "env" "f" (func (param i32) (result i64))) (import "env" "m" (memory 1 2))
             (global (export "g") f32 (f32.const 1)) (func (export "h")) (table (export "t") 3 externref))"#,
    );
    let imports: Vec<_> = module.imports().map(|i| (i.module().to_string(), i.name().to_string(), i.ty())).collect();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].2, ExternType::Func(FuncType::new(&engine, [ValType::I32], [ValType::I64])));
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
    let err = Module::new(&engine, r#"(module (memory 1 1 shared))"#).unwrap_err();
    assert_eq!(err.to_string(), "unsupported: threads");
    let err = Module::new(&engine, r#"(module (memory i64 1))"#).unwrap_err();
    assert_eq!(err.to_string(), "unsupported: memory64");
    let err = Module::new(&engine, "(module (func i32.add))").unwrap_err();
    assert!(err.to_string().starts_with("invalid WebAssembly module"), "{err}");
}

/// wasmtime's `Result`, `Error`, `bail!`, `ensure!` and `format_err!`,
/// spelled through kiln.
#[test]
fn result_and_error_macros_follow_wasmtime() {
    fn check(n: i32) -> kiln::Result<i32> {
        kiln::ensure!(n >= 0, "negative: {n}");
        if n > 10 {
            kiln::bail!("too big: {n}");
        }
        Ok(n)
    }
    assert_eq!(check(3).unwrap(), 3);
    assert_eq!(check(-1).unwrap_err().to_string(), "negative: -1");
    assert_eq!(check(11).unwrap_err().to_string(), "too big: 11");
    let e: kiln::Error = kiln::format_err!("made {}", 1);
    assert_eq!(e.to_string(), "made 1");
}

#[test]
fn module_validate_and_from_binary() {
    let engine = Engine::default();
    let binary = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#).unwrap();
    Module::validate(&engine, &binary).unwrap();
    let invalid = wat::parse_str("(module (func (result i32)))").unwrap();
    assert!(Module::validate(&engine, &invalid).is_err());
    let simd = wat::parse_str("(module (func (param v128)))").unwrap();
    Module::validate(&engine, &simd).unwrap();
    assert!(Module::validate(&engine, b"(module)").is_err(), "text is not a binary");

    let module = Module::from_binary(&engine, &binary).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 1);
    let err = Module::from_binary(&engine, b"(module)").unwrap_err().to_string();
    assert!(err.contains("expected a WebAssembly binary"), "{err}");
}

#[test]
fn linker_clones_and_finds_default_exports() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.func_wrap("host", "one", || 1i32).unwrap();
    let mut copy = linker.clone();
    copy.func_wrap("host", "two", || 2i32).unwrap();
    assert!(linker.get(&mut store, "host", "two").is_none(), "the original is unchanged");
    assert!(copy.get(&mut store, "host", "one").is_some(), "the clone has what the original had");

    let start = Module::new(
        &engine,
        r#"(module (global (export "g") (mut i32) (i32.const 0))
        (func (export "_start") (global.set 0 (i32.const 7))))"#,
    )
    .unwrap();
    let default = Module::new(
        &engine,
        r#"(module (global (export "g") (mut i32) (i32.const 0))
        (func (export "") (global.set 0 (i32.const 9))) (func (export "_start") unreachable))"#,
    )
    .unwrap();
    let not_func = Module::new(&engine, r#"(module (memory (export "") 1))"#).unwrap();
    for (name, module, expected) in [("start", &start, 7), ("default", &default, 9)] {
        let instance = Instance::new(&mut store, module, &[]).unwrap();
        linker.instance(&mut store, name, instance).unwrap();
        linker.get_default(&mut store, name).unwrap().call(&mut store, &[], &mut []).unwrap();
        let g = linker.get(&mut store, name, "g").unwrap().into_global().unwrap();
        assert_eq!(g.get(&mut store).i32(), Some(expected), "{name}");
    }
    linker.module(&mut store, "mem", &not_func).unwrap();
    let err = linker.get_default(&mut store, "mem").unwrap_err().to_string();
    assert_eq!(err, "default export in 'mem' is not a function");
    // Nothing defined: a function that does nothing.
    linker.get_default(&mut store, "nothing").unwrap().call(&mut store, &[], &mut []).unwrap();
}

/// The `Val` helpers wasmtime has for the value types kiln supports.
#[test]
fn val_helpers_follow_wasmtime() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, || {});
    let r = ExternRef::new(&mut store, 5u32).unwrap();
    assert_eq!(Val::from(1.5f32).unwrap_f32(), 1.5);
    assert_eq!(Val::from(2.5f64).unwrap_f64(), 2.5);
    assert_eq!(Val::from(7u128).unwrap_v128(), V128::from(7));
    assert_eq!(Val::from(V128::from(7)).v128().map(|v| v.as_u128()), Some(7));
    assert!(Val::from(f).unwrap_funcref().is_some());
    assert!(Val::from(None::<Func>).unwrap_funcref().is_none());
    assert!(Val::null_func_ref().funcref().is_some_and(|f| f.is_none()));
    assert!(Val::I32(0).funcref().is_none(), "not a funcref at all");
    assert_eq!(Val::from(r).unwrap_externref(), Some(&r));
    assert!(Val::from(None::<ExternRef>).externref().is_some_and(|r| r.is_none()));
    assert!(Val::null_extern_ref().unwrap_externref().is_none());
    assert!(Val::I64(0).externref().is_none());
}

/// Host functions and typed calls take up to 16 parameters and return up
/// to 16 results, as in wasmtime.
#[test]
fn sixteen_params_and_results() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    type P = (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32);
    let sum = Func::wrap(
        &mut store,
        |a: i32,
         b: i32,
         c: i32,
         d: i32,
         e: i32,
         f: i32,
         g: i32,
         h: i32,
         i: i32,
         j: i32,
         k: i32,
         l: i32,
         m: i32,
         n: i32,
         o: i32,
         p: i32| { a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p },
    );
    let typed = sum.typed::<P, i32>(&store).unwrap();
    let args: P = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    assert_eq!(typed.call(&mut store, args).unwrap(), 136);

    let module = Module::new(
        &engine,
        r#"(module (func (export "many") (param i32) (result i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64)
            local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0
            local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 i64.const 99))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    type R = (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i64);
    let many = instance.get_typed_func::<i32, R>(&mut store, "many").unwrap();
    let r = many.call(&mut store, 4).unwrap();
    assert_eq!((r.0, r.14, r.15), (4, 4, 99));
}

/// SIMD and relaxed SIMD are on by default and each can be turned off;
/// relaxed SIMD without SIMD is refused, as in wasmtime.
#[test]
fn simd_toggles_reach_validation() {
    let simd = wat::parse_str("(module (func (param v128) (result v128) local.get 0 i32x4.neg))").unwrap();
    let relaxed =
        wat::parse_str("(module (func (param v128 v128) (result v128) local.get 0 local.get 1 i8x16.relaxed_swizzle))")
            .unwrap();
    let default = Engine::default();
    Module::validate(&default, &simd).unwrap();
    Module::validate(&default, &relaxed).unwrap();

    let mut config = Config::new();
    config.wasm_relaxed_simd(false);
    let no_relaxed = Engine::new(&config).unwrap();
    Module::validate(&no_relaxed, &simd).unwrap();
    let err = format!("{:#}", Module::validate(&no_relaxed, &relaxed).unwrap_err());
    assert!(err.to_lowercase().replace('-', " ").contains("relaxed simd"), "{err}");

    config.wasm_simd(false);
    let no_simd = Engine::new(&config).unwrap();
    let err = format!("{:#}", Module::validate(&no_simd, &simd).unwrap_err());
    assert!(err.to_lowercase().contains("simd"), "{err}");

    let mut config = Config::new();
    config.wasm_simd(false);
    let err = Engine::new(&config).unwrap_err().to_string();
    assert!(err.contains("`Config::wasm_relaxed_simd(true)` needs `Config::wasm_simd(true)`"), "{err}");
}

/// `Config::wasm_*` as in wasmtime: kiln's proposals can be turned off
/// (validation then refuses modules using them), unsupported ones can be
/// turned off but not on.
#[test]
fn proposal_toggles_follow_wasmtime() {
    let multi = "(module (func (export \"two\") (result i32 i32) i32.const 1 i32.const 2))";
    let mut config = Config::new();
    config.wasm_threads(false).wasm_component_model(false).wasm_multi_value(false);
    let engine = Engine::new(&config).unwrap();
    let err = format!("{:#}", Module::new(&engine, multi).unwrap_err());
    assert!(err.contains("multi-value") || err.contains("multiple"), "{err}");
    assert!(Module::validate(&engine, &wat::parse_str(multi).unwrap()).is_err());
    config.wasm_multi_value(true);
    Module::new(&Engine::new(&config).unwrap(), multi).unwrap();

    for (name, turn_on) in [
        ("threads", Config::wasm_threads as fn(&mut Config, bool) -> &mut Config),
        ("memory64", Config::wasm_memory64),
        ("gc", Config::wasm_gc),
    ] {
        let mut config = Config::new();
        turn_on(&mut config, true);
        let err = Engine::new(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(&format!("kiln does not implement the {name} proposal")), "{name}: {err}");
    }
}

/// `Config::strategy`, `target` and `signals_based_traps`: what kiln does
/// is accepted, anything else refused by name (`target` also takes the
/// other architecture kiln cross-compiles to). `debug_info` works either
/// way (tests/all/debugger.rs).
#[test]
fn codegen_settings_accept_only_what_kiln_does() {
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift).debug_info(false).signals_based_traps(true);
    config.target(std::env::consts::ARCH).unwrap();
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let f = Instance::new(&mut store, &module, &[]).unwrap().get_typed_func::<(), i32>(&mut store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 7);
    let engine = Engine::new(Config::new().debug_info(true)).unwrap();
    let module = Module::new(&engine, r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let f = Instance::new(&mut store, &module, &[]).unwrap().get_typed_func::<(), i32>(&mut store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 7);

    // Another architecture is a cross target (tests/all/cross.rs); one
    // kiln cannot compile for is refused.
    assert!(Config::new().target("riscv64gc-unknown-linux-gnu").is_err());
    for (setting, configure) in [
        ("Strategy::Winch", (|c: &mut Config| _ = c.strategy(Strategy::Winch)) as fn(&mut Config)),
        ("signals_based_traps(false)", |c| _ = c.signals_based_traps(false)),
    ] {
        let mut config = Config::new();
        configure(&mut config);
        let err = Engine::new(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(setting), "{setting}: {err}");
    }
}

#[test]
fn linker_aliases_and_iterates() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.func_wrap("a", "f", || 1i32).unwrap().func_wrap("a", "g", || 2i32).unwrap();
    linker.alias("a", "f", "b", "renamed").unwrap();
    linker.alias_module("a", "c").unwrap();
    assert!(linker.alias("a", "missing", "b", "x").is_err());
    let mut names: Vec<(String, String)> = linker
        .iter(&mut store)
        .map(|(m, n, item)| {
            assert!(item.into_func().is_some());
            (m.to_string(), n.to_string())
        })
        .collect();
    names.sort();
    let expected = [("a", "f"), ("a", "g"), ("b", "renamed"), ("c", "f"), ("c", "g")];
    assert_eq!(names, expected.map(|(m, n)| (m.to_string(), n.to_string())));
    let f = linker.get(&mut store, "b", "renamed").unwrap().into_func().unwrap();
    assert_eq!(f.typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 1);
}

#[test]
fn precompiled_artifacts_are_detected_and_hashed() {
    use std::hash::{DefaultHasher, Hash, Hasher};
    fn hash(engine: &Engine) -> u64 {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        h.finish()
    }
    let engine = Engine::default();
    let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let artifact = engine.precompile_module(&wasm).unwrap();
    assert_eq!(Engine::detect_precompiled(&artifact), Some(Precompiled::Module));
    assert_eq!(Engine::detect_precompiled(&wasm), None);
    assert_eq!(Engine::detect_precompiled(b"\x7fELF not really"), None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.kiln");
    std::fs::write(&path, &artifact).unwrap();
    assert_eq!(Engine::detect_precompiled_file(&path).unwrap(), Some(Precompiled::Module));
    assert!(Engine::detect_precompiled_file(dir.path().join("missing")).is_err());

    assert_eq!(hash(&engine), hash(&Engine::default()), "same configuration, same hash");
    let mut config = Config::new();
    config.epoch_interruption(true);
    let epochs = Engine::new(&config).unwrap();
    assert_ne!(hash(&engine), hash(&epochs), "artifacts of one do not load in the other");
    // SAFETY: the artifact was compiled just above.
    assert!(unsafe { Module::deserialize(&epochs, &artifact) }.is_err());
}

/// `Config::parallel_compilation`, `memory_reservation` and
/// `memory_guard_size`: what kiln's fixed heap layout can honour works,
/// anything else fails at `Engine::new` with the reason.
#[test]
fn compilation_and_memory_layout_settings() {
    let mut config = Config::new();
    config.parallel_compilation(false).memory_reservation(4 << 30).memory_guard_size(64 << 10);
    let engine = Engine::new(&config).unwrap();
    let module =
        Module::new(&engine, r#"(module (memory (export "m") 1) (func (export "f") (result i32) i32.const 5))"#)
            .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 5);

    let mut small = Config::new();
    small.memory_reservation(1 << 30);
    let err = Engine::new(&small).err().unwrap().to_string();
    assert!(err.contains("no mode for smaller reservations"), "{err}");
    let mut big_guard = Config::new();
    big_guard.memory_guard_size(8 << 30);
    let err = Engine::new(&big_guard).err().unwrap().to_string();
    assert!(err.contains("fixed guard region"), "{err}");
}

/// `Linker::module` as wasmtime documents it: a command gets a fresh
/// instance per call, a reactor is instantiated once and initialised.
#[test]
fn linker_module_runs_commands_afresh_and_initialises_reactors() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker: Linker<()> = Linker::new(&engine);
    let command = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1) (global $n (mut i32) (i32.const 0))
            (func (export "_start") (global.set $n (i32.add (global.get $n) (i32.const 1))))
            (func (export "count") (result i32) (global.get $n)))"#,
    )
    .unwrap();
    linker.module(&mut store, "cmd", &command).unwrap();
    let start = linker.get_default(&mut store, "cmd").unwrap().typed::<(), ()>(&store).unwrap();
    start.call(&mut store, ()).unwrap();
    start.call(&mut store, ()).unwrap();
    let count = linker.get(&mut store, "cmd", "count").unwrap().into_func().unwrap();
    assert_eq!(count.typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 0, "a fresh instance per call");

    let reactor = Module::new(
        &engine,
        r#"(module (global $n (mut i32) (i32.const 0))
            (func (export "_initialize") (global.set $n (i32.const 40)))
            (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))"#,
    )
    .unwrap();
    linker.module(&mut store, "lib", &reactor).unwrap();
    let bump = linker.get(&mut store, "lib", "bump").unwrap().into_func().unwrap().typed::<(), i32>(&store).unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 41, "initialised once");
    assert_eq!(bump.call(&mut store, ()).unwrap(), 42, "one instance throughout");

    let global_export =
        Module::new(&engine, r#"(module (global (export "g") i32 (i32.const 0)) (func (export "_start")))"#).unwrap();
    let err = linker.module(&mut store, "bad", &global_export).err().unwrap().to_string();
    assert_eq!(err, "command export 'g' is not a function");
    linker.allow_unknown_exports(true).module(&mut store, "ok", &global_export).unwrap();
    let both = Module::new(&engine, r#"(module (func (export "_start")) (func (export "_initialize")))"#).unwrap();
    assert!(linker.module(&mut store, "both", &both).is_err());
}

/// Tables take and give `Ref`s and have `RefType` elements, as in wasmtime.
#[test]
fn tables_use_ref_and_ref_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, || 7i32);
    // A host function enters a table once a module of its type is in the
    // store (kiln takes the wasm-to-host trampoline from the module).
    let typed = Module::new(&engine, "(module (func (export \"g\") (result i32) i32.const 0))").unwrap();
    Instance::new(&mut store, &typed, &[]).unwrap();
    let t = Table::new(&mut store, TableType::new(RefType::FUNCREF, 2, Some(4)), Ref::Func(None)).unwrap();
    assert_eq!(t.ty(&store).element(), &RefType::FUNCREF);
    assert!(t.get(&mut store, 0).unwrap().is_null());
    t.set(&mut store, 1, f.into()).unwrap();
    let got = t.get(&mut store, 1).unwrap();
    assert!(got.is_func() && got.is_non_null());
    assert_eq!(got.unwrap_func().unwrap().typed::<(), i32>(&store).unwrap().call(&mut store, ()).unwrap(), 7);
    assert!(t.set(&mut store, 0, Ref::Extern(None)).is_err(), "an externref in a funcref table");

    let r = ExternRef::new(&mut store, "host").unwrap();
    let e =
        Table::new(&mut store, TableType::new(RefType::EXTERNREF, 0, None), Ref::null(&RefType::EXTERNREF)).unwrap();
    assert_eq!(e.grow(&mut store, 2, r.into()).unwrap(), 0);
    assert_eq!(e.get(&mut store, 1).unwrap().unwrap_extern(), Some(&r));
    assert!(e.get(&mut store, 1).unwrap().as_func().is_none());
    assert_eq!(ValType::FUNCREF.unwrap_ref(), &RefType::FUNCREF);
    assert!(!ValType::I32.is_ref());
    assert_eq!(RefType::EXTERNREF.to_string(), "externref");
    assert!(Val::from(Ref::Func(None)).funcref().is_some());
}
