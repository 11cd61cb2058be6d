//! Validation of decoded artifact metadata, before anything uses it.
//!
//! The checksum only proves that the file is what some kiln wrote, or what
//! someone who recomputed the checksum wrote. So every index, count,
//! offset, size, sort order and cross-reference in [`ArtifactMetadata`] is
//! checked here against the index spaces it names and the sections it
//! points into. The runtime relies on what this proves (each use site says
//! which property it relies on), and keeps its own bounds checks on every
//! write regardless.
//!
//! What this cannot prove is that the machine code does what the metadata
//! says (that a function of type `[i32] -> []` really takes one `i32`):
//! native code is trusted, which is why loading an artifact is `unsafe`.

use super::{ArtifactError, ArtifactMetadata};
use crate::index::*;
use crate::module_info::{ConstExpr, ConstOp, DataKind, ElementItems, ElementKind, ModuleInfo};
use crate::types::{Limits, WASM_PAGE_SIZE, WASM32_MAX_PAGES, WasmRefType, WasmValType};
use cranelift_entity::EntityRef;
use std::collections::HashSet;

/// Implementation limits, as the compiler's validator enforces them; they
/// also keep every VMContext offset far from overflowing `u32`.
pub mod limits {
    /// Types, and deduplicated signatures.
    pub const MAX_TYPES: usize = 1_000_000;
    /// Functions, imported and defined.
    pub const MAX_FUNCTIONS: usize = 1_000_000;
    /// Imports.
    pub const MAX_IMPORTS: usize = 100_000;
    /// Exports.
    pub const MAX_EXPORTS: usize = 100_000;
    /// Tables.
    pub const MAX_TABLES: usize = 100;
    /// Memories.
    pub const MAX_MEMORIES: usize = 100;
    /// Globals.
    pub const MAX_GLOBALS: usize = 1_000_000;
    /// Element segments.
    pub const MAX_ELEMENT_SEGMENTS: usize = 100_000;
    /// Data segments.
    pub const MAX_DATA_SEGMENTS: usize = 100_000;
    /// Parameters or results of one function type.
    pub const MAX_FUNCTION_ARITY: usize = 1000;
    /// Elements of a table, minimum or maximum.
    pub const MAX_TABLE_LIMIT: u64 = u32::MAX as u64;
}

/// A function symbol in `.text`: where one function or trampoline is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CodeSymbol {
    /// Offset from the start of `.text`.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// What the metadata is checked against: the sections of the artifact.
#[derive(Copy, Clone, Debug)]
pub struct Sections<'a> {
    /// Size of `.text`.
    pub text_len: u64,
    /// Size of `.kiln.data`.
    pub data_len: u64,
    /// Size of `.kiln.image`.
    pub image_len: u64,
    /// The function symbols defined in `.text`, in symbol-table order: the
    /// defined functions, then the array-to-wasm trampolines, then the
    /// wasm-to-array ones, as the compiler declares them.
    pub code_symbols: &'a [CodeSymbol],
}

type Check = Result<(), ArtifactError>;

