//! Object emission: every compiled function and trampoline goes into one
//! `.text` section of an ELF relocatable object (via `cranelift-object`),
//! each under its own symbol; the metadata, data segments and memory images
//! go into `.kiln.meta`, `.kiln.data` and `.kiln.image` (aligned to the
//! image granularity, so the file offset of every image is too); finally
//! the checksum is patched in.

use crate::debug::{DebugSection, FunctionRanges, RelocTarget};
use crate::error::{CompileError, CompileResult};
use crate::trap_codes::from_ir;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc};
use cranelift_object::{ObjectBuilder, ObjectModule};
use kiln_environ::artifact::{self, ArtifactHeader, ArtifactMetadata};
use kiln_environ::{TrapCode, TrapSite};
use object::write::Object;
use object::{Object as _, ObjectSection as _, SectionKind};
use std::collections::HashSet;

/// Machine code for one function, ready to be placed in the object.
pub struct CompiledFunction {
    /// The code.
    pub bytes: Vec<u8>,
    /// Relocations, offsets relative to the function start.
    pub relocs: Vec<ModuleReloc>,
    /// Trapping instructions, offsets relative to the function start.
    pub traps: Vec<(u32, TrapCode)>,
    /// Required alignment.
    pub alignment: u64,
    /// Native `(start, end)` offsets with the source location (a wasm
    /// operator's module offset) they came from, for functions translated
    /// with `debug_info`; empty otherwise.
    pub srclocs: Vec<(u32, u32, u32)>,
}

/// What a compiled function is, for its alignment in the text section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// A wasm function: the guest's own code, where its loops run. It gets
    /// the ISA's preferred alignment (32 bytes on x86-64), so where a loop
    /// falls against the instruction-fetch windows depends on the function
    /// alone, not on the sizes of the functions before it.
    Wasm,
    /// A trampoline, adapter or entry stub, run once per call: the ISA's
    /// minimum alignment, packed tight.
    Stub,
}

/// Compiles a Cranelift function to machine code.
pub fn compile_ir(
    isa: &OwnedTargetIsa,
    func: ir::Function,
    id: FuncId,
    kind: CodeKind,
) -> CompileResult<CompiledFunction> {
    let mut ctx = cranelift_codegen::Context::for_function(func);
    ctx.compile(&**isa, &mut ControlPlane::default()).map_err(|e| CompileError::from(e.inner))?;
    let Some(code) = ctx.compiled_code() else { crate::error::bail_bug!("no code after a successful compile") };
    let func = &ctx.func;
    let bytes = code.code_buffer().to_vec();
    let wanted = match kind {
        CodeKind::Wasm => isa.function_alignment().preferred,
        CodeKind::Stub => isa.function_alignment().minimum,
    };
    let alignment = u64::from(code.buffer.alignment.max(wanted));
    let traps = code
        .buffer
        .traps()
        .iter()
        .map(|t| {
            let code =
                from_ir(t.code).ok_or_else(|| CompileError::Internal(format!("unexpected trap code {}", t.code)))?;
            Ok((t.offset, code))
        })
        .collect::<CompileResult<Vec<_>>>()?;
    let relocs = code.buffer.relocs().iter().map(|r| ModuleReloc::from_mach_reloc(r, func, id)).collect();
    let srclocs = code
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|s| !s.loc.is_default())
        .map(|s| (s.start, s.end, s.loc.bits()))
        .collect();
    Ok(CompiledFunction { bytes, relocs, traps, alignment, srclocs })
}

/// Builds the object file.
pub struct ObjectEmitter {
    module: ObjectModule,
    used_names: HashSet<String>,
    traps: Vec<TrapSite>,
    /// Each defined function and trampoline, with its relocation count.
    defined: Vec<(FuncId, u32)>,
    /// For a linkable object, how to make it so when finishing.
    linkable: Option<crate::linkable::LinkOptions>,
    /// For a C program's linkable object, its C interface.
    c_api: Option<crate::c_api::CInterface>,
    /// For `debug_info`, what the DWARF is made from.
    debug: Option<DebugInput>,
    isa: OwnedTargetIsa,
}

