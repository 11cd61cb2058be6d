//! Linkable objects: artifacts for a system linker rather than kiln's
//! loader (`kiln_compiler::compile_linkable`).
//!
//! Such an object is an ordinary artifact plus a global descriptor symbol
//! (a [`LinkedArtifact`], whose section pointers are relocations the linker
//! resolves) and, for `kiln compile --exe`, a `main` that hands the
//! descriptor and the baked host options to the runtime library's
//! `kiln_exe_main`, or for a C program (`--c-header`) the import adapters
//! of [`crate::c_api`]. The code is compiled position-independent, so the
//! object links into PIE executables and shared libraries; calls inside
//! `.text` stay direct, and the only symbols it may import are the libm
//! functions (through the GOT), `kiln_exe_main`, and a C program's import
//! functions.

use crate::c_api::{CInterface, adapters};
use crate::error::{CompileError, CompileResult};
use crate::obj::{CodeKind, compile_ir};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, Linkage, Module as _};
use cranelift_object::ObjectModule;
use kiln_environ::artifact::{LinkedArtifact, LinkedField};
use object::write::{Relocation, SectionId, StandardSection, SymbolSection};
use object::{RelocationEncoding, RelocationFlags, RelocationKind};

/// How to make a linkable object.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// The descriptor's symbol, which the program declares
    /// (`extern const struct kiln_linked_module NAME;` in C,
    /// `static NAME: kiln::LinkedArtifact` in an `extern` block in Rust).
    pub symbol: String,
    /// For an executable: the host options to bake in, opaque to the
    /// compiler. Then the object also defines `main`, which calls
    /// `kiln_exe_main(argc, argv, &descriptor, options, options_len)`.
    pub exe_main: Option<Vec<u8>>,
    /// For a C program (`kiln compile --c-header`): the prefix of the C
    /// names ([`crate::c_api`]). The object then also holds the import
    /// adapters and the descriptor's `host_imports` table, and the
    /// artifact carries the header. `symbol` must then be empty or
    /// `PREFIX_module`.
    pub c_api: Option<String>,
}

/// The name of the runtime library's entry point that the generated `main`
/// calls.
pub const EXE_MAIN: &str = "kiln_exe_main";

fn err(e: impl std::fmt::Display) -> CompileError {
    CompileError::Internal(format!("linkable object: {e}"))
}

/// Checks that `symbol` can be a C identifier, as the descriptor's symbol
/// must be for a program to declare it, and is not one kiln defines.
pub fn check_symbol(symbol: &str) -> CompileResult<()> {
    let mut chars = symbol.chars();
    let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(CompileError::Link(format!("the module's symbol `{symbol}` is not a C identifier")));
    }
    if symbol == "main" || symbol == EXE_MAIN {
        return Err(CompileError::Link(format!("`{symbol}` cannot be the module's symbol")));
    }
    Ok(())
}

/// The symbols a linkable object defines or imports by name, which no
/// wasm function's symbol may take.
pub(crate) fn reserved_names(options: &LinkOptions, c_api: Option<&CInterface>) -> Vec<String> {
    let mut names: Vec<String> =
        [options.symbol.as_str(), "main", EXE_MAIN, "kiln_exe_options"].map(str::to_string).into();
    names.extend(c_api.map(CInterface::object_symbols).unwrap_or_default());
    names
}

/// The descriptor's symbol for `options`: `symbol`, or for a C program
/// with no symbol given, `PREFIX_module`.
pub(crate) fn descriptor_symbol(options: &LinkOptions) -> CompileResult<String> {
    match &options.c_api {
        Some(prefix) => {
            crate::c_api::check_prefix(prefix)?;
            let expected = CInterface::module_symbol(prefix);
            if !options.symbol.is_empty() && options.symbol != expected {
                return Err(CompileError::Link(format!(
                    "with the C prefix `{prefix}` the module's symbol is `{expected}`, not `{}`",
                    options.symbol
                )));
            }
            Ok(expected)
        }
        None => Ok(options.symbol.clone()),
    }
}

/// What the module keeps between declaring `main` and finishing the
/// object: the descriptor's data id, to be defined once the sections exist,
/// and for a C program the `host_imports` table and its length.
pub(crate) struct Pending {
    descriptor: DataId,
    symbol: String,
    host_imports: Option<(DataId, usize)>,
}

/// Declares the descriptor and, for an executable, defines `main` and the
/// options blob in `module`. Runs before the module is finished.
pub(crate) fn declare(
    module: &mut ObjectModule,
    isa: &OwnedTargetIsa,
    options: &LinkOptions,
    c_api: Option<&CInterface>,
) -> CompileResult<Pending> {
    check_symbol(&options.symbol)?;
    // Declared as an import, so that `main` can take its address; defined
    // in the object by `define_descriptor` once `.text` and the kiln
    // sections exist (cranelift-module cannot point data at a section).
    let descriptor = module.declare_data(&options.symbol, Linkage::Import, false, false).map_err(err)?;
    if let Some(blob) = &options.exe_main {
        let blob_id = module.declare_data("kiln_exe_options", Linkage::Local, false, false).map_err(err)?;
        let mut data = DataDescription::new();
        data.define(blob.clone().into_boxed_slice());
        module.define_data(blob_id, &data).map_err(err)?;
        define_main(module, isa, descriptor, blob_id, blob.len())?;
    }
    let host_imports = match c_api {
        Some(interface) => Some((adapters::define(module, isa, interface)?, interface.num_imports)),
        None => None,
    };
    Ok(Pending { descriptor, symbol: options.symbol.clone(), host_imports })
}

