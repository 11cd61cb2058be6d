//! `kiln_instance_*`: instances of a linked module, made, called and
//! freed from C.
//!
//! Every module linked into the program runs on one engine with default
//! settings, which is what `kiln compile --c-header` compiles for. Each
//! descriptor is validated once ([`kiln::Module::from_linked`]) and linked
//! once against WASI and the program's imports (an [`InstancePre`]), which
//! all its instances then share; each instance has a store of its own.

use super::imports;
use super::values::{CVal, fail, guard};
use anyhow::{Context, Result, anyhow, bail};
use kiln::{Engine, Extern, Func, Instance, InstancePre, LinkedArtifact, Linker, Module, Store};
use kiln_environ::c_api::CStatus;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int};
use std::sync::{Mutex, OnceLock};

/// What an instance's store holds.
pub struct CHost {
    /// The guest's WASI context.
    pub wasi: kiln_wasi::WasiCtx,
}

/// `kiln_instance`: an instance and its store.
pub struct CInstance {
    store: Store<CHost>,
    instance: Instance,
    /// Each export's function, by export index (`None` for other kinds).
    funcs: Vec<Option<Func>>,
    exit_code: i32,
}

thread_local! {
    /// The instances this thread is running guest code in: a call into
    /// one of them from inside its own import would alias the store the
    /// running call holds, so it is refused before the instance is touched.
    static RUNNING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks an instance as running on this thread until dropped.
struct Running(usize);

impl Running {
    /// Marks `instance`, or says that it is already running here.
    fn enter(instance: *const CInstance) -> Result<Running> {
        let key = instance as usize;
        RUNNING.with(|r| {
            let mut running = r.borrow_mut();
            if running.contains(&key) {
                bail!("the instance is already running on this thread (called from inside one of its imports)");
            }
            running.push(key);
            Ok(Running(key))
        })
    }

    /// Whether `instance` is running on this thread.
    fn is_running(instance: *const CInstance) -> bool {
        RUNNING.with(|r| r.borrow().contains(&(instance as usize)))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.borrow_mut().retain(|k| *k != self.0));
    }
}

/// The engine of every linked module.
fn engine() -> Result<&'static Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine);
    }
    let engine = Engine::new(&kiln::Config::new())?;
    Ok(ENGINE.get_or_init(|| engine))
}

/// The module `linked` describes, loaded and linked once per program.
///
/// # Safety
/// As for [`Module::from_linked`].
unsafe fn linked_module(linked: &'static LinkedArtifact) -> Result<InstancePre<CHost>> {
    static MODULES: OnceLock<Mutex<HashMap<usize, InstancePre<CHost>>>> = OnceLock::new();
    let modules = MODULES.get_or_init(Default::default);
    let key = std::ptr::from_ref(linked) as usize;
    if let Some(pre) = modules.lock().map_err(|_| anyhow!("module cache poisoned"))?.get(&key) {
        return Ok(pre.clone());
    }
    // SAFETY: the caller's promise.
    let module = unsafe { Module::from_linked(engine()?, linked) }?;
    let mut linker: Linker<CHost> = Linker::new(module.engine());
    kiln_wasi::add_to_linker_for(&mut linker, &module, |h: &mut CHost| &mut h.wasi)?;
    imports::define(&mut linker, &module, linked)?;
    let pre = linker.instantiate_pre(&module)?;
    modules.lock().map_err(|_| anyhow!("module cache poisoned"))?.insert(key, pre.clone());
    Ok(pre)
}

/// The guest's arguments from C's `argc`/`argv`.
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings, or is null with `argc` 0.
unsafe fn arguments(argc: c_int, argv: *const *const c_char) -> Result<Vec<String>> {
    let n = usize::try_from(argc).map_err(|_| anyhow!("argc is negative ({argc})"))?;
    if n > 0 && argv.is_null() {
        bail!("argv is NULL but argc is {argc}");
    }
    (0..n)
        .map(|i| {
            // SAFETY: the caller's promise: argc valid strings at argv.
            let arg = unsafe { *argv.add(i) };
            if arg.is_null() {
                bail!("argv[{i}] is NULL");
            }
            // SAFETY: as above.
            Ok(unsafe { CStr::from_ptr(arg) }.to_string_lossy().into_owned())
        })
        .collect()
}

