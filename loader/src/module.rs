//! `Module`: a compiled module, loaded from an artifact and ready to be
//! instantiated any number of times, in any store, on any thread.
//!
//! Every way of making a module ends in [`Module::from_artifact`]:
//! `Module::new` compiles to the same artifact bytes `kiln compile` writes
//! and loads them through the same path.

use crate::code_memory::CodeMemory;
use crate::engine::Engine;
use crate::types::{ExportType, ExternType, ImportType};
use anyhow::{Context, Result, anyhow, bail};
use cranelift_entity::EntityRef;
use kiln_runtime_support::artifact::{self, ArtifactError, ArtifactHeader, ArtifactMetadata};
use kiln_runtime_support::index::*;
use kiln_runtime_support::module_info::ModuleInfo;
use kiln_runtime_support::vm::instance::ModuleRuntime;
use kiln_runtime_support::vm::template::InstanceTemplate;
use kiln_runtime_support::vmoffsets::VMOffsets;
use object::read::elf::ElfFile64;
use object::{LittleEndian, Object, ObjectSection};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// The bytes of an artifact: owned, or mapped from a file.
enum ArtifactBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for ArtifactBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Owned(v) => v,
            Self::Mapped(m) => m,
        }
    }
}

pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    bytes: ArtifactBytes,
    data: Range<usize>,
    pub(crate) meta: ArtifactMetadata,
    pub(crate) offsets: VMOffsets,
    pub(crate) code: CodeMemory,
    pub(crate) type_ids: Vec<VMSharedTypeId>,
    template: InstanceTemplate,
}

impl ModuleRuntime for ModuleInner {
    fn module(&self) -> &ModuleInfo {
        &self.meta.module
    }
    fn offsets(&self) -> &VMOffsets {
        &self.offsets
    }
    fn data_section(&self) -> &[u8] {
        &self.bytes[self.data.clone()]
    }
    fn template(&self) -> &InstanceTemplate {
        &self.template
    }
}

impl ModuleInner {
    pub(crate) fn wasm_to_array(&self, sig: SignatureIndex) -> *const u8 {
        // SAFETY: as above.
        unsafe { self.code.base().add(self.meta.code.wasm_to_array[sig] as usize) }
    }

    /// The defined function whose code contains text offset `offset`.
    pub(crate) fn func_at_offset(&self, offset: u32) -> Option<FuncIndex> {
        let funcs = &self.meta.code.functions;
        let i = funcs.values().as_slice().partition_point(|(start, _)| *start <= offset);
        let def = DefinedFuncIndex::new(i.checked_sub(1)?);
        let (start, len) = funcs[def];
        (offset < start + len).then(|| self.meta.module.func_index(def))
    }
}

/// A compiled WebAssembly module. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name()).finish()
    }
}

/// Whether `bytes` start like a kiln artifact (an ELF file).
pub fn looks_like_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