/// `int main(int argc, char **argv)`, returning
/// `kiln_exe_main(argc, argv, &descriptor, options, options_len)`.
fn define_main(
    module: &mut ObjectModule,
    isa: &OwnedTargetIsa,
    descriptor: DataId,
    options: DataId,
    options_len: usize,
) -> CompileResult<()> {
    let ptr = isa.pointer_type();
    let call_conv = CallConv::triple_default(isa.triple());
    let mut main_sig = ir::Signature::new(call_conv);
    main_sig.params.extend([AbiParam::new(ir::types::I32), AbiParam::new(ptr)]);
    main_sig.returns.push(AbiParam::new(ir::types::I32));
    let mut entry_sig = ir::Signature::new(call_conv);
    entry_sig.params.extend([
        AbiParam::new(ir::types::I32),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
    ]);
    entry_sig.returns.push(AbiParam::new(ir::types::I32));
    let main_id = module.declare_function("main", Linkage::Export, &main_sig).map_err(err)?;
    let entry_id = module.declare_function(EXE_MAIN, Linkage::Import, &entry_sig).map_err(err)?;

    let mut func = ir::Function::with_name_signature(UserFuncName::user(0, main_id.as_u32()), main_sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let params = crate::trampolines::enter(&mut b);
    let (argc, argv) = (params[0], params[1]);
    let entry = module.declare_func_in_func(entry_id, b.func);
    let desc_gv = module.declare_data_in_func(descriptor, b.func);
    let opts_gv = module.declare_data_in_func(options, b.func);
    let desc = b.ins().symbol_value(ptr, desc_gv);
    let opts = b.ins().symbol_value(ptr, opts_gv);
    let len = b.ins().iconst(ptr, options_len as i64);
    let call = b.ins().call(entry, &[argc, argv, desc, opts, len]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.finalize(isa.frontend_config());

    let compiled = compile_ir(isa, func, main_id, CodeKind::Stub)?;
    module.define_function_bytes(main_id, compiled.alignment, &compiled.bytes, &compiled.relocs).map_err(err)?;
    Ok(())
}

/// Defines the descriptor declared by [`declare`] in the finished
/// `object`: the magic and the section lengths, and a 64-bit absolute
/// relocation to each section's start for the linker to resolve.
pub(crate) fn define_descriptor(
    product: &mut cranelift_object::ObjectProduct,
    pending: &Pending,
    [meta, data, image]: [SectionId; 3],
) -> CompileResult<()> {
    let symbol = product.data_symbol(pending.descriptor);
    let table = pending.host_imports.map(|(table, _)| product.data_symbol(table));
    let object = &mut product.object;
    let ids = [
        (LinkedField::Text, object.section_id(StandardSection::Text)),
        (LinkedField::Meta, meta),
        (LinkedField::Data, data),
        (LinkedField::Image, image),
    ];
    let len = |field: LinkedField| -> CompileResult<u64> {
        let (_, id) = ids.iter().find(|(f, _)| *f == field).ok_or_else(|| err("section list"))?;
        Ok(object.section(*id).data().len() as u64)
    };
    let mut lens = [0u64; 4];
    for (i, (field, _, _)) in LinkedArtifact::FIELD_OFFSETS.iter().enumerate() {
        lens[i] = len(*field)?;
    }
    let host_imports_len = pending.host_imports.map_or(0, |(_, n)| n as u64);
    let bytes = LinkedArtifact::unrelocated(lens, host_imports_len);
    let section = object.section_id(StandardSection::ReadOnlyDataWithRel);
    // Imported until now: make it a global data symbol, then define it.
    let sym = object.symbol_mut(symbol);
    sym.scope = object::SymbolScope::Dynamic;
    sym.kind = object::SymbolKind::Data;
    let at = object.add_symbol_data(symbol, section, &bytes, 8);
    if !matches!(object.symbol(symbol).section, SymbolSection::Section(_)) {
        return Err(err(format!("descriptor `{}` not defined", pending.symbol)));
    }
    let mut targets = Vec::new();
    for (field, ptr_at, _) in LinkedArtifact::FIELD_OFFSETS {
        let (_, id) = ids.iter().find(|(f, _)| *f == field).ok_or_else(|| err("section list"))?;
        targets.push((ptr_at, object.section_symbol(*id)));
    }
    if let Some(table) = table {
        targets.push((LinkedArtifact::HOST_IMPORTS_OFFSET, table));
    }
    for (ptr_at, target) in targets {
        object
            .add_relocation(
                section,
                Relocation {
                    offset: at + ptr_at as u64,
                    symbol: target,
                    addend: 0,
                    flags: RelocationFlags::Generic {
                        kind: RelocationKind::Absolute,
                        encoding: RelocationEncoding::Generic,
                        size: 64,
                    },
                },
            )
            .map_err(err)?;
    }
    Ok(())
}