fn instantiate(linked: &'static LinkedArtifact, args: Vec<String>) -> Result<CInstance> {
    // SAFETY: `kiln_instance_new`'s caller passes the descriptor a
    // generated header declares, which the linker defined.
    let pre = unsafe { linked_module(linked) }?;
    let module = pre.module();
    let mut wasi = kiln_wasi::WasiCtxBuilder::new();
    wasi.inherit_stdio();
    wasi.args(&args);
    let mut store = Store::new(module.engine(), CHost { wasi: wasi.build() });
    let instance = pre.instantiate(&mut store)?;
    let funcs = module
        .exports()
        .map(|e| match instance.get_export(&mut store, e.name()) {
            Some(Extern::Func(f)) => Some(f),
            _ => None,
        })
        .collect();
    Ok(CInstance { store, instance, funcs, exit_code: 0 })
}

/// `kiln_instance_new`: instantiates `module`; see the generated header.
///
/// # Safety
/// `module` is the descriptor of a kiln object compiled with
/// `--c-header` and linked into this program; `argv` holds `argc` C
/// strings (or is null with `argc` 0); `out` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_instance_new(
    module: *const LinkedArtifact,
    argc: c_int,
    argv: *const *const c_char,
    out: *mut *mut CInstance,
) -> i32 {
    guard(|| {
        if out.is_null() {
            return fail(CStatus::Error, &anyhow!("kiln_instance_new: `out` is NULL"));
        }
        // SAFETY: `out` is writable (checked non-null above; the caller's promise).
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: a descriptor the linker placed lives as long as the program.
        let Some(linked) = (unsafe { module.as_ref() }) else {
            return fail(CStatus::Error, &anyhow!("kiln_instance_new: `module` is NULL"));
        };
        // SAFETY: the caller's promise about argc/argv.
        let made = unsafe { arguments(argc, argv) }.and_then(|args| instantiate(linked, args));
        match made {
            // SAFETY: as above.
            Ok(instance) => unsafe { *out = Box::into_raw(Box::new(instance)) },
            Err(e) => return failure(&e, None),
        }
        CStatus::Ok as i32
    })
}

/// The status and last error for `e`; a WASI exit records its code in
/// `instance`.
fn failure(e: &anyhow::Error, instance: Option<&mut CInstance>) -> i32 {
    if let Some(exit) = e.downcast_ref::<kiln_wasi::I32Exit>() {
        if let Some(instance) = instance {
            instance.exit_code = exit.0;
        }
        return fail(CStatus::Exit, e);
    }
    let trapped = e.downcast_ref::<kiln::Trap>().is_some() || e.chain().any(|c| c.is::<imports::ImportFailed>());
    fail(if trapped { CStatus::Trap } else { CStatus::Error }, e)
}

/// `kiln_instance_delete`: frees an instance.
///
/// # Safety
/// `instance` is null or came from `kiln_instance_new` and is not used
/// again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_instance_delete(instance: *mut CInstance) {
    if !instance.is_null() && !Running::is_running(instance) {
        let _ = guard(|| {
            // SAFETY: the caller's promise: made by `Box::into_raw`, freed once.
            drop(unsafe { Box::from_raw(instance) });
            0
        });
    }
}

fn call(instance: &mut CInstance, export: u32, args: &[CVal], results: &mut [CVal]) -> Result<()> {
    let func = instance
        .funcs
        .get(export as usize)
        .and_then(|f| *f)
        .with_context(|| format!("export {export} of this instance is not a function"))?;
    let ty = func.ty(&instance.store);
    if args.len() != ty.params().len() || results.len() != ty.results().len() {
        bail!(
            "export {export} takes {} arguments and returns {} results, not {} and {}",
            ty.params().len(),
            ty.results().len(),
            args.len(),
            results.len()
        );
    }
    let params = args.iter().zip(ty.params()).map(|(a, t)| a.to_val(&t)).collect::<Result<Vec<_>>>()?;
    let mut vals: Vec<kiln::Val> = ty.results().map(kiln::Val::default_for).collect();
    func.call(&mut instance.store, &params, &mut vals)?;
    for (slot, val) in results.iter_mut().zip(&vals) {
        *slot = CVal::from_val(val)?;
    }
    Ok(())
}