fn err(e: impl std::fmt::Display) -> CompileError {
    CompileError::Internal(format!("object file: {e}"))
}

impl ObjectEmitter {
    /// Starts an object for `isa`.
    pub fn new(isa: OwnedTargetIsa, name: &str) -> CompileResult<Self> {
        let builder = ObjectBuilder::new(isa.clone(), name, cranelift_module::default_libcall_names()).map_err(err)?;
        Ok(Self {
            module: ObjectModule::new(builder),
            used_names: HashSet::new(),
            traps: Vec::new(),
            defined: Vec::new(),
            linkable: None,
            c_api: None,
            debug: None,
            isa,
        })
    }

    /// Makes the object linkable by a system linker (see
    /// [`crate::linkable`]). Called before any function is declared, so
    /// that no wasm function takes a name the object needs; what it adds
    /// is declared last, when finishing, so that function ids stay those
    /// of the defined functions.
    pub fn make_linkable(&mut self, options: &crate::linkable::LinkOptions, c_api: Option<crate::c_api::CInterface>) {
        for name in crate::linkable::reserved_names(options, c_api.as_ref()) {
            self.used_names.insert(name);
        }
        self.linkable = Some(options.clone());
        self.c_api = c_api;
    }

    /// Gives the object DWARF line information (see [`crate::debug`]).
    pub fn set_debug(&mut self, debug: DebugInput) {
        self.debug = Some(debug);
    }

    /// Declares a function with a unique symbol derived from `name`.
    pub fn declare(&mut self, name: &str, signature: &ir::Signature) -> CompileResult<FuncId> {
        let mut symbol = name.to_string();
        let mut n = 1;
        while !self.used_names.insert(symbol.clone()) {
            symbol = format!("{name}.{n}");
            n += 1;
        }
        self.module.declare_function(&symbol, Linkage::Local, signature).map_err(err)
    }

    /// Places a compiled function.
    pub fn define(&mut self, id: FuncId, f: &CompiledFunction) -> CompileResult<()> {
        self.module.define_function_bytes(id, f.alignment, &f.bytes, &f.relocs).map_err(err)?;
        self.defined.push((id, f.relocs.len() as u32));
        Ok(())
    }

    /// Finishes the object: looks up where each function landed, calls
    /// `layout` to fill the metadata with those offsets, then writes the
    /// sections and the checksum. Returns the artifact and its metadata.
    pub fn finish(
        self,
        compiled_traps: impl Fn(FuncId) -> Vec<(u32, TrapCode)>,
        header: ArtifactHeader,
        metadata: impl FnOnce(&dyn Fn(FuncId) -> u32, Vec<TrapSite>) -> ArtifactMetadata,
        data: &[u8],
        images: &[u8],
    ) -> CompileResult<(Vec<u8>, ArtifactMetadata)> {
        let mut module = self.module;
        let linkable = self
            .linkable
            .as_ref()
            .map(|options| crate::linkable::declare(&mut module, &self.isa, options, self.c_api.as_ref()))
            .transpose()?;
        let mut product = module.finish();
        let offset_of = |id: FuncId| -> u32 {
            let sym = product.function_symbol(id);
            product.object.symbol(sym).value as u32
        };
        let mut traps = self.traps;
        for (id, _) in &self.defined {
            let base = offset_of(*id);
            traps.extend(compiled_traps(*id).into_iter().map(|(off, code)| TrapSite { offset: base + off, code }));
        }
        traps.sort_by_key(|t| t.offset);
        let debug = match self.debug {
            Some(d) => {
                let functions: Vec<FunctionRanges> = d
                    .functions
                    .into_iter()
                    .map(|(id, f)| FunctionRanges { offset: u64::from(offset_of(id)), ..f })
                    .collect();
                crate::debug::write::write_dwarf(&d.lines, d.code_start, &functions, &d.module_name)
                    .map_err(|e| err(format!("DWARF: {e}")))?
            }
            None => Vec::new(),
        };
        let mut meta = metadata(&offset_of, traps);
        // cranelift-object writes one ELF relocation per function relocation.
        meta.code.relocations = self.defined.iter().map(|(_, n)| *n).sum();
        let sections = add_kiln_sections(&mut product.object, &header, &meta, data, images);
        add_debug_sections(&mut product.object, &debug)?;
        if let Some(pending) = &linkable {
            crate::linkable::define_descriptor(&mut product, pending, sections)?;
        }
        let mut bytes = product.object.write().map_err(err)?;
        patch_checksum(&mut bytes)?;
        Ok((bytes, meta))
    }
}

