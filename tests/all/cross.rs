//! Cross-compilation: `Config::target` and `kiln compile --target` build an
//! artifact for the other architecture (AArch64 on an x86-64 host, x86-64
//! on an AArch64 one), which records its target and is refused here by
//! name. That it runs there is checked under qemu by `.ci/aarch64.sh`.

use kiln::{Config, Engine, Module};
use object::{Object, ObjectSection};
use std::process::Command;

/// The architecture kiln cross-compiles to from this host, and its ELF
/// machine.
fn other_target() -> (&'static str, object::Architecture) {
    if cfg!(target_arch = "aarch64") {
        ("x86_64-unknown-linux-gnu", object::Architecture::X86_64)
    } else {
        ("aarch64-unknown-linux-gnu", object::Architecture::Aarch64)
    }
}

const WAT: &str = r#"(module
  (memory 1)
  (func $sq (param f64) (result f64) (f64.mul (local.get 0) (local.get 0)))
  (func (export "run") (param f64) (result f64)
    (f64.store (i32.const 8) (call $sq (f64.nearest (local.get 0))))
    (f64.load (i32.const 8))))"#;

fn cross_engine() -> Engine {
    let mut config = Config::new();
    config.target(other_target().0).unwrap();
    Engine::new(&config).unwrap()
}

#[test]
fn an_artifact_for_another_target_is_that_architectures_elf() {
    let (target, arch) = other_target();
    let bytes = cross_engine().precompile_module(WAT.as_bytes()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    assert_eq!(file.architecture(), arch);
    let meta = file.section_by_name(".kiln.meta").unwrap().data().unwrap();
    assert!(meta.windows(target.len()).any(|w| w == target.as_bytes()), "the header records `{target}`");
    let host = Engine::default().precompile_module(WAT.as_bytes()).unwrap();
    assert_ne!(object::File::parse(&*host).unwrap().architecture(), arch);
}

#[test]
fn an_artifact_for_another_target_is_refused_by_name() {
    let (target, _) = other_target();
    let bytes = cross_engine().precompile_module(WAT.as_bytes()).unwrap();
    // SAFETY: the artifact was just compiled by kiln; it must be refused.
    let err = unsafe { Module::deserialize(&Engine::default(), &bytes) }.unwrap_err().to_string();
    assert!(err.contains(&format!("compiled for target `{target}`")), "{err}");
    let err = Module::new(&cross_engine(), WAT).unwrap_err().to_string();
    assert!(err.contains(&format!("compiled for target `{target}`")), "{err}");
    assert!(Engine::detect_precompiled(&bytes).is_some(), "still recognised as a kiln module");
}

#[test]
fn unsupported_targets_are_refused_by_name() {
    for bad in ["riscv64gc-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-msvc"] {
        let err = Config::new().target(bad).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(bad) && err.contains("only"), "{bad}: {err}");
    }
    let host = kiln_compiler::host_target();
    Config::new().target(&host).unwrap();
    Config::new().target("aarch64").unwrap();
    Config::new().target("x86_64").unwrap();
}

#[test]
fn kiln_compile_target_writes_an_artifact_kiln_run_refuses_here() {
    let (target, arch) = other_target();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wat"), WAT).unwrap();
    let kiln = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiln"));
        c.current_dir(dir.path());
        c
    };
    let o = kiln().args(["compile", "--target", target, "m.wat", "-o", "m.o"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(dir.path().join("m.o")).unwrap();
    assert_eq!(object::File::parse(&*bytes).unwrap().architecture(), arch);
    let o = kiln().args(["run", "--invoke", "run", "m.o", "1.5"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains(&format!("compiled for target `{target}`")), "{err}");
    let o = kiln().args(["compile", "--target", "mips-unknown-linux-gnu", "m.wat"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("mips-unknown-linux-gnu"));
}
