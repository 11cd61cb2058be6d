//! The C header of a module compiled for a C program: the runtime's
//! `kiln_*` declarations (once per program, whichever module's header
//! comes first), the module's descriptor, a typed `static inline`
//! function for each export, and a prototype for each import the program
//! must define.

use super::{CExport, CImport, CInterface, c_type};
use kiln_environ::c_api::{C_VAL_SIZE, CStatus};
use kiln_environ::{WasmFuncType, WasmValType};
use std::fmt::Write;

/// The declarations every module's header shares, guarded so that a
/// program can include several modules' headers.
fn runtime_api(out: &mut String) {
    let statuses: Vec<String> = CStatus::ALL.iter().map(|s| format!("{} = {}", s.c_name(), *s as i32)).collect();
    let _ = write!(
        out,
        r#"#ifndef KILN_RUNTIME_API
#define KILN_RUNTIME_API

/* What every kiln function returns. KILN_TRAP: the guest trapped or an
 * import failed; KILN_EXIT: the guest called WASI proc_exit (see
 * kiln_instance_exit_code); KILN_ERROR: anything else. After any status
 * but KILN_OK, kiln_last_error() says what happened. */
typedef enum kiln_status {{ {statuses} }} kiln_status;

/* A wasm v128, its bytes in memory order. */
typedef struct kiln_v128 {{ uint8_t bytes[16]; }} kiln_v128;

/* One argument or result slot. */
typedef union kiln_val {{
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    kiln_v128 v128;
}} kiln_val;
typedef char kiln_val_is_{C_VAL_SIZE}_bytes[sizeof(kiln_val) == {C_VAL_SIZE} ? 1 : -1];

typedef struct kiln_linked_module kiln_linked_module;
typedef struct kiln_instance kiln_instance;
typedef struct kiln_caller kiln_caller;

/* Instantiates `module`. WASI imports, if it has any, get the program's
 * stdio and argv[0..argc] as the guest's arguments (argv may be NULL when
 * argc is 0). On success *out is the instance; otherwise it is NULL. */
kiln_status kiln_instance_new(const kiln_linked_module *module, int argc, const char *const *argv,
                              kiln_instance **out);
/* Frees an instance (NULL is ignored). */
void kiln_instance_delete(kiln_instance *instance);
/* Calls export number `export_index` (the typed functions below do this).
 * From inside one of the instance's own imports, calling, freeing or
 * taking the memory of that instance is refused (KILN_ERROR, ignored,
 * NULL): an import reaches its instance through its kiln_caller. */
kiln_status kiln_instance_call(kiln_instance *instance, uint32_t export_index, const kiln_val *args,
                               size_t nargs, kiln_val *results, size_t nresults);
/* The exported memory `name` (NULL: the first exported memory) and its
 * size in bytes, or NULL. Valid until the next call into the instance. */
uint8_t *kiln_instance_memory(kiln_instance *instance, const char *name, size_t *len);
/* The status the guest passed to proc_exit, after KILN_EXIT. */
int32_t kiln_instance_exit_code(const kiln_instance *instance);
/* In an import: the calling instance's exported memory `name` (NULL: the
 * first exported memory), or NULL. */
uint8_t *kiln_caller_memory(kiln_caller *caller, const char *name, size_t *len);
/* In an import: `return kiln_caller_trap(caller, "why");` traps the guest
 * with that message. */
kiln_status kiln_caller_trap(kiln_caller *caller, const char *message);
/* What the last failing kiln call on this thread reported, or "". */
const char *kiln_last_error(void);

#endif /* KILN_RUNTIME_API */
"#,
        statuses = statuses.join(", "),
    );
}

fn field(ty: WasmValType) -> &'static str {
    match ty {
        WasmValType::I32 => "i32",
        WasmValType::I64 => "i64",
        WasmValType::F32 => "f32",
        WasmValType::F64 => "f64",
        _ => "v128",
    }
}

/// How a function's `v128` arguments are passed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum V128Args {
    /// By value: the header's own inline functions.
    Value,
    /// As `const kiln_v128 *`: the imports the program defines, which the
    /// adapters call (see [`super::adapters`]).
    Pointer,
}

/// `p0, p1` and `result0` parameters, after `first`.
fn parameters(first: &str, ty: &WasmFuncType, v128: V128Args) -> String {
    let mut params = vec![first.to_string()];
    for (i, t) in ty.params.iter().enumerate() {
        if *t == WasmValType::V128 && v128 == V128Args::Pointer {
            params.push(format!("const kiln_v128 *p{i}"));
        } else {
            params.push(format!("{} p{i}", c_type(*t).unwrap_or("void *")));
        }
    }
    for (i, t) in ty.results.iter().enumerate() {
        params.push(format!("{} *result{i}", c_type(*t).unwrap_or("void")));
    }
    params.join(", ")
}

