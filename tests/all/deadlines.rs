//! Deadlines: epoch interruption (from another thread, with a callback)
//! and fuel (exact, resumable, deterministic), and the refusal of code
//! compiled with other deadline settings than the engine's.

use kiln::*;
use std::time::{Duration, Instant};

const LOOPS: &str = r#"(module
  (global $count (export "count") (mut i32) (i32.const 0))
  (func $bump (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "spin_calling") (loop $l (call $bump) (br $l)))
  (func (export "count_forever") (loop $l (global.set $count (i32.add (global.get $count) (i32.const 1))) (br $l)))
  ;; 6 operators cost 1 each; nop, drop and end are free.
  (func (export "straight") (result i32) nop (i32.add (i32.const 1) (i32.const 2)) (i32.const 4) drop (i32.const 3) i32.mul)
  (func (export "calls_straight") (result i32) (call 4))
)"#;

fn engine(epochs: bool, fuel: bool) -> Engine {
    let mut config = Config::new();
    config.epoch_interruption(epochs).consume_fuel(fuel);
    Engine::new(&config).unwrap()
}

fn instance(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, LOOPS).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn trap(err: &anyhow::Error) -> Trap {
    *err.downcast_ref::<Trap>().unwrap_or_else(|| panic!("not a trap: {err:?}"))
}

fn count(store: &mut Store<()>, instance: &Instance) -> i32 {
    instance.get_global(&mut *store, "count").unwrap().get(&mut *store).i32().unwrap()
}

#[test]
fn another_thread_interrupts_infinite_loops() {
    let engine = engine(true, false);
    for name in ["spin", "spin_calling"] {
        let (mut store, instance) = instance(&engine);
        store.set_epoch_deadline(1);
        let f = instance.get_typed_func::<(), ()>(&mut store, name).unwrap();
        let ticker = engine.clone();
        let start = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            ticker.increment_epoch();
        });
        let err = f.call(&mut store, ()).unwrap_err();
        t.join().unwrap();
        assert_eq!(trap(&err), Trap::Interrupt, "{name}");
        assert!(start.elapsed() < Duration::from_secs(10), "{name}");
        let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace attached");
        assert!(!bt.frames().is_empty(), "{name}: {bt}");
    }
}

#[test]
fn the_default_deadline_traps_at_once_and_a_far_one_does_not() {
    let engine = engine(true, false);
    let (mut store, instance) = instance(&engine);
    let f = instance.get_typed_func::<(), i32>(&mut store, "straight").unwrap();
    assert_eq!(trap(&f.call(&mut store, ()).unwrap_err()), Trap::Interrupt);
    store.set_epoch_deadline(10);
    assert_eq!(f.call(&mut store, ()).unwrap(), 9);
}

#[test]
fn a_callback_extends_the_deadline_then_traps() {
    let engine = engine(true, false);
    let (mut store, instance) = instance(&engine);
    store.set_epoch_deadline(1);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    store.epoch_deadline_callback(move |_ctx| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
            Ok(UpdateDeadline::Continue(1))
        } else {
            anyhow::bail!("deadline extended too often")
        }
    });
    let ticker = engine.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let t = std::thread::spawn(move || {
        while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
            ticker.increment_epoch();
        }
    });
    let f = instance.get_typed_func::<(), ()>(&mut store, "count_forever").unwrap();
    let err = f.call(&mut store, ()).unwrap_err();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert!(format!("{err:#}").contains("deadline extended too often"), "{err:#}");
    assert!(err.downcast_ref::<WasmBacktrace>().is_some(), "{err:?}");
    // Without the callback, the deadline traps again.
    store.epoch_deadline_trap();
    store.set_epoch_deadline(0);
    assert_eq!(trap(&f.call(&mut store, ()).unwrap_err()), Trap::Interrupt);
}

