//! SIMD on the host side: `V128` values through typed and untyped calls,
//! host functions, trampolines and globals; the relaxed-SIMD setting in
//! artifacts; and Cranelift CPU-feature flags (recorded in the artifact
//! header, refused by a host that lacks them).

use kiln::artifact::{ArtifactError, CHECKSUM_OFFSET, CpuFeature};
use kiln::*;

fn meta_offset(bytes: &[u8]) -> usize {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    file.section_by_name(".kiln.meta").unwrap().file_range().unwrap().0 as usize
}

/// The CPU-feature bits of an artifact's header.
fn header_features(bytes: &[u8]) -> u64 {
    let at = meta_offset(bytes) + 24;
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn bit(name: &str) -> u64 {
    CpuFeature::by_name(name).unwrap_or_else(|| panic!("{name} is a CPU feature")).bit()
}

/// A vector from its four 32-bit lanes, lane 0 first.
fn i32x4(l: [u32; 4]) -> V128 {
    V128::from(l.iter().rev().fold(0u128, |acc, x| (acc << 32) | u128::from(*x)))
}

const PASS_THROUGH: &str = r#"(module
  (import "host" "swap" (func $swap (param i32 v128 i64 v128) (result v128 i32 v128)))
  (func (export "id") (param v128) (result v128) local.get 0)
  (func (export "mixed") (param i32 v128 i64 v128) (result v128 i32 v128)
    local.get 0 local.get 1 local.get 2 local.get 3 call $swap)
  (global (export "g") (mut v128) (v128.const i32x4 1 2 3 4)))"#;

#[test]
fn v128_crosses_typed_calls_host_functions_and_trampolines() {
    let engine = Engine::default();
    let module = Module::new(&engine, PASS_THROUGH).unwrap();
    let mut store = Store::new(&engine, ());
    // The host swaps the vectors and adds the scalars, so every slot of
    // the array call is checked both ways.
    let swap = Func::wrap(&mut store, |a: i32, x: V128, b: i64, y: V128| (y, a + b as i32, x));
    let instance = Instance::new(&mut store, &module, &[swap.into()]).unwrap();

    let id = instance.get_typed_func::<V128, V128>(&mut store, "id").unwrap();
    let v = i32x4([0xdead_beef, 1, 0x8000_0000, 0xffff_ffff]);
    assert_eq!(id.call(&mut store, v).unwrap(), v);

    let mixed = instance.get_typed_func::<(i32, V128, i64, V128), (V128, i32, V128)>(&mut store, "mixed").unwrap();
    let (x, y) = (i32x4([1, 2, 3, 4]), i32x4([5, 6, 7, u32::MAX]));
    assert_eq!(mixed.call(&mut store, (10, x, 32, y)).unwrap(), (y, 42, x));

    // Untyped, through `Func::call` and `Val`.
    let f = instance.get_func(&mut store, "mixed").unwrap();
    let mut results = [Val::I32(0), Val::I32(0), Val::I32(0)];
    f.call(&mut store, &[Val::I32(1), Val::V128(x), Val::I64(2), Val::V128(y)], &mut results).unwrap();
    assert_eq!((results[0].unwrap_v128(), results[1].unwrap_i32(), results[2].unwrap_v128()), (y, 3, x));
    assert!(f.typed::<(i32, i32, i64, V128), (V128, i32, V128)>(&store).is_err(), "types are checked");
}

#[test]
fn v128_host_function_defined_with_func_new() {
    let engine = Engine::default();
    let module = Module::new(&engine, PASS_THROUGH).unwrap();
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new(
        &engine,
        [ValType::I32, ValType::V128, ValType::I64, ValType::V128],
        [ValType::V128, ValType::I32, ValType::V128],
    );
    let swap = Func::new(&mut store, ty, |_, params, results| {
        results[0] = params[3];
        results[1] = Val::I32(params[0].unwrap_i32() * 2);
        results[2] = params[1];
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[swap.into()]).unwrap();
    let mixed = instance.get_typed_func::<(i32, V128, i64, V128), (V128, i32, V128)>(&mut store, "mixed").unwrap();
    let (x, y) = (V128::from(u128::MAX), V128::from(1));
    assert_eq!(mixed.call(&mut store, (21, x, 0, y)).unwrap(), (y, 42, x));
}

#[test]
fn v128_globals_get_and_set() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let ty = GlobalType::new(ValType::V128, Mutability::Var);
    let v = i32x4([1, 2, 3, 4]);
    let g = Global::new(&mut store, ty, Val::V128(v)).unwrap();
    assert_eq!(g.get(&mut store).unwrap_v128(), v);
    g.set(&mut store, Val::from(u128::MAX)).unwrap();
    assert_eq!(g.get(&mut store).unwrap_v128(), V128::from(u128::MAX));
    assert!(g.set(&mut store, Val::I32(0)).is_err(), "wrong type");
    assert!(Global::new(&mut store, ty, Val::I64(0)).is_err());

    let module = Module::new(&engine, PASS_THROUGH).unwrap();
    let swap = Func::wrap(&mut store, |_: i32, x: V128, _: i64, y: V128| (y, 0, x));
    let instance = Instance::new(&mut store, &module, &[swap.into()]).unwrap();
    let wasm_global = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(wasm_global.get(&mut store).unwrap_v128(), v, "initialised from v128.const");
    wasm_global.set(&mut store, Val::V128(V128::from(7))).unwrap();
    assert_eq!(wasm_global.get(&mut store).unwrap_v128(), V128::from(7));
}

