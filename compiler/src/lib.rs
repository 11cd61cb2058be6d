//! kiln-compiler: compiles a WebAssembly module (binary or text) ahead of
//! time into a relocatable native ELF object that the `kiln` loader runs.
//!
//! The pipeline: `wat` (text to binary) -> [`environ`] (sections, with
//! validation) -> [`translate`] (function bodies to Cranelift IR, validated
//! operator by operator, in parallel) -> Cranelift codegen -> [`obj`] (one
//! object with code, trampolines, metadata and data segments).

pub mod c_api;
pub mod debug;
pub mod disas;
pub mod environ;
pub mod error;
mod isa;
pub mod linkable;
pub mod obj;
pub mod trampolines;
pub mod translate;
pub mod trap_codes;

pub use disas::clif_of;
pub use error::CompileError;
pub use linkable::LinkOptions;

use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_entity::{EntityRef, PrimaryMap};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use error::CompileResult;
use isa::{artifact_target, build_isa, cpu_features};
use kiln_environ::artifact::{ArtifactHeader, ArtifactMetadata, CodeLayout};
use kiln_environ::vmoffsets::{TargetPtr, VMOffsets};
use kiln_environ::{DefinedFuncIndex, EntityIndex, FuncIndex};
use obj::{CodeKind, CompiledFunction, ObjectEmitter, compile_ir};
use rayon::prelude::*;
use std::collections::HashMap;

pub use environ::Features;
pub use kiln_environ::{OptLevel, Tunables};

/// Compiler settings.
#[derive(Clone, Debug, Default)]
pub struct CompilerConfig {
    /// Optimization level.
    pub opt_level: OptLevel,
    /// Run Cranelift's IR verifier (slow; for debugging kiln).
    pub verify: bool,
    /// Deadline instrumentation (epoch checks, fuel), recorded in the
    /// artifact.
    pub tunables: Tunables,
    /// Which supported proposals validation accepts.
    pub features: Features,
    /// Compile functions one after another on the calling thread instead
    /// of on rayon's pool (`Config::parallel_compilation(false)`).
    pub single_threaded: bool,
    /// Cranelift ISA flags to set, in order, over the host's:
    /// `(name, Some(value))` from `Config::cranelift_flag_set` (e.g.
    /// `("has_avx", Some("false"))`), `(name, None)` from
    /// `Config::cranelift_flag_enable`.
    pub cranelift_flags: Vec<(String, Option<String>)>,
    /// The target triple to compile for; `None` (or the host's) is the
    /// host with its CPU features, another (`aarch64-unknown-linux-gnu`)
    /// that architecture's baseline.
    pub target: Option<String>,
    /// Carry the module's DWARF line information into the object, mapped
    /// to native addresses (`-D debug-info`; see [`debug`]).
    pub debug_info: bool,
}

/// The target triple of this host, as artifacts record it.
pub fn host_target() -> String {
    target_lexicon::Triple::host().to_string()
}

/// The full triple `target` names, as artifacts compiled for it record it
/// (`aarch64` is `aarch64-unknown-linux-gnu`), or `None` when it is the
/// host's. A target kiln cannot compile for is [`CompileError::Target`].
pub fn resolve_target(target: &str) -> Result<Option<String>, CompileError> {
    Ok(isa::resolve_target(target)?.map(|t| t.to_string()))
}

/// A compiled module: the artifact, and the metadata it carries, for a
/// loader in the same process that should not decode what was just encoded.
#[derive(Debug)]
pub struct CompiledArtifact {
    /// The artifact bytes, as `kiln compile` writes them.
    pub bytes: Vec<u8>,
    /// The metadata encoded in the artifact's `.kiln.meta`.
    pub metadata: ArtifactMetadata,
    /// The VMContext layout the code was compiled against.
    pub offsets: VMOffsets<TargetPtr>,
    /// For a linkable object compiled for a C program
    /// ([`LinkOptions::c_api`]), its C header.
    pub c_header: Option<String>,
}

