//! `Module`: a compiled module, loaded from an artifact and ready to be
//! instantiated any number of times, in any store, on any thread.
//!
//! Every way of making a module ends in [`Module::load`]. From a file or
//! bytes (`deserialize*`), the path is header -> compatibility -> checksum
//! -> decode -> validate -> relocate. `Module::new` compiles in process and
//! hands the metadata over decoded, so nothing is hashed or decoded again;
//! validation and the relocation checks still run on that path too.

use crate::engine::Engine;
use crate::memory_images::{ImageSource, ModuleImages};
use crate::stored_artifact::StoredArtifact;
use crate::types::{ExportType, ExternType, ImportType};
use anyhow::{Context, Result, bail};
use cranelift_entity::EntityRef;
use kiln_runtime_support::artifact::{self, ArtifactError, ArtifactHeader, ArtifactMetadata, CodeSymbol, Sections};
use kiln_runtime_support::code_memory::CodeMemory;
use kiln_runtime_support::gdb_jit::{Registration, SymbolTable};
use kiln_runtime_support::index::*;
use kiln_runtime_support::module_info::ModuleInfo;
use kiln_runtime_support::reloc;
use kiln_runtime_support::types::MemoryType;
use kiln_runtime_support::vm::error::InstanceError;
use kiln_runtime_support::vm::instance::ModuleRuntime;
use kiln_runtime_support::vm::memory::LinearMemory;
use kiln_runtime_support::vm::owned::OwnedPtr;
use kiln_runtime_support::vm::pool::PoolingAllocator;
use kiln_runtime_support::vm::template::InstanceTemplate;
use kiln_runtime_support::vmoffsets::VMOffsets;
use object::read::elf::ElfFile64;
use object::{LittleEndian, Object, ObjectSection};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// The bytes of an artifact being loaded: owned, or mapped from a file
/// (kept open, to map memory images from).
enum ArtifactBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap, std::fs::File),
}

impl std::ops::Deref for ArtifactBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Owned(v) => v,
            Self::Mapped(m, _) => m,
        }
    }
}

/// A module's parts once its metadata is validated and its code is in
/// place, for [`Module::assemble`].
pub(crate) struct Loaded {
    pub(crate) meta: ArtifactMetadata,
    pub(crate) offsets: VMOffsets,
    pub(crate) code: CodeMemory,
    pub(crate) bytes: StoredArtifact,
    pub(crate) data: Range<usize>,
    pub(crate) image_section: Range<usize>,
    pub(crate) images: ModuleImages,
    pub(crate) debugger: Option<Registration>,
}

pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    bytes: StoredArtifact,
    data: Range<usize>,
    /// Where `.kiln.image` lies in `bytes`.
    image_section: Range<usize>,
    images: ModuleImages,
    pub(crate) meta: ArtifactMetadata,
    pub(crate) offsets: VMOffsets,
    /// The code's entry in the debugger's JIT list. Declared before `code`
    /// so that it is dropped, and the entry removed, before the code is
    /// unmapped.
    _debugger: Option<Registration>,
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
        self.bytes.get(self.data.clone())
    }
    fn template(&self) -> &InstanceTemplate {
        &self.template
    }
    fn covered_data(&self) -> &[DataIndex] {
        &self.meta.images.covered_data
    }
}

impl ModuleInner {
    /// Creates the module's defined memory `def`, of type `ty`, with its
    /// initial image mapped copy-on-write or, where it cannot be, copied.
    pub(crate) fn new_memory(
        &self,
        pool: Option<&Arc<PoolingAllocator>>,
        def: DefinedMemoryIndex,
        ty: MemoryType,
    ) -> Result<OwnedPtr<LinearMemory>, InstanceError> {
        let mapped = self.images.mapped(&self.meta.images, def);
        let mut mem = crate::instance::allocate_memory(pool, ty, mapped)?;
        if mapped.is_none() {
            self.images.copy_into(&self.meta.images, &self.bytes, self.image_section.clone(), def, &mut mem)?;
        }
        Ok(mem)
    }

    /// The wasm-to-host trampoline of a signature, or `None` for a
    /// signature the module does not have.
    pub(crate) fn wasm_to_array(&self, sig: SignatureIndex) -> Option<*const u8> {
        let offset = *self.meta.code.wasm_to_array.get(sig)?;
        // SAFETY: validation proved every trampoline offset lies inside
        // `.text`, which the code memory starts with.
        Some(unsafe { self.code.base().add(offset as usize) })
    }