fn invalid(what: impl Into<String>) -> ArtifactError {
    ArtifactError::InvalidMetadata(what.into())
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Check {
    if ok { Ok(()) } else { Err(invalid(what())) }
}

/// Checks every index, count, offset, size, sort order and
/// cross-reference of `meta` against itself and against `sections`.
pub fn validate(meta: &ArtifactMetadata, sections: &Sections<'_>) -> Check {
    let m = &meta.module;
    check_counts(m)?;
    check_signatures(m)?;
    check_functions(m)?;
    check_imports(m)?;
    check_exports(m)?;
    check_start(m)?;
    check_tables_and_memories(m)?;
    check_globals(m)?;
    check_elements(m)?;
    check_data(m, sections.data_len)?;
    check_images(meta, sections.image_len)?;
    check_names(m)?;
    check_code(meta, sections)?;
    Ok(())
}

fn check_counts(m: &ModuleInfo) -> Check {
    use limits::*;
    for (what, n, max) in [
        ("signatures", m.signatures.len(), MAX_TYPES),
        ("types", m.types.len(), MAX_TYPES),
        ("functions", m.functions.len(), MAX_FUNCTIONS),
        ("imports", m.imports.len(), MAX_IMPORTS),
        ("exports", m.exports.len(), MAX_EXPORTS),
        ("tables", m.tables.len(), MAX_TABLES),
        ("memories", m.memories.len(), MAX_MEMORIES),
        ("globals", m.globals.len(), MAX_GLOBALS),
        ("element segments", m.elements.len(), MAX_ELEMENT_SEGMENTS),
        ("data segments", m.data.len(), MAX_DATA_SEGMENTS),
    ] {
        ensure(n <= max, || format!("{n} {what}, more than the limit of {max}"))?;
    }
    ensure(m.import_counts_fit(), || "more imported entities than entities".into())
}

fn check_signatures(m: &ModuleInfo) -> Check {
    for (i, ty) in m.signatures.iter() {
        ensure(
            ty.params.len() <= limits::MAX_FUNCTION_ARITY && ty.results.len() <= limits::MAX_FUNCTION_ARITY,
            || format!("signature {} has too many parameters or results", i.index()),
        )?;
    }
    let sigs = m.signatures.len();
    for (t, sig) in m.types.iter() {
        ensure(sig.index() < sigs, || format!("type {} names signature {} of {sigs}", t.index(), sig.index()))?;
    }
    Ok(())
}

/// Every function's signature exists, and every `VMFuncRef` slot belongs
/// to exactly one defined function.
fn check_functions(m: &ModuleInfo) -> Check {
    let sigs = m.signatures.len();
    let slots = m.num_func_refs as usize;
    ensure(slots <= m.num_defined_funcs(), || format!("{slots} function reference slots for fewer functions"))?;
    let mut owned = vec![false; slots];
    for (index, f) in m.functions.iter() {
        ensure(f.signature.index() < sigs, || {
            format!("function {} has signature {} of {sigs}", index.index(), f.signature.index())
        })?;
        let Some(slot) = f.func_ref else { continue };
        ensure(!m.is_imported_func(index), || format!("imported function {} has a reference slot", index.index()))?;
        match owned.get_mut(slot.index()) {
            Some(o @ false) => *o = true,
            Some(true) => return Err(invalid(format!("function reference slot {} is shared", slot.index()))),
            None => return Err(invalid(format!("function reference slot {} of {slots}", slot.index()))),
        }
    }
    ensure(!owned.contains(&false), || "a function reference slot belongs to no function".into())
}

/// Imports come in index order within each kind, and there are exactly as
/// many of each kind as the `num_imported_*` counts say.
fn check_imports(m: &ModuleInfo) -> Check {
    let (mut funcs, mut tables, mut memories, mut globals) = (0usize, 0usize, 0usize, 0usize);
    for (i, import) in m.imports.iter().enumerate() {
        let (next, index) = match import.index {
            EntityIndex::Function(f) => (&mut funcs, f.index()),
            EntityIndex::Table(t) => (&mut tables, t.index()),
            EntityIndex::Memory(x) => (&mut memories, x.index()),
            EntityIndex::Global(g) => (&mut globals, g.index()),
        };
        ensure(index == *next, || format!("import {i} provides entity {index}, expected {}", *next))?;
        *next += 1;
    }
    ensure(
        funcs == m.num_imported_funcs as usize
            && tables == m.num_imported_tables as usize
            && memories == m.num_imported_memories as usize
            && globals == m.num_imported_globals as usize,
        || "import counts do not match the imports".into(),
    )
}

/// Whether `f` is a function index that has a `VMFuncRef`: an import, or a
/// defined function with a slot.
fn has_func_ref(m: &ModuleInfo, f: FuncIndex) -> bool {
    m.functions.get(f).is_some_and(|info| m.is_imported_func(f) || info.func_ref.is_some())
}

fn check_entity(m: &ModuleInfo, index: EntityIndex) -> Check {
    let ok = match index {
        EntityIndex::Function(f) => has_func_ref(m, f),
        EntityIndex::Table(t) => t.index() < m.tables.len(),
        EntityIndex::Memory(x) => x.index() < m.memories.len(),
        EntityIndex::Global(g) => g.index() < m.globals.len(),
    };
    ensure(ok, || format!("{index:?} is out of range, or is a function without a reference slot"))
}

fn check_exports(m: &ModuleInfo) -> Check {
    let mut names = HashSet::with_capacity(m.exports.len());
    for e in &m.exports {
        check_entity(m, e.index)?;
        ensure(names.insert(e.name.as_str()), || format!("duplicate export `{}`", e.name))?;
    }
    Ok(())
}

fn check_start(m: &ModuleInfo) -> Check {
    let Some(start) = m.start else { return Ok(()) };
    ensure(has_func_ref(m, start), || format!("start function {} has no reference slot", start.index()))?;
    let ty = m.func_type(start);
    ensure(ty.params.is_empty() && ty.results.is_empty(), || format!("start function has type {ty}"))
}

fn check_limits(what: &str, l: Limits, bound: u64) -> Check {
    ensure(l.min <= bound && l.max.is_none_or(|max| l.min <= max && max <= bound), || {
        format!("{what} limits {}..{:?} are invalid", l.min, l.max)
    })
}

fn check_tables_and_memories(m: &ModuleInfo) -> Check {
    for (i, t) in m.tables.iter() {
        check_limits(&format!("table {}", i.index()), t.limits, limits::MAX_TABLE_LIMIT)?;
    }
    for (i, mem) in m.memories.iter() {
        check_limits(&format!("memory {}", i.index()), mem.limits, WASM32_MAX_PAGES)?;
    }
    Ok(())
}

/// The type a constant expression produces, given that `global.get` may
/// read the immutable globals below `globals`.
fn const_type(m: &ModuleInfo, expr: &ConstExpr, globals: usize) -> Result<WasmValType, ArtifactError> {
    let mut stack: Vec<WasmValType> = Vec::with_capacity(2);
    for op in &expr.0 {
        let ty = match *op {
            ConstOp::I32Const(_) => WasmValType::I32,
            ConstOp::I64Const(_) => WasmValType::I64,
            ConstOp::F32Const(_) => WasmValType::F32,
            ConstOp::F64Const(_) => WasmValType::F64,
            ConstOp::V128Const(_) => WasmValType::V128,
            ConstOp::RefNull(t) => WasmValType::Ref(t),
            ConstOp::RefFunc(f) => {
                ensure(has_func_ref(m, f), || format!("ref.func {} has no reference slot", f.index()))?;
                WasmValType::FUNCREF
            }
            ConstOp::GlobalGet(g) => {
                let ty = m.globals.get(g).filter(|_| g.index() < globals);
                let ty = ty.ok_or_else(|| invalid(format!("global.get {} of {globals}", g.index())))?;
                ensure(!ty.mutable, || format!("global.get {} of a mutable global", g.index()))?;
                ty.content
            }
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => binary(&mut stack, WasmValType::I32)?,
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => binary(&mut stack, WasmValType::I64)?,
        };
        stack.push(ty);
    }
    match stack.as_slice() {
        [ty] => Ok(*ty),
        _ => Err(invalid(format!("constant expression leaves {} values", stack.len()))),
    }
}

fn binary(stack: &mut Vec<WasmValType>, ty: WasmValType) -> Result<WasmValType, ArtifactError> {
    let b = stack.pop();
    let a = stack.pop();
    ensure(a == Some(ty) && b == Some(ty), || format!("{ty} arithmetic on the wrong operands"))?;
    Ok(ty)
}

fn expect_type(m: &ModuleInfo, expr: &ConstExpr, globals: usize, want: WasmValType, what: &str) -> Check {
    let ty = const_type(m, expr, globals)?;
    ensure(ty == want, || format!("{what} has type {ty}, expected {want}"))
}

/// One initializer per defined global, each reading only imported or
/// earlier globals, each of its global's type.
fn check_globals(m: &ModuleInfo) -> Check {
    ensure(m.global_inits.len() == m.num_defined_globals(), || {
        format!("{} initializers for {} defined globals", m.global_inits.len(), m.num_defined_globals())
    })?;
    for (def, init) in m.global_inits.iter() {
        let index = m.global_index(def);
        let ty = m.globals[index].content;
        expect_type(m, init, index.index(), ty, &format!("the initializer of global {}", index.index()))?;
    }
    Ok(())
}

fn check_elements(m: &ModuleInfo) -> Check {
    let globals = m.globals.len();
    for (i, seg) in m.elements.iter() {
        let what = |w: &str| format!("element segment {} {w}", i.index());
        if let ElementKind::Active { table, offset } = &seg.kind {
            let t = m.tables.get(*table).ok_or_else(|| invalid(what("names a missing table")))?;
            ensure(t.element == seg.ty, || what("does not match its table's element type"))?;
            expect_type(m, offset, globals, WasmValType::I32, &what("offset"))?;
        }
        match &seg.items {
            ElementItems::Functions(fs) => {
                ensure(seg.ty == WasmRefType::Func, || what("lists functions but is not of funcref"))?;
                for f in fs {
                    ensure(has_func_ref(m, *f), || what(&format!("lists function {} without a slot", f.index())))?;
                }
            }
            ElementItems::Expressions(es) => {
                for e in es {
                    expect_type(m, e, globals, WasmValType::Ref(seg.ty), &what("element"))?;
                }
            }
        }
    }
    Ok(())
}

fn check_data(m: &ModuleInfo, data_len: u64) -> Check {
    let globals = m.globals.len();
    for (i, seg) in m.data.iter() {
        let end = u64::from(seg.offset) + u64::from(seg.len);
        ensure(end <= data_len, || format!("data segment {} ends at {end}, past .kiln.data", i.index()))?;
        if let DataKind::Active { memory, offset } = &seg.kind {
            ensure(memory.index() < m.memories.len(), || format!("data segment {} names a missing memory", i.index()))?;
            expect_type(m, offset, globals, WasmValType::I32, &format!("data segment {} offset", i.index()))?;
        }
    }
    Ok(())
}

/// Every image lies inside `.kiln.image` and inside its memory's minimum
/// size, aligned to a sane granularity; images are sorted by memory (so at
/// most one per memory) and by section offset (so their bytes never
/// overlap); covered segments are sorted, active, and meant for defined
/// memories.
fn check_images(meta: &ArtifactMetadata, image_len: u64) -> Check {
    let (m, images) = (&meta.module, &meta.images);
    let g = u64::from(images.granularity);
    ensure(images.images.is_empty() || (g.is_power_of_two() && (4096..=WASM_PAGE_SIZE).contains(&g)), || {
        format!("memory image granularity {g} is not a power of two from 4 KiB to 64 KiB")
    })?;
    let mut section_end = 0u64;
    for (i, image) in images.images.iter().enumerate() {
        let what = |w: &str| format!("memory image {i} {w}");
        ensure(image.memory.index() < m.num_defined_memories(), || what("names a missing memory"))?;
        ensure(i == 0 || images.images[i - 1].memory < image.memory, || what("is not sorted by memory"))?;
        ensure(
            image.len > 0 && [image.linear_offset, image.len, image.section_offset].iter().all(|v| v.is_multiple_of(g)),
            || what("is empty or not aligned to its granularity"),
        )?;
        let min = m.memories[m.memory_index(image.memory)].limits.min.saturating_mul(WASM_PAGE_SIZE);
        let end = image.linear_offset.checked_add(image.len);
        ensure(end.is_some_and(|end| end <= min), || what("lies past its memory's minimum size"))?;
        ensure(image.section_offset >= section_end, || what("overlaps the previous one in .kiln.image"))?;
        section_end = image.section_offset.saturating_add(image.len);
        ensure(section_end <= image_len, || what("lies past the end of .kiln.image"))?;
    }
    for (i, d) in images.covered_data.iter().enumerate() {
        ensure(i == 0 || images.covered_data[i - 1] < *d, || "covered data segments are not sorted".into())?;
        let covered = match m.data.get(*d).map(|seg| &seg.kind) {
            Some(DataKind::Active { memory, .. }) => !m.is_imported_memory(*memory),
            _ => false,
        };
        ensure(covered, || format!("covered data segment {} is no active segment of a defined memory", d.index()))?;
    }
    Ok(())
}

fn check_names(m: &ModuleInfo) -> Check {
    let funcs = m.functions.len();
    for pair in m.func_names.windows(2) {
        ensure(pair[0].0 < pair[1].0, || "function names are not sorted by index".into())?;
    }
    ensure(m.func_names.iter().all(|(f, _)| f.index() < funcs), || "a function name names no function".into())
}

/// The code layout matches the module and the function symbols exactly,
/// functions are sorted and disjoint inside `.text`, and the trap table is
/// sorted strictly by offset, every site inside some function or
/// trampoline.
fn check_code(meta: &ArtifactMetadata, sections: &Sections<'_>) -> Check {
    let (m, c) = (&meta.module, &meta.code);
    ensure(
        c.functions.len() == m.num_defined_funcs()
            && c.array_to_wasm.len() == m.num_func_refs as usize
            && c.wasm_to_array.len() == m.signatures.len(),
        || "the code layout does not match the module".into(),
    )?;
    ensure(c.new_epoch.is_some() == meta.tunables.epoch_interruption, || {
        "the new-epoch trampoline is present exactly when epoch interruption is on".into()
    })?;
    let expected = c
        .functions
        .values()
        .map(|&(off, len)| (u64::from(off), Some(u64::from(len))))
        .chain(c.new_epoch.map(|off| (u64::from(off), None)))
        .chain(c.array_to_wasm.values().map(|&off| (u64::from(off), None)))
        .chain(c.wasm_to_array.values().map(|&off| (u64::from(off), None)));
    let symbols = sections.code_symbols;
    ensure(symbols.len() == expected.clone().count(), || {
        format!("{} function symbols in .text for {} code entries", symbols.len(), expected.clone().count())
    })?;
    for (i, ((off, len), sym)) in expected.zip(symbols).enumerate() {
        ensure(off == sym.offset && len.is_none_or(|l| l == sym.size), || {
            format!("code entry {i} at {off:#x} does not match its symbol at {:#x}", sym.offset)
        })?;
        ensure(sym.offset.checked_add(sym.size).is_some_and(|end| end <= sections.text_len), || {
            format!("code entry {i} lies outside .text")
        })?;
    }
    let funcs = c.functions.values().as_slice();
    for pair in funcs.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        ensure(u64::from(a.0) + u64::from(a.1) <= u64::from(b.0), || "functions overlap or are unsorted".into())?;
    }
    for pair in c.traps.windows(2) {
        ensure(pair[0].offset < pair[1].offset, || "the trap table is not sorted strictly by offset".into())?;
    }
    let mut ranges: Vec<(u64, u64)> = symbols.iter().map(|s| (s.offset, s.offset + s.size)).collect();
    ranges.sort_unstable();
    // Both lists are sorted, so one walk checks every site: ranges that end
    // at or before a site end before every later site too. The first range
    // left then holds the site if any does (later ones start no earlier).
    let mut r = 0;
    for t in &c.traps {
        let at = u64::from(t.offset);
        while ranges.get(r).is_some_and(|range| range.1 <= at) {
            r += 1;
        }
        let inside = ranges.get(r).is_some_and(|range| range.0 <= at);
        ensure(inside, || format!("trap site {at:#x} lies in no function"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{CodeLayout, IMAGE_GRANULARITY, MemoryImageInfo, MemoryImages};
    use crate::module_info::{DataSegment, FunctionInfo, Import};
    use crate::trap_code::{TrapCode, TrapSite};
    use crate::types::{GlobalType, WasmFuncType};

    /// One imported function, one defined escaping function, one data
    /// segment, one trap; with matching symbols.
    fn sample() -> (ArtifactMetadata, Vec<CodeSymbol>) {
        let mut m = ModuleInfo { num_imported_funcs: 1, num_func_refs: 1, ..Default::default() };
        let sig = m.signatures.push(WasmFuncType::default());
        m.types.push(sig);
        m.functions.push(FunctionInfo { signature: sig, func_ref: None });
        m.functions.push(FunctionInfo { signature: sig, func_ref: Some(FuncRefIndex::new(0)) });
        m.imports.push(Import {
            module: "m".into(),
            name: "f".into(),
            index: EntityIndex::Function(FuncIndex::new(0)),
        });
        m.start = Some(FuncIndex::new(1));
        m.data.push(DataSegment { kind: DataKind::Passive, offset: 0, len: 4 });
        let mut code = CodeLayout::default();
        code.functions.push((0, 16));
        code.array_to_wasm.push(16);
        code.wasm_to_array.push(32);
        code.traps.push(TrapSite { offset: 4, code: TrapCode::UnreachableCodeReached });
        let symbols = vec![
            CodeSymbol { offset: 0, size: 16 },
            CodeSymbol { offset: 16, size: 16 },
            CodeSymbol { offset: 32, size: 16 },
        ];
        m.memories.push(crate::types::MemoryType { limits: Limits { min: 2, max: None } });
        m.data.push(DataSegment {
            kind: DataKind::Active { memory: MemoryIndex::new(0), offset: ConstExpr(vec![ConstOp::I32Const(0)]) },
            offset: 0,
            len: 0,
        });
        let images = MemoryImages {
            granularity: IMAGE_GRANULARITY,
            images: vec![MemoryImageInfo {
                memory: DefinedMemoryIndex::new(0),
                linear_offset: 0x1_0000,
                len: 0x1_0000,
                section_offset: 0,
            }],
            covered_data: vec![DataIndex::new(1)],
        };
        (ArtifactMetadata { module: m, code, tunables: Default::default(), images }, symbols)
    }

    fn check(meta: &ArtifactMetadata, symbols: &[CodeSymbol]) -> Check {
        validate(meta, &Sections { text_len: 48, data_len: 4, image_len: 0x2_0000, code_symbols: symbols })
    }

    #[test]
    fn a_consistent_module_passes() {
        let (meta, symbols) = sample();
        check(&meta, &symbols).unwrap();
    }

    #[test]
    fn every_kind_of_inconsistency_is_refused() {
        type Edit = fn(&mut ArtifactMetadata, &mut Vec<CodeSymbol>);
        let edits: &[(&str, Edit)] = &[
            ("extra imported function count", |m, _| m.module.num_imported_funcs = 2),
            ("import out of order", |m, _| m.module.imports[0].index = EntityIndex::Function(FuncIndex::new(1))),
            ("start without slot", |m, _| m.module.start = Some(FuncIndex::new(7))),
            ("start with params", |m, _| {
                m.module.signatures[SignatureIndex::new(0)].params = [WasmValType::I32].into()
            }),
            ("shared slot", |m, _| m.module.functions[FuncIndex::new(0)].func_ref = Some(FuncRefIndex::new(0))),
            ("extra global init", |m, _| {
                m.module.global_inits.push(ConstExpr(vec![ConstOp::I32Const(0)]));
            }),
            ("data past the section", |m, _| m.module.data[DataIndex::new(0)].len = 5),
            ("unsorted traps", |m, _| m.code.traps.push(TrapSite { offset: 2, code: TrapCode::StackOverflow })),
            ("trap outside code", |m, _| m.code.traps[0].offset = 100),
            ("function moved", |m, _| m.code.functions[DefinedFuncIndex::new(0)].0 = 4),
            ("symbol missing", |_, s| {
                s.pop();
            }),
            ("epoch checks without their trampoline", |m, _| m.tunables.epoch_interruption = true),
            ("an epoch trampoline without epoch checks", |m, _| m.code.new_epoch = Some(0)),
            ("bad memory limits", |m, _| {
                m.module.memories.push(crate::types::MemoryType { limits: Limits { min: 2, max: Some(1) } });
            }),
            ("export out of range", |m, _| {
                m.module.exports.push(crate::module_info::Export {
                    name: "x".into(),
                    index: EntityIndex::Global(GlobalIndex::new(0)),
                })
            }),
            ("image of a missing memory", |m, _| m.images.images[0].memory = DefinedMemoryIndex::new(1)),
            ("image past the memory's minimum", |m, _| m.images.images[0].len = 0x2_0000),
            ("image past its section", |m, _| m.images.images[0].section_offset = 0x2_0000),
            ("unaligned image", |m, _| m.images.images[0].linear_offset = 0x1000),
            ("unaligned image in its section", |m, _| m.images.images[0].section_offset = 0x100),
            ("empty image", |m, _| m.images.images[0].len = 0),
            ("image granularity not a power of two", |m, _| m.images.granularity = 0x3000),
            ("image granularity too large", |m, _| m.images.granularity = 0x2_0000),
            ("two images of one memory", |m, _| {
                let mut second = m.images.images[0];
                second.section_offset = 0x1_0000;
                m.images.images.push(second);
            }),
            ("overlapping images", |m, _| {
                m.module.memories.push(crate::types::MemoryType { limits: Limits { min: 2, max: None } });
                let mut second = m.images.images[0];
                second.memory = DefinedMemoryIndex::new(1);
                m.images.images.push(second);
            }),
            ("covered passive segment", |m, _| m.images.covered_data[0] = DataIndex::new(0)),
            ("covered segment out of range", |m, _| m.images.covered_data[0] = DataIndex::new(2)),
            ("covered segments unsorted", |m, _| m.images.covered_data.push(DataIndex::new(1))),
            ("global.get of a later global", |m, _| {
                let g = GlobalType { content: WasmValType::I32, mutable: false };
                m.module.globals.push(g);
                m.module.global_inits.push(ConstExpr(vec![ConstOp::GlobalGet(GlobalIndex::new(0))]));
            }),
        ];
        for (what, edit) in edits {
            let (mut meta, mut symbols) = sample();
            edit(&mut meta, &mut symbols);
            assert!(matches!(check(&meta, &symbols), Err(ArtifactError::InvalidMetadata(_))), "{what}");
        }
    }

    #[test]
    fn constant_expressions_are_typed() {
        let (meta, _) = sample();
        let e = |ops: Vec<ConstOp>| ConstExpr(ops);
        let m = &meta.module;
        assert_eq!(const_type(m, &e(vec![ConstOp::I32Const(1)]), 0).unwrap(), WasmValType::I32);
        let add = e(vec![ConstOp::I32Const(1), ConstOp::I32Const(2), ConstOp::I32Add]);
        assert_eq!(const_type(m, &add, 0).unwrap(), WasmValType::I32);
        assert!(const_type(m, &e(vec![ConstOp::I64Const(1), ConstOp::I32Const(2), ConstOp::I32Add]), 0).is_err());
        assert!(const_type(m, &e(vec![ConstOp::I32Add]), 0).is_err());
        assert!(const_type(m, &e(vec![]), 0).is_err());
        assert!(const_type(m, &e(vec![ConstOp::RefFunc(FuncIndex::new(1))]), 0).is_ok());
        assert!(const_type(m, &e(vec![ConstOp::RefFunc(FuncIndex::new(2))]), 0).is_err());
    }
}
