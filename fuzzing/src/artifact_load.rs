//! Loading corrupted artifacts: a mutated artifact must be refused with an
//! error, or load and then behave; the loader must never panic or crash.
//!
//! A few seed modules are compiled once. The fuzzer's bytes pick a seed and
//! a handful of mutations, each aimed at one region of the ELF file: the
//! `.kiln.meta` header or its postcard body, the relocation sections, the
//! symbol and string tables, `.kiln.data`, the ELF header, the section
//! header table, or any other non-code section; then maybe a truncation or
//! trailing bytes. The checksum is recomputed (except in one input in
//! sixteen), because a stale checksum hides everything behind it.
//!
//! What runs after a successful load, and why:
//! - Machine code is trusted, not checked: only a signature could rule out
//!   a forged artifact, so `.text` bytes are never mutated. Compiled code
//!   also trusts the metadata it was compiled with (the `VMContext` layout,
//!   signatures, relocation targets, trap sites), so a mutation that changes
//!   any of those and still loads is not a bug by itself when it crashes the
//!   code that runs.
//! - Instantiation runs only host code (segment initialization, constant
//!   expressions) unless there is a start function, so it is attempted
//!   whenever the mutated metadata has none: a crash there is a loader or
//!   runtime bug.
//! - Exports are called only when the artifact's code-relevant content (every
//!   section's bytes and relocations, every symbol, the metadata) equals the
//!   seed's: the mutation hit bytes the loader ignores, and the module must
//!   work exactly as before.

use crate::Stats;
use arbitrary::Unstructured;
use kiln_environ::artifact::{self, ArtifactMetadata, CHECKSUM_OFFSET, HEADER_SIZE, META_SECTION, TEXT_SECTION};
use object::{Object, ObjectSection, ObjectSymbol};
use std::ops::Range;
use std::sync::OnceLock;

/// The seeds: small modules covering memories and data, tables and
/// elements, globals, imports, a start function and trapping code. Every
/// body is short and terminates.
pub const SEEDS: &[&str] = &[
    r#"(module $demo
      (memory (export "mem") 1) (data (i32.const 0) "hello")
      (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func (export "load") (result i32) (i32.load8_u (i32.const 1)))
      (func (export "anonymous_export") (result i32) i32.const 7)
      (func (result i32) i32.const 8))"#,
    r#"(module
      (type $t (func (result i32)))
      (table (export "table") 4 8 funcref)
      (elem (i32.const 0) $a $b)
      (elem func $b)
      (global $g (export "g") (mut i32) (i32.const 40))
      (global (export "c") i64 (i64.const -1))
      (memory 1 2)
      (data "passive")
      (func $a (result i32) global.get $g)
      (func $b (result i32) (global.set $g (i32.add (global.get $g) (i32.const 2))) global.get $g)
      (func (export "indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
      (func (export "bulk") (result i32)
        (memory.init 0 (i32.const 8) (i32.const 0) (i32.const 7))
        (drop (memory.grow (i32.const 1)))
        (i32.add (memory.size) (i32.load8_u (i32.const 9))))
      (func (export "fref") (result funcref) ref.func $b))"#,
    r#"(module
      (import "env" "inc" (func $inc (param i32) (result i32)))
      (memory (export "mem") 1)
      (global $n (mut i32) (i32.const 0))
      (func $start (global.set $n (call $inc (i32.const 41))) (i32.store (i32.const 16) (global.get $n)))
      (start $start)
      (func (export "get") (result i32) (i32.load (i32.const 16)))
      (func (export "via_host") (param i32) (result i32) (call $inc (local.get 0))))"#,
    r#"(module
      (memory 1)
      (func (export "unreachable") unreachable)
      (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0)))
      (func (export "oob") (result i64) (i64.load (i32.const 65535)))
      (func (export "loop") (result i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
        local.get $i))"#,
    "(module)",
];

/// Where a mutation lands.
#[derive(Clone, Copy, Debug)]
enum Region {
    MetaHeader,
    MetaBody,
    Relocations,
    Symbols,
    Data,
    ElfHeader,
    SectionHeaders,
    AnyButText,
}

const REGIONS: [Region; 8] = [
    Region::MetaHeader,
    Region::MetaBody,
    Region::Relocations,
    Region::Symbols,
    Region::Data,
    Region::ElfHeader,
    Region::SectionHeaders,
    Region::AnyButText,
];

/// A compiled seed and where its regions are.
struct Seed {
    bytes: Vec<u8>,
    meta: Range<usize>,
    text: Range<usize>,
    relocations: Vec<Range<usize>>,
    symbols: Vec<Range<usize>>,
    data: Vec<Range<usize>>,
    section_headers: Range<usize>,
    fingerprint: Vec<String>,
}

fn file_range(s: &object::Section<'_, '_>) -> Option<Range<usize>> {
    s.file_range().map(|(off, len)| off as usize..(off + len) as usize)
}

