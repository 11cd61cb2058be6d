//! Subcommands `errors` (error paths, each with the errno the host returned) and
//! `escape` (attempts to leave the preopened directory).
//!
//! Everything here goes through raw imports, never std: wasi-libc answers some of
//! these itself (absolute paths that match no preopen, for instance), and the point
//! is to see what the host says.
//!
//! Where POSIX lets implementations differ, a check accepts each POSIX-allowed errno
//! and the `errno` line shows which one the host chose:
//! - leaving the preopen: ENOTCAPABLE (76, the article's and old wasmtime's answer)
//!   or EPERM (63, current wasmtime's, from cap-std);
//! - unlinking a directory: EISDIR (Linux) or EPERM (POSIX);
//! - writing to a read-only descriptor: EBADF or ENOTCAPABLE (rights);
//! - renaming onto a non-empty directory: ENOTEMPTY or EEXIST.

use std::fs;

use crate::files::raw_errno;
use crate::raw::{
    self, EBADF, EEXIST, EFAULT, EILSEQ, EINVAL, EISDIR, ENOENT, ENOTCAPABLE, ENOTDIR, ENOTEMPTY, EPERM,
    FILETYPE_SYMBOLIC_LINK, LOOKUP_SYMLINK_FOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC,
};
use crate::{preopen, Report};

/// ELOOP: too many levels of symbolic links.
const ELOOP: raw::Errno = 32;
/// Leaving the sandbox.
const DENIED: &[raw::Errno] = &[ENOTCAPABLE, EPERM];
/// Creating a symlink whose target points outside: refused, or allowed (following it is what must fail).
const DENIED_OR_OK: &[raw::Errno] = &[0, ENOTCAPABLE, EPERM];
/// A descriptor that does not exist.
const BAD_FD: raw::Fd = 1234;

