//! Many stores on many threads at once, sharing one engine and module.

use super::module;
use kiln::*;

#[test]
fn many_stores_on_many_threads() {
    let (engine, module) = module(
        r#"(module (memory 1)
             (func $fib (export "fib") (param i32) (result i32)
               (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                 (then (local.get 0))
                 (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                                (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
             (func (export "oob") (drop (i32.load (i32.const 70000)))))"#,
    );
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (engine, module) = (engine.clone(), module.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).unwrap();
                    let fib = instance.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
                    assert_eq!(fib.call(&mut store, 15 + t % 3).unwrap(), [610, 987, 1597][(t % 3) as usize]);
                    let oob = instance.get_typed_func::<(), ()>(&mut store, "oob").unwrap();
                    let err = oob.call(&mut store, ()).unwrap_err();
                    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn engine_and_module_are_send_and_sync_store_is_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send::<Store<()>>();
}
