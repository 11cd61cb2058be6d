//! Every kind of trap comes back as its own code, with a backtrace that
//! names the wasm functions, and never takes the host down.

use super::module;
use kiln::*;

const TRAPS: &str = r#"(module
  (memory 1)
  (table 2 funcref)
  (type $v (func))
  (func $other (param i32))
  (elem (i32.const 1) $other)
  (func (export "oob") (drop (i32.load (i32.const 65536))))
  (func (export "oob_far") (drop (i32.load offset=4294967295 (i32.const 4294967295))))
  (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "conv") (drop (i32.trunc_f32_s (f32.const nan))))
  (func (export "unreachable") unreachable)
  (func (export "null") (call_indirect (type $v) (i32.const 0)))
  (func (export "sig") (call_indirect (type $v) (i32.const 1)))
  (func (export "table_oob") (call_indirect (type $v) (i32.const 7)))
  (func $recurse (export "recurse") (call $recurse))
  (func $a (export "nested") (call $b))
  (func $b (call $c))
  (func $c unreachable)
)"#;

fn trap_of(name: &str) -> (Trap, anyhow::Error) {
    let (engine, module) = module(TRAPS);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<(), ()>(&mut store, name).unwrap();
    let err = f.call(&mut store, ()).unwrap_err();
    let trap = *err.downcast_ref::<Trap>().unwrap_or_else(|| panic!("{name}: not a trap: {err:?}"));
    (trap, err)
}

#[test]
fn each_trap_has_its_code() {
    for (name, want) in [
        ("oob", Trap::MemoryOutOfBounds),
        ("oob_far", Trap::MemoryOutOfBounds),
        ("div0", Trap::IntegerDivisionByZero),
        ("overflow", Trap::IntegerOverflow),
        ("conv", Trap::BadConversionToInteger),
        ("unreachable", Trap::UnreachableCodeReached),
        ("null", Trap::IndirectCallToNull),
        ("sig", Trap::BadSignature),
        ("table_oob", Trap::TableOutOfBounds),
        ("recurse", Trap::StackOverflow),
    ] {
        assert_eq!(trap_of(name).0, want, "{name}");
    }
}

#[test]
fn backtraces_name_functions_innermost_first() {
    let (_, err) = trap_of("nested");
    let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace attached");
    let names: Vec<_> = bt.frames().iter().map(|f| f.func_name().unwrap_or("?")).collect();
    assert_eq!(names, ["c", "b", "a"]);
    let text = format!("{err:?}");
    assert!(text.contains("wasm trap: unreachable"), "{text}");
}

#[test]
fn stack_overflow_is_deterministic_and_recoverable() {
    let (engine, module) = module(TRAPS);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let recurse = instance.get_typed_func::<(), ()>(&mut store, "recurse").unwrap();
    for _ in 0..3 {
        let err = recurse.call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
    }
    // Also on a thread with a small stack: the limit adapts to the thread.
    let module2 = module.clone();
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module2, &[]).unwrap();
            let recurse = instance.get_typed_func::<(), ()>(&mut store, "recurse").unwrap();
            let err = recurse.call(&mut store, ()).unwrap_err();
            assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn traps_inside_nested_host_calls_unwind_to_the_right_entry() {
    let (engine, module) = module(
        r#"(module (import "" "host" (func $host)) (func (export "outer") call $host)
             (func (export "bad") unreachable))"#,
    );
    let mut store = Store::new(&engine, None::<Func>);
    let host = Func::wrap(&mut store, |mut caller: Caller<'_, Option<Func>>| -> anyhow::Result<()> {
        let bad = caller.data().expect("set");
        let err = bad.call(&mut caller, &[], &mut []).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();
    let bad = instance.get_func(&mut store, "bad").unwrap();
    *store.data_mut() = Some(bad);
    instance.get_typed_func::<(), ()>(&mut store, "outer").unwrap().call(&mut store, ()).unwrap();
}

#[test]
fn instantiation_traps_are_traps() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (memory 1) (data (i32.const 65535) "ab"))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
}

/// In a child process: enter wasm once (installing kiln's handlers), then
/// fault in host code. kiln must pass the fault on, so the process dies of
/// SIGSEGV as it would without kiln, instead of looping or reporting a trap.
#[test]
fn host_faults_are_not_swallowed() {
    const CHILD: &str = "KILN_TEST_SEGFAULT_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let (engine, module) = module(TRAPS);
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let oob = instance.get_typed_func::<(), ()>(&mut store, "oob").unwrap();
        assert!(oob.call(&mut store, ()).is_err());
        // SAFETY: deliberately not safe: this child exists to crash here.
        unsafe { std::ptr::null_mut::<u8>().write_volatile(1) };
        unreachable!("the write above faults");
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "traps::host_faults_are_not_swallowed", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc_sigsegv()), "child: {:?}", out.status);
}