#[test]
fn relaxed_simd_setting_is_recorded_and_checked() {
    let mut native = Config::new();
    native.relaxed_simd_deterministic(false);
    let native = Engine::new(&native).unwrap();
    let bytes = Module::new(&native, "(module)").unwrap().serialize().unwrap();
    let default = Engine::default();
    // SAFETY: the artifact was just compiled by kiln.
    let err = unsafe { Module::deserialize(&default, &bytes) }.unwrap_err().to_string();
    assert!(
        err.contains("module was compiled without deterministic relaxed SIMD, but the engine has it enabled"),
        "{err}"
    );
    // SAFETY: as above.
    unsafe { Module::deserialize(&native, &bytes) }.unwrap();
}

#[test]
fn unknown_or_shared_cranelift_flags_fail_engine_new() {
    let mut config = Config::new();
    // SAFETY: the engine is never used to compile.
    unsafe { config.cranelift_flag_set("has_warp_drive", "true") };
    let err = Engine::new(&config).unwrap_err().to_string();
    assert_eq!(err, "target configuration: unknown Cranelift flag `has_warp_drive` for this target");
    let mut config = Config::new();
    // SAFETY: as above.
    unsafe { config.cranelift_flag_enable("no_such_preset") };
    assert!(Engine::new(&config).unwrap_err().to_string().contains("`no_such_preset`"));
    let mut config = Config::new();
    // SAFETY: as above.
    unsafe { config.cranelift_flag_set("opt_level", "none") };
    assert!(Engine::new(&config).unwrap_err().to_string().contains("shared setting kiln fixes"));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn artifact_compiled_without_avx_records_it_and_runs() {
    let wat = r#"(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"#;
    let mut config = Config::new();
    // SAFETY: turning features off only restricts the code.
    unsafe {
        config.cranelift_flag_set("has_avx", "false").cranelift_flag_set("has_avx2", "false");
    }
    let engine = Engine::new(&config).unwrap();
    let bytes = engine.precompile_module(wat.as_bytes()).unwrap();
    assert_eq!(header_features(&bytes) & (bit("has_avx") | bit("has_avx2")), 0);
    let default = Engine::default().precompile_module(wat.as_bytes()).unwrap();
    if CpuFeature::by_name("has_avx").unwrap().host_has() {
        assert_ne!(header_features(&default) & bit("has_avx"), 0, "the host's AVX is used by default");
    }
    assert_eq!(header_features(&bytes) & !header_features(&default), 0);

    // SAFETY: compiled just now by kiln.
    let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
    assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42);
}

/// A feature of this architecture that the host lacks, if there is one.
#[cfg(target_arch = "x86_64")]
fn missing_x86_feature() -> Option<CpuFeature> {
    CpuFeature::ALL.iter().copied().filter(|f| f.bit() < 32).find(|f| !f.host_has())
}

