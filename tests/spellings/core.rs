// Small programs written only against wasmtime 48's spellings, included
// by `tests/all/spellings.rs` with `api` = `kiln` (run by `cargo test`) and
// by `benches/compare/tests/spellings.rs` with `api` = `wasmtime` (to
// prove the spellings are wasmtime's). Any drift breaks one of the builds.
// Each program is one API family; each checks what it computes. They use
// only what wasmtime offers with the features `benches/compare` builds it
// with (no `gc`, no `parallel-compilation`), so `wasm_reference_types`
// and `parallel_compilation` are checked in `tests/all/api.rs` instead.

use self::api::*;

/// The binary of a module in the text format (wasmtime parses text only
/// with its `wat` feature, which `benches/compare` does not build).
fn wasm(text: &str) -> Result<Vec<u8>> {
    Ok(wat::parse_str(text)?)
}

/// `Result`, `Error`, `bail!`, `ensure!`, `format_err!`, `error::Context`.
pub fn errors() -> Result<()> {
    fn half(n: i32) -> Result<i32> {
        ensure!(n % 2 == 0, "{n} is odd");
        if n < 0 {
            bail!("{n} is negative");
        }
        Ok(n / 2)
    }
    ensure!(half(8)? == 4);
    ensure!(half(3).is_err() && half(-2).is_err());
    let e: Error = format_err!("made by {}", "format_err");
    ensure!(e.to_string() == "made by format_err");
    use self::api::error::Context as _;
    let e = "x".parse::<i32>().context("not a number").unwrap_err();
    ensure!(e.to_string() == "not a number" && e.chain().count() == 2);
    Ok(())
}

/// `Config` settings and `Engine` methods kiln and wasmtime share.
pub fn config_and_engine() -> Result<()> {
    let mut config = Config::new();
    config
        .wasm_bulk_memory(true)
        .wasm_multi_value(true)
        .memory_init_cow(true)
        .epoch_interruption(true)
        .consume_fuel(true)
        .max_wasm_stack(1 << 20);
    let engine = Engine::new(&config)?;
    let binary = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 1))"#)?;
    Module::validate(&engine, &binary)?;
    let module = Module::from_binary(&engine, &binary)?;
    let bytes = module.serialize()?;
    ensure!(Engine::detect_precompiled(&bytes) == Some(Precompiled::Module));
    ensure!(Engine::detect_precompiled(&binary).is_none());
    let _hash = engine.precompile_compatibility_hash();
    engine.increment_epoch();

    // Code generation as kiln does it: Cranelift, for the host's
    // architecture, no DWARF, traps from signals. (With a target set,
    // wasmtime only precompiles: it runs no code compiled for a target it
    // treats as foreign, even the host's bare architecture.)
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift).debug_info(false).signals_based_traps(true);
    config.target(std::env::consts::ARCH)?;
    let engine = Engine::new(&config)?;
    ensure!(Engine::detect_precompiled(&engine.precompile_module(&binary)?) == Some(Precompiled::Module));
    Ok(())
}

/// `Linker`: host functions, instances, aliases, defaults, `InstancePre`.
pub fn linker() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0i32);
    let mut linker: Linker<i32> = Linker::new(&engine);
    linker.func_wrap("host", "add", |mut caller: Caller<'_, i32>, a: i32, b: i32| -> i32 {
        *caller.data_mut() += 1;
        a + b
    })?;
    let ty = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    linker.func_new("host", "neg", ty, |_caller, params, results| {
        results[0] = Val::I32(-params[0].unwrap_i32());
        Ok(())
    })?;
    linker.alias("host", "add", "alias", "plus")?;
    let module = Module::new(&engine, wasm(r#"(module (import "alias" "plus" (func $add (param i32 i32) (result i32)))
             (import "host" "neg" (func $neg (param i32) (result i32)))
             (import "host" "missing" (func $missing))
             (func (export "run") (result i32) (call $neg (call $add (i32.const 2) (i32.const 3))))
             (func (export "") (call $missing)))"#)?)?;
    let mut copy = linker.clone();
    copy.define_unknown_imports_as_traps(&module)?;
    let pre: InstancePre<i32> = copy.instantiate_pre(&module)?;
    let instance = pre.instantiate(&mut store)?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
    ensure!(run.call(&mut store, ())? == -5);
    ensure!(*store.data() == 1);
    copy.instance(&mut store, "app", instance)?;
    ensure!(copy.get_default(&mut store, "app")?.call(&mut store, &[], &mut []).is_err(), "the trap stub");
    ensure!(copy.iter(&mut store).count() >= 4);
    ensure!(linker.instantiate(&mut store, &module).is_err(), "the original linker lacks `missing`");
    Ok(())
}