    /// The defined function whose code contains text offset `offset`, and
    /// where its code starts.
    pub(crate) fn func_at_offset(&self, offset: u32) -> Option<(FuncIndex, u32)> {
        // Validation proved the functions sorted and disjoint.
        let funcs = self.meta.code.functions.values().as_slice();
        let i = funcs.partition_point(|(start, _)| *start <= offset).checked_sub(1)?;
        let (start, len) = funcs[i];
        (u64::from(offset) < u64::from(start) + u64::from(len))
            .then(|| (self.meta.module.func_index(DefinedFuncIndex::new(i)), start))
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
        let bytes = bytes.as_ref();
        let compile = || {
            let compiled = engine.compile(bytes)?;
            let artifact = compiled.bytes;
            let meta = Some((compiled.metadata, compiled.offsets.for_host()));
            match &engine.config().cache {
                // The cache needs the bytes too: one copy for it.
                Some(_) => Ok((Self::load(engine, ArtifactBytes::Owned(artifact.clone()), meta)?, artifact)),
                None => Ok((Self::load(engine, ArtifactBytes::Owned(artifact), meta)?, Vec::new())),
            }
        };
        match &engine.config().cache {
            Some(cache) => cache.get_or_compile(engine, bytes, compile),
            None => compile().map(|(module, _)| module),
        }
    }

