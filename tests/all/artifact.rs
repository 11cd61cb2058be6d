//! Artifacts: real relocatable ELF objects that standard tools read, and
//! that the loader refuses cleanly when truncated, corrupted or mismatched.

use super::module;
use kiln::artifact::{ArtifactError, CHECKSUM_OFFSET};
use kiln::*;
use std::process::Command;

const WAT: &str = r#"(module $demo
  (memory 1) (data (i32.const 0) "hello")
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $load (export "load") (result i32) (i32.load8_u (i32.const 1)))
  (func (export "anonymous_export") (result i32) i32.const 7)
  (func (result i32) i32.const 8))"#;

fn artifact() -> (Engine, Vec<u8>) {
    let (engine, module) = module(WAT);
    (engine, module.serialize().unwrap())
}

fn load(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Module> {
    // SAFETY: loading must fail safely for every input tried here.
    unsafe { Module::deserialize(engine, bytes) }
}

fn meta_offset(bytes: &[u8]) -> usize {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    file.section_by_name(".kiln.meta").unwrap().file_range().unwrap().0 as usize
}

#[test]
fn standard_tools_read_the_object() {
    let (_, bytes) = artifact();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.o");
    std::fs::write(&path, &bytes).unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let out = Command::new(cmd).args(args).arg(&path).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
        assert!(out.status.success(), "{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run("readelf", &["-h"]).contains("REL (Relocatable file)"));
    let nm = run("nm", &[]);
    assert!(nm.contains(" add") && nm.contains(" load"), "{nm}");
    // Without a name-section entry, the export name; without either, the index.
    assert!(nm.contains(" anonymous_export\n") && nm.contains(" wasm-function[3]\n"), "{nm}");
    let objdump = run("objdump", &["-d"]);
    assert!(objdump.contains("<add>:") && objdump.contains("ret"), "{objdump}");
    assert!(run("readelf", &["-S"]).contains(".kiln.meta"));
}

#[test]
fn wasm_functions_start_on_fetch_boundaries_and_stubs_are_packed() {
    use object::{Object, ObjectSymbol, SymbolKind};
    let (_, bytes) = artifact();
    let file = object::File::parse(&*bytes).unwrap();
    let funcs: Vec<(String, u64)> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text)
        .map(|s| (s.name().unwrap().to_string(), s.address()))
        .collect();
    // Cranelift's preferred function alignment, 32 bytes on x86-64 and on
    // aarch64 (wasmtime gives wasm functions the same).
    let preferred = 32;
    let wasm = ["add", "load", "anonymous_export", "wasm-function[3]"];
    for name in wasm {
        let (_, at) = funcs.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}: {funcs:?}"));
        assert_eq!(at % preferred, 0, "{name} at {at:#x}: {funcs:?}");
    }
    // The trampolines are not padded out: at least one sits off the boundary.
    let stubs: Vec<_> = funcs.iter().filter(|(n, _)| n.contains("_to_")).collect();
    assert!(!stubs.is_empty(), "{funcs:?}");
    assert!(stubs.iter().any(|(_, at)| at % preferred != 0), "{stubs:?}");
}

#[test]
fn truncated_artifacts_are_refused() {
    let (engine, bytes) = artifact();
    for len in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        assert!(load(&engine, &bytes[..len]).is_err(), "truncated to {len} bytes");
    }
}

#[test]
fn any_flipped_byte_is_refused() {
    let (engine, bytes) = artifact();
    let mut corrupt = bytes.clone();
    for i in (0..bytes.len()).step_by(3) {
        corrupt[i] ^= 0x5a;
        assert!(load(&engine, &corrupt).is_err(), "byte {i} flipped");
        corrupt[i] = bytes[i];
    }
    assert!(load(&engine, &corrupt).is_ok());
}

