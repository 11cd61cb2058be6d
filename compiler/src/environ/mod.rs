//! Module-level translation: walks the sections of a binary module,
//! validating as it goes, and produces the [`ModuleInfo`] plus the function
//! bodies left to compile.
//!
//! Function bodies are not validated here: each body's `FuncToValidate` is
//! handed to its (parallel) translation, which validates every operator
//! just before translating it.

mod features;
pub mod static_init;
mod strict;
mod types;

pub use features::{Features, needed_unsupported_feature, supported};
pub use strict::check_reserved_bytes;
pub use types::val_type;

use crate::error::{CompileError, CompileResult, unsupported};
use cranelift_entity::{EntityRef, PrimaryMap};
use kiln_environ::*;
use std::collections::HashMap;
use wasmparser::{FuncToValidate, FunctionBody, Parser, Payload, ValidPayload, Validator, ValidatorResources};

/// A function body and its validator.
pub struct FunctionInput<'data> {
    /// The body.
    pub body: FunctionBody<'data>,
    /// Its validator, to run alongside translation.
    pub validator: FuncToValidate<ValidatorResources>,
}

/// The result of translating a module's sections.
pub struct ModuleTranslation<'data> {
    /// What the runtime needs.
    pub info: ModuleInfo,
    /// Defined function bodies.
    pub functions: PrimaryMap<DefinedFuncIndex, FunctionInput<'data>>,
    /// Concatenated data segment contents.
    pub data: Vec<u8>,
    /// The module's bytes.
    pub wasm: &'data [u8],
    /// Its `.debug_*` custom sections, by name.
    pub debug_sections: Vec<(&'data str, &'data [u8])>,
    /// Where the code section's payload starts in the module: what DWARF
    /// code addresses are relative to.
    pub code_start: u64,
}

