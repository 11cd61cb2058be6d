//! Lets a long computation run in slices: each epoch tick, a callback
//! decides whether to extend the deadline, and the last tick traps (the
//! scenario of wasmtime's `epochs` example).

use kiln::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn main() -> Result<()> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, 0u32);
    let module = Module::new(&engine, r#"(module (func (export "spin") (loop $l (br $l))))"#)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;

    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        *ctx.data_mut() += 1;
        if *ctx.data() < 3 { Ok(UpdateDeadline::Continue(1)) } else { bail!("gave up after 3 slices") }
    });
    let done = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(5));
                engine.increment_epoch();
            }
        })
    };
    let err = spin.call(&mut store, ()).unwrap_err();
    done.store(true, Ordering::Relaxed);
    ticker.join().map_err(|_| format_err!("the ticker thread panicked"))?;
    println!("stopped: {}", err.root_cause());
    ensure!(err.root_cause().to_string() == "gave up after 3 slices", "{err:?}");
    ensure!(*store.data() == 3, "the callback ran once per slice");
    Ok(())
}

#[test]
fn example_runs() {
    main().unwrap();
}
