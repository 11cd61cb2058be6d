//! A WASI preview1 command on wasmi, the oracle: enough of preview1 for
//! small test programs (stdout and stderr, exit, empty arguments and
//! environment), so a real guest's output on kiln can be compared with its
//! output on a second engine.
//!
//! `fd_write` to 1 and 2 is captured; `fd_fdstat_get` says both are
//! character devices; `fd_seek` and `fd_close` fail with `EBADF`; any other
//! import fails the link.

use wasmi::{Caller, Engine, Error, Extern, Linker, Module, Store};

/// `EBADF`, `ESPIPE`-free: the only errno these stubs return.
const ERRNO_BADF: i32 = 8;

/// What a command printed and how it ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit status (`proc_exit`'s, or 0 when `_start` returns).
    pub status: i32,
    /// Everything written to fd 1.
    pub stdout: Vec<u8>,
    /// Everything written to fd 2.
    pub stderr: Vec<u8>,
}

fn memory(caller: &Caller<'_, CommandOutput>) -> Option<wasmi::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Some(m),
        _ => None,
    }
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn fd_write(mut caller: Caller<'_, CommandOutput>, fd: i32, iovs: i32, len: i32, written: i32) -> Result<i32, Error> {
    let mem = memory(&caller).ok_or_else(|| Error::new("no exported memory"))?;
    let data = mem.data(&caller);
    let mut bytes = Vec::new();
    for k in 0..len as u32 as usize {
        let at = (iovs as u32 as usize).checked_add(k * 8).ok_or_else(|| Error::new("iovec out of bounds"))?;
        let (Some(ptr), Some(n)) = (read_u32(data, at), read_u32(data, at + 4)) else {
            return Err(Error::new("iovec out of bounds"));
        };
        let (ptr, n) = (ptr as usize, n as usize);
        let chunk = data.get(ptr..ptr.saturating_add(n)).ok_or_else(|| Error::new("buffer out of bounds"))?;
        bytes.extend_from_slice(chunk);
    }
    let total = bytes.len() as u32;
    match fd {
        1 => caller.data_mut().stdout.extend_from_slice(&bytes),
        2 => caller.data_mut().stderr.extend_from_slice(&bytes),
        _ => return Ok(ERRNO_BADF),
    }
    mem.write(&mut caller, written as u32 as usize, &total.to_le_bytes()).map_err(|_| Error::new("out of bounds"))?;
    Ok(0)
}

fn zero_pair(mut caller: Caller<'_, CommandOutput>, count: i32, size: i32) -> Result<i32, Error> {
    let mem = memory(&caller).ok_or_else(|| Error::new("no exported memory"))?;
    for at in [count, size] {
        mem.write(&mut caller, at as u32 as usize, &0u32.to_le_bytes()).map_err(|_| Error::new("out of bounds"))?;
    }
    Ok(0)
}

fn fdstat(mut caller: Caller<'_, CommandOutput>, fd: i32, out: i32) -> Result<i32, Error> {
    if !(1..=2).contains(&fd) {
        return Ok(ERRNO_BADF);
    }
    let mem = memory(&caller).ok_or_else(|| Error::new("no exported memory"))?;
    // filetype character_device (2), no flags, all rights.
    let mut stat = [0u8; 24];
    stat[0] = 2;
    stat[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    stat[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    mem.write(&mut caller, out as u32 as usize, &stat).map_err(|_| Error::new("out of bounds"))?;
    Ok(0)
}

/// Runs the command `wasm` on wasmi with the preview1 subset above.
pub fn run_command(wasm: &[u8]) -> Result<CommandOutput, String> {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, CommandOutput::default());
    let mut linker = Linker::<CommandOutput>::new(&engine);
    let p1 = "wasi_snapshot_preview1";
    let link =
        |r: Result<&mut Linker<CommandOutput>, wasmi::errors::LinkerError>| r.map(|_| ()).map_err(|e| e.to_string());
    link(linker.func_wrap(p1, "fd_write", fd_write))?;
    link(linker.func_wrap(p1, "environ_sizes_get", zero_pair))?;
    link(linker.func_wrap(p1, "args_sizes_get", zero_pair))?;
    link(linker.func_wrap(p1, "environ_get", |_: Caller<'_, CommandOutput>, _: i32, _: i32| 0i32))?;
    link(linker.func_wrap(p1, "args_get", |_: Caller<'_, CommandOutput>, _: i32, _: i32| 0i32))?;
    link(linker.func_wrap(p1, "fd_fdstat_get", fdstat))?;
    link(linker.func_wrap(p1, "fd_close", |_: Caller<'_, CommandOutput>, _: i32| ERRNO_BADF))?;
    link(linker.func_wrap(p1, "fd_seek", |_: Caller<'_, CommandOutput>, _: i32, _: i64, _: i32, _: i32| ERRNO_BADF))?;
    link(linker.func_wrap(p1, "proc_exit", |_: Caller<'_, CommandOutput>, status: i32| -> Result<(), Error> {
        Err(Error::i32_exit(status))
    }))?;
    let instance = linker.instantiate_and_start(&mut store, &module).map_err(|e| e.to_string())?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start").map_err(|e| e.to_string())?;
    let status = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => e.i32_exit_status().ok_or_else(|| e.to_string())?,
    };
    Ok(std::mem::take(store.data_mut())).map(|out| CommandOutput { status, ..out })
}