impl Seed {
    fn new(wat: &str) -> Seed {
        let engine = kiln::Engine::default();
        let module = kiln::Module::new(&engine, wat).expect("seed compiles");
        let bytes = module.serialize().expect("seed serializes");
        let file = object::File::parse(&*bytes).expect("seed parses");
        let by_name = |pred: &dyn Fn(&str) -> bool| -> Vec<Range<usize>> {
            file.sections()
                .filter(|s| s.name().is_ok_and(pred))
                .filter_map(|s| file_range(&s))
                .filter(|r| !r.is_empty())
                .collect()
        };
        let meta = by_name(&|n| n == META_SECTION).pop().expect("seed has metadata");
        let text = by_name(&|n| n == TEXT_SECTION).pop().unwrap_or(0..0);
        let relocations = by_name(&|n| n.starts_with(".rela"));
        let symbols = by_name(&|n| n == ".symtab" || n == ".strtab" || n == ".shstrtab");
        let data = by_name(&|n| n == artifact::DATA_SECTION || n == artifact::IMAGE_SECTION);
        // ELF64: e_shoff at 0x28, e_shentsize at 0x3a, e_shnum at 0x3c.
        let u16_at = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
        let section_headers = shoff..shoff + u16_at(0x3a) * u16_at(0x3c);
        let fingerprint = fingerprint(&bytes).expect("seed fingerprints");
        Seed { bytes, meta, text, relocations, symbols, data, section_headers, fingerprint }
    }

    fn ranges(&self, region: Region) -> Vec<Range<usize>> {
        let meta = &self.meta;
        let one = |r: Range<usize>| vec![r];
        match region {
            Region::MetaHeader => one(meta.start..meta.start + HEADER_SIZE),
            Region::MetaBody => one(meta.start + HEADER_SIZE..meta.end),
            Region::Relocations => self.relocations.clone(),
            Region::Symbols => self.symbols.clone(),
            Region::Data => self.data.clone(),
            Region::ElfHeader => one(0..64),
            Region::SectionHeaders => one(self.section_headers.clone()),
            Region::AnyButText => vec![0..self.text.start, self.text.end..self.bytes.len()],
        }
        .into_iter()
        .filter(|r| !r.is_empty() && r.end <= self.bytes.len())
        .collect()
    }
}

fn seeds() -> &'static [Seed] {
    static SEEDS_COMPILED: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS_COMPILED.get_or_init(|| SEEDS.iter().map(|wat| Seed::new(wat)).collect())
}

/// Everything in an artifact that compiled code or the loader depends on,
/// checksum excepted: every section's placement, bytes and relocations, and
/// every symbol. `None` when the object crate cannot parse the file.
fn fingerprint(bytes: &[u8]) -> Option<Vec<String>> {
    let file = object::File::parse(bytes).ok()?;
    let mut out = vec![format!("{:?} {:?} {:?}", file.architecture(), file.kind(), file.is_little_endian())];
    for s in file.sections() {
        let mut data = s.data().ok()?.to_vec();
        if s.name() == Ok(META_SECTION) && data.len() >= CHECKSUM_OFFSET + 8 {
            data[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].fill(0);
        }
        out.push(format!(
            "section {:?} {:?} addr {:#x} size {:#x} align {} flags {:?} at {:?} data {:#x}",
            s.name(),
            s.kind(),
            s.address(),
            s.size(),
            s.align(),
            s.flags(),
            s.file_range(),
            crate::fnv(&data)
        ));
        for (offset, r) in s.relocations() {
            out.push(format!("  reloc {offset:#x} {r:?}"));
        }
    }
    for sym in file.symbols() {
        out.push(format!(
            "symbol {:?} addr {:#x} size {:#x} {:?} {:?} {:?} weak {}",
            sym.name(),
            sym.address(),
            sym.size(),
            sym.kind(),
            sym.section(),
            sym.scope(),
            sym.is_weak()
        ));
    }
    Some(out)
}

/// The metadata of a (mutated) artifact, decoded the way the loader does.
fn metadata(bytes: &[u8]) -> Option<ArtifactMetadata> {
    let file = object::File::parse(bytes).ok()?;
    let data = file.section_by_name(META_SECTION)?.data().ok()?;
    ArtifactMetadata::decode(data.get(HEADER_SIZE..)?).ok()
}

const INTERESTING_U32: [u32; 10] = [0, 1, 2, 7, 0x40, 0x7f, 0x80, 0xffff, 0x7fff_ffff, 0xffff_ffff];
const INTERESTING_U64: [u64; 6] = [0, 1, 0x1000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, u64::MAX];

/// Applies one mutation inside `range`.
fn mutate(u: &mut Unstructured<'_>, bytes: &mut [u8], range: Range<usize>) -> arbitrary::Result<()> {
    let at = u.int_in_range(range.start..=range.end - 1)?;
    let room = range.end - at;
    match u.int_in_range(0..=5u8)? {
        0 => bytes[at] ^= 1 << u.int_in_range(0..=7u8)?,
        1 => bytes[at] = u.arbitrary()?,
        2 if room >= 4 => bytes[at..at + 4].copy_from_slice(&u.choose(&INTERESTING_U32)?.to_le_bytes()),
        3 if room >= 8 => bytes[at..at + 8].copy_from_slice(&u.choose(&INTERESTING_U64)?.to_le_bytes()),
        4 => {
            // Overwrite a run with bytes from elsewhere in the region.
            let len = u.int_in_range(1..=room.min(16))?;
            let from = u.int_in_range(range.start..=range.end - len)?;
            bytes.copy_within(from..from + len, at);
        }
        _ => {
            let len = u.int_in_range(1..=room.min(8))?;
            for b in &mut bytes[at..at + len] {
                *b = u.arbitrary()?;
            }
        }
    }
    Ok(())
}