    /// Compiles a module from the binary format only (text is refused), as
    /// wasmtime's `Module::from_binary` does.
    #[cfg(feature = "compiler")]
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        if !binary.starts_with(b"\0asm") {
            bail!("expected a WebAssembly binary (it starts with `\\0asm`); text is accepted by `Module::new`");
        }
        Self::new(engine, binary)
    }

    /// Checks that `binary` is a valid WebAssembly module that `engine`
    /// can compile, without compiling it: the same validation, and the
    /// same `unsupported: <feature>` error for a proposal kiln does not
    /// implement. (A few non-canonical encodings of reserved immediates
    /// are refused only when the function is compiled.)
    #[cfg(feature = "compiler")]
    pub fn validate(engine: &Engine, binary: &[u8]) -> Result<()> {
        Ok(kiln_compiler::validate(binary, &engine.config().proposals.compiler_features())?)
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

    /// The artifact bytes of this module: what `kiln compile` writes. A
    /// module linked into the program ([`Module::from_linked`]) has none.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        match self.inner.bytes.to_vec(&self.inner.code) {
            Some(bytes) => Ok(bytes),
            None => bail!("a module linked into the program has no artifact to serialize"),
        }
    }

    /// Loads an artifact produced by `kiln compile` or [`Module::serialize`].
    ///
    /// # Safety
    /// The header, target, CPU features and checksum are checked, so a
    /// corrupted or mismatched artifact is refused. But the checksum is not
    /// a signature: a deliberately forged artifact runs arbitrary native
    /// code. Only load artifacts from a trusted source.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        Self::load(engine, ArtifactBytes::Owned(bytes.as_ref().to_vec()), None)
    }

    /// Like [`Module::deserialize`], mapping the file instead of reading it.
    /// The module keeps the file open: its memory images are mapped
    /// copy-on-write straight from it at every instantiation.
    ///
    /// # Safety
    /// As for `deserialize`; also, the file must not change while mapped.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        // SAFETY: the caller promises the file does not change while mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("failed to map {}", path.display()))?;
        Self::load(engine, ArtifactBytes::Mapped(map, file), None)
            .with_context(|| format!("failed to load {}", path.display()))
    }

    /// Loads artifact `bytes`. `compiled` is the metadata and VMContext
    /// layout when the bytes were compiled in this process just now: then
    /// the checksum, the decoding and the layout computation are skipped
    /// (nothing else has seen the bytes), and everything else, validation
    /// and the relocation checks included, runs as for an artifact from
    /// outside.
    fn load(
        engine: &Engine,
        bytes: ArtifactBytes,
        compiled: Option<(ArtifactMetadata, Option<VMOffsets>)>,
    ) -> Result<Module> {
        if !looks_like_artifact(&bytes) {
            bail!(ArtifactError::NotAnArtifact("not an ELF file"));
        }
        let file =
            ElfFile64::<LittleEndian>::parse(&*bytes).map_err(|e| ArtifactError::Malformed(format!("bad ELF: {e}")))?;
        let (meta, offsets) = match compiled {
            // Compiled here, perhaps with CPU features this host lacks
            // (`Config::cranelift_flag_enable`): the header is checked too.
            Some((meta, offsets)) => {
                checked_header(&file, &bytes)?;
                (meta, offsets)
            }
            None => (decode_checked(&file, &bytes)?, None),
        };
        crate::deadline::check_tunables(engine, &meta.tunables)?;
        let section_range = |name: &str, what: &'static str| -> Result<Range<usize>> {
            let range = match file.section_by_name(name).and_then(|s| s.file_range()) {
                Some((off, len)) => off as usize..(off as usize).saturating_add(len as usize),
                None => 0..0,
            };
            if bytes.get(range.clone()).is_none() {
                bail!(ArtifactError::Truncated(what));
            }
            Ok(range)
        };
        let data = section_range(artifact::DATA_SECTION, "data section")?;
        let image = section_range(artifact::IMAGE_SECTION, "memory image section")?;
        let text = reloc::read_text(&file, meta.code.relocations)?;
        artifact::validate(
            &meta,
            &Sections {
                text_len: text.bytes.len() as u64,
                data_len: data.len() as u64,
                image_len: image.len() as u64,
                code_symbols: &text.symbols,
            },
        )?;
        reloc::check_call_targets(&text.relocs, meta.code.functions.values().as_slice(), meta.code.new_epoch)?;
        let traps: Arc<[_]> = meta.code.traps.clone().into();
        let code = CodeMemory::new(text.bytes, &text.relocs, traps)?;
        let symbols = code_symbols(&meta, &text.symbols, code.base() as usize);
        let debug_sections = crate::debug_info::relocated_sections(&file, code.base() as u64);
        let debugger = register_with_debuggers(&code, &symbols, &debug_sections);
        crate::profiling::register(engine.config().profiler, &symbols, &code, &debug_sections);
        // Where `.text` lies in `bytes` (nowhere, for a module without
        // code: its empty slice need not point into `bytes`).
        let text_at = (text.bytes.as_ptr() as usize).checked_sub(bytes.as_ptr() as usize);
        let text_range = match text_at {
            Some(at) if !text.bytes.is_empty() && at + text.bytes.len() <= bytes.len() => at..at + text.bytes.len(),
            _ => 0..0,
        };
        let fields: Vec<(usize, usize)> = text.relocs.iter().map(|r| (r.offset as usize, r.width)).collect();
        drop(text);
        drop(file);
        // Only after validation: each image lies inside its section.
        let cow = engine.config().memory_init_cow;
        let images = match &bytes {
            ArtifactBytes::Mapped(_, file) => match file.try_clone() {
                Ok(f) => ModuleImages::new(&meta.images, ImageSource::File(f.into(), image.start as u64), cow),
                Err(_) => ModuleImages::new(&meta.images, ImageSource::Bytes(&bytes[image.clone()]), cow),
            },
            ArtifactBytes::Owned(vec) => ModuleImages::new(&meta.images, ImageSource::Bytes(&vec[image.clone()]), cow),
        };
        // Keep the artifact for `serialize`, the data segments and the
        // images, but not a second copy of `.text`.
        let (bytes, [data, image_section]) = match bytes {
            ArtifactBytes::Mapped(map, _) => (StoredArtifact::Mapped(map), [data, image]),
            ArtifactBytes::Owned(vec) => StoredArtifact::owned(vec, text_range, fields.into_iter(), [data, image]),
        };
        // Only after validation: the layout is computed from its counts.
        let offsets = offsets.unwrap_or_else(|| VMOffsets::new(&meta.module));
        Self::assemble(engine, Loaded { meta, offsets, code, bytes, data, image_section, images, debugger })
    }

    /// The last step of every load: the module's pool check, its
    /// signatures registered with the engine, its instance template.
    pub(crate) fn assemble(engine: &Engine, loaded: Loaded) -> Result<Module> {
        let Loaded { meta, offsets, code, bytes, data, image_section, images, debugger } = loaded;
        // Once per module, as wasmtime does: a module that can never fit the
        // engine's pool is refused here, not at every instantiation.
        if let Some(pool) = engine.pool() {
            pool.validate_module(&meta.module, offsets.size() as usize)?;
        }
        let type_ids: Vec<_> = meta.module.signatures.values().map(|ty| engine.register_signature(ty)).collect();
        let base = code.base();
        let template = InstanceTemplate::new(
            &meta.module,
            &offsets,
            &type_ids,
            |def| {
                // SAFETY: validation proved every code offset lies inside
                // `.text`, which `base` starts.
                unsafe { base.add(meta.code.functions[def].0 as usize) }
            },
            |slot| {
                // SAFETY: as above.
                unsafe { base.add(meta.code.array_to_wasm[slot] as usize) }
            },
        )?;
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                bytes,
                data,
                image_section,
                images,
                meta,
                offsets,
                _debugger: debugger,
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

pub(crate) fn host_target() -> String {
    target_lexicon::Triple::host().to_string()
}

/// The header of an artifact, once it is known to suit this host (format
/// and kiln version, target, CPU features), with the file range of the
/// metadata section.
pub(crate) fn checked_header(
    file: &ElfFile64<'_, LittleEndian>,
    bytes: &[u8],
) -> Result<(ArtifactHeader, Range<usize>)> {
    let meta_section =
        file.section_by_name(artifact::META_SECTION).ok_or(ArtifactError::NotAnArtifact("no .kiln.meta section"))?;
    let (meta_off, meta_len) =
        meta_section.file_range().ok_or(ArtifactError::Truncated("metadata section has no contents"))?;
    let meta_range = meta_off as usize..(meta_off as usize).saturating_add(meta_len as usize);
    let meta_bytes = bytes.get(meta_range.clone()).ok_or(ArtifactError::Truncated("metadata section"))?;
    let header = ArtifactHeader::decode(meta_bytes)?;
    header.check_compatible(&host_target())?;
    Ok((header, meta_range))
}

/// The header -> compatibility -> checksum -> decode path of an artifact
/// from outside this process.
fn decode_checked(file: &ElfFile64<'_, LittleEndian>, bytes: &[u8]) -> Result<ArtifactMetadata> {
    let (header, meta_range) = checked_header(file, bytes)?;
    let meta_bytes = bytes.get(meta_range.clone()).ok_or(ArtifactError::Truncated("metadata section"))?;
    let at = meta_range.start + artifact::CHECKSUM_OFFSET;
    let computed = artifact::checksum(bytes, at);
    if computed != header.checksum {
        bail!(ArtifactError::Checksum { expected: header.checksum, computed });
    }
    Ok(ArtifactMetadata::decode(&meta_bytes[artifact::HEADER_SIZE..])?)
}

/// Registers the module's code with the GDB JIT interface, so that gdb and
/// lldb name its functions (see `kiln_runtime_support::gdb_jit`). A module
/// without code has nothing to register.
fn register_with_debuggers(
    code: &CodeMemory,
    symbols: &SymbolTable,
    debug: &[(String, Vec<u8>)],
) -> Option<Registration> {
    (code.text_len() > 0).then(|| Registration::new(code.base() as u64, code.text_len() as u64, symbols, debug))
}

/// Every function and trampoline of a loaded module, named for debuggers
/// and profilers `module!function`, as backtraces spell them. `symbols`
/// are the `.text` symbols, in the order validation checked: defined
/// functions, the new-epoch trampoline (with epoch interruption),
/// array-to-wasm trampolines, then wasm-to-array ones.
pub(crate) fn code_symbols(meta: &ArtifactMetadata, symbols: &[CodeSymbol], base: usize) -> SymbolTable {
    let info = &meta.module;
    let module = info.name.as_deref().unwrap_or("<module>");
    let mut table = SymbolTable::with_capacity(symbols.len());
    let mut symbols = symbols.iter().map(|s| (base as u64 + s.offset, s.size));
    for def in meta.code.functions.keys() {
        let Some((address, size)) = symbols.next() else { break };
        let f = info.func_index(def);
        match info.func_name(f) {
            Some(name) => table.push(address, size, format_args!("{module}!{name}")),
            None => table.push(address, size, format_args!("{module}!wasm-function[{}]", f.index())),
        }
    }
    if meta.code.new_epoch.is_some()
        && let Some((address, size)) = symbols.next()
    {
        table.push(address, size, format_args!("{module}!new_epoch_trampoline"));
    }
    for i in meta.code.array_to_wasm.keys() {
        let Some((address, size)) = symbols.next() else { break };
        table.push(address, size, format_args!("{module}!array_to_wasm[{}]", i.index()));
    }
    for i in meta.code.wasm_to_array.keys() {
        let Some((address, size)) = symbols.next() else { break };
        table.push(address, size, format_args!("{module}!wasm_to_array[{}]", i.index()));
    }
    table
}
