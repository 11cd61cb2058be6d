//! The C program's imports: each function import the runtime does not
//! provide is defined in the linker as a host function that calls the
//! import's adapter (written by the compiler into the object, listed in the
//! descriptor's `host_imports`), which calls the program's C function.
//!
//! The C function gets a `kiln_caller`, a [`CCaller`] on the host
//! function's stack, through which it reaches the instance's memory or
//! makes the guest trap.

use super::instance::{CHost, memory_name, memory_out};
use super::values::{CVal, guard};
use anyhow::{Result, bail};
use kiln::{Caller, ExternType, LinkedArtifact, Linker, Module, ValType};
use kiln_environ::c_api::{CStatus, runtime_provides};
use std::ffi::{CStr, c_char};

/// An import adapter: `kiln_status (kiln_caller *, const kiln_val *, kiln_val *)`.
type Adapter = unsafe extern "C" fn(*mut CCaller<'_, '_>, *const CVal, *mut CVal) -> i32;

/// `kiln_caller`: what an import's C function is called with.
pub struct CCaller<'a, 'b> {
    caller: &'a mut Caller<'b, CHost>,
    trap: Option<String>,
}

/// The error of a C import that did not return `KILN_OK`.
#[derive(Debug)]
pub struct ImportFailed(pub String);

impl std::fmt::Display for ImportFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImportFailed {}

/// Defines in `linker` every import of `module` that the C program
/// provides, from `linked`'s adapters.
pub fn define(linker: &mut Linker<CHost>, module: &Module, linked: &'static LinkedArtifact) -> Result<()> {
    let adapters: &[*const u8] = if linked.host_imports_len == 0 || linked.host_imports.is_null() {
        &[]
    } else {
        // SAFETY: the descriptor the linker filled points at its table of
        // `host_imports_len` entries, part of the program's image.
        unsafe { std::slice::from_raw_parts(linked.host_imports, linked.host_imports_len) }
    };
    for (i, import) in module.imports().enumerate() {
        if runtime_provides(import.module()) {
            continue;
        }
        let (module_name, name) = (import.module().to_string(), import.name().to_string());
        let adapter = adapters.get(i).copied().filter(|a| !a.is_null());
        let (ExternType::Func(ty), Some(adapter)) = (import.ty(), adapter) else {
            bail!(
                "the module imports `{module_name}` `{name}`, and its object was not compiled for a C program \
                 (`kiln compile --c-header`) that defines it"
            );
        };
        // SAFETY: the compiler wrote this entry as the address of an
        // adapter with the `Adapter` signature, for this import's type.
        let adapter: Adapter = unsafe { std::mem::transmute::<*const u8, Adapter>(adapter) };
        let what = format!("the import `{module_name}` `{name}`");
        let result_types: Vec<ValType> = ty.results().collect();
        linker.func_new(&module_name, &name, ty, move |mut caller, params, results| {
            let args = params.iter().map(CVal::from_val).collect::<Result<Vec<_>>>()?;
            let mut slots = vec![CVal { i64: 0 }; results.len()];
            let mut handle = CCaller { caller: &mut caller, trap: None };
            // SAFETY: the adapter reads `args.len()` slots, writes
            // `slots.len()` (the import's own type), and passes `handle`,
            // which outlives the call, to the C function.
            let status = unsafe { adapter(&mut handle, args.as_ptr(), slots.as_mut_ptr()) };
            if status != CStatus::Ok as i32 {
                let why = handle.trap.take().unwrap_or_else(|| format!("it returned status {status}"));
                bail!(ImportFailed(format!("{what} failed: {why}")));
            }
            for ((slot, result), ty) in slots.iter().zip(results.iter_mut()).zip(&result_types) {
                *result = slot.to_val(ty)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// `kiln_caller_memory`: the calling instance's exported memory.
///
/// # Safety
/// `caller` is the `kiln_caller` an import was called with, during that
/// call; `name` is null or a C string; `len` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_caller_memory(
    caller: *mut CCaller<'_, '_>,
    name: *const c_char,
    len: *mut usize,
) -> *mut u8 {
    // SAFETY: the caller's promise: the handle of a call in progress.
    let Some(handle) = (unsafe { caller.as_mut() }) else {
        // SAFETY: the caller's promise.
        return unsafe { memory_out(None, len) };
    };
    // SAFETY: the caller's promise.
    let name = unsafe { memory_name(name) };
    let memory = handle.caller.get_export(name).and_then(|e| e.into_memory());
    let data = memory.map(|m| m.data_mut(&mut *handle.caller));
    // SAFETY: the caller's promise.
    unsafe { memory_out(data, len) }
}

/// `kiln_caller_trap`: makes the guest trap with `message` once the import
/// returns the `KILN_TRAP` this returns.
///
/// # Safety
/// `caller` is the `kiln_caller` an import was called with, during that
/// call; `message` is null or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_caller_trap(caller: *mut CCaller<'_, '_>, message: *const c_char) -> i32 {
    guard(|| {
        let text = if message.is_null() {
            "the import trapped".to_string()
        } else {
            // SAFETY: the caller's promise.
            unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
        };
        // SAFETY: the caller's promise: the handle of a call in progress.
        if let Some(handle) = unsafe { caller.as_mut() } {
            handle.trap = Some(text);
        }
        CStatus::Trap as i32
    })
}
