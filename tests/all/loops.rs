//! Loops the translator rotates (`compiler/src/translate/loop_rotate.rs`)
//! compute what the same loops compute unrotated: each function of
//! `tests/disas/loop-rotate.wat`, and a nest, on every bound from 0 to
//! past a few steps, compiled at `speed` (rotated) and at `none` (left
//! alone), against Rust.

use kiln::{Config, Engine, Instance, Module, OptLevel, Store};

/// A nest whose inner bound is the outer index: `i = 0; while i + 1 <= n
/// { j = 0; while j + 1 <= i { j += 1; c += 1 } i += 1 }`; returns `c`.
const NEST: &str = r#"(module
  (func (export "nest") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $c i32)
    (block $outer_done
      (loop $outer
        (br_if $outer_done (i32.gt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.gt_u (i32.add (local.get $j) (i32.const 1)) (local.get $i)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $c)))"#;

fn instance(wat: &[u8], level: OptLevel) -> (Store<()>, Instance) {
    let mut config = Config::new();
    config.cranelift_opt_level(level);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn rotate_wat() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/disas/loop-rotate.wat")).unwrap()
}

#[test]
fn a_rotated_byte_search_finds_what_rust_finds() {
    for level in [OptLevel::Speed, OptLevel::None] {
        let (mut store, instance) = instance(&rotate_wat(), level);
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let find = instance.get_typed_func::<(u32, u32, u32), i32>(&mut store, "find").unwrap();
        let hay: Vec<u8> = (0..96u32).map(|i| (i * 7 % 251) as u8 | 1).collect();
        memory.write(&mut store, 32, &hay).unwrap();
        for n in 0..=hay.len() as u32 {
            for at in [0, 1, 15, 16, 17, 47, 80, 95] {
                let needle = hay[at];
                // The function searches whole 16-byte blocks below `n`.
                let whole = (n as usize / 16) * 16;
                let want = hay[..whole].iter().position(|&b| b == needle).map_or(-1, |p| p as i32);
                let got = find.call(&mut store, (32, n, u32::from(needle))).unwrap();
                assert_eq!(got, want, "{level:?}: n = {n}, needle at {at}");
            }
            assert_eq!(find.call(&mut store, (32, n, 0)).unwrap(), -1, "{level:?}: no zero byte, n = {n}");
        }
    }
}

#[test]
fn a_rotated_sum_adds_what_rust_adds() {
    for level in [OptLevel::Speed, OptLevel::None] {
        let (mut store, instance) = instance(&rotate_wat(), level);
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let sum = instance.get_typed_func::<u32, i32>(&mut store, "sum").unwrap();
        let bytes: Vec<u8> = (0..40u32).map(|i| (i * 13 % 256) as u8).collect();
        memory.write(&mut store, 0, &bytes).unwrap();
        for n in 0..=bytes.len() as u32 {
            // `while i + 1 < n`: the bytes below `n - 1`.
            let want: i32 = bytes[..(n as usize).saturating_sub(1)].iter().map(|&b| i32::from(b)).sum();
            assert_eq!(sum.call(&mut store, n).unwrap(), want, "{level:?}: n = {n}");
        }
    }
}

#[test]
fn a_rotated_nest_counts_what_rust_counts() {
    for level in [OptLevel::Speed, OptLevel::None] {
        let (mut store, instance) = instance(NEST.as_bytes(), level);
        let nest = instance.get_typed_func::<u32, i32>(&mut store, "nest").unwrap();
        for n in 0..40u32 {
            // Outer indices 0..n, each running its inner loop `i` times.
            let want = (0..n).sum::<u32>() as i32;
            assert_eq!(nest.call(&mut store, n).unwrap(), want, "{level:?}: n = {n}");
        }
    }
}
