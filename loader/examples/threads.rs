//! One engine and one compiled module shared by several threads, each with
//! its own store (the scenario of wasmtime's `threads` example).

use kiln::*;

fn main() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "id" (func $id (result i32)))
             (func (export "run") (result i32) (i32.mul (call $id) (i32.const 10))))"#,
    )?;
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (engine, module) = (engine.clone(), module.clone());
            std::thread::spawn(move || -> Result<i32> {
                let mut store = Store::new(&engine, i);
                let mut linker = Linker::new(&engine);
                linker.func_wrap("host", "id", |caller: Caller<'_, i32>| *caller.data())?;
                let instance = linker.instantiate(&mut store, &module)?;
                instance.get_typed_func::<(), i32>(&mut store, "run")?.call(&mut store, ())
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let result = handle.join().map_err(|_| format_err!("thread {i} panicked"))??;
        println!("thread {i}: {result}");
        ensure!(result == i as i32 * 10);
    }
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