/// Writes the checksum where the loader will look for it: at the metadata
/// section of the mutated file if it still parses, else of the seed.
pub fn reseal(bytes: &mut [u8], seed_meta_start: usize) {
    let meta_start = object::File::parse(&*bytes)
        .ok()
        .and_then(|f| f.section_by_name(META_SECTION).and_then(|s| s.file_range()))
        .map_or(seed_meta_start, |(off, _)| off as usize);
    let at = meta_start.saturating_add(CHECKSUM_OFFSET);
    if at.checked_add(8).is_some_and(|end| end <= bytes.len()) {
        let sum = artifact::checksum(bytes, at);
        bytes[at..at + 8].copy_from_slice(&sum.to_le_bytes());
    }
}

/// Builds the mutated artifact `data` describes: (seed index, bytes).
pub fn mutated_artifact(data: &[u8]) -> (usize, Vec<u8>) {
    let seeds = seeds();
    let mut u = Unstructured::new(data);
    let index = u.choose_index(seeds.len()).unwrap_or(0);
    let seed = &seeds[index];
    let mut bytes = seed.bytes.clone();
    let mutations = u.int_in_range(0..=8u8).unwrap_or(0);
    for _ in 0..mutations {
        let Ok(region) = u.choose(&REGIONS) else { break };
        let ranges = seed.ranges(*region);
        let Ok(range) = u.choose(&ranges) else { continue };
        if mutate(&mut u, &mut bytes, range.clone()).is_err() {
            break;
        }
    }
    match u.int_in_range(0..=15u8).unwrap_or(0) {
        0 | 1 => {
            let len = u.int_in_range(0..=bytes.len()).unwrap_or(0);
            bytes.truncate(len);
        }
        2 => {
            let len = u.int_in_range(1..=64).unwrap_or(1);
            bytes.extend_from_slice(u.bytes(len).unwrap_or(&[0]));
        }
        _ => {}
    }
    if !u.ratio(1, 16).unwrap_or(false) {
        reseal(&mut bytes, seed.meta.start);
    }
    (index, bytes)
}

fn call_exports(store: &mut kiln::Store<()>, instance: &kiln::Instance) -> usize {
    let mut calls = 0;
    for export in instance.exports(&mut *store) {
        let Some(func) = export.into_extern().into_func() else { continue };
        let ty = func.ty(&*store);
        let params: Vec<_> = ty.params().map(kiln::Val::default_for).collect();
        let mut results: Vec<_> = ty.results().map(kiln::Val::default_for).collect();
        // A trap is an answer like any other.
        let _ = func.call(&mut *store, &params, &mut results);
        calls += 1;
    }
    calls
}

/// Instantiates `module` with the host functions the seeds import.
fn instantiate(engine: &kiln::Engine, module: &kiln::Module) -> Option<(kiln::Store<()>, kiln::Instance)> {
    let mut linker = kiln::Linker::<()>::new(engine);
    linker.func_wrap("env", "inc", |x: i32| x.wrapping_add(1)).expect("defines the host function");
    let mut store = kiln::Store::new(engine, ());
    let instance = linker.instantiate(&mut store, module).ok()?;
    Some((store, instance))
}

/// Loads an artifact and, as far as is meaningful (see the module docs),
/// instantiates it and calls its exports.
pub fn load_and_run(bytes: &[u8], seed_fingerprint: Option<&[String]>) -> Stats {
    let engine = kiln::Engine::default();
    // SAFETY: `.text` is never mutated, and code runs below only when
    // everything it was compiled against is unchanged (or, for
    // instantiation, when no start function runs wasm code): what is under
    // test is that loading refuses or accepts safely.
    let Ok(module) = (unsafe { kiln::Module::deserialize(&engine, bytes) }) else {
        return Stats { executed: true, ..Stats::default() };
    };
    let mut stats = Stats { executed: true, accepted: true, ..Stats::default() };
    let unchanged = seed_fingerprint.is_some_and(|seed| fingerprint(bytes).as_deref() == Some(seed));
    let no_start = metadata(bytes).is_some_and(|m| m.module.start.is_none());
    if unchanged || no_start {
        if let Some((mut store, instance)) = instantiate(&engine, &module) {
            if unchanged {
                stats.calls = call_exports(&mut store, &instance);
            }
        } else if unchanged {
            panic!("an artifact whose content is unchanged loads but does not instantiate");
        }
    }
    stats
}

/// The artifact-load target.
pub fn artifact_load(data: &[u8]) -> Stats {
    let (index, bytes) = mutated_artifact(data);
    load_and_run(&bytes, Some(&seeds()[index].fingerprint))
}