#[test]
fn header_claiming_a_missing_feature_is_refused_by_name() {
    let Some(missing) = CpuFeature::ALL.iter().copied().find(|f| !f.host_has()) else {
        return; // a host with every feature kiln knows (none exists today)
    };
    let engine = Engine::default();
    let mut bytes = engine.precompile_module(b"(module)").unwrap();
    let meta = meta_offset(&bytes);
    let at = meta + 24;
    let claimed = header_features(&bytes) | missing.bit();
    bytes[at..at + 8].copy_from_slice(&claimed.to_le_bytes());
    let sum_at = meta + CHECKSUM_OFFSET;
    let sum = kiln::artifact::checksum(&bytes, sum_at);
    bytes[sum_at..sum_at + 8].copy_from_slice(&sum.to_le_bytes());
    // SAFETY: loading must refuse it before running anything.
    let err = unsafe { Module::deserialize(&engine, &bytes) }.unwrap_err();
    let e = err.downcast_ref::<ArtifactError>().unwrap_or_else(|| panic!("untyped error {err:#}"));
    assert_eq!(*e, ArtifactError::CpuFeatures(missing.name().to_string()));
    assert!(err.to_string().contains(missing.name()), "{err}");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn enabling_a_feature_the_host_lacks_refuses_the_module() {
    let Some(missing) = missing_x86_feature() else { return };
    let mut config = Config::new();
    // SAFETY: the code is refused before it runs.
    unsafe { config.cranelift_flag_enable(missing.name()) };
    let engine = Engine::new(&config).unwrap();
    let err = Module::new(&engine, "(module (func (export \"f\")))").unwrap_err().to_string();
    assert!(err.contains("CPU feature") && err.contains(missing.name()), "{err}");
    let bytes = engine.precompile_module(b"(module)").unwrap();
    assert_ne!(header_features(&bytes) & missing.bit(), 0, "recorded for another host to check");
}

const SIMD_KERNEL: &str = r#"(module
  (func (export "dot") (param v128 v128) (result i32)
    (local v128)
    (local.set 2 (i32x4.mul (local.get 0) (local.get 1)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get 2)) (i32x4.extract_lane 1 (local.get 2)))
      (i32.add (i32x4.extract_lane 2 (local.get 2)) (i32x4.extract_lane 3 (local.get 2)))))
  (func (export "ceil") (param v128) (result v128) (f32x4.ceil (local.get 0))))"#;

fn engine_with(flags: &[(&str, &str)]) -> Engine {
    let mut config = Config::new();
    for (name, value) in flags {
        // SAFETY: turning features off only restricts the code.
        unsafe { config.cranelift_flag_set(name, value) };
    }
    Engine::new(&config).unwrap()
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_code_without_avx_records_it_and_computes_the_same() {
    let wat = SIMD_KERNEL.as_bytes();
    for flags in [&[][..], &[("has_avx", "false"), ("has_avx2", "false")][..]] {
        let engine = engine_with(flags);
        let bytes = engine.precompile_module(wat).unwrap();
        if !flags.is_empty() {
            assert_eq!(header_features(&bytes) & (bit("has_avx") | bit("has_avx2")), 0);
        }
        // SAFETY: compiled just now by kiln.
        let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let dot = instance.get_typed_func::<(V128, V128), i32>(&mut store, "dot").unwrap();
        assert_eq!(dot.call(&mut store, (i32x4([1, 2, 3, 4]), i32x4([5, 6, 7, 8]))).unwrap(), 70, "{flags:?}");
        let ceil = instance.get_typed_func::<V128, V128>(&mut store, "ceil").unwrap();
        let halves = i32x4([1.5f32.to_bits(), (-1.5f32).to_bits(), 0, 2.25f32.to_bits()]);
        let want = i32x4([2f32.to_bits(), (-1f32).to_bits(), 0, 3f32.to_bits()]);
        assert_eq!(ceil.call(&mut store, halves).unwrap(), want, "{flags:?}");
    }
}

/// Vector rounding has no fallback without SSE4.1: compiling it fails with
/// an error naming the feature, never a panic, and code that does not
/// round still compiles.
#[cfg(target_arch = "x86_64")]
#[test]
fn simd_rounding_without_sse41_is_a_clear_error() {
    let engine = engine_with(&[("has_sse41", "false")]);
    let err = Module::new(&engine, SIMD_KERNEL).unwrap_err().to_string();
    assert!(err.contains("f32x4.ceil") && err.contains("has_sse41"), "{err}");
    let no_rounding = SIMD_KERNEL.replace("(f32x4.ceil (local.get 0))", "(f32x4.neg (local.get 0))");
    let bytes = engine.precompile_module(no_rounding.as_bytes()).unwrap();
    assert_eq!(header_features(&bytes) & bit("has_sse41"), 0, "the header does not ask for SSE4.1");
    // SAFETY: compiled just now by kiln.
    let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let dot = instance.get_typed_func::<(V128, V128), i32>(&mut store, "dot").unwrap();
    assert_eq!(dot.call(&mut store, (i32x4([1, 2, 3, 4]), i32x4([1, 1, 1, u32::MAX]))).unwrap(), 2);
}

#[test]
fn cranelift_flags_and_relaxed_mode_change_the_compatibility_hash() {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let hash = |engine: &Engine| {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        h.finish()
    };
    let default = hash(&Engine::default());
    assert_eq!(default, hash(&Engine::default()));
    assert_ne!(default, hash(&engine_with(&[("has_avx", "false")])));
    let mut native = Config::new();
    native.relaxed_simd_deterministic(false);
    assert_ne!(default, hash(&Engine::new(&native).unwrap()));
}