/// Compiles `wasm` (binary or text format) to an artifact.
pub fn compile(wasm: &[u8], config: &CompilerConfig) -> Result<Vec<u8>, CompileError> {
    compile_module(wasm, config).map(|c| c.bytes)
}

/// Checks that the target `config` describes can be built (its Cranelift
/// flags exist and have valid values), without compiling anything: what
/// `Engine::new` asks.
pub fn check_target(config: &CompilerConfig) -> Result<(), CompileError> {
    build_isa(config).map(drop)
}

/// Validates a WebAssembly binary with the features kiln compiles, as
/// compilation would, without compiling it. A module valid only with a
/// feature kiln does not support is [`CompileError::Unsupported`].
pub fn validate(wasm: &[u8], features: &Features) -> Result<(), CompileError> {
    let result = wasmparser::Validator::new_with_features(features.wasm()).validate_all(wasm);
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(match environ::needed_unsupported_feature(wasm) {
            Some(feature) => CompileError::Unsupported(feature.to_string()),
            None => CompileError::from(e),
        }),
    }
}

/// Compiles `wasm` (binary or text format) to an artifact, keeping its
/// metadata decoded.
pub fn compile_module(wasm: &[u8], config: &CompilerConfig) -> Result<CompiledArtifact, CompileError> {
    compile_with(wasm, config, None)
}

/// Compiles `wasm` to a *linkable* object: an artifact for a system
/// linker (`cc`, or rustc from a build script) instead of kiln's loader.
/// It is position-independent and defines the global descriptor symbol
/// `options.symbol` (a `kiln::LinkedArtifact`), from which
/// `kiln::Module::from_linked` runs the code where the program has it;
/// with `options.exe_main` it also defines `main` (see [`linkable`]).
pub fn compile_linkable(
    wasm: &[u8],
    config: &CompilerConfig,
    options: &LinkOptions,
) -> Result<CompiledArtifact, CompileError> {
    let options = LinkOptions { symbol: linkable::descriptor_symbol(options)?, ..options.clone() };
    linkable::check_symbol(&options.symbol)?;
    compile_with(wasm, config, Some(&options))
}

fn compile_with(
    wasm: &[u8],
    config: &CompilerConfig,
    link: Option<&LinkOptions>,
) -> Result<CompiledArtifact, CompileError> {
    if wasm.iter().all(u8::is_ascii_whitespace) {
        return Err(CompileError::Empty);
    }
    let wasm = wat::parse_bytes(wasm).map_err(|e| CompileError::Parse(e.to_string()))?;
    compile_binary(&wasm, config, link).map_err(|e| match e {
        CompileError::Invalid { .. } => match environ::needed_unsupported_feature(&wasm) {
            Some(feature) => CompileError::Unsupported(feature.to_string()),
            None => e,
        },
        e => e,
    })
}

/// `f` over `items`, on rayon's pool, or on this thread when
/// `single_threaded`; the first error wins either way.
fn map_items<I: Send, O: Send>(
    items: Vec<I>,
    single_threaded: bool,
    f: impl Fn(I) -> CompileResult<O> + Sync + Send,
) -> CompileResult<Vec<O>> {
    if single_threaded { items.into_iter().map(f).collect() } else { items.into_par_iter().map(f).collect() }
}

/// The symbol of each defined function: its name-section name, else the
/// first name it is exported under, else `wasm-function[N]`, so `nm` and
/// `objdump` show something meaningful whenever the module says anything.
fn symbol_names(info: &kiln_environ::ModuleInfo) -> PrimaryMap<DefinedFuncIndex, String> {
    let usable = |n: &str| !n.is_empty() && !n.contains('\0');
    let mut exported: HashMap<FuncIndex, &str> = HashMap::new();
    for e in &info.exports {
        if let EntityIndex::Function(f) = e.index
            && usable(&e.name)
        {
            exported.entry(f).or_insert(&e.name);
        }
    }
    let mut names = PrimaryMap::with_capacity(info.num_defined_funcs());
    for i in 0..info.num_defined_funcs() {
        let f = info.func_index(DefinedFuncIndex::new(i));
        let name = info.func_name(f).filter(|n| usable(n)).or_else(|| exported.get(&f).copied());
        names.push(name.map_or_else(|| format!("wasm-function[{}]", f.index()), str::to_string));
    }
    names
}