/// Translates the sections of `wasm`, validating it with `features`.
pub fn translate_module<'data>(wasm: &'data [u8], features: &Features) -> CompileResult<ModuleTranslation<'data>> {
    let mut validator = Validator::new_with_features(features.wasm());
    let mut t = ModuleTranslation {
        info: ModuleInfo::default(),
        functions: PrimaryMap::new(),
        data: Vec::new(),
        wasm,
        debug_sections: Vec::new(),
        code_start: 0,
    };
    let mut sig_dedup: HashMap<WasmFuncType, SignatureIndex> = HashMap::new();
    let mut escaping: Vec<FuncIndex> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        let valid = validator.payload(&payload)?;
        let info = &mut t.info;
        match payload {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = types::func_type(&ty?)?;
                    let next = SignatureIndex::new(sig_dedup.len());
                    let sig = *sig_dedup.entry(ty.clone()).or_insert(next);
                    if sig == next {
                        info.signatures.push(ty);
                    }
                    info.types.push(sig);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let index = match import.ty {
                        wasmparser::TypeRef::Func(ty) | wasmparser::TypeRef::FuncExact(ty) => {
                            info.num_imported_funcs += 1;
                            let signature = info.types[TypeIndex::new(ty as usize)];
                            EntityIndex::Function(info.functions.push(FunctionInfo { signature, func_ref: None }))
                        }
                        wasmparser::TypeRef::Table(ty) => {
                            info.num_imported_tables += 1;
                            EntityIndex::Table(info.tables.push(types::table_type(&ty)?))
                        }
                        wasmparser::TypeRef::Memory(ty) => {
                            info.num_imported_memories += 1;
                            EntityIndex::Memory(info.memories.push(types::memory_type(&ty)?))
                        }
                        wasmparser::TypeRef::Global(ty) => {
                            info.num_imported_globals += 1;
                            EntityIndex::Global(info.globals.push(types::global_type(&ty)?))
                        }
                        wasmparser::TypeRef::Tag(_) => unsupported!("exceptions"),
                    };
                    info.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        index,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let signature = info.types[TypeIndex::new(ty? as usize)];
                    info.functions.push(FunctionInfo { signature, func_ref: None });
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    if !matches!(table.init, wasmparser::TableInit::RefNull) {
                        unsupported!("function-references (table initializer)");
                    }
                    info.tables.push(types::table_type(&table.ty)?);
                }
            }
            Payload::MemorySection(reader) => {
                let range = reader.range();
                strict::check_memory_section(wasm, range.start as usize..range.end as usize)?;
                for memory in reader {
                    info.memories.push(types::memory_type(&memory?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    info.globals.push(types::global_type(&global.ty)?);
                    let init = types::const_expr(&global.init_expr)?;
                    collect_ref_funcs(&init, &mut escaping);
                    info.global_inits.push(init);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let i = export.index as usize;
                    let index = match export.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            escaping.push(FuncIndex::new(i));
                            EntityIndex::Function(FuncIndex::new(i))
                        }
                        wasmparser::ExternalKind::Table => EntityIndex::Table(TableIndex::new(i)),
                        wasmparser::ExternalKind::Memory => EntityIndex::Memory(MemoryIndex::new(i)),
                        wasmparser::ExternalKind::Global => EntityIndex::Global(GlobalIndex::new(i)),
                        wasmparser::ExternalKind::Tag => unsupported!("exceptions"),
                    };
                    info.exports.push(Export { name: export.name.to_string(), index });
                }
            }
            Payload::StartSection { func, .. } => {
                let f = FuncIndex::new(func as usize);
                escaping.push(f);
                info.start = Some(f);
            }
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let (ty, items) = match elem.items {
                        wasmparser::ElementItems::Functions(fs) => {
                            let fs = fs
                                .into_iter()
                                .map(|f| f.map(|f| FuncIndex::new(f as usize)))
                                .collect::<Result<Vec<_>, _>>()?;
                            escaping.extend(fs.iter().copied());
                            (WasmRefType::Func, ElementItems::Functions(fs))
                        }
                        wasmparser::ElementItems::Expressions(ty, es) => {
                            let mut exprs = Vec::new();
                            for e in es {
                                let e = types::const_expr(&e?)?;
                                collect_ref_funcs(&e, &mut escaping);
                                exprs.push(e);
                            }
                            (types::ref_type(ty)?, ElementItems::Expressions(exprs))
                        }
                    };
                    let kind = match elem.kind {
                        wasmparser::ElementKind::Active { table_index, offset_expr } => ElementKind::Active {
                            table: TableIndex::new(table_index.unwrap_or(0) as usize),
                            offset: types::const_expr(&offset_expr)?,
                        },
                        wasmparser::ElementKind::Passive => ElementKind::Passive,
                        wasmparser::ElementKind::Declared => ElementKind::Declared,
                    };
                    info.elements.push(ElementSegment { kind, ty, items });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    while !t.data.len().is_multiple_of(8) {
                        t.data.push(0);
                    }
                    let offset = u32::try_from(t.data.len())
                        .map_err(|_| CompileError::Limit("data segments exceed 4 GiB".into()))?;
                    t.data.extend_from_slice(data.data);
                    let kind = match data.kind {
                        wasmparser::DataKind::Active { memory_index, offset_expr } => DataKind::Active {
                            memory: MemoryIndex::new(memory_index as usize),
                            offset: types::const_expr(&offset_expr)?,
                        },
                        wasmparser::DataKind::Passive => DataKind::Passive,
                    };
                    info.data.push(DataSegment { kind, offset, len: data.data.len() as u32 });
                }
            }
            Payload::CodeSectionEntry(body) => {
                let ValidPayload::Func(validator, _) = valid else {
                    return Err(CompileError::Internal("validator did not return a function".into()));
                };
                t.functions.push(FunctionInput { body, validator });
            }
            Payload::CodeSectionStart { unchecked_range, .. } => t.code_start = unchecked_range.start,
            Payload::CustomSection(section) if section.name().starts_with(".debug_") => {
                t.debug_sections.push((section.name(), section.data()));
            }
            Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    // A malformed name section is ignored, as the spec says
                    // custom sections must be.
                    let _ = read_names(names, info);
                }
            }
            Payload::TagSection(_) => unsupported!("exceptions"),
            _ => {}
        }
    }
    assign_func_refs(&mut t.info, escaping);
    Ok(t)
}

fn collect_ref_funcs(expr: &ConstExpr, out: &mut Vec<FuncIndex>) {
    out.extend(expr.0.iter().filter_map(|op| match op {
        ConstOp::RefFunc(f) => Some(*f),
        _ => None,
    }));
}

/// Gives every escaping defined function a `VMFuncRef` slot.
fn assign_func_refs(info: &mut ModuleInfo, mut escaping: Vec<FuncIndex>) {
    escaping.sort_unstable();
    escaping.dedup();
    let mut next = 0;
    for f in escaping {
        if info.is_imported_func(f) || f.index() >= info.functions.len() {
            continue;
        }
        info.functions[f].func_ref = Some(FuncRefIndex::new(next));
        next += 1;
    }
    info.num_func_refs = next as u32;
}

fn read_names(names: wasmparser::NameSectionReader<'_>, info: &mut ModuleInfo) -> wasmparser::Result<()> {
    for name in names {
        match name? {
            wasmparser::Name::Module { name, .. } => info.name = Some(name.to_string()),
            wasmparser::Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    info.func_names.push((FuncIndex::new(naming.index as usize), naming.name.to_string()));
                }
            }
            _ => {}
        }
    }
    info.func_names.sort_by_key(|(i, _)| *i);
    info.func_names.dedup_by_key(|(i, _)| *i);
    Ok(())
}