/// A slice from C's pointer and length (empty when the length is 0).
///
/// # Safety
/// `ptr` points to `len` values when `len` is not 0.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    match (ptr.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => bail!("a NULL array of {len} values"),
        // SAFETY: the caller's promise.
        (false, _) => Ok(unsafe { std::slice::from_raw_parts(ptr, len) }),
    }
}

/// `kiln_instance_call`: calls export `export` with `args`, writing
/// `results`.
///
/// # Safety
/// `instance` came from `kiln_instance_new`; `args` holds `nargs` values
/// and `results` room for `nresults`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_instance_call(
    instance: *mut CInstance,
    export: u32,
    args: *const CVal,
    nargs: usize,
    results: *mut CVal,
    nresults: usize,
) -> i32 {
    guard(|| {
        let _running = match Running::enter(instance) {
            Ok(running) => running,
            Err(e) => return fail(CStatus::Error, &e),
        };
        // SAFETY: the caller's promise: a live instance, used by one
        // thread, and not running (checked above), so nothing else holds it.
        let Some(instance) = (unsafe { instance.as_mut() }) else {
            return fail(CStatus::Error, &anyhow!("kiln_instance_call: `instance` is NULL"));
        };
        // SAFETY: the caller's promise about the arrays.
        let arrays = unsafe { slice(args, nargs) }.and_then(|a| {
            // SAFETY: as above; `results` is writable for `nresults`.
            let r = unsafe { slice(results.cast_const(), nresults) }?;
            Ok((a.to_vec(), r.len()))
        });
        let (args, n) = match arrays {
            Ok(v) => v,
            Err(e) => return fail(CStatus::Error, &e),
        };
        let mut out = vec![CVal { i64: 0 }; n];
        match call(instance, export, &args, &mut out) {
            Ok(()) => {
                if n > 0 {
                    // SAFETY: `results` has room for `n` values.
                    unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), results, n) };
                }
                CStatus::Ok as i32
            }
            Err(e) => failure(&e, Some(instance)),
        }
    })
}

/// `kiln_instance_exit_code`: the status the guest passed to `proc_exit`.
///
/// # Safety
/// `instance` is null or came from `kiln_instance_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_instance_exit_code(instance: *const CInstance) -> i32 {
    if Running::is_running(instance) {
        return 0;
    }
    // SAFETY: the caller's promise, and not running (checked above).
    unsafe { instance.as_ref() }.map_or(0, |i| i.exit_code)
}

/// The name a C caller asked for: `name`, or `memory` when null.
///
/// # Safety
/// `name` is null or a C string.
pub unsafe fn memory_name<'a>(name: *const c_char) -> &'a str {
    if name.is_null() {
        return "memory";
    }
    // SAFETY: the caller's promise.
    unsafe { CStr::from_ptr(name) }.to_str().unwrap_or("")
}

/// Writes `len` and returns `data` as C wants a memory.
///
/// # Safety
/// `len` is null or writable.
pub unsafe fn memory_out(data: Option<&mut [u8]>, len: *mut usize) -> *mut u8 {
    let (ptr, n) = data.map_or((std::ptr::null_mut(), 0), |d| (d.as_mut_ptr(), d.len()));
    if !len.is_null() {
        // SAFETY: the caller's promise.
        unsafe { *len = n };
    }
    ptr
}

/// `kiln_instance_memory`: an exported memory's bytes.
///
/// # Safety
/// `instance` came from `kiln_instance_new`; `name` is null or a C
/// string; `len` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kiln_instance_memory(
    instance: *mut CInstance,
    name: *const c_char,
    len: *mut usize,
) -> *mut u8 {
    if Running::is_running(instance) {
        // Its store is in use by the running call; an import reaches the
        // memory through `kiln_caller_memory`.
        // SAFETY: the caller's promise.
        return unsafe { memory_out(None, len) };
    }
    // SAFETY: the caller's promise, and not running (checked above).
    let Some(instance) = (unsafe { instance.as_mut() }) else {
        // SAFETY: the caller's promise.
        return unsafe { memory_out(None, len) };
    };
    // SAFETY: the caller's promise.
    let name = unsafe { memory_name(name) };
    let memory = instance.instance.get_memory(&mut instance.store, name);
    let data = memory.map(|m| m.data_mut(&mut instance.store));
    // SAFETY: the caller's promise.
    unsafe { memory_out(data, len) }
}
