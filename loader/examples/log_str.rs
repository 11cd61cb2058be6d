//! The seed docs' second example on the modern API: a host function that
//! reads a string out of the calling instance's memory through `Caller`.

use anyhow::{Result, anyhow};
use kiln::{Caller, Engine, Extern, Instance, Linker, Module, Store};

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut linker: Linker<Vec<String>> = Linker::new(&engine);
    linker.func_wrap("", "", |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> Result<()> {
        let mem = match caller.get_export("memory") {
            Some(Extern::Memory(mem)) => mem,
            _ => return Err(anyhow!("failed to find host memory")),
        };
        let data = mem
            .data(&caller)
            .get(ptr as u32 as usize..)
            .and_then(|arr| arr.get(..len as u32 as usize))
            .ok_or_else(|| anyhow!("pointer/length out of bounds"))?;
        let string = std::str::from_utf8(data).map_err(|_| anyhow!("invalid utf-8"))?.to_string();
        println!("{string}");
        caller.data_mut().push(string);
        Ok(())
    })?;
    let module = Module::new(
        &engine,
        r#"
        (module
            (import "" "" (func $log_str (param i32 i32)))
            (func (export "foo")
                i32.const 4   ;; ptr
                i32.const 13  ;; len
                call $log_str)
            (memory (export "memory") 1)
            (data (i32.const 4) "Hello, world!"))
        "#,
    )?;
    let mut store = Store::new(&engine, Vec::new());
    let instance: Instance = linker.instantiate(&mut store, &module)?;
    let log_hello = instance.get_typed_func::<(), ()>(&mut store, "foo")?;
    log_hello.call(&mut store, ())?;
    assert_eq!(store.data(), &["Hello, world!".to_string()]);
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