#[test]
fn header_fields_give_specific_errors() {
    let (engine, bytes) = artifact();
    let meta = meta_offset(&bytes);
    let reseal = |mut b: Vec<u8>| {
        let at = meta + CHECKSUM_OFFSET;
        let sum = kiln::artifact::checksum(&b, at);
        b[at..at + 8].copy_from_slice(&sum.to_le_bytes());
        b
    };
    let expect = |b: Vec<u8>, check: fn(&ArtifactError) -> bool| {
        let err = load(&engine, &b).unwrap_err();
        let e = err.downcast_ref::<ArtifactError>().unwrap_or_else(|| panic!("untyped error {err:#}"));
        assert!(check(e), "{e}");
    };
    let mut b = bytes.clone();
    b[meta + 8] = 99; // format version
    expect(reseal(b), |e| matches!(e, ArtifactError::FormatVersion { .. }));
    let mut b = bytes.clone();
    b[meta + 32] = b'9'; // kiln version
    expect(reseal(b), |e| matches!(e, ArtifactError::KilnVersion { .. }));
    let mut b = bytes.clone();
    b[meta + 56..meta + 62].copy_from_slice(b"mips64"); // target
    expect(reseal(b), |e| matches!(e, ArtifactError::Target { .. }));
    let mut b = bytes.clone();
    b[meta + 24 + 7] |= 0x80; // a CPU feature bit no host has
    expect(reseal(b), |e| matches!(e, ArtifactError::CpuFeatures(_)));
    let mut b = bytes.clone();
    b[meta + 1] = b'X'; // magic
    expect(b, |e| matches!(e, ArtifactError::NotAnArtifact(_)));
    let mut b = bytes.clone();
    let last = b.len() - 1;
    b[last] ^= 1;
    expect(b, |e| matches!(e, ArtifactError::Checksum { .. }));
}

#[test]
fn wasm_is_not_an_artifact() {
    let engine = Engine::default();
    let err = load(&engine, b"\0asm\x01\0\0\0").unwrap_err();
    assert!(err.to_string().contains("not a kiln artifact"), "{err}");
}

#[test]
fn loaded_artifact_runs_with_data() {
    let (engine, bytes) = artifact();
    let module = load(&engine, &bytes).unwrap();
    assert_eq!(module.name(), Some("demo"));
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(i.get_typed_func::<(), i32>(&mut store, "load").unwrap().call(&mut store, ()).unwrap(), b'e' as i32);
}

#[test]
fn recompiling_over_a_mapped_artifact_leaves_the_mapping_alone() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let (old_wat, new_wat) = (dir.path().join("old.wat"), dir.path().join("new.wat"));
    std::fs::write(&old_wat, r#"(module (func (export "v") (result i32) i32.const 1))"#).unwrap();
    std::fs::write(&new_wat, r#"(module (func (export "v") (result i32) i32.const 2) (func (export "w")))"#).unwrap();
    let out = dir.path().join("m.o");
    kiln_cli::compile::compile_file(&old_wat, &out, &[], &[], &[]).unwrap();
    let inode = std::fs::metadata(&out).unwrap().ino();
    let engine = Engine::default();
    // SAFETY: the file is ours; recompiling replaces it instead of changing it.
    let module = unsafe { Module::deserialize_file(&engine, &out) }.unwrap();
    kiln_cli::compile::compile_file(&new_wat, &out, &[], &[], &[]).unwrap();
    assert_ne!(std::fs::metadata(&out).unwrap().ino(), inode, "the artifact was rewritten in place");
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(i.get_typed_func::<(), i32>(&mut store, "v").unwrap().call(&mut store, ()).unwrap(), 1);
    assert_eq!(module.serialize().unwrap(), kiln_cli_compile_bytes(&old_wat));
    // SAFETY: as above.
    let new = unsafe { Module::deserialize_file(&engine, &out) }.unwrap();
    assert!(new.get_export("w").is_some());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3, "a temporary file was left behind");
}

fn kiln_cli_compile_bytes(wat: &std::path::Path) -> Vec<u8> {
    Engine::default().precompile_module(&std::fs::read(wat).unwrap()).unwrap()
}