/// `Func::wrap` and `TypedFunc` with many parameters and results.
pub fn functions() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(
        &mut store,
        |a: i32, b: i64, c: f32, d: f64, e: i32, f: i32, g: i32, h: i32, i: i32, j: i32, k: i32, l: i32| {
            (a + e + f + g + h + i + j + k + l, b * 2, c + d as f32)
        },
    );
    type P = (i32, i64, f32, f64, i32, i32, i32, i32, i32, i32, i32, i32);
    let typed = f.typed::<P, (i32, i64, f32)>(&store)?;
    let (sum, double, total) = typed.call(&mut store, (1, 2, 0.5, 0.25, 1, 1, 1, 1, 1, 1, 1, 1))?;
    ensure!(sum == 9 && double == 4 && total == 0.75);
    ensure!(f.ty(&store).params().len() == 12 && f.ty(&store).results().len() == 3);
    Ok(())
}

/// `Val`, `Ref`, `RefType`, tables and globals.
pub fn values_and_tables() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wasm(r#"(module (func (export "seven") (result i32) i32.const 7))"#)?)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let seven = instance.get_func(&mut store, "seven").ok_or_else(|| format_err!("no seven"))?;
    let table = Table::new(&mut store, TableType::new(RefType::FUNCREF, 2, Some(8)), Ref::Func(None))?;
    table.set(&mut store, 1, seven.into())?;
    ensure!(table.get(&mut store, 0).is_some_and(|r| r.is_null()));
    let got = table.get(&mut store, 1).ok_or_else(|| format_err!("out of bounds"))?;
    let func = got.unwrap_func().ok_or_else(|| format_err!("null"))?;
    ensure!(func.typed::<(), i32>(&store)?.call(&mut store, ())? == 7);
    ensure!(table.grow(&mut store, 2, Ref::Func(None))? == 2 && table.size(&store) == 4);
    ensure!(RefType::eq(table.ty(&store).element(), &RefType::FUNCREF));

    let g = Global::new(&mut store, GlobalType::new(ValType::I64, Mutability::Var), Val::I64(1))?;
    g.set(&mut store, Val::I64(41))?;
    ensure!(g.get(&mut store).unwrap_i64() == 41);
    ensure!(Val::from(2.5f32).unwrap_f32() == 2.5);
    ensure!(Val::null_func_ref().funcref().is_some_and(|f| f.is_none()));
    ensure!(Val::from(Some(seven)).unwrap_funcref().is_some());
    ensure!(ValType::FUNCREF.is_ref() && !ValType::I32.is_ref());
    Ok(())
}

/// `Memory`: reading, writing and growing from the host.
pub fn memories() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2)))?;
    memory.write(&mut store, 100, b"kiln")?;
    let mut buf = [0u8; 4];
    memory.read(&store, 100, &mut buf)?;
    ensure!(&buf == b"kiln" && memory.data(&store)[100] == b'k');
    ensure!(memory.grow(&mut store, 1)? == 1 && memory.size(&store) == 2);
    ensure!(memory.grow(&mut store, 1).is_err());
    ensure!(memory.data_size(&store) == 2 * 65536);
    Ok(())
}

/// Fuel and epochs on a store.
pub fn deadlines() -> Result<()> {
    let mut config = Config::new();
    config.consume_fuel(true).epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000)?;
    store.set_epoch_deadline(1);
    let module = Module::new(&engine, wasm(r#"(module (func (export "spin") (loop $l (br $l))))"#)?)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    let err = spin.call(&mut store, ()).unwrap_err();
    ensure!(err.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel), "{err:?}");
    ensure!(store.get_fuel()? == 0);
    store.set_fuel(1_000_000)?;
    engine.increment_epoch();
    let err = spin.call(&mut store, ()).unwrap_err();
    ensure!(err.downcast_ref::<Trap>() == Some(&Trap::Interrupt), "{err:?}");
    store.epoch_deadline_callback(|_ctx| Ok(UpdateDeadline::Continue(1)));
    Ok(())
}

/// `StoreLimits` and the pooling allocator.
pub fn limits_and_pooling() -> Result<()> {
    struct State {
        limits: StoreLimits,
    }
    let mut pool = PoolingAllocationConfig::default();
    pool.total_memories(4).total_tables(4).total_core_instances(4).max_memory_size(1 << 20);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config)?;
    let limits = StoreLimitsBuilder::new().memory_size(2 * 65536).instances(2).build();
    let mut store = Store::new(&engine, State { limits });
    store.limiter(|s| &mut s.limits);
    let module = Module::new(&engine, wasm(r#"(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#)?)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    ensure!(grow.call(&mut store, 1)? == 1);
    ensure!(grow.call(&mut store, 1)? == -1, "refused by the store's limits");
    Instance::new(&mut store, &module, &[])?;
    ensure!(Instance::new(&mut store, &module, &[]).is_err(), "two instances at most");
    Ok(())
}