impl Module {
    /// Compiles a module from binary or text WebAssembly.
    #[cfg(feature = "compiler")]
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let artifact = engine.precompile_module(bytes.as_ref())?;
        Self::from_artifact(engine, ArtifactBytes::Owned(artifact))
    }

    /// Compiles a module from a `.wasm` or `.wat` file.
    ///
    /// A compiled kiln artifact is refused: it is native code, which only
    /// the `unsafe` [`Module::deserialize_file`] may load, so that a safe
    /// call can never run code from a file it was handed.
    #[cfg(feature = "compiler")]
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        if looks_like_artifact(&bytes) {
            bail!(
                "{} is a compiled kiln artifact, not WebAssembly; load it with the unsafe `Module::deserialize_file`",
                path.display()
            );
        }
        Self::new(engine, &bytes).with_context(|| format!("failed to compile {}", path.display()))
    }

    /// The artifact bytes of this module: what `kiln compile` writes.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.inner.bytes.to_vec())
    }

    /// Loads an artifact produced by `kiln compile` or [`Module::serialize`].
    ///
    /// # Safety
    /// The header, target, CPU features and checksum are checked, so a
    /// corrupted or mismatched artifact is refused. But the checksum is not
    /// a signature: a deliberately forged artifact runs arbitrary native
    /// code. Only load artifacts from a trusted source.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        Self::from_artifact(engine, ArtifactBytes::Owned(bytes.as_ref().to_vec()))
    }

    /// Like [`Module::deserialize`], mapping the file instead of reading it.
    ///
    /// # Safety
    /// As for `deserialize`; also, the file must not change while mapped.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        // SAFETY: the caller promises the file does not change while mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("failed to map {}", path.display()))?;
        Self::from_artifact(engine, ArtifactBytes::Mapped(map))
            .with_context(|| format!("failed to load {}", path.display()))
    }

    fn from_artifact(engine: &Engine, bytes: ArtifactBytes) -> Result<Module> {
        if !looks_like_artifact(&bytes) {
            bail!(ArtifactError::NotAnArtifact("not an ELF file"));
        }
        let file =
            ElfFile64::<LittleEndian>::parse(&*bytes).map_err(|e| ArtifactError::Malformed(format!("bad ELF: {e}")))?;
        let meta_section = file
            .section_by_name(artifact::META_SECTION)
            .ok_or(ArtifactError::NotAnArtifact("no .kiln.meta section"))?;
        let (meta_off, meta_len) =
            meta_section.file_range().ok_or(ArtifactError::Truncated("metadata section has no contents"))?;
        let meta_range = meta_off as usize..(meta_off + meta_len) as usize;
        let meta_bytes = bytes.get(meta_range.clone()).ok_or(ArtifactError::Truncated("metadata section"))?;
        let header = ArtifactHeader::decode(meta_bytes)?;
        header.check_compatible(&kiln_runtime_support_target())?;
        let at = meta_range.start + artifact::CHECKSUM_OFFSET;
        let computed = artifact::checksum(&bytes, at);
        if computed != header.checksum {
            bail!(ArtifactError::Checksum { expected: header.checksum, computed });
        }
        let meta = ArtifactMetadata::decode(&meta_bytes[artifact::HEADER_SIZE..])?;
        crate::deadline::check_tunables(engine, &meta.tunables)?;

        let text = file.section_by_name(artifact::TEXT_SECTION);
        let data = match file.section_by_name(artifact::DATA_SECTION).and_then(|s| s.file_range()) {
            Some((off, len)) => off as usize..(off + len) as usize,
            None => 0..0,
        };
        if bytes.get(data.clone()).is_none() {
            bail!(ArtifactError::Truncated("data section"));
        }
        check_consistency(&meta, text.as_ref().map_or(0, |t| t.size()), data.len())?;
        let traps: Arc<[_]> = meta.code.traps.clone().into();
        let code = CodeMemory::new(&file, text.as_ref(), traps)?;
        drop(file);
        let offsets = VMOffsets::new(&meta.module);
        let type_ids: Vec<_> = meta.module.signatures.values().map(|ty| engine.register_signature(ty)).collect();
        let base = code.base();
        let template = InstanceTemplate::new(
            &meta.module,
            &offsets,
            &type_ids,
            |def| {
                // SAFETY: `check_consistency` proved every code offset lies
                // inside `.text`, which `base` starts.
                unsafe { base.add(meta.code.functions[def].0 as usize) }
            },
            |slot| {
                // SAFETY: as above.
                unsafe { base.add(meta.code.array_to_wasm[slot] as usize) }
            },
        );
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                bytes,
                data,
                meta,
                offsets,
                code,
                type_ids,
                template,
            }),
        })
    }

    /// The engine the module belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from the name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.meta.module.name.as_deref()
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let m = &self.inner.meta.module;
        m.imports
            .iter()
            .map(move |i| ImportType::new(&i.module, &i.name, ExternType::from_entity(m.entity_type(i.index))))
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let m = &self.inner.meta.module;
        m.exports.iter().map(move |e| ExportType::new(&e.name, ExternType::from_entity(m.entity_type(e.index))))
    }

    /// The type of the export `name`, if any.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        self.exports().find(|e| e.name() == name).map(|e| e.ty())
    }

    pub(crate) fn info(&self) -> &ModuleInfo {
        &self.inner.meta.module
    }

    pub(crate) fn same(a: &Module, b: &Module) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

fn kiln_runtime_support_target() -> String {
    target_lexicon::Triple::host().to_string()
}

/// Checks that the metadata's offsets fit the sections, so a consistent
/// checksum over inconsistent contents (a kiln bug) fails cleanly.
fn check_consistency(meta: &ArtifactMetadata, text_len: u64, data_len: usize) -> Result<()> {
    let m = &meta.module;
    let c = &meta.code;
    let bad = |what: &str| anyhow!(ArtifactError::Malformed(format!("inconsistent metadata: {what}")));
    if !m.import_counts_fit() {
        return Err(bad("more imports than entities"));
    }
    if c.functions.len() != m.num_defined_funcs()
        || c.array_to_wasm.len() != m.num_func_refs as usize
        || c.wasm_to_array.len() != m.signatures.len()
    {
        return Err(bad("code layout does not match the module"));
    }
    // Every VMFuncRef slot belongs to exactly one defined function.
    let mut owned = vec![false; m.num_func_refs as usize];
    for (index, f) in m.functions.iter() {
        let Some(slot) = f.func_ref else { continue };
        if m.is_imported_func(index) || owned.get(slot.index()).copied() != Some(false) {
            return Err(bad("function reference slots are not one per escaping function"));
        }
        owned[slot.index()] = true;
    }
    if owned.contains(&false) {
        return Err(bad("function reference slot without a function"));
    }
    let in_text = |off: u32| u64::from(off) < text_len.max(1);
    if !c.functions.values().all(|(off, len)| u64::from(*off) + u64::from(*len) <= text_len)
        || !c.array_to_wasm.values().all(|o| in_text(*o))
        || !c.wasm_to_array.values().all(|o| in_text(*o))
    {
        return Err(bad("code offset outside .text"));
    }
    if !m.data.values().all(|d| d.offset as usize + d.len as usize <= data_len) {
        return Err(bad("data segment outside .kiln.data"));
    }
    let sigs = m.signatures.len();
    if !m.types.values().all(|s| s.index() < sigs) || !m.functions.values().all(|f| f.signature.index() < sigs) {
        return Err(bad("signature index out of range"));
    }
    Ok(())
}