/// The artifact with the header of its relocation section edited by
/// `edit(section_header_bytes)`, checksum recomputed.
fn with_edited_rela_header(bytes: &[u8], edit: impl Fn(&mut [u8])) -> Vec<u8> {
    use object::read::elf::{ElfFile64, SectionHeader};
    let file = ElfFile64::<object::LittleEndian>::parse(bytes).unwrap();
    let endian = object::LittleEndian;
    let index = file
        .elf_section_table()
        .iter()
        .position(|s| s.sh_type(endian) == object::elf::SHT_RELA)
        .expect("the artifact has relocations");
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
    let shentsize = u16::from_le_bytes(bytes[0x3a..0x3c].try_into().unwrap()) as usize;
    let mut out = bytes.to_vec();
    edit(&mut out[shoff + index * shentsize..][..shentsize]);
    let at = meta_offset(&out) + CHECKSUM_OFFSET;
    let sum = kiln::artifact::checksum(&out, at);
    out[at..at + 8].copy_from_slice(&sum.to_le_bytes());
    out
}

#[test]
fn an_edited_relocation_section_header_is_refused_never_skipped() {
    let (engine, module) = module(
        r#"(module (func $f (result i32) i32.const 5) (func (export "g") (result i32) call $f call $f i32.add))"#,
    );
    let bytes = module.serialize().unwrap();
    let put32 = |at: usize, v: u32| move |h: &mut [u8]| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 = |at: usize, v: u64| move |h: &mut [u8]| h[at..at + 8].copy_from_slice(&v.to_le_bytes());
    type Edit = Box<dyn Fn(&mut [u8])>;
    let edits: Vec<(&str, Edit)> = vec![
        ("type PROGBITS", Box::new(put32(0x04, object::elf::SHT_PROGBITS))),
        ("type NOBITS", Box::new(put32(0x04, object::elf::SHT_NOBITS))),
        ("type REL", Box::new(put32(0x04, object::elf::SHT_REL))),
        ("info: another section", Box::new(put32(0x2c, 3))),
        ("link: not the symbol table", Box::new(put32(0x28, 1))),
        ("entry size 16", Box::new(put64(0x38, 16))),
        ("size not a multiple of the entries", Box::new(put64(0x20, 25))),
        ("size past the end of the file", Box::new(put64(0x20, 1 << 40))),
        ("size zero", Box::new(put64(0x20, 0))),
        ("offset past the end of the file", Box::new(put64(0x18, 1 << 40))),
    ];
    for (what, edit) in edits {
        let forged = with_edited_rela_header(&bytes, edit);
        let err = load(&engine, &forged).expect_err(what);
        let msg = format!("{err:#}");
        assert!(msg.contains("relocation") || msg.contains("ELF"), "{what}: {msg}");
    }
    // The unedited artifact still loads and runs.
    let module = load(&engine, &with_edited_rela_header(&bytes, |_| {})).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(i.get_typed_func::<(), i32>(&mut store, "g").unwrap().call(&mut store, ()).unwrap(), 10);
}

#[test]
fn serialize_rebuilds_the_artifact_byte_for_byte() {
    let wat = r#"(module (memory 1) (data (i32.const 0) "abc")
      (func $f (param f64) (result f64) (f64.floor (local.get 0)))
      (func (export "g") (result i32) (call $f (f64.const 1.5)) drop i32.const 3))"#;
    let engine = Engine::default();
    let bytes = engine.precompile_module(wat.as_bytes()).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    assert_eq!(module.serialize().unwrap(), bytes);
    let again = load(&engine, &bytes).unwrap();
    assert_eq!(again.serialize().unwrap(), bytes);
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &again, &[]).unwrap();
    assert_eq!(i.get_typed_func::<(), i32>(&mut store, "g").unwrap().call(&mut store, ()).unwrap(), 3);
}

#[test]
fn a_module_without_code_loads_and_serializes() {
    let engine = Engine::default();
    let bytes = engine.precompile_module(b"(module (memory 1) (data (i32.const 0) \"x\"))").unwrap();
    let module = load(&engine, &bytes).unwrap();
    assert_eq!(module.serialize().unwrap(), bytes);
    let mut store = Store::new(&engine, ());
    Instance::new(&mut store, &module, &[]).unwrap();
}