fn libc_sigsegv() -> i32 {
    11
}

/// Memory reservations are reused after a store is dropped. A memory that
/// gets a reservation a larger, dirtied memory used before must still read
/// as zero and still trap exactly at its own end.
#[test]
fn reused_memory_is_zeroed_and_bounded() {
    let engine = Engine::default();
    let big = Module::new(
        &engine,
        r#"(module (memory 2)
             (func (export "dirty") (local $i i32)
               (drop (memory.grow (i32.const 2)))
               (loop $l
                 (i32.store (local.get $i) (i32.const -1))
                 (local.set $i (i32.add (local.get $i) (i32.const 4096)))
                 (br_if $l (i32.lt_u (local.get $i) (i32.const 262144))))))"#,
    )
    .unwrap();
    let small = Module::new(
        &engine,
        r#"(module (memory 1)
             (func (export "sum") (result i32) (local $i i32) (local $s i32)
               (loop $l
                 (local.set $s (i32.or (local.get $s) (i32.load (local.get $i))))
                 (local.set $i (i32.add (local.get $i) (i32.const 4096)))
                 (br_if $l (i32.lt_u (local.get $i) (i32.const 65536))))
               (local.get $s))
             (func (export "past_end") (result i32) (i32.load (i32.const 65536))))"#,
    )
    .unwrap();
    for _ in 0..8 {
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &big, &[]).unwrap();
        i.get_typed_func::<(), ()>(&mut store, "dirty").unwrap().call(&mut store, ()).unwrap();
        drop(store);

        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &small, &[]).unwrap();
        let sum = i.get_typed_func::<(), i32>(&mut store, "sum").unwrap().call(&mut store, ()).unwrap();
        assert_eq!(sum, 0, "a new memory reads as zero");
        let err = i.get_typed_func::<(), i32>(&mut store, "past_end").unwrap().call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
    }
}

/// A host call that makes a nested call into wasm and then fails gets the
/// backtrace of its own callers, not the frames of the finished nested call.
#[test]
fn host_error_after_a_nested_call_has_its_own_backtrace() {
    let (engine, module) = module(
        r#"(module (import "" "host" (func $host)) (import "" "ok" (func $ok))
             (func $outer (export "outer") call $host)
             (func $inner (export "inner") call $ok))"#,
    );
    let mut store = Store::new(&engine, None::<Func>);
    let ok = Func::wrap(&mut store, || {});
    let host = Func::wrap(&mut store, |mut caller: Caller<'_, Option<Func>>| -> anyhow::Result<()> {
        let inner = caller.data().expect("set");
        inner.call(&mut caller, &[], &mut [])?;
        anyhow::bail!("the host failed after a nested call")
    });
    let instance = Instance::new(&mut store, &module, &[host.into(), ok.into()]).unwrap();
    let inner = instance.get_func(&mut store, "inner").unwrap();
    *store.data_mut() = Some(inner);
    let err = instance.get_typed_func::<(), ()>(&mut store, "outer").unwrap().call(&mut store, ()).unwrap_err();
    let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace attached");
    let names: Vec<_> = bt.frames().iter().map(|f| f.func_name().unwrap_or("?")).collect();
    assert_eq!(names, ["outer"], "{err:?}");
}

/// A host function may re-enter its store from another thread (`Caller` is
/// `Send`). Wasm there gets that thread's stack budget: moderate recursion
/// works, and unbounded recursion is a `StackOverflow` trap, not a crash.
#[test]
fn reentry_from_another_thread_uses_that_threads_stack() {
    let (engine, module) = module(
        r#"(module (import "" "host" (func $host))
             (func (export "outer") call $host)
             (func $deep (export "deep") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                 (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
             (func $forever (export "forever") (call $forever)))"#,
    );
    let mut store = Store::new(&engine, None::<(Func, Func)>);
    let host = Func::wrap(&mut store, |mut caller: Caller<'_, Option<(Func, Func)>>| -> anyhow::Result<()> {
        let (deep, forever) = caller.data().expect("set");
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut out = [Val::I32(0)];
                deep.call(&mut caller, &[Val::I32(1000)], &mut out).unwrap();
                assert_eq!(out[0].unwrap_i32(), 1000);
                let err = forever.call(&mut caller, &[], &mut []).unwrap_err();
                assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
            });
        });
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();
    let deep = instance.get_func(&mut store, "deep").unwrap();
    let forever = instance.get_func(&mut store, "forever").unwrap();
    *store.data_mut() = Some((deep, forever));
    instance.get_typed_func::<(), ()>(&mut store, "outer").unwrap().call(&mut store, ()).unwrap();
    // And back on this thread, the store's own budget still holds.
    let err = forever.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
}