/// What [`ObjectEmitter::set_debug`] takes: the module's line tables, where
/// its code section starts, each defined function and the module's name.
pub struct DebugInput {
    /// The module's line tables.
    pub lines: crate::debug::WasmLines,
    /// The code section payload's offset in the module.
    pub code_start: u64,
    /// Each defined function, its `offset` filled in when the object is
    /// finished.
    pub functions: Vec<(FuncId, FunctionRanges)>,
    /// Names the compile unit if the DWARF does not.
    pub module_name: String,
}

/// Adds the DWARF sections, with their relocations against `.text` and
/// one another.
fn add_debug_sections(obj: &mut Object<'_>, debug: &[DebugSection]) -> CompileResult<()> {
    let ids: Vec<(&str, object::write::SectionId)> = debug
        .iter()
        .map(|s| {
            let id = obj.add_section(Vec::new(), s.name.as_bytes().to_vec(), SectionKind::Debug);
            obj.set_section_data(id, s.bytes.clone(), 1);
            (s.name, id)
        })
        .collect();
    let text = obj.section_id(object::write::StandardSection::Text);
    for (s, (_, id)) in debug.iter().zip(&ids) {
        for r in &s.relocs {
            let target = match r.target {
                RelocTarget::Text => text,
                RelocTarget::Section(name) => match ids.iter().find(|(n, _)| *n == name) {
                    Some((_, id)) => *id,
                    None => return Err(err(format!("DWARF refers to a missing section {name}"))),
                },
            };
            let symbol = obj.section_symbol(target);
            let flags = object::RelocationFlags::Generic {
                kind: object::RelocationKind::Absolute,
                encoding: object::RelocationEncoding::Generic,
                size: r.size * 8,
            };
            obj.add_relocation(
                *id,
                object::write::Relocation { offset: u64::from(r.offset), symbol, addend: r.addend, flags },
            )
            .map_err(err)?;
        }
    }
    Ok(())
}

fn add_kiln_sections(
    obj: &mut Object<'_>,
    header: &ArtifactHeader,
    meta: &ArtifactMetadata,
    data: &[u8],
    images: &[u8],
) -> [object::write::SectionId; 3] {
    let mut section = header.encode();
    section.extend_from_slice(&meta.encode());
    let meta = obj.add_section(Vec::new(), artifact::META_SECTION.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.set_section_data(meta, section, 8);
    let data_id = obj.add_section(Vec::new(), artifact::DATA_SECTION.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.set_section_data(data_id, data.to_vec(), 8);
    let image = obj.add_section(Vec::new(), artifact::IMAGE_SECTION.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.set_section_data(image, images.to_vec(), u64::from(artifact::IMAGE_GRANULARITY));
    [meta, data_id, image]
}

/// Computes the checksum of the finished file and writes it into the header.
fn patch_checksum(bytes: &mut [u8]) -> CompileResult<()> {
    let file = object::File::parse(&*bytes).map_err(err)?;
    let section = file
        .section_by_name(artifact::META_SECTION)
        .ok_or_else(|| CompileError::Internal("metadata section missing".into()))?;
    let (offset, _) = section.file_range().ok_or_else(|| CompileError::Internal("metadata not in file".into()))?;
    let at = offset as usize + artifact::CHECKSUM_OFFSET;
    let sum = artifact::checksum(bytes, at);
    bytes[at..at + 8].copy_from_slice(&sum.to_le_bytes());
    Ok(())
}
