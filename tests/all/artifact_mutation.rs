//! Forged artifacts: real artifacts whose metadata (or relocation section)
//! is mutated, field by field and byte by byte, then resealed with a fresh
//! checksum and loaded, instantiated and called.
//!
//! The only acceptable outcomes are a clean error or a module that works.
//! Each batch of mutations runs in a child process (this test binary, run
//! as the ignored `worker` test), so that a crash, an abort or a panic is
//! recorded against the mutation that caused it instead of ending the run;
//! the parent then asserts that there were none.
//!
//! Structured mutations change every number (0, -1, +1, +16, *2+1, 0xffff,
//! u32::MAX), flip every bool, swap every enum variant for its siblings,
//! and drop, duplicate, swap and reverse the entries of every list (which
//! unsorts the trap table, among others); random ones flip bits of the
//! encoded metadata and of the relocation section. `KILN_MUTATION_ITERS`
//! scales the number of random flips (default 1500); the structured
//! mutations are always all tried. The seed is fixed, so every run tries
//! the same mutations.

use kiln::artifact::{self, ArtifactMetadata};
use kiln::*;
use object::{Object, ObjectSection};
use serde_json::Value;
use std::process::Command;

/// Modules that together exercise every part of the metadata.
const MODULES: &[&str] = &[
    // Imports of every kind, a global initialised from an imported one.
    r#"(module
      (import "env" "f" (func $f (param i32) (result i32)))
      (import "env" "g" (global $g i32))
      (import "env" "m" (memory 1))
      (import "env" "t" (table 2 funcref))
      (global $d (mut i32) (global.get $g))
      (func (export "call") (result i32) (call $f (global.get $d)))
      (func (export "load") (result i32) (i32.load (i32.const 0)))
      (func (export "size") (result i32) (table.size 0))
      (export "g" (global $g)) (export "f" (func $f)))"#,
    // Globals of every type, with constant and extended initialisers.
    r#"(module
      (global $a i32 (i32.const 7))
      (global $b i64 (i64.const 9))
      (global $c (mut f64) (f64.const 1.5))
      (global $e funcref (ref.func $get))
      (global $x i32 (i32.const 3))
      (func $get (export "get") (result i32) global.get $a)
      (func (export "getx") (result i32) global.get $x)
      (func (export "getb") (result i64) global.get $b)
      (export "a" (global $a)) (export "c" (global $c)) (export "e" (global $e)))"#,
    // Tables and element segments: active, passive, declared, expressions.
    r#"(module
      (type $t (func (result i32)))
      (table $t0 4 funcref)
      (table $t1 2 externref)
      (func $one (result i32) i32.const 1)
      (func $two (result i32) i32.const 2)
      (elem (i32.const 0) $one $two)
      (elem $p func $two $one)
      (elem declare func $one)
      (elem (table $t0) (i32.const 2) funcref (ref.func $two) (ref.null func))
      (func (export "ci") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
      (func (export "init") (table.init $t0 $p (i32.const 0) (i32.const 0) (i32.const 2)) (elem.drop $p))
      (func (export "rf") (result funcref) ref.func $one)
      (func (export "ci1") (result i32) (call_indirect (type $t) (i32.const 1)))
      (export "tab" (table $t0)))"#,
    // Data segments: active and passive.
    r#"(module
      (memory 1 2)
      (data (i32.const 0) "hello")
      (data $p "world")
      (data (i32.const 100) "x")
      (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
      (func (export "init") (memory.init $p (i32.const 10) (i32.const 0) (i32.const 5)) (data.drop $p))
      (func (export "size") (result i32) memory.size)
      (func (export "grow") (result i32) (memory.grow (i32.const 1)))
      (export "mem" (memory 0)))"#,
    // A start function, traps, and calls between functions.
    r#"(module
      (memory 1)
      (global $s (mut i32) (i32.const 0))
      (func $start (global.set $s (call $helper (i32.const 41))))
      (func $helper (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (start $start)
      (func (export "s") (result i32) global.get $s)
      (func (export "unreachable") unreachable)
      (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
      (func (export "oob") (result i32) (i32.load (i32.const 70000)))
      (func (export "twice") (param i32) (result i32) (call $helper (call $helper (local.get 0))))
      (func (export "floor") (param f64) (result f64) (f64.floor (local.get 0))))"#,
];

/// Where the pieces of an artifact are.
struct Layout {
    meta: std::ops::Range<usize>,
    meta_header_index: usize,
    relocs: Vec<std::ops::Range<usize>>,
}

fn layout(bytes: &[u8]) -> Layout {
    let file = object::File::parse(bytes).expect("a real artifact parses");
    let meta = file.section_by_name(artifact::META_SECTION).expect("meta section");
    let (off, len) = meta.file_range().expect("meta in file");
    let mut relocs = Vec::new();
    if let object::File::Elf64(elf) = &file {
        use object::read::elf::SectionHeader;
        let endian = elf.endian();
        for s in elf.elf_section_table().iter() {
            if matches!(s.sh_type(endian), object::elf::SHT_RELA | object::elf::SHT_REL) {
                let (o, l) = s.file_range(endian).expect("reloc section in file");
                relocs.push(o as usize..(o + l) as usize);
            }
        }
    }
    Layout { meta: off as usize..(off + len) as usize, meta_header_index: meta.index().0, relocs }
}

/// Writes `meta` as the artifact's metadata: in place when it fits
/// (trailing bytes zeroed), else appended to the file with the section
/// header pointed at it. Then recomputes the checksum.
fn rebuild(bytes: &[u8], l: &Layout, meta: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let header = &bytes[l.meta.start..l.meta.start + artifact::HEADER_SIZE];
    let start = if artifact::HEADER_SIZE + meta.len() <= l.meta.len() {
        let body = l.meta.start + artifact::HEADER_SIZE;
        out[body..l.meta.end].fill(0);
        out[body..body + meta.len()].copy_from_slice(meta);
        l.meta.start
    } else {
        out.resize(out.len().next_multiple_of(8), 0);
        let start = out.len();
        out.extend_from_slice(header);
        out.extend_from_slice(meta);
        let shoff = u64::from_le_bytes(out[0x28..0x30].try_into().unwrap()) as usize;
        let shentsize = u16::from_le_bytes(out[0x3a..0x3c].try_into().unwrap()) as usize;
        let sh = shoff + l.meta_header_index * shentsize;
        out[sh + 0x18..sh + 0x20].copy_from_slice(&(start as u64).to_le_bytes());
        let size = (artifact::HEADER_SIZE + meta.len()) as u64;
        out[sh + 0x20..sh + 0x28].copy_from_slice(&size.to_le_bytes());
        start
    };
    reseal(&mut out, start);
    out
}

fn reseal(out: &mut [u8], meta_start: usize) {
    let at = meta_start + artifact::CHECKSUM_OFFSET;
    let sum = artifact::checksum(out, at);
    out[at..at + 8].copy_from_slice(&sum.to_le_bytes());
}

/// One step into a JSON tree.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(mut v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    for s in path {
        v = match s {
            Step::Key(k) => &mut v[k.as_str()],
            Step::Index(i) => &mut v[*i],
        };
    }
    v
}