#[test]
fn a_callback_can_interrupt() {
    let engine = engine(true, false);
    let (mut store, instance) = instance(&engine);
    // Deadline 0 is reached at the first check; `Continue(0)` reaches it
    // again at the next loop header, and then the callback stops the loop.
    store.set_epoch_deadline(0);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    store.epoch_deadline_callback(move |_ctx| {
        Ok(match seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => UpdateDeadline::Continue(0),
            _ => UpdateDeadline::Interrupt,
        })
    });
    let f = instance.get_typed_func::<(), ()>(&mut store, "count_forever").unwrap();
    assert_eq!(trap(&f.call(&mut store, ()).unwrap_err()), Trap::Interrupt);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn fuel_is_exact_for_straight_line_code() {
    let engine = engine(false, true);
    let (mut store, instance) = instance(&engine);
    let f = instance.get_typed_func::<(), i32>(&mut store, "straight").unwrap();
    store.set_fuel(100).unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 9);
    assert_eq!(store.get_fuel().unwrap(), 94);
    // A call costs 1, and the callee its own 6.
    let g = instance.get_typed_func::<(), i32>(&mut store, "calls_straight").unwrap();
    assert_eq!(g.call(&mut store, ()).unwrap(), 9);
    assert_eq!(store.get_fuel().unwrap(), 87);
    // No fuel at all: the entry check traps.
    store.set_fuel(0).unwrap();
    assert_eq!(trap(&f.call(&mut store, ()).unwrap_err()), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn out_of_fuel_is_resumable_and_deterministic() {
    let engine = engine(false, true);
    let mut stops = Vec::new();
    for _ in 0..2 {
        let (mut store, instance) = instance(&engine);
        let f = instance.get_typed_func::<(), ()>(&mut store, "count_forever").unwrap();
        store.set_fuel(1000).unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        assert_eq!(trap(&err), Trap::OutOfFuel);
        assert!(err.downcast_ref::<WasmBacktrace>().is_some_and(|bt| !bt.frames().is_empty()));
        assert_eq!(store.get_fuel().unwrap(), 0);
        stops.push(count(&mut store, &instance));
        // Refuelled, the same store runs again.
        store.set_fuel(10).unwrap();
        let straight = instance.get_typed_func::<(), i32>(&mut store, "straight").unwrap();
        assert_eq!(straight.call(&mut store, ()).unwrap(), 9);
        assert_eq!(store.get_fuel().unwrap(), 4);
    }
    // Each iteration costs 5 (global.get, i32.const, i32.add, global.set, br).
    assert_eq!(stops, [200, 200]);
}

#[test]
fn fuel_calls_fail_when_fuel_is_off() {
    let engine = engine(false, false);
    let mut store = Store::new(&engine, ());
    assert!(store.set_fuel(1).unwrap_err().to_string().contains("fuel is not configured"));
    assert!(store.get_fuel().is_err());
}

#[test]
fn artifacts_compiled_with_other_deadline_settings_are_refused() {
    let plain = engine(false, false);
    let epochs = engine(true, false);
    let fuel = engine(false, true);
    let bytes = plain.precompile_module(LOOPS.as_bytes()).unwrap();
    // SAFETY: the bytes were just compiled by kiln.
    let err = unsafe { Module::deserialize(&epochs, &bytes) }.unwrap_err().to_string();
    assert_eq!(err, "module was compiled without epoch interruption, but the engine has it enabled");
    let bytes = fuel.precompile_module(LOOPS.as_bytes()).unwrap();
    // SAFETY: as above.
    let err = unsafe { Module::deserialize(&plain, &bytes) }.unwrap_err().to_string();
    assert_eq!(err, "module was compiled with fuel consumption, but the engine has it disabled");
    // SAFETY: as above.
    assert!(unsafe { Module::deserialize(&fuel, &bytes) }.is_ok());
}

#[test]
fn host_functions_see_the_fuel_wasm_left_and_can_refuel() {
    let engine = engine(false, true);
    let mut linker: Linker<Vec<u64>> = Linker::new(&engine);
    linker
        .func_wrap("host", "fuel", |mut caller: Caller<'_, Vec<u64>>| -> anyhow::Result<()> {
            let left = caller.get_fuel()?;
            caller.data_mut().push(left);
            caller.set_fuel(left + 100)
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "fuel" (func $fuel))
             (func (export "f") (i32.const 1) drop (call $fuel) (call $fuel)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    store.set_fuel(10).unwrap();
    instance.get_typed_func::<(), ()>(&mut store, "f").unwrap().call(&mut store, ()).unwrap();
    // i32.const and the first call: 2; the second call: 1 more after +100.
    assert_eq!(store.data(), &[8, 107]);
    assert_eq!(store.get_fuel().unwrap(), 207);
}
