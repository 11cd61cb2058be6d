//! Functions with several results, called from the host and calling the
//! host (the scenario of wasmtime's `multi` example).

use kiln::*;

const WAT: &str = r#"(module
  (import "" "swap" (func $swap (param i32 i64) (result i64 i32)))
  (func (export "g") (param i32 i64) (result i64 i32)
    (call $swap (local.get 0) (local.get 1)))
  (func (export "round_trip_many") (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4
    local.get 5 local.get 6 local.get 7 local.get 8 local.get 9))"#;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, WAT)?;
    let swap = Func::wrap(&mut store, |a: i32, b: i64| (b + 1, a + 1));
    let instance = Instance::new(&mut store, &module, &[swap.into()])?;

    let g = instance.get_typed_func::<(i32, i64), (i64, i32)>(&mut store, "g")?;
    let (a, b) = g.call(&mut store, (1, 3))?;
    println!("g(1, 3) = ({a}, {b})");
    ensure!((a, b) == (4, 2));

    type Ten = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let many = instance.get_typed_func::<Ten, Ten>(&mut store, "round_trip_many")?;
    let ten: Ten = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    ensure!(many.call(&mut store, ten)? == ten);

    // The same through the dynamic API.
    let dynamic = instance.get_func(&mut store, "g").ok_or_else(|| format_err!("no g"))?;
    let mut results = [Val::I32(0), Val::I32(0)];
    dynamic.call(&mut store, &[Val::I32(10), Val::I64(20)], &mut results)?;
    ensure!(results[0].unwrap_i64() == 21 && results[1].unwrap_i32() == 11);
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