fn export(out: &mut String, e: &CExport) {
    let (np, nr) = (e.ty.params.len(), e.ty.results.len());
    let _ = writeln!(out, "\n/* export `{}`: {} */", e.name, e.ty);
    let _ = writeln!(
        out,
        "static inline kiln_status {}({}) {{",
        e.c_name,
        parameters("kiln_instance *instance", &e.ty, V128Args::Value)
    );
    if np > 0 {
        let _ = writeln!(out, "    kiln_val args[{np}];");
    }
    if nr > 0 {
        let _ = writeln!(out, "    kiln_val results[{nr}];");
    }
    let _ = writeln!(out, "    kiln_status status;");
    for (i, t) in e.ty.params.iter().enumerate() {
        let _ = writeln!(out, "    args[{i}].{} = p{i};", field(*t));
    }
    let args = if np > 0 { "args" } else { "NULL" };
    let results = if nr > 0 { "results" } else { "NULL" };
    let _ = writeln!(
        out,
        "    status = kiln_instance_call(instance, {}, {args}, {np}, {results}, {nr});",
        e.index.as_u32()
    );
    for (i, t) in e.ty.results.iter().enumerate() {
        let _ = writeln!(out, "    if (status == KILN_OK && result{i}) *result{i} = results[{i}].{};", field(*t));
    }
    let _ = writeln!(out, "    return status;\n}}");
}

fn import(out: &mut String, i: &CImport) {
    let _ = writeln!(out, "\n/* import `{}` `{}`: {} */", i.module, i.name, i.ty);
    let _ = writeln!(out, "kiln_status {}({});", i.c_name, parameters("kiln_caller *caller", &i.ty, V128Args::Pointer));
}

/// The header of `interface`.
pub fn header(interface: &CInterface) -> String {
    let prefix = &interface.prefix;
    let guard = format!("KILN_MODULE_{}_H", prefix.to_ascii_uppercase());
    let module = CInterface::module_symbol(prefix);
    let mut out = format!(
        "/* The C interface of the WebAssembly module `{prefix}`, generated by\n \
         * `kiln compile --c-header`. Link the program with the module's object\n \
         * and kiln's runtime library:\n \
         *   cc app.c {prefix}.o $(kiln runtime-lib) $(kiln runtime-lib --native-libs) */\n\
         #ifndef {guard}\n#define {guard}\n\n#include <stddef.h>\n#include <stdint.h>\n\n\
         #ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n"
    );
    runtime_api(&mut out);
    let _ = write!(
        out,
        "\n/* The module `{prefix}`, as linked into this program. */\n\
         extern const kiln_linked_module {module};\n\n\
         /* Instantiates `{prefix}` (see kiln_instance_new). */\n\
         static inline kiln_status {prefix}_instance_new(int argc, const char *const *argv, kiln_instance **out) {{\n    \
         return kiln_instance_new(&{module}, argc, argv, out);\n}}\n"
    );
    if !interface.exports.is_empty() {
        out.push_str("\n/* Exports. Each returns KILN_OK and writes its results, or a failure status. */\n");
    }
    for e in &interface.exports {
        export(&mut out, e);
    }
    for (name, why) in &interface.skipped {
        let _ = writeln!(out, "\n/* export `{name}` has no C function: it {why}. */");
    }
    if !interface.imports.is_empty() {
        out.push_str(
            "\n/* Imports, which the program defines. Each writes its results and returns\n \
             * KILN_OK, or returns kiln_caller_trap(caller, message) to trap the guest.\n \
             * A v128 argument comes as a pointer, valid until the import returns. */\n",
        );
    }
    for i in &interface.imports {
        import(&mut out, i);
    }
    let _ = write!(out, "\n#ifdef __cplusplus\n}}\n#endif\n\n#endif /* {guard} */\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header of a module using every kind of item, against the
    /// committed `header_golden.h` (`KILN_BLESS=1` rewrites it).
    #[test]
    fn header_matches_the_golden_file() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "log" (func (param i32 i64 f32 f64)))
                (import "env" "sum" (func (param i32 i32) (result i32)))
                (import "env" "lanes" (func (param v128 i32 v128) (result v128 i32)))
                (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                (func (export "run") (param i32) (result i32 f64) i32.const 0 f64.const 0)
                (func (export "go"))
                (func (export "splat") (param v128) (result v128) local.get 0)
                (func (export "keep") (param externref))
                (memory (export "memory") 1))"#,
        )
        .unwrap();
        let info = crate::environ::translate_module(&wasm, &crate::Features::default()).unwrap().info;
        let text = header(&CInterface::new(&info, "demo").unwrap());
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/c_api/header_golden.h");
        if std::env::var_os("KILN_BLESS").is_some() {
            std::fs::write(&golden, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        assert!(text == expected, "the header differs from {} (KILN_BLESS=1 rewrites it):\n{text}", golden.display());
    }
}
