//! `add_to_linker`: defines every preview1 function under both
//! `wasi_snapshot_preview1` and `wasi_unstable`, with a trace line per call
//! at target `kiln::wasi` (`fd_write(fd=1, iovs=0x0, ...)`, then
//! `-> errno=ESUCCESS`).

use super::WasiCtx;
use super::errno::Errno;
use super::memory::GuestMemory;
use super::types::{Abi, Fd};
use anyhow::Result;
use kiln::{Caller, Extern, Linker};

/// Runs `f` with the context and the caller's exported memory (an empty
/// one, so every access is EFAULT, when the module exports none).
fn with_ctx<T: 'static, R>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> R,
) -> R {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => {
            let (bytes, data) = m.data_and_store_mut(&mut *caller);
            f(get(data), &mut GuestMemory::new(bytes))
        }
        _ => f(get(caller.data_mut()), &mut GuestMemory::new(&mut [])),
    }
}

/// The errno a call returns to the guest, traced.
fn finish(r: Result<(), Errno>) -> i32 {
    let e = r.err().unwrap_or(Errno::SUCCESS);
    tracing::trace!(target: "kiln::wasi", "-> errno={}", e.name());
    e.raw() as i32
}

macro_rules! wasm_ty {
    (fd) => {
        u32
    };
    (rights) => {
        u64
    };
    (ptr) => {
        u32
    };
    (u32) => {
        u32
    };
    (u64) => {
        u64
    };
    (i64) => {
        i64
    };
}

macro_rules! conv {
    (fd, $v:expr) => {
        Fd($v)
    };
    ($k:ident, $v:expr) => {
        $v
    };
}

macro_rules! show {
    (ptr, $v:expr) => {
        format!("{:#x}", $v)
    };
    (rights, $v:expr) => {
        format!("{:#x}", $v)
    };
    (fd, $v:expr) => {
        format!("{}", $v as i32)
    };
    ($k:ident, $v:expr) => {
        format!("{}", $v)
    };
}

macro_rules! wasi_fns {
    ($linker:ident, $get:ident, $abi:ident, $wanted:ident;
     $($name:ident ( $($arg:ident : $kind:ident),* ) => |$ctx:ident, $mem:ident| $body:expr;)*) => {$(
        if $wanted($abi.module(), stringify!($name)) { $linker.func_wrap(
            $abi.module(),
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: wasm_ty!($kind)),*| -> Result<i32> {
                if tracing::enabled!(target: "kiln::wasi", tracing::Level::TRACE) {
                    let args: Vec<String> = vec![$(format!("{}={}", stringify!($arg), show!($kind, $arg))),*];
                    tracing::trace!(target: "kiln::wasi", "{}({})", stringify!($name), args.join(", "));
                }
                $(let $arg = conv!($kind, $arg);)*
                let r = with_ctx(&mut caller, $get, |$ctx, $mem| { let _ = &$mem; $body });
                Ok(finish(r))
            },
        )?; }
    )*};
}

/// Defines the WASI preview1 functions in `linker`, under both
/// `wasi_snapshot_preview1` and `wasi_unstable`; `get` finds the
/// [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<()> {
    for abi in [Abi::Preview1, Abi::Unstable] {
        define(linker, get, abi, &|_, _| true)?;
    }
    Ok(())
}

/// Like [`add_to_linker`], but defines only the WASI functions `module`
/// imports: a program that instantiates one module once (a `kiln compile
/// --exe` executable) does not pay for defining the other ninety.
pub fn add_to_linker_for<T: 'static>(
    linker: &mut Linker<T>,
    module: &kiln::Module,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<()> {
    let wanted = |m: &str, name: &str| module.imports().any(|i| i.module() == m && i.name() == name);
    for abi in [Abi::Preview1, Abi::Unstable] {
        if module.imports().any(|i| i.module() == abi.module()) {
            define(linker, get, abi, &wanted)?;
        }
    }
    Ok(())
}