fn compile_binary(wasm: &[u8], config: &CompilerConfig, link: Option<&LinkOptions>) -> CompileResult<CompiledArtifact> {
    let mut translation = environ::translate_module(wasm, &config.features)?;
    let data = std::mem::take(&mut translation.data);
    let debug_sections = std::mem::take(&mut translation.debug_sections);
    let lines = if config.debug_info { debug::WasmLines::read(&debug_sections) } else { None };
    let static_init = environ::static_init::static_init(&mut translation.info, data)?;
    let info = translation.info;
    let isa = isa::build_isa_with(config, link.is_some())?;
    let offsets = VMOffsets::with_ptr(translate::env::target_ptr(&*isa)?, &info);
    let env = translate::FuncEnv {
        info: &info,
        offsets: &offsets,
        isa: &*isa,
        wasm: translation.wasm,
        tunables: config.tunables,
        debug_info: lines.is_some(),
    };
    let code_start = translation.code_start;
    let call_conv = isa.default_call_conv();
    let ptr = isa.pointer_type();

    let mut emitter = ObjectEmitter::new(isa.clone(), info.name.as_deref().unwrap_or("wasm"))?;
    let c_api = match link.and_then(|l| l.c_api.as_deref()) {
        Some(prefix) => Some(c_api::CInterface::new(&info, prefix)?),
        None => None,
    };
    let c_header = c_api.as_ref().map(c_api::header::header);
    if let Some(options) = link {
        emitter.make_linkable(options, c_api);
    }
    // Defined functions first, so that FuncId n is DefinedFuncIndex n.
    let names = symbol_names(&info);
    for (def, _) in translation.functions.iter() {
        let f = info.func_index(def);
        let sig = translate::wasm_signature(call_conv, ptr, info.func_type(f));
        let id = emitter.declare(&names[def], &sig)?;
        debug_assert_eq!(id.as_u32() as usize, def.index());
    }
    // Then the new-epoch trampoline, so that its FuncId is the number of
    // defined functions (`translate::deadline` calls it by that index).
    let new_epoch = if config.tunables.epoch_interruption {
        let id = emitter.declare("new_epoch_trampoline", &trampolines::new_epoch_signature(&*isa))?;
        debug_assert_eq!(id.as_u32() as usize, info.num_defined_funcs());
        Some((id, trampolines::new_epoch(&*isa, offsets.ptr(), UserFuncName::user(0, id.as_u32()))))
    } else {
        None
    };

    let inputs: Vec<_> = translation.functions.into_iter().collect();
    let compiled: Vec<CompiledFunction> = map_items(inputs, config.single_threaded, |(def, input)| {
        let mut validator = input.validator.into_validator(Default::default());
        let mut func =
            ir::Function::with_name_signature(UserFuncName::user(0, def.index() as u32), ir::Signature::new(call_conv));
        let mut ctx = FunctionBuilderContext::new();
        translate::translate_function(&env, def, &input.body, &mut validator, &mut func, &mut ctx)?;
        compile_ir(&isa, func, FuncId::from_u32(def.index() as u32), CodeKind::Wasm)
    })?;

    // Trampolines.
    let new_epoch_id = new_epoch.as_ref().map(|(id, _)| *id);
    let mut trampolines: Vec<(FuncId, ir::Function)> = new_epoch.into_iter().collect();
    let mut array_ids: PrimaryMap<kiln_environ::FuncRefIndex, FuncId> = PrimaryMap::new();
    for (f, fi) in info.functions.iter() {
        let (Some(slot), Some(def)) = (fi.func_ref, info.defined_func_index(f)) else {
            continue;
        };
        let name = format!("array_to_wasm[{}]", f.index());
        let sig = trampolines::array_signature(&*isa);
        let id = emitter.declare(&name, &sig)?;
        let func = trampolines::array_to_wasm(
            &*isa,
            offsets.ptr(),
            info.func_type(f),
            def.index() as u32,
            UserFuncName::user(0, id.as_u32()),
        );
        let pushed = array_ids.push(id);
        debug_assert_eq!(pushed, slot);
        trampolines.push((id, func));
    }
    let mut host_ids: PrimaryMap<kiln_environ::SignatureIndex, FuncId> = PrimaryMap::new();
    for (sig_index, ty) in info.signatures.iter() {
        let name = format!("wasm_to_array[sig{}]", sig_index.index());
        let sig = translate::wasm_signature(call_conv, ptr, ty);
        let id = emitter.declare(&name, &sig)?;
        trampolines
            .push((id, trampolines::wasm_to_array(&*isa, offsets.ptr(), ty, UserFuncName::user(0, id.as_u32()))));
        host_ids.push(id);
    }
    let compiled_trampolines: Vec<(FuncId, CompiledFunction)> =
        map_items(trampolines, config.single_threaded, |(id, func)| {
            Ok((id, compile_ir(&isa, func, id, CodeKind::Stub)?))
        })?;

    let mut traps_by_id: HashMap<FuncId, Vec<(u32, kiln_environ::TrapCode)>> = HashMap::new();
    let mut sizes: HashMap<FuncId, u32> = HashMap::new();
    for (i, f) in compiled.iter().enumerate() {
        let id = FuncId::from_u32(i as u32);
        emitter.define(id, f)?;
        traps_by_id.insert(id, f.traps.clone());
        sizes.insert(id, f.bytes.len() as u32);
    }
    for (id, f) in &compiled_trampolines {
        emitter.define(*id, f)?;
        traps_by_id.insert(*id, f.traps.clone());
    }

    if let Some(lines) = lines {
        let functions = compiled
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let ranges = debug::FunctionRanges {
                    name: names[DefinedFuncIndex::new(i)].clone(),
                    offset: 0,
                    size: f.bytes.len() as u64,
                    ranges: f.srclocs.clone(),
                };
                (FuncId::from_u32(i as u32), ranges)
            })
            .collect();
        let module_name = info.name.clone().unwrap_or_else(|| "wasm".to_string());
        emitter.set_debug(obj::DebugInput { lines, code_start, functions, module_name });
    }

    let header = ArtifactHeader::new(&artifact_target(config)?, cpu_features(&isa));
    let num_defined = compiled.len();
    emitter
        .finish(
            |id| traps_by_id.get(&id).cloned().unwrap_or_default(),
            header,
            |offset_of, traps| {
                let mut code = CodeLayout { traps, ..Default::default() };
                for i in 0..num_defined {
                    let id = FuncId::from_u32(i as u32);
                    let pushed = code.functions.push((offset_of(id), sizes[&id]));
                    debug_assert_eq!(pushed, DefinedFuncIndex::new(i));
                }
                code.new_epoch = new_epoch_id.map(&offset_of);
                for (_, id) in array_ids.iter() {
                    code.array_to_wasm.push(offset_of(*id));
                }
                for (_, id) in host_ids.iter() {
                    code.wasm_to_array.push(offset_of(*id));
                }
                ArtifactMetadata {
                    module: info.clone(),
                    code,
                    tunables: config.tunables,
                    images: static_init.images.clone(),
                }
            },
            &static_init.data,
            &static_init.image_section,
        )
        .map(|(bytes, metadata)| CompiledArtifact { bytes, metadata, offsets, c_header })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_threaded_compilation_stays_on_the_calling_thread() {
        let me = std::thread::current().id();
        let threads = map_items((0..64).collect(), true, |_| Ok(std::thread::current().id())).unwrap();
        assert!(threads.iter().all(|t| *t == me));
        let results = map_items((0..64).collect(), false, |i: u32| Ok(i * 2)).unwrap();
        assert_eq!(results, (0..64).map(|i| i * 2).collect::<Vec<_>>(), "order is kept in parallel");
        let err = map_items(vec![1, 2], true, |i: u32| if i == 2 { Err(CompileError::Empty) } else { Ok(i) });
        assert!(err.is_err());
    }
}
