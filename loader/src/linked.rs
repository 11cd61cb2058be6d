//! Modules linked into the program: [`Module::from_linked`].
//!
//! A build can link a module's *linkable* object (`kiln_compiler::
//! compile_linkable`, `kiln compile --exe`, or a build script) into the
//! program itself. The object defines a [`LinkedArtifact`] descriptor
//! that the system linker filled with the addresses of the module's
//! sections, so loading it reads nothing from disk, copies no code and
//! applies no relocation: the code runs where the program already has it,
//! in its own read+execute pages. The header (kiln and format version,
//! target, CPU features) and the whole metadata are still checked, as for
//! any artifact; the checksum, which covers a file that no longer exists
//! once linked, is not. Memory images are mapped copy-on-write from the
//! executable's file when they are in it.

use crate::engine::Engine;
use crate::memory_images::{ImageSource, ModuleImages};
use crate::module::{Loaded, Module, code_symbols, host_target};
use crate::stored_artifact::StoredArtifact;
use anyhow::{Result, bail};
use kiln_runtime_support::artifact::{
    self, ArtifactError, ArtifactHeader, ArtifactMetadata, CodeSymbol, LINKED_MAGIC, Sections,
};
use kiln_runtime_support::code_memory::CodeMemory;
use kiln_runtime_support::vmoffsets::VMOffsets;
use std::sync::Arc;

pub use kiln_runtime_support::artifact::LinkedArtifact;

impl Module {
    /// Loads the module a linkable object linked into this program
    /// describes, running its code in place. `linked` is the object's
    /// descriptor symbol, declared in an `extern` block:
    ///
    /// ```ignore
    /// unsafe extern "C" {
    ///     static kiln_module_app: kiln::LinkedArtifact;
    /// }
    /// let module = unsafe { Module::from_linked(&engine, &kiln_module_app)? };
    /// ```
    ///
    /// The module can be loaded any number of times, by any engine whose
    /// settings match the ones it was compiled with (deadlines, relaxed
    /// SIMD); each load validates it again.
    ///
    /// # Safety
    /// `linked` must be the descriptor of a kiln linkable object linked
    /// into this program (its pointers are trusted to be its sections, and
    /// its code is run). As for [`Module::deserialize`], a forged object
    /// runs arbitrary code.
    pub unsafe fn from_linked(engine: &Engine, linked: &'static LinkedArtifact) -> Result<Module> {
        if linked.magic != LINKED_MAGIC {
            bail!(ArtifactError::NotAnArtifact("not a kiln linked-module descriptor (bad magic)"));
        }
        let section = |ptr: *const u8, len: usize| -> &'static [u8] {
            if len == 0 || ptr.is_null() {
                return &[];
            }
            // SAFETY: the caller promises a descriptor the linker filled:
            // `ptr` is the start of one of the object's sections, `len`
            // bytes long and part of the program's image for its life.
            unsafe { std::slice::from_raw_parts(ptr, len) }
        };
        let meta_bytes = section(linked.meta, linked.meta_len);
        let data = section(linked.data, linked.data_len);
        let image = section(linked.image, linked.image_len);
        let header = ArtifactHeader::decode(meta_bytes)?;
        header.check_compatible(&host_target())?;
        let encoded = meta_bytes.get(artifact::HEADER_SIZE..).ok_or(ArtifactError::Truncated("metadata section"))?;
        let meta = ArtifactMetadata::decode(encoded)?;
        crate::deadline::check_tunables(engine, &meta.tunables)?;
        let text_len = if linked.text.is_null() { 0 } else { linked.text_len };
        // No symbol table survives linking: the code layout is checked
        // against the metadata's own offsets, each inside `.text`.
        let symbols = layout_symbols(&meta, text_len as u64);
        artifact::validate(
            &meta,
            &Sections {
                text_len: text_len as u64,
                data_len: data.len() as u64,
                image_len: image.len() as u64,
                code_symbols: &symbols,
            },
        )?;
        let traps: Arc<[_]> = meta.code.traps.clone().into();
        // SAFETY: the caller promises `text` is the linked object's
        // `.text`, executable for the life of the program, and validation
        // proved the traps and code offsets inside it.
        let code = unsafe { CodeMemory::linked(linked.text, text_len, traps) };
        // Debuggers and profilers read the program's own symbol table and
        // DWARF, which have the functions and their lines; only a perf map
        // or a jitdump needs writing.
        if engine.config().profiler != crate::ProfilingStrategy::None {
            let symbols = code_symbols(&meta, &symbols, code.base() as usize);
            crate::profiling::register(engine.config().profiler, &symbols, &code, &[]);
        }
        // Mapped from the executable's own file where the image is there,
        // page-aligned; copied into a memfd otherwise (a shared library).
        let source = match kiln_runtime_support::sys::executable_file_of(image) {
            Some((fd, at)) if at % kiln_runtime_support::sys::page_size() as u64 == 0 => ImageSource::File(fd, at),
            _ => ImageSource::Bytes(image),
        };
        let images = ModuleImages::new(&meta.images, source, engine.config().memory_init_cow);
        let (bytes, [data, image_section]) = StoredArtifact::linked(data, image);
        let offsets = VMOffsets::new(&meta.module);
        Module::assemble(engine, Loaded { meta, offsets, code, bytes, data, image_section, images, debugger: None })
    }
}

/// The code entries of `meta` as symbols, in validation's order (defined
/// functions, the new-epoch trampoline, array-to-wasm, wasm-to-array
/// trampolines): a function's size
/// is its recorded length; a trampoline's, which is not recorded, reaches
/// the next entry (or the end of `.text`).
fn layout_symbols(meta: &ArtifactMetadata, text_len: u64) -> Vec<CodeSymbol> {
    let c = &meta.code;
    let mut starts: Vec<u64> = c
        .functions
        .values()
        .map(|(off, _)| u64::from(*off))
        .chain(c.array_to_wasm.values().chain(c.wasm_to_array.values()).map(|off| u64::from(*off)))
        .chain(c.new_epoch.map(u64::from))
        .collect();
    starts.sort_unstable();
    let next = |at: u64| starts.get(starts.partition_point(|s| *s <= at)).copied().unwrap_or(text_len.max(at));
    let functions =
        c.functions.values().map(|(off, len)| CodeSymbol { offset: u64::from(*off), size: u64::from(*len) });
    let trampolines = c.new_epoch.iter().chain(c.array_to_wasm.values()).chain(c.wasm_to_array.values()).map(|off| {
        let at = u64::from(*off);
        CodeSymbol { offset: at, size: next(at) - at }
    });
    functions.chain(trampolines).collect()
}