pub fn errors(r: &mut Report, args: &[String]) {
    let ctx = preopen(r);
    let fd3 = ctx.fd;
    let top = ctx.p("suite_errors");
    let _ = fs::remove_dir_all(&top);
    let setup = fs::create_dir(&top)
        .and_then(|_| fs::write(ctx.p("suite_errors/file.txt"), "data"))
        .and_then(|_| fs::create_dir(ctx.p("suite_errors/dir")))
        .and_then(|_| fs::create_dir(ctx.p("suite_errors/nonempty")))
        .and_then(|_| fs::write(ctx.p("suite_errors/nonempty/x"), "x"));
    if r.result("setup", setup).is_none() {
        return;
    }
    let file = b"suite_errors/file.txt";
    let dir = b"suite_errors/dir";

    // ---- ENOENT ---------------------------------------------------------------------
    r.errno("enoent_open", raw::open_rw(fd3, b"suite_errors/missing.txt", 0), &[ENOENT]);
    r.errno("enoent_parent_missing", raw::open_rw(fd3, b"suite_errors/nodir/x.txt", O_CREAT), &[ENOENT]);
    r.errno("enoent_stat", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"suite_errors/missing"), &[ENOENT]);
    r.errno("enoent_unlink", raw::unlink(fd3, b"suite_errors/missing"), &[ENOENT]);
    r.errno("enoent_rmdir", raw::rmdir(fd3, b"suite_errors/missing"), &[ENOENT]);
    r.errno("enoent_rename", raw::rename(fd3, b"suite_errors/missing", fd3, b"suite_errors/other"), &[ENOENT]);
    r.errno("enoent_readlink", raw::readlink(fd3, b"suite_errors/missing", 64), &[ENOENT]);
    // A missing link source is ENOENT, whatever the names look like (a trailing slash
    // on either asks for a directory, which could not be linked, but only if it exists).
    let (missing, new) = (b"suite_errors/missing", b"suite_errors/newlink");
    r.errno("enoent_link_missing", raw::link(fd3, 0, missing, fd3, new), &[ENOENT]);
    r.errno("enoent_link_missing_slash", raw::link(fd3, 0, b"suite_errors/missing/", fd3, new), &[ENOENT]);
    r.errno("enoent_link_missing_to_slash", raw::link(fd3, 0, missing, fd3, b"suite_errors/newlink/"), &[ENOENT]);
    r.errno("enoent_empty_path_open", raw::open_rw(fd3, b"", 0), &[ENOENT]);
    r.errno("enoent_empty_path_mkdir", raw::mkdir(fd3, b""), &[ENOENT]);

    // ---- leaving the preopen (more in `escape`) --------------------------------------------
    r.errno("escape_dotdot_open", raw::open_rw(fd3, b"../x", 0), DENIED);
    r.errno("escape_dotdot_mkdir", raw::mkdir(fd3, b"../some_folder"), DENIED);
    r.errno("escape_absolute_open", raw::open_rw(fd3, b"/etc/passwd", 0), DENIED);

    // ---- EBADF -------------------------------------------------------------------------
    r.errno("ebadf_write", raw::write(BAD_FD, &[b"x"]), &[EBADF]);
    r.errno("ebadf_read", raw::read(BAD_FD, &mut [&mut [0u8; 4][..]]), &[EBADF]);
    r.errno("ebadf_close", raw::close(BAD_FD), &[EBADF]);
    r.errno("ebadf_seek", raw::seek(BAD_FD, 0, raw::WHENCE_SET), &[EBADF]);
    r.errno("ebadf_filestat", raw::fd_filestat(BAD_FD), &[EBADF]);
    r.errno("ebadf_fdstat", raw::fdstat(BAD_FD), &[EBADF]);
    r.errno("ebadf_path_open_dirfd", raw::open_rw(BAD_FD, b"x", 0), &[EBADF]);
    r.errno("ebadf_readdir", raw::readdir_raw(BAD_FD, 64, 0), &[EBADF]);
    r.errno("ebadf_prestat", raw::prestat_dir_name(BAD_FD), &[EBADF]);
    r.errno("ebadf_renumber", raw_errno(unsafe { raw::fd_renumber(BAD_FD, 1) }), &[EBADF]);
    r.errno("ebadf_negative_fd", raw::write(-1, &[b"x"]), &[EBADF]);

    // ---- access mode -----------------------------------------------------------------------
    if let Some(ro) =
        r.result("open_read_only", raw::open(fd3, LOOKUP_SYMLINK_FOLLOW, file, 0, raw::RIGHTS_READ_ONLY, 0))
    {
        r.errno("write_read_only", raw::write(ro, &[b"x"]), &[EBADF, ENOTCAPABLE]);
        r.errno("pwrite_read_only", raw::pwrite(ro, &[b"x"], 0), &[EBADF, ENOTCAPABLE]);
        r.expect("read_read_only", raw::pread_all(ro), |c| c == b"data");
        let _ = raw::close(ro);
    }
    if let Some(wo) =
        r.result("open_write_only", raw::open(fd3, LOOKUP_SYMLINK_FOLLOW, file, 0, raw::RIGHTS_WRITE_ONLY, 0))
    {
        r.errno("read_write_only", raw::read(wo, &mut [&mut [0u8; 4][..]]), &[EBADF, ENOTCAPABLE]);
        let _ = raw::close(wo);
    }
    r.expect("file_unchanged", fs::read_to_string(ctx.p("suite_errors/file.txt")), |s| s == "data");

    // ---- ENOTDIR -------------------------------------------------------------------------------
    r.errno("enotdir_trailing_slash_open", raw::open_rw(fd3, b"suite_errors/file.txt/", 0), &[ENOTDIR]);
    r.errno(
        "enotdir_trailing_slash_stat",
        raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"suite_errors/file.txt/"),
        &[ENOTDIR],
    );
    r.errno(
        "enotdir_o_directory",
        raw::open(fd3, LOOKUP_SYMLINK_FOLLOW, file, O_DIRECTORY, raw::RIGHTS_ALL, 0),
        &[ENOTDIR],
    );
    r.errno("enotdir_component", raw::open_rw(fd3, b"suite_errors/file.txt/x", 0), &[ENOTDIR]);
    r.errno("enotdir_rmdir_file", raw::rmdir(fd3, file), &[ENOTDIR]);
    r.errno("enotdir_rename_dir_onto_file", raw::rename(fd3, dir, fd3, file), &[ENOTDIR]);
    if let Some(ffd) = raw::open_rw(fd3, file, 0).ok() {
        r.errno("enotdir_file_as_dirfd", raw::open_rw(ffd, b"x", 0), &[ENOTDIR, ENOTCAPABLE]);
        r.errno("enotdir_readdir_file", raw::readdir_raw(ffd, 64, 0), &[ENOTDIR, EBADF, ENOTCAPABLE]);
        let _ = raw::close(ffd);
    } else {
        r.fail("enotdir_file_as_dirfd", "could not open file.txt");
    }

    // ---- EISDIR ------------------------------------------------------------------------------------
    r.errno("eisdir_open_dir_for_write", raw::open(fd3, LOOKUP_SYMLINK_FOLLOW, dir, 0, raw::RIGHTS_ALL, 0), &[EISDIR]);
    r.errno(
        "eisdir_open_dir_trunc",
        raw::open(fd3, LOOKUP_SYMLINK_FOLLOW, dir, O_TRUNC, raw::RIGHTS_ALL, 0),
        &[EISDIR],
    );
    r.errno("eisdir_unlink_dir", raw::unlink(fd3, dir), &[EISDIR, EPERM]);
    r.errno("eisdir_rename_file_onto_dir", raw::rename(fd3, file, fd3, dir), &[EISDIR]);

    // ---- ENOTEMPTY / EEXIST ----------------------------------------------------------------------------
    r.errno("enotempty_rmdir", raw::rmdir(fd3, b"suite_errors/nonempty"), &[ENOTEMPTY]);
    r.errno("enotempty_rename_onto_dir", raw::rename(fd3, dir, fd3, b"suite_errors/nonempty"), &[ENOTEMPTY, EEXIST]);
    r.errno("eexist_mkdir", raw::mkdir(fd3, dir), &[EEXIST]);
    r.errno("eexist_mkdir_over_file", raw::mkdir(fd3, file), &[EEXIST]);
    r.errno("eexist_open_excl", raw::open_rw(fd3, file, O_CREAT | O_EXCL), &[EEXIST]);
    r.errno("eexist_symlink", raw::symlink(b"anything", fd3, file), &[EEXIST]);
    r.errno("eexist_link", raw::link(fd3, 0, file, fd3, dir), &[EEXIST]);

    // ---- EILSEQ: paths must be UTF-8 --------------------------------------------------------------------
    r.errno("eilseq_open", raw::open_rw(fd3, b"suite_errors/\xff\xfe", O_CREAT), &[EILSEQ]);
    r.errno("eilseq_mkdir", raw::mkdir(fd3, b"suite_errors/\xff\xfe"), &[EILSEQ]);
    r.errno("eilseq_stat", raw::path_filestat(fd3, 0, b"suite_errors/\xc3"), &[EILSEQ]);

    // ---- EINVAL / ELOOP / EPERM ----------------------------------------------------------------------------
    r.errno("einval_readlink_not_link", raw::readlink(fd3, file, 64), &[EINVAL]);
    if let Some(ffd) = raw::open_rw(fd3, file, 0).ok() {
        r.errno("einval_seek_before_start", raw::seek(ffd, -10, raw::WHENCE_CUR), &[EINVAL]);
        let _ = raw::close(ffd);
    }
    let _ = raw::symlink(b"loop_b", fd3, b"suite_errors/loop_a");
    let _ = raw::symlink(b"loop_a", fd3, b"suite_errors/loop_b");
    r.errno("eloop_symlink_cycle", raw::open_rw(fd3, b"suite_errors/loop_a", 0), &[ELOOP]);
    r.errno("eperm_link_dir", raw::link(fd3, 0, dir, fd3, b"suite_errors/dirlink"), &[EPERM]);

    let _ = fs::remove_dir_all(&top);
    r.errno("gone_after_cleanup", raw::path_filestat(fd3, 0, b"suite_errors"), &[ENOENT]);

    // ---- last: arguments a host may answer with a trap instead of an errno ----------------
    if args.first().map(String::as_str) == Some("notrap") {
        return;
    }
    may_trap(r, fd3);
}

