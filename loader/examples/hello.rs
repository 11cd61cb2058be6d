//! The seed docs' first example on the modern API: a host function imported
//! by wasm and called from it.

use anyhow::Result;
use kiln::{Engine, Func, Instance, Module, Store};

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0u32);
    let module = Module::new(
        &engine,
        r#"
        (module
            (import "" "" (func $host_hello (param i32)))
            (func (export "hello")
                i32.const 3
                call $host_hello))
        "#,
    )?;
    let host_hello = Func::wrap(&mut store, |mut caller: kiln::Caller<'_, u32>, param: i32| {
        println!("Got {param} from WebAssembly");
        *caller.data_mut() += 1;
    });
    let instance = Instance::new(&mut store, &module, &[host_hello.into()])?;
    let hello = instance.get_typed_func::<(), ()>(&mut store, "hello")?;
    hello.call(&mut store, ())?;
    assert_eq!(*store.data(), 1, "the host function ran once");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
