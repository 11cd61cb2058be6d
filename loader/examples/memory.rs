//! Reads, writes and grows a module's exported memory from the host and
//! from wasm, and sees out-of-bounds accesses trap (the scenario of
//! wasmtime's `memory` example).

use kiln::*;

const WAT: &str = r#"(module
  (memory (export "memory") 2 3)
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (data (i32.const 0x1000) "\01\02\03\04"))"#;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, WAT)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| format_err!("no memory export"))?;
    let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
    let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
    let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;

    ensure!(memory.size(&store) == 2 && memory.data_size(&store) == 0x20000);
    ensure!(memory.data(&store)[0x1000..0x1004] == [1, 2, 3, 4], "the data segment is in place");
    ensure!(size.call(&mut store, ())? == 2);
    ensure!(load.call(&mut store, 0x1002)? == 3);
    ensure!(load.call(&mut store, 0x20000).is_err(), "a load past the end traps");

    memory.data_mut(&mut store)[0x1003] = 5;
    ensure!(load.call(&mut store, 0x1003)? == 5, "wasm sees the host's write");
    store8.call(&mut store, (0x1002, 9))?;
    ensure!(memory.data(&store)[0x1002] == 9, "the host sees wasm's write");

    ensure!(memory.grow(&mut store, 1)? == 2);
    ensure!(size.call(&mut store, ())? == 3);
    ensure!(load.call(&mut store, 0x20000)? == 0, "grown pages read as zero");
    ensure!(memory.grow(&mut store, 1).is_err(), "the maximum is 3 pages");

    let standalone = Memory::new(&mut store, MemoryType::new(5, Some(5)))?;
    ensure!(standalone.size(&store) == 5);
    println!("memory: all checks passed");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
