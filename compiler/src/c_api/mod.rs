//! The C interface of a module compiled for a C program (`kiln compile
//! --c-header`): which exports get a typed C function, which imports the
//! program defines, and the C name of each.
//!
//! [`CInterface`] is the one description both outputs are made from: the
//! header ([`header`]) and the import adapters in the object
//! ([`adapters`]). Names are `PREFIX_` followed by the export's name, or
//! by the import's module and name, with every character that cannot be
//! in a C identifier made `_`; two items that end up with the same name
//! are refused, naming both.

pub mod adapters;
pub mod header;

use crate::error::{CompileError, CompileResult};
use kiln_environ::c_api::runtime_provides;
use kiln_environ::{EntityIndex, ExportIndex, ImportIndex, ModuleInfo, WasmFuncType, WasmValType};
use std::collections::HashMap;

/// A function export callable from C.
#[derive(Clone, Debug)]
pub struct CExport {
    /// Its position among the module's exports, which the header passes to
    /// `kiln_instance_call`.
    pub index: ExportIndex,
    /// The export's wasm name.
    pub name: String,
    /// Its C function's name.
    pub c_name: String,
    /// Its type.
    pub ty: WasmFuncType,
}

/// A function import the C program defines.
#[derive(Clone, Debug)]
pub struct CImport {
    /// Its position among the module's imports: its slot in the
    /// descriptor's `host_imports` table.
    pub index: ImportIndex,
    /// The import's module name.
    pub module: String,
    /// The import's item name.
    pub name: String,
    /// The C function the program defines for it.
    pub c_name: String,
    /// The symbol of the adapter the runtime calls, which calls `c_name`.
    pub adapter: String,
    /// Its type.
    pub ty: WasmFuncType,
}

/// The C side of a module: see the [module docs](self).
#[derive(Clone, Debug)]
pub struct CInterface {
    /// The prefix of every name.
    pub prefix: String,
    /// The exports with a C function.
    pub exports: Vec<CExport>,
    /// Function exports C cannot call, with the reason (a reference type).
    pub skipped: Vec<(String, String)>,
    /// The imports the program defines.
    pub imports: Vec<CImport>,
    /// How many imports the module has (the `host_imports` table's length).
    pub num_imports: usize,
}

