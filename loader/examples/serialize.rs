//! Compiles a module ahead of time, writes the artifact, and loads it back
//! without compiling, from bytes and from a file (the scenario of
//! wasmtime's `serialize` example).

use kiln::*;

fn main() -> Result<()> {
    let engine = Engine::default();
    let bytes = engine.precompile_module(br#"(module (func (export "answer") (result i32) i32.const 42))"#)?;
    ensure!(Engine::detect_precompiled(&bytes) == Some(Precompiled::Module));

    // SAFETY: the artifact was produced by this engine just above.
    let module = unsafe { Module::deserialize(&engine, &bytes)? };
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    ensure!(instance.get_typed_func::<(), i32>(&mut store, "answer")?.call(&mut store, ())? == 42);

    let path = std::env::temp_dir().join(format!("kiln-serialize-example-{}.o", std::process::id()));
    std::fs::write(&path, module.serialize()?)?;
    // SAFETY: the file was written just above, and nothing changes it.
    let from_file = unsafe { Module::deserialize_file(&engine, &path) };
    std::fs::remove_file(&path)?;
    let instance = Instance::new(&mut store, &from_file?, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?.call(&mut store, ())?;
    println!("answer from the artifact file: {answer}");
    ensure!(answer == 42);
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