/// Invalid enum values (EINVAL) and out-of-bounds pointers (EFAULT).
///
/// kiln answers these with an errno. Current wasmtime traps on both (its wiggle
/// glue turns a bad enum or an out-of-bounds guest pointer into a trap), and the
/// witx docs ask for a trap on misaligned pointers (every pointer here is aligned).
/// They run last, so a trapping host still printed and flushed every line before.
fn may_trap(r: &mut Report, fd3: raw::Fd) {
    // The scratch file is unlinked while open, so a trap leaves nothing behind.
    if let Some(ffd) = raw::open_rw(fd3, b"suite_errors_tail.txt", O_CREAT).ok() {
        let _ = raw::unlink(fd3, b"suite_errors_tail.txt");
        r.errno("einval_bad_whence", raw::seek(ffd, 0, 3), &[EINVAL]);
        r.errno("einval_bad_advice", raw_errno(unsafe { raw::fd_advise(ffd, 0, 1, 6) }), &[EINVAL]);
        let _ = raw::close(ffd);
    } else {
        r.fail("einval_bad_whence", "could not create suite_errors_tail.txt");
    }
    r.errno("einval_bad_clock_id_res", raw::clock_res(4), &[EINVAL]);
    r.errno("einval_bad_clock_id_time", raw::clock_time(42), &[EINVAL]);

    let end = raw::memory_bytes();
    // An iovec array that starts 4 bytes before the end of memory (needs 8).
    let mut n = 0u32;
    let e = unsafe { raw::fd_write(1, end - 4, 1, &mut n as *mut u32 as usize) };
    r.errno("efault_iovs", raw_errno(e), &[EFAULT]);
    // A path whose bytes run past the end of memory.
    let e = unsafe { raw::path_create_directory(fd3, end - 2, 16) };
    r.errno("efault_path", raw_errno(e), &[EFAULT]);
    // A result pointer past the end of memory.
    let e = unsafe { raw::clock_time_get(raw::CLOCK_MONOTONIC, 1, end) };
    r.errno("efault_result", raw_errno(e), &[EFAULT]);
}

