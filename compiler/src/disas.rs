//! The Cranelift IR kiln's translator produces, as text: for golden tests
//! (`tests/disas`) and for looking at what a module compiles to.

use crate::error::{CompileError, CompileResult};
use crate::{CompilerConfig, build_isa, environ, symbol_names, translate};
use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_frontend::FunctionBuilderContext;
use kiln_environ::DefinedFuncIndex;
use kiln_environ::vmoffsets::VMOffsets;

/// Translates every defined function of `wasm` (binary or text format)
/// and returns `(symbol name, CLIF text)` for each, in definition order.
///
/// The text is the translator's output before any Cranelift pass runs
/// (`config.opt_level` only affects later stages), for the host ISA: it
/// depends on the host's pointer type and calling convention, nothing
/// else, so it is deterministic on a given target.
pub fn clif_of(wasm: &[u8], config: &CompilerConfig) -> CompileResult<Vec<(String, String)>> {
    let wasm = wat::parse_bytes(wasm).map_err(|e| CompileError::Parse(e.to_string()))?;
    let translation = environ::translate_module(&wasm, &environ::Features::default())?;
    let info = &translation.info;
    let isa = build_isa(config)?;
    let offsets = VMOffsets::with_ptr(translate::env::target_ptr(&*isa)?, info);
    let env = translate::FuncEnv {
        info,
        offsets: &offsets,
        isa: &*isa,
        wasm: translation.wasm,
        tunables: config.tunables,
        debug_info: false,
    };
    let names = symbol_names(info);
    let mut out = Vec::with_capacity(translation.functions.len());
    let mut ctx = FunctionBuilderContext::new();
    for (def, input) in translation.functions.into_iter() {
        let def: DefinedFuncIndex = def;
        let mut validator = input.validator.into_validator(Default::default());
        let mut func = ir::Function::with_name_signature(
            UserFuncName::user(0, def.as_u32()),
            ir::Signature::new(isa.default_call_conv()),
        );
        translate::translate_function(&env, def, &input.body, &mut validator, &mut func, &mut ctx)?;
        out.push((names[def].clone(), func.display().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_defined_function() {
        let wat = r#"(module
            (import "m" "f" (func))
            (func $a (result i32) i32.const 1)
            (func (export "b")))"#;
        let fs = clif_of(wat.as_bytes(), &CompilerConfig::default()).unwrap();
        let names: Vec<&str> = fs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(fs[0].1.contains("iconst.i32 1"), "{}", fs[0].1);
    }

    #[test]
    fn errors_are_compile_errors() {
        assert!(matches!(clif_of(b"(module", &CompilerConfig::default()), Err(CompileError::Parse(_))));
    }
}
