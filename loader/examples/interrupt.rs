//! Stops an infinite loop from another thread with an epoch deadline (the
//! scenario of wasmtime's `interrupt` example).

use kiln::*;
use std::time::Duration;

fn main() -> Result<()> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    let module = Module::new(&engine, r#"(module (func (export "run") (loop $l (br $l))))"#)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;

    let ticker = engine.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        println!("interrupting");
        ticker.increment_epoch();
    });
    let err = run.call(&mut store, ()).unwrap_err();
    thread.join().map_err(|_| format_err!("the ticker thread panicked"))?;
    let trap = err.downcast_ref::<Trap>().copied();
    println!("trapped: {trap:?}");
    ensure!(trap == Some(Trap::Interrupt), "expected an interrupt, got {err:?}");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
