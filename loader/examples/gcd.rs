//! Calls an exported function that computes a greatest common divisor,
//! through a typed handle (the scenario of wasmtime's `gcd` example).

use kiln::*;

const WAT: &str = r#"(module
  (func $gcd (export "gcd") (param i32 i32) (result i32)
    (local i32)
    block
      block
        local.get 0
        br_if 0
        local.get 1
        local.set 2
        br 1
      end
      loop
        local.get 1
        local.get 0
        local.tee 2
        i32.rem_u
        local.set 0
        local.get 2
        local.set 1
        local.get 0
        br_if 0
      end
    end
    local.get 2))"#;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, WAT)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let gcd = instance.get_typed_func::<(i32, i32), i32>(&mut store, "gcd")?;
    let result = gcd.call(&mut store, (6, 27))?;
    println!("gcd(6, 27) = {result}");
    ensure!(result == 3, "gcd(6, 27) should be 3, got {result}");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