fn define<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
    abi: Abi,
    wanted: &dyn Fn(&str, &str) -> bool,
) -> Result<()> {
    wasi_fns! { linker, get, abi, wanted;
        args_get(argv: ptr, argv_buf: ptr) => |c, m| c.args_get(m, argv, argv_buf);
        args_sizes_get(argc: ptr, argv_buf_size: ptr) => |c, m| c.args_sizes_get(m, argc, argv_buf_size);
        environ_get(environ: ptr, environ_buf: ptr) => |c, m| c.environ_get(m, environ, environ_buf);
        environ_sizes_get(environc: ptr, environ_buf_size: ptr) => |c, m| c.environ_sizes_get(m, environc, environ_buf_size);
        clock_res_get(id: u32, resolution: ptr) => |c, m| c.clock_res_get(m, id, resolution);
        clock_time_get(id: u32, precision: u64, time: ptr) => |c, m| c.clock_time_get(m, id, precision, time);
        fd_advise(fd: fd, offset: u64, len: u64, advice: u32) => |c, m| c.fd_advise(fd, offset, len, advice);
        fd_allocate(fd: fd, offset: u64, len: u64) => |c, m| c.fd_allocate(fd, offset, len);
        fd_close(fd: fd) => |c, m| c.fd_close(fd);
        fd_datasync(fd: fd) => |c, m| c.fd_datasync(fd);
        fd_fdstat_get(fd: fd, stat: ptr) => |c, m| c.fd_fdstat_get(m, fd, stat);
        fd_fdstat_set_flags(fd: fd, flags: u32) => |c, m| c.fd_fdstat_set_flags(fd, flags);
        fd_fdstat_set_rights(fd: fd, fs_rights_base: rights, fs_rights_inheriting: rights) => |c, m| c.fd_fdstat_set_rights(fd, fs_rights_base, fs_rights_inheriting);
        fd_filestat_get(fd: fd, buf: ptr) => |c, m| c.fd_filestat_get(m, abi, fd, buf);
        fd_filestat_set_size(fd: fd, size: u64) => |c, m| c.fd_filestat_set_size(fd, size);
        fd_filestat_set_times(fd: fd, atim: u64, mtim: u64, fst_flags: u32) => |c, m| c.fd_filestat_set_times(fd, atim, mtim, fst_flags);
        fd_pread(fd: fd, iovs: ptr, iovs_len: u32, offset: u64, nread: ptr) => |c, m| c.fd_pread(m, fd, iovs, iovs_len, offset, nread);
        fd_prestat_get(fd: fd, buf: ptr) => |c, m| c.fd_prestat_get(m, fd, buf);
        fd_prestat_dir_name(fd: fd, path: ptr, path_len: u32) => |c, m| c.fd_prestat_dir_name(m, fd, path, path_len);
        fd_pwrite(fd: fd, iovs: ptr, iovs_len: u32, offset: u64, nwritten: ptr) => |c, m| c.fd_pwrite(m, fd, iovs, iovs_len, offset, nwritten);
        fd_read(fd: fd, iovs: ptr, iovs_len: u32, nread: ptr) => |c, m| c.fd_read(m, fd, iovs, iovs_len, nread);
        fd_readdir(fd: fd, buf: ptr, buf_len: u32, cookie: u64, bufused: ptr) => |c, m| c.fd_readdir(m, fd, buf, buf_len, cookie, bufused);
        fd_renumber(fd: fd, to: fd) => |c, m| c.fd_renumber(fd, to);
        fd_seek(fd: fd, offset: i64, whence: u32, newoffset: ptr) => |c, m| c.fd_seek(m, abi, fd, offset, whence, newoffset);
        fd_sync(fd: fd) => |c, m| c.fd_sync(fd);
        fd_tell(fd: fd, offset: ptr) => |c, m| c.fd_tell(m, fd, offset);
        fd_write(fd: fd, iovs: ptr, iovs_len: u32, nwritten: ptr) => |c, m| c.fd_write(m, fd, iovs, iovs_len, nwritten);
        path_create_directory(fd: fd, path: ptr, path_len: u32) => |c, m| c.path_create_directory(m, fd, path, path_len);
        path_filestat_get(fd: fd, flags: u32, path: ptr, path_len: u32, buf: ptr) => |c, m| c.path_filestat_get(m, abi, fd, flags, path, path_len, buf);
        path_filestat_set_times(fd: fd, flags: u32, path: ptr, path_len: u32, atim: u64, mtim: u64, fst_flags: u32) => |c, m| c.path_filestat_set_times(m, fd, flags, path, path_len, atim, mtim, fst_flags);
        path_link(old_fd: fd, old_flags: u32, old_path: ptr, old_path_len: u32, new_fd: fd, new_path: ptr, new_path_len: u32) => |c, m| c.path_link(m, old_fd, old_flags, old_path, old_path_len, new_fd, new_path, new_path_len);
        path_open(fd: fd, dirflags: u32, path: ptr, path_len: u32, oflags: u32, fs_rights_base: rights, fs_rights_inheriting: rights, fdflags: u32, opened_fd: ptr) => |c, m| c.path_open(m, fd, dirflags, path, path_len, oflags, fs_rights_base, fs_rights_inheriting, fdflags, opened_fd);
        path_readlink(fd: fd, path: ptr, path_len: u32, buf: ptr, buf_len: u32, bufused: ptr) => |c, m| c.path_readlink(m, fd, path, path_len, buf, buf_len, bufused);
        path_remove_directory(fd: fd, path: ptr, path_len: u32) => |c, m| c.path_remove_directory(m, fd, path, path_len);
        path_rename(fd: fd, old_path: ptr, old_path_len: u32, new_fd: fd, new_path: ptr, new_path_len: u32) => |c, m| c.path_rename(m, fd, old_path, old_path_len, new_fd, new_path, new_path_len);
        path_symlink(old_path: ptr, old_path_len: u32, fd: fd, new_path: ptr, new_path_len: u32) => |c, m| c.path_symlink(m, old_path, old_path_len, fd, new_path, new_path_len);
        path_unlink_file(fd: fd, path: ptr, path_len: u32) => |c, m| c.path_unlink_file(m, fd, path, path_len);
        poll_oneoff(r#in: ptr, out: ptr, nsubscriptions: u32, nevents: ptr) => |c, m| c.poll_oneoff(m, abi, r#in, out, nsubscriptions, nevents);
        proc_raise(sig: u32) => |c, m| { let _ = (c, sig); Err(Errno::NOSYS) };
        sched_yield() => |c, m| c.sched_yield();
        random_get(buf: ptr, buf_len: u32) => |c, m| c.random_get(m, buf, buf_len);
        sock_recv(fd: fd, ri_data: ptr, ri_data_len: u32, ri_flags: u32, ro_datalen: ptr, ro_flags: ptr) => |c, m| c.sock_recv(m, fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags);
        sock_send(fd: fd, si_data: ptr, si_data_len: u32, si_flags: u32, so_datalen: ptr) => |c, m| c.sock_send(m, fd, si_data, si_data_len, si_flags, so_datalen);
        sock_shutdown(fd: fd, how: u32) => |c, m| c.sock_shutdown(fd, how);
    }
    if abi == Abi::Preview1 {
        wasi_fns! { linker, get, abi, wanted;
            sock_accept(fd: fd, flags: u32, result_fd: ptr) => |c, m| c.sock_accept(m, fd, flags, result_fd);
        }
    }
    if wanted(abi.module(), "proc_exit") {
        linker.func_wrap(abi.module(), "proc_exit", |_: Caller<'_, T>, rval: u32| -> Result<()> {
            tracing::trace!(target: "kiln::wasi", "proc_exit(rval={rval})");
            Err(super::exit_error(rval))
        })?;
    }
    let _ = get;
    Ok(())
}
