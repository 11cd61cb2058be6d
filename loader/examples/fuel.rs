//! Bounds a computation with fuel, sees exactly where it stops, and
//! resumes it after refuelling (the scenario of wasmtime's `fuel` example).

use kiln::*;

const WAT: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

fn main() -> Result<()> {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, WAT)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let fib = instance.get_typed_func::<i32, i32>(&mut store, "fib")?;

    store.set_fuel(10_000)?;
    let mut last = None;
    for n in 1.. {
        let before = store.get_fuel()?;
        match fib.call(&mut store, n) {
            Ok(v) => {
                println!("fib({n}) = {v}, {} fuel", before - store.get_fuel()?);
                last = Some((n, v));
            }
            Err(e) => {
                ensure!(e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel), "{e:?}");
                println!("fib({n}) ran out of fuel");
                break;
            }
        }
    }
    let (n, _) = last.ok_or_else(|| format_err!("nothing ran"))?;
    ensure!(n > 5, "10 000 units reach past fib(5)");
    // Refuelled, the store runs again, and the same call costs the same.
    store.set_fuel(1_000_000)?;
    let before = store.get_fuel()?;
    ensure!(fib.call(&mut store, 10)? == 55);
    let cost = before - store.get_fuel()?;
    store.set_fuel(1_000_000)?;
    fib.call(&mut store, 10)?;
    ensure!(1_000_000 - store.get_fuel()? == cost, "fuel is exact");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
