//! Passes host references through wasm: into a table, a global and back
//! (the scenario of wasmtime's `externref` example).

use kiln::*;

const WAT: &str = r#"(module
  (table $t (export "table") 10 externref)
  (global $g (export "global") (mut externref) (ref.null extern))
  (func (export "func") (param externref) (result externref) (local.get 0))
  (func (export "keep") (param externref)
    (table.set $t (i32.const 3) (local.get 0))
    (global.set $g (local.get 0))))"#;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, WAT)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let hello = ExternRef::new(&mut store, String::from("Hello, world!"))?;

    let func = instance.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "func")?;
    let back = func.call(&mut store, Some(hello))?.ok_or_else(|| format_err!("null came back"))?;
    let text = back.data(&store)?.and_then(|d| d.downcast_ref::<String>()).cloned();
    println!("round trip: {text:?}");
    ensure!(text.as_deref() == Some("Hello, world!"));

    let keep = instance.get_typed_func::<Option<ExternRef>, ()>(&mut store, "keep")?;
    keep.call(&mut store, Some(hello))?;
    let table = instance.get_table(&mut store, "table").ok_or_else(|| format_err!("no table"))?;
    ensure!(table.get(&mut store, 3).and_then(|r| r.unwrap_extern().copied()) == Some(hello));
    ensure!(table.get(&mut store, 4).is_some_and(|r| r.is_null()));
    let global = instance.get_global(&mut store, "global").ok_or_else(|| format_err!("no global"))?;
    ensure!(global.get(&mut store).unwrap_externref() == Some(&hello));
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