fn path_string(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!(".{k}"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// Enum variants that stand in for each other: value and reference types,
/// entity kinds, constant-expression instructions, segment kinds, trap
/// codes.
const VARIANTS: &[&[&str]] = &[
    &["I32", "I64", "F32", "F64", "V128"],
    &["Func", "Extern"],
    &["Function", "Table", "Memory", "Global"],
    &["I32Const", "I64Const", "F32Const", "F64Const", "GlobalGet", "RefFunc"],
    &["I32Add", "I32Sub", "I32Mul", "I64Add", "I64Sub", "I64Mul"],
    &["Passive", "Declared"],
    &["Functions", "Expressions"],
    &[
        "StackOverflow",
        "MemoryOutOfBounds",
        "TableOutOfBounds",
        "IndirectCallToNull",
        "BadSignature",
        "IntegerOverflow",
        "IntegerDivisionByZero",
        "BadConversionToInteger",
        "UnreachableCodeReached",
        "NullReference",
    ],
];

/// Every mutation of one node: how to apply it, and a description.
type Edit = Box<dyn Fn(&mut Value)>;

/// An edit of one array.
type ArrayEdit = Box<dyn Fn(&mut Vec<Value>)>;

fn collect(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(String, Edit)>) {
    let at = path_string(path);
    match v {
        Value::Number(n) => {
            let x = n.as_u64().map(i128::from).or(n.as_i64().map(i128::from)).unwrap_or(0);
            for (label, y) in [
                ("0", 0),
                ("-1", x - 1),
                ("+1", x + 1),
                ("+16", x + 16),
                ("*2+1", x * 2 + 1),
                ("u16max", 0xffff),
                ("u32max", i128::from(u32::MAX)),
            ] {
                if y == x || y < 0 {
                    continue;
                }
                let p = path.clone();
                out.push((
                    format!("{at} {x} -> {label} ({y})"),
                    Box::new(move |root| *node_mut(root, &p) = Value::from(y as u64)),
                ));
            }
        }
        Value::Bool(b) => {
            let p = path.clone();
            let b = *b;
            out.push((format!("{at} {b} -> {}", !b), Box::new(move |root| *node_mut(root, &p) = Value::from(!b))));
        }
        Value::Array(items) => {
            let n = items.len();
            let mut push = |what: &str, f: ArrayEdit| {
                let p = path.clone();
                out.push((
                    format!("{at} (len {n}): {what}"),
                    Box::new(move |root| {
                        if let Value::Array(a) = node_mut(root, &p) {
                            f(a)
                        }
                    }),
                ));
            };
            if n >= 1 {
                push("drop first", Box::new(|a| drop(a.remove(0))));
                push("drop last", Box::new(|a| drop(a.pop())));
                push(
                    "duplicate last",
                    Box::new(|a| {
                        let last = a[a.len() - 1].clone();
                        a.push(last)
                    }),
                );
                push(
                    "duplicate first",
                    Box::new(|a| {
                        let first = a[0].clone();
                        a.insert(0, first)
                    }),
                );
            }
            if n >= 2 {
                push(
                    "swap first and last",
                    Box::new(|a| {
                        let last = a.len() - 1;
                        a.swap(0, last)
                    }),
                );
                push("swap first two", Box::new(|a| a.swap(0, 1)));
            }
            if n >= 3 {
                push("reverse", Box::new(|a| a.reverse()));
            }
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                collect(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            // A newtype enum variant (`{"Function": 3}`): try its siblings.
            if let (1, Some((k, _))) = (map.len(), map.iter().next())
                && let Some(group) = VARIANTS.iter().find(|g| g.contains(&k.as_str()))
            {
                for other in group.iter().filter(|o| *o != k) {
                    let (p, k, other) = (path.clone(), k.clone(), other.to_string());
                    out.push((
                        format!("{at}: variant {k} -> {other}"),
                        Box::new(move |root| {
                            if let Value::Object(m) = node_mut(root, &p)
                                && let Some(v) = m.remove(&k)
                            {
                                m.insert(other.clone(), v);
                            }
                        }),
                    ));
                }
            }
            for (k, item) in map {
                path.push(Step::Key(k.clone()));
                collect(item, path, out);
                path.pop();
            }
        }
        // A unit enum variant (`"I32"`): try its siblings.
        Value::String(name) => {
            if let Some(group) = VARIANTS.iter().find(|g| g.contains(&name.as_str())) {
                for other in group.iter().filter(|o| *o != name) {
                    let p = path.clone();
                    out.push((
                        format!("{at}: variant {name} -> {other}"),
                        Box::new(move |root| *node_mut(root, &p) = Value::from(*other)),
                    ));
                }
            }
        }
        Value::Null => {}
    }
}

/// A deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One forged artifact, described.
struct Mutant {
    module: usize,
    what: String,
    bytes: Vec<u8>,
}

fn random_iters() -> usize {
    std::env::var("KILN_MUTATION_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(1500)
}

/// Every mutation of every module, in a fixed order. Mutations whose
/// result no longer decodes as metadata at all are left out (the decoder
/// refuses those before anything else sees them).
fn mutants(engine: &Engine) -> Vec<Mutant> {
    let mut all = Vec::new();
    let mut rng = Rng(0x6b69_6c6e_6d75_7461);
    let per_module_random = random_iters().div_ceil(MODULES.len());
    for (mi, wat) in MODULES.iter().enumerate() {
        let bytes = Module::new(engine, wat).expect("test module compiles").serialize().unwrap();
        let l = layout(&bytes);
        let meta_bytes = &bytes[l.meta.start + artifact::HEADER_SIZE..l.meta.end];
        let meta = ArtifactMetadata::decode(meta_bytes).expect("real metadata decodes");
        let tree = serde_json::to_value(&meta).expect("metadata converts to JSON");
        let mut edits = Vec::new();
        collect(&tree, &mut Vec::new(), &mut edits);
        for (what, edit) in edits {
            let mut t = tree.clone();
            edit(&mut t);
            let Ok(forged) = serde_json::from_value::<ArtifactMetadata>(t) else { continue };
            all.push(Mutant { module: mi, what, bytes: rebuild(&bytes, &l, &forged.encode()) });
        }
        // Random byte flips in the encoded metadata, then in the relocations.
        let body = l.meta.start + artifact::HEADER_SIZE..l.meta.end;
        for k in 0..per_module_random {
            let mut b = bytes.clone();
            let (region, name) = match (k % 3, l.relocs.first()) {
                (2, Some(r)) => (r.clone(), "relocations"),
                _ => (body.clone(), "metadata"),
            };
            let flips = 1 + rng.below(3);
            let mut what = format!("flip {name} bytes");
            for _ in 0..flips {
                let at = region.start + rng.below(region.len());
                let mask = 1u8 << rng.below(8);
                b[at] ^= mask;
                what += &format!(" {:#x}^{mask:#x}", at - region.start);
            }
            reseal(&mut b, l.meta.start);
            all.push(Mutant { module: mi, what, bytes: b });
        }
    }
    all
}

/// Imports of exactly the types the (forged) module asks for.
fn make_imports(store: &mut Store<()>, module: &Module) -> anyhow::Result<Vec<Extern>> {
    let mut out = Vec::new();
    for import in module.imports() {
        out.push(match import.ty() {
            ExternType::Func(ty) => {
                let results: Vec<ValType> = ty.results().collect();
                Func::new(&mut *store, ty, move |_, _, out| {
                    for (slot, t) in out.iter_mut().zip(&results) {
                        *slot = Val::default_for(*t);
                    }
                    Ok(())
                })
                .into()
            }
            ExternType::Global(ty) => {
                let v = Val::default_for(*ty.content());
                Global::new(&mut *store, ty, v)?.into()
            }
            ExternType::Memory(ty) => Memory::new(&mut *store, ty)?.into(),
            ExternType::Table(ty) => {
                let init = Ref::null(ty.element());
                Table::new(&mut *store, ty, init)?.into()
            }
        });
    }
    Ok(out)
}

/// Loads, instantiates and exercises a forged artifact. `Ok(true)` when
/// everything worked, `Ok(false)` or `Err` for a clean refusal.
fn exercise(engine: &Engine, bytes: &[u8]) -> anyhow::Result<bool> {
    // SAFETY: the point of this test: loading must fail safely, or work.
    let module = unsafe { Module::deserialize(engine, bytes) }?;
    let mut store = Store::new(engine, ());
    let imports = make_imports(&mut store, &module)?;
    let instance = Instance::new(&mut store, &module, &imports)?;
    let mut all_ok = true;
    for export in instance.exports(&mut store) {
        let name = export.name().to_string();
        let Some(func) = instance.get_func(&mut store, &name) else { continue };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty.params().map(Val::default_for).collect();
        let mut results: Vec<Val> = ty.results().map(Val::default_for).collect();
        all_ok &= func.call(&mut store, &params, &mut results).is_ok();
    }
    Ok(all_ok)
}

/// Runs mutants `KILN_MUTATION_FROM..` in this process, printing `start i`
/// before and `done i <outcome>` after each, for the parent to read.
#[test]
#[ignore = "run by `forged_artifacts_never_crash_the_host` in a child process"]
fn worker() {
    use std::io::Write;
    let from: usize = std::env::var("KILN_MUTATION_FROM").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let engine = Engine::default();
    let all = mutants(&engine);
    let mut out = std::io::stdout().lock();
    // A line of its own, whatever libtest printed before it.
    writeln!(out).unwrap();
    for (i, m) in all.iter().enumerate().skip(from) {
        writeln!(out, "start {i}").unwrap();
        out.flush().unwrap();
        let outcome = match exercise(&engine, &m.bytes) {
            Ok(true) => "works",
            Ok(false) => "traps",
            Err(_) => "refused",
        };
        writeln!(out, "done {i} {outcome}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "total {}", all.len()).unwrap();
}

#[test]
fn forged_artifacts_never_crash_the_host() {
    let engine = Engine::default();
    let all = mutants(&engine);
    let exe = std::env::current_exe().unwrap();
    let mut from = 0;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    while from < all.len() {
        let out = Command::new(&exe)
            .args(["artifact_mutation::worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("KILN_MUTATION_FROM", from.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut started = None;
        for line in stdout.lines() {
            let mut words = line.split_whitespace();
            match (words.next(), words.next().and_then(|w| w.parse::<usize>().ok()), words.next()) {
                (Some("start"), Some(i), _) => started = Some(i),
                (Some("done"), Some(i), Some(outcome)) => {
                    started = None;
                    from = i + 1;
                    *counts
                        .entry(match outcome {
                            "works" => "works",
                            "traps" => "traps",
                            _ => "refused",
                        })
                        .or_default() += 1;
                }
                (Some("total"), _, _) => from = all.len(),
                _ => {}
            }
        }
        let how = || match std::os::unix::process::ExitStatusExt::signal(&out.status) {
            Some(sig) => format!("signal {sig}"),
            None if out.status.code() == Some(101) => "panic".to_string(),
            None => format!("exit {:?}", out.status.code()),
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| l.contains("panicked") || l.contains("free")).unwrap_or("");
        if let Some(i) = started {
            failures.push(format!("module {} {}: {} {last}", all[i].module, all[i].what, how()));
            *counts.entry("crashed").or_default() += 1;
            from = i + 1;
        } else if !out.status.success() {
            // A crash between mutations: heap corruption noticed late.
            failures.push(format!("after mutation {from}: {} {last}", how()));
            *counts.entry("crashed").or_default() += 1;
            from += 1;
        }
    }
    eprintln!("{} forged artifacts: {counts:?}", all.len());
    assert!(
        failures.is_empty(),
        "{} of {} forged artifacts crashed the host:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
