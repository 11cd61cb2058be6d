//! Links two modules by name: one imports what the other exports, and
//! both share the host's functions (the scenario of wasmtime's `linking`
//! example, without WASI).

use kiln::*;

const LIB: &str = r#"(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "add_then_double") (param i32 i32) (result i32)
    (call $double (i32.add (local.get 0) (local.get 1)))))"#;

const APP: &str = r#"(module
  (import "lib" "add_then_double" (func $f (param i32 i32) (result i32)))
  (import "lib" "memory" (memory 1))
  (func (export "run") (result i32)
    (i32.store (i32.const 0) (call $f (i32.const 20) (i32.const 1)))
    (i32.load (i32.const 0))))"#;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |mut caller: Caller<'_, u32>, x: i32| {
        *caller.data_mut() += 1;
        x * 2
    })?;
    let lib = linker.instantiate(&mut store, &Module::new(&engine, LIB)?)?;
    linker.instance(&mut store, "lib", lib)?;
    let app = linker.instantiate(&mut store, &Module::new(&engine, APP)?)?;
    let run = app.get_typed_func::<(), i32>(&mut store, "run")?;
    let answer = run.call(&mut store, ())?;
    println!("run() = {answer}");
    ensure!(answer == 42);
    ensure!(*store.data() == 1, "the host function ran once");
    let memory = lib.get_memory(&mut store, "memory").ok_or_else(|| format_err!("no memory"))?;
    ensure!(memory.data(&store)[..4] == 42i32.to_le_bytes(), "the memory is shared");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