/// Whether `s` can be a C identifier.
pub fn is_c_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` with every character a C identifier cannot hold made `_`.
fn c_part(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// The C type of a value of `ty`, if C can pass it.
pub fn c_type(ty: WasmValType) -> Option<&'static str> {
    Some(match ty {
        WasmValType::I32 => "int32_t",
        WasmValType::I64 => "int64_t",
        WasmValType::F32 => "float",
        WasmValType::F64 => "double",
        WasmValType::V128 => "kiln_v128",
        WasmValType::Ref(_) => return None,
    })
}

/// The first type of `ty` that C cannot pass, if any.
fn unpassable(ty: &WasmFuncType) -> Option<WasmValType> {
    ty.params.iter().chain(ty.results.iter()).copied().find(|t| c_type(*t).is_none())
}

/// Checks that `prefix` can start the C names of a module.
pub fn check_prefix(prefix: &str) -> CompileResult<()> {
    if !is_c_identifier(prefix) {
        return Err(CompileError::Link(format!("the C prefix `{prefix}` is not a C identifier")));
    }
    if prefix == "kiln" || prefix.starts_with("kiln_") {
        return Err(CompileError::Link(format!(
            "the C prefix `{prefix}` would clash with the runtime's `kiln_` functions"
        )));
    }
    Ok(())
}

impl CInterface {
    /// The symbol of the module's descriptor: `PREFIX_module`.
    pub fn module_symbol(prefix: &str) -> String {
        format!("{prefix}_module")
    }

    /// The symbol of the `host_imports` table.
    pub fn host_imports_symbol(&self) -> String {
        format!("{}__kiln_host_imports", self.prefix)
    }

    /// The names the header defines besides the exports' functions.
    fn fixed_names(prefix: &str) -> [String; 2] {
        [Self::module_symbol(prefix), format!("{prefix}_instance_new")]
    }

    /// Describes `info`'s C side under `prefix`, or says why it has none.
    pub fn new(info: &ModuleInfo, prefix: &str) -> CompileResult<Self> {
        let refuse = |m: String| Err(CompileError::Link(m));
        check_prefix(prefix)?;
        // Every name the header or the object defines, with what it is for.
        let mut taken: HashMap<String, String> = HashMap::new();
        let mut take = |c_name: &str, what: String| -> CompileResult<()> {
            match taken.insert(c_name.to_string(), what.clone()) {
                Some(other) => {
                    Err(CompileError::Link(format!("{other} and {what} would both be the C name `{c_name}`")))
                }
                None => Ok(()),
            }
        };
        for name in Self::fixed_names(prefix) {
            take(&name, format!("kiln's `{name}`"))?;
        }
        let mut interface =
            Self { prefix: prefix.to_string(), exports: vec![], skipped: vec![], imports: vec![], num_imports: 0 };
        interface.num_imports = info.imports.len();
        for (i, import) in info.imports.iter().enumerate() {
            if runtime_provides(&import.module) {
                continue;
            }
            let what = format!("import `{}` `{}`", import.module, import.name);
            let EntityIndex::Function(f) = import.index else {
                let kind = match import.index {
                    EntityIndex::Table(_) => "a table",
                    EntityIndex::Memory(_) => "a memory",
                    _ => "a global",
                };
                return refuse(format!("{what} is {kind}: a C program can define only function imports"));
            };
            let ty = info.func_type(f).clone();
            if let Some(t) = unpassable(&ty) {
                return refuse(format!("{what} takes or returns {t}, which a C import cannot pass"));
            }
            let c_name = format!("{prefix}_{}_{}", c_part(&import.module), c_part(&import.name));
            take(&c_name, what)?;
            let adapter = format!("{prefix}__kiln_adapter{i}");
            interface.imports.push(CImport {
                index: ImportIndex::from_u32(i as u32),
                module: import.module.clone(),
                name: import.name.clone(),
                c_name,
                adapter,
                ty,
            });
        }
        for (i, export) in info.exports.iter().enumerate() {
            let EntityIndex::Function(f) = export.index else { continue };
            let ty = info.func_type(f).clone();
            if let Some(t) = unpassable(&ty) {
                interface.skipped.push((export.name.clone(), format!("takes or returns {t}")));
                continue;
            }
            let c_name = format!("{prefix}_{}", c_part(&export.name));
            take(&c_name, format!("export `{}`", export.name))?;
            interface.exports.push(CExport {
                index: ExportIndex::from_u32(i as u32),
                name: export.name.clone(),
                c_name,
                ty,
            });
        }
        Ok(interface)
    }

    /// The symbols the object defines or imports for this interface, which
    /// no wasm function's symbol may take.
    pub fn object_symbols(&self) -> Vec<String> {
        let mut names = vec![self.host_imports_symbol()];
        for import in &self.imports {
            names.push(import.c_name.clone());
            names.push(import.adapter.clone());
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(wat: &str) -> ModuleInfo {
        let wasm = wat::parse_str(wat).unwrap();
        crate::environ::translate_module(&wasm, &crate::Features::default()).unwrap().info
    }

    #[test]
    fn names_are_the_prefix_and_the_wasm_names_made_identifiers() {
        let i = CInterface::new(
            &info(
                r#"(module
                (import "env" "log-it" (func (param i32)))
                (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                (func (export "add.two") (param i64 f32) (result f64) f64.const 0)
                (func (export "r") (param externref))
                (memory (export "memory") 1))"#,
            ),
            "app",
        )
        .unwrap();
        let imports: Vec<_> = i.imports.iter().map(|c| (c.c_name.as_str(), c.index.as_u32())).collect();
        assert_eq!(imports, [("app_env_log_it", 0)]);
        assert_eq!(i.num_imports, 2);
        let exports: Vec<_> = i.exports.iter().map(|c| (c.c_name.as_str(), c.index.as_u32())).collect();
        assert_eq!(exports, [("app_add_two", 0)]);
        assert_eq!(i.skipped, [("r".to_string(), "takes or returns externref".to_string())]);
    }

    #[test]
    fn clashing_names_bad_prefixes_and_unpassable_imports_are_refused() {
        let err = |wat: &str, prefix: &str| CInterface::new(&info(wat), prefix).unwrap_err().to_string();
        let clash = err(r#"(module (func (export "a-b")) (func (export "a_b")))"#, "m");
        assert!(clash.contains("export `a-b` and export `a_b` would both be the C name `m_a_b`"), "{clash}");
        let fixed = err(r#"(module (func (export "instance_new")))"#, "m");
        assert!(fixed.contains("`m_instance_new`"), "{fixed}");
        assert!(err("(module)", "1x").contains("not a C identifier"));
        assert!(err("(module)", "kiln").contains("clash with the runtime"));
        let memory = err(r#"(module (import "env" "mem" (memory 1)))"#, "m");
        assert!(memory.contains("import `env` `mem` is a memory"), "{memory}");
        let reference = err(r#"(module (import "env" "f" (func (param externref))))"#, "m");
        assert!(reference.contains("takes or returns externref"), "{reference}");
    }
}