pub fn escape(r: &mut Report) {
    let ctx = preopen(r);
    let fd3 = ctx.fd;
    let top = ctx.p("suite_escape");
    let _ = fs::remove_dir_all(&top);
    let _ = raw::unlink(fd3, b"escape_up");
    let _ = raw::unlink(fd3, b"escape_etc");
    if r.result("setup", fs::create_dir(&top)).is_none() {
        return;
    }

    // `..`
    r.errno("dotdot_open_dir", raw::open_dir(fd3, b".."), DENIED);
    r.errno("dotdot_stat", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b".."), DENIED);
    r.errno("dotdot_create_file", raw::open_rw(fd3, b"../kiln_escape_probe.txt", O_CREAT), DENIED);
    r.errno("dotdot_mkdir", raw::mkdir(fd3, b"../some_folder"), DENIED);
    r.errno("dotdot_nested", raw::open_dir(fd3, b"suite_escape/../../"), DENIED);
    r.errno("dotdot_rename_out", raw::rename(fd3, b"suite_escape", fd3, b"../suite_escape"), DENIED);
    r.result("dotdot_inside_allowed", raw::open_dir(fd3, b"suite_escape/../suite_escape").and_then(raw::close));
    r.check("std_dotdot_denied", fs::metadata(ctx.root.join("..")).is_err(), || {
        "std reached the preopen's parent".into()
    });

    // absolute paths
    r.errno("absolute_open_file", raw::open_rw(fd3, b"/etc/passwd", 0), DENIED);
    r.errno("absolute_open_root", raw::open_dir(fd3, b"/"), DENIED);
    r.errno("absolute_stat", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"/etc"), DENIED);
    r.errno("absolute_mkdir", raw::mkdir(fd3, b"/tmp/kiln_escape_probe"), DENIED);

    // A symlink at the top of the preopen pointing to `../`.
    let up = r.errno("symlink_up_create", raw::symlink(b"../", fd3, b"escape_up"), DENIED_OR_OK);
    if up == 0 {
        r.expect("symlink_up_readlink", raw::readlink(fd3, b"escape_up", 64), |t| t == b"../");
        r.expect("symlink_up_lstat", raw::path_filestat(fd3, 0, b"escape_up"), |s| {
            s.filetype == FILETYPE_SYMBOLIC_LINK
        });
        r.errno("symlink_up_follow_open", raw::open_dir(fd3, b"escape_up"), DENIED);
        r.errno("symlink_up_follow_stat", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"escape_up"), DENIED);
        r.errno("symlink_up_create_through", raw::open_rw(fd3, b"escape_up/kiln_escape_probe.txt", O_CREAT), DENIED);
        r.errno("symlink_up_mkdir_through", raw::mkdir(fd3, b"escape_up/some_folder"), DENIED);
        r.check("std_symlink_up_denied", fs::read_dir(ctx.p("escape_up")).is_err(), || {
            "std listed the preopen's parent".into()
        });
        let _ = raw::unlink(fd3, b"escape_up");
    }
    // A symlink pointing to the absolute path /etc.
    let etc = r.errno("symlink_etc_create", raw::symlink(b"/etc", fd3, b"escape_etc"), DENIED_OR_OK);
    if etc == 0 {
        r.errno("symlink_etc_follow_open", raw::open_dir(fd3, b"escape_etc"), DENIED);
        r.errno("symlink_etc_follow_stat", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"escape_etc"), DENIED);
        r.errno("symlink_etc_passwd", raw::open_rw(fd3, b"escape_etc/passwd", 0), DENIED);
        r.check("std_symlink_etc_denied", fs::read_to_string(ctx.p("escape_etc/passwd")).is_err(), || {
            "std read /etc/passwd".into()
        });
        let _ = raw::unlink(fd3, b"escape_etc");
    }
    // A symlink one level down pointing two levels up.
    let up2 = r.errno("symlink_up2_create", raw::symlink(b"../../", fd3, b"suite_escape/up2"), DENIED_OR_OK);
    if up2 == 0 {
        r.errno("symlink_up2_follow_open", raw::open_dir(fd3, b"suite_escape/up2"), DENIED);
        r.errno("symlink_up2_through", raw::open_rw(fd3, b"suite_escape/up2/kiln_escape_probe.txt", O_CREAT), DENIED);
    }
    // A symlink that goes up and comes back inside is fine.
    r.result("symlink_inside_create", raw::symlink(b"../suite_escape", fd3, b"suite_escape/self"));
    r.result("symlink_inside_follow", raw::open_dir(fd3, b"suite_escape/self").and_then(raw::close));

    let _ = fs::remove_dir_all(&top);
    r.errno("gone_after_cleanup", raw::path_filestat(fd3, 0, b"suite_escape"), &[ENOENT]);
}
