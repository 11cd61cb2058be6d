//! Subcommands `preopen`, `args`, `env`, `stdin` and `exit`.

use crate::raw::{self, EBADF, EINVAL};
use crate::Report;

/// `preopen`: fd 3 is a preopened directory; fds that are not preopens answer EBADF.
pub fn preopen(r: &mut Report) {
    let name = r.expect("prestat_fd3", raw::prestat_dir_name(3), |n| !n.is_empty());
    if let Some(name) = &name {
        r.check("prestat_dir_name_utf8", std::str::from_utf8(name).is_ok(), || format!("{name:?}"));
        r.check("prestat_dir_name_no_nul", !name.contains(&0), || format!("{name:?}"));
    }
    r.expect("fdstat_fd3_is_dir", raw::fdstat(3), |s| s.0 == raw::FILETYPE_DIRECTORY);
    r.expect("filestat_fd3_is_dir", raw::fd_filestat(3), |s| s.filetype == raw::FILETYPE_DIRECTORY);
    let stdio_ok = (0..3).all(|fd| raw::fdstat(fd).is_ok());
    r.check("fdstat_stdio", stdio_ok, || "fd_fdstat_get failed on fd 0, 1 or 2".into());
    // An open descriptor that is not a preopen: EBADF (wasmtime) or EINVAL (uvwasi).
    r.errno("prestat_stdin", raw::prestat_dir_name(0), &[EBADF, EINVAL]);
    // Count the preopens: consecutive fds from 3 whose prestat succeeds. The first
    // fd after them must answer EBADF: that is how wasi-libc finds the end.
    let mut n = 3;
    while raw::prestat_dir_name(n).is_ok() && n < 64 {
        n += 1;
    }
    r.value("preopens", n - 3);
    r.errno("prestat_after_last", raw::prestat_dir_name(n), &[EBADF]);
    // A directory opened through path_open is not a preopen.
    if let Some(fd) = r.result("open_dot", raw::open_dir(3, b".")) {
        r.errno("prestat_opened_dir", raw::prestat_dir_name(fd), &[EBADF, EINVAL]);
        r.result("close_dot", raw::close(fd));
    }
}

/// Reads a (count, buffer) pair through `*_sizes_get` + `*_get` and checks the layout:
/// every pointer lands inside the buffer, every string is NUL-terminated, and the
/// strings fill the buffer exactly. Returns the strings without their NULs.
fn read_string_list(
    r: &mut Report,
    prefix: &str,
    sizes_get: unsafe extern "C" fn(usize, usize) -> raw::Errno,
    get: unsafe extern "C" fn(usize, usize) -> raw::Errno,
) -> Option<Vec<Vec<u8>>> {
    let (mut count, mut size) = (0u32, 0u32);
    // SAFETY: both out-pointers point at live u32s.
    let e = unsafe { sizes_get(&mut count as *mut u32 as usize, &mut size as *mut u32 as usize) };
    if !r.check(&format!("{prefix}_sizes_get"), e == 0, || format!("errno {e}")) {
        return None;
    }
    let mut ptrs = vec![0u32; count as usize];
    let mut buf = vec![0xAAu8; size as usize];
    // SAFETY: `ptrs` has room for `count` pointers and `buf` for `size` bytes, as the host asked.
    let e = unsafe { get(ptrs.as_mut_ptr() as usize, buf.as_mut_ptr() as usize) };
    if !r.check(&format!("{prefix}_get"), e == 0, || format!("errno {e}")) {
        return None;
    }
    let base = buf.as_ptr() as u32;
    let mut strings = Vec::new();
    let mut total = 0usize;
    let mut layout_ok = true;
    for &p in &ptrs {
        let Some(off) = p.checked_sub(base).map(|o| o as usize).filter(|&o| o < buf.len()) else {
            layout_ok = false;
            break;
        };
        let Some(nul) = buf[off..].iter().position(|&b| b == 0) else {
            layout_ok = false;
            break;
        };
        strings.push(buf[off..off + nul].to_vec());
        total += nul + 1;
    }
    let ok = layout_ok && total == buf.len();
    r.check(&format!("{prefix}_layout"), ok, || {
        format!("pointers/NULs do not match the buffer (strings use {total} of {} bytes)", buf.len())
    });
    ok.then_some(strings)
}

/// `args`: args_sizes_get/args_get agree with each other and with std; echoes argv[1..].
pub fn args(r: &mut Report) {
    let Some(list) = read_string_list(r, "args", raw::args_sizes_get, raw::args_get) else { return };
    let std_args: Vec<Vec<u8>> = std::env::args_os().map(|a| a.into_encoded_bytes()).collect();
    r.check("args_match_std", list == std_args, || format!("raw {list:?} vs std {std_args:?}"));
    r.check("args_utf8", list.iter().all(|a| std::str::from_utf8(a).is_ok()), || "non-UTF-8 argument".into());
    r.value("argc", list.len());
    // argv[0] is the program name, which each host spells its own way: not echoed.
    for (i, a) in list.iter().enumerate().skip(1) {
        r.value(&format!("argv[{i}]"), format!("{:?}", String::from_utf8_lossy(a)));
    }
}

/// `env [KEY=VALUE...]`: environ_sizes_get/environ_get agree with each other and with
/// std, every entry has a `=`, each KEY=VALUE given on the command line is present;
/// echoes the environment sorted.
pub fn env(r: &mut Report, expected: &[String]) {
    let Some(list) = read_string_list(r, "environ", raw::environ_sizes_get, raw::environ_get) else { return };
    let std_env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.into_encoded_bytes();
            e.push(b'=');
            e.extend(v.into_encoded_bytes());
            e
        })
        .collect();
    r.check("environ_match_std", list == std_env, || format!("raw {list:?} vs std {std_env:?}"));
    r.check("environ_has_equals", list.iter().all(|e| e.contains(&b'=')), || "an entry without '='".into());
    for kv in expected {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        let got = std::env::var(k);
        r.check(&format!("env_has[{k}]"), got.as_deref() == Ok(v), || format!("{got:?}"));
    }
    let mut sorted: Vec<String> = list.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect();
    sorted.sort_unstable();
    r.value("envc", sorted.len());
    for (i, e) in sorted.iter().enumerate() {
        r.value(&format!("environ[{i}]"), format!("{e:?}"));
    }
}

/// `stdin`: copies stdin to stdout byte for byte, then exits 0 (1 on an I/O error).
pub fn stdin() -> ! {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let code = match std::io::copy(&mut stdin.lock(), &mut stdout.lock()) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("stdin: {e}");
            1
        }
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// `exit N`: `std::process::exit(N)` (proc_exit). Without a valid N: usage, exit 2.
pub fn exit(args: &[String]) -> ! {
    match args.first().and_then(|a| a.parse::<i32>().ok()) {
        Some(n) => std::process::exit(n),
        None => {
            eprintln!("usage: wasi_suite exit <code>");
            std::process::exit(2)
        }
    }
}
