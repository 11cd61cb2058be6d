//! `WasiCtx`, the guest's view of the world (arguments, environment,
//! descriptors), and `WasiCtxBuilder`, which is how an embedder grants it.
//!
//! Nothing is granted by default: no arguments, no environment, stdin at end
//! of stream, stdout and stderr discarded, no directories, no sockets.

use super::fd_table::{Descriptor, DirEntry, Entry, FdTable, Socket};
use super::pipe::{self, InputStream, OutputStream};
use super::types::Rights;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// What a guest may do with a preopened directory itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DirPerms(u8);

impl DirPerms {
    /// List it, look up and open what is in it.
    pub const READ: DirPerms = DirPerms(1);
    /// Create, rename, link and remove entries, set times.
    pub const MUTATE: DirPerms = DirPerms(2);

    /// Both.
    pub fn all() -> DirPerms {
        DirPerms(3)
    }

    /// Whether every permission in `other` is here.
    pub fn contains(self, other: DirPerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for DirPerms {
    type Output = DirPerms;
    fn bitor(self, o: DirPerms) -> DirPerms {
        DirPerms(self.0 | o.0)
    }
}

/// What a guest may do with the files under a preopened directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FilePerms(u8);

impl FilePerms {
    /// Read them.
    pub const READ: FilePerms = FilePerms(1);
    /// Write, truncate and resize them.
    pub const WRITE: FilePerms = FilePerms(2);

    /// Both.
    pub fn all() -> FilePerms {
        FilePerms(3)
    }

    /// Whether every permission in `other` is here.
    pub fn contains(self, other: FilePerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for FilePerms {
    type Output = FilePerms;
    fn bitor(self, o: FilePerms) -> FilePerms {
        FilePerms(self.0 | o.0)
    }
}

/// Read-only or read-write: what [`WasiCtxBuilder::preopened_dir`] grants on
/// a directory and everything under it (wasmtime-wasi's spelling). For finer
/// grants use [`WasiCtxBuilder::preopened_dir_with_perms`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsPerms {
    /// Reading only: [`DirPerms::READ`] and [`FilePerms::READ`].
    ReadOnly,
    /// Everything: [`DirPerms::all`] and [`FilePerms::all`].
    ReadWrite,
}

impl FsPerms {
    /// Whether these permissions forbid every change (`ReadOnly`).
    pub fn write_not_permitted(&self) -> bool {
        *self == FsPerms::ReadOnly
    }

    /// The directory and file permissions these stand for.
    pub fn split(self) -> (DirPerms, FilePerms) {
        match self {
            FsPerms::ReadOnly => (DirPerms::READ, FilePerms::READ),
            FsPerms::ReadWrite => (DirPerms::all(), FilePerms::all()),
        }
    }
}

/// The rights (base, inheriting) of a preopen with these permissions.
pub(crate) fn preopen_rights(dir: DirPerms, file: FilePerms) -> (Rights, Rights) {
    let mut base = Rights::DIR;
    let mut inheriting = Rights::DIR | Rights::FILE;
    if !dir.contains(DirPerms::MUTATE) {
        base = base & !Rights::DIR_MUTATE;
        inheriting = inheriting & !Rights::DIR_MUTATE;
    }
    // Subdirectories opened from the preopen get no more than it has.
    if !dir.contains(DirPerms::READ) {
        base = base & !Rights::DIR_READ;
        inheriting = inheriting & !Rights::DIR_READ;
    }
    if !file.contains(FilePerms::WRITE) {
        base = base & !Rights::DIR_FILE_WRITE;
        inheriting = inheriting & !(Rights::FILE_WRITE | Rights::DIR_FILE_WRITE);
    }
    if !file.contains(FilePerms::READ) {
        inheriting = inheriting & !Rights::FD_READ;
    }
    (base, inheriting)
}

/// The state of a WASI guest; keep it in the store's data and hand it to
/// [`add_to_linker`](super::add_to_linker) through a projection.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) table: FdTable,
}

impl WasiCtx {
    /// A builder.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The guest's arguments, `argv[0]` first.
    pub fn args(&self) -> impl Iterator<Item = &[u8]> {
        self.args.iter().map(Vec::as_slice)
    }
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx").field("args", &self.args.len()).field("env", &self.env.len()).finish_non_exhaustive()
    }
}

enum Extra {
    Dir { dir: cap_std::fs::Dir, guest: String, base: Rights, inheriting: Rights },
    Socket(Socket),
}

/// Builds a [`WasiCtx`].
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdin: Box<dyn InputStream>,
    stdout: Box<dyn OutputStream>,
    stderr: Box<dyn OutputStream>,
    extras: Vec<Extra>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// Grants nothing yet.
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Box::new(pipe::ClosedInputPipe),
            stdout: Box::new(pipe::SinkOutputPipe),
            stderr: Box::new(pipe::SinkOutputPipe),
            extras: Vec::new(),
        }
    }

    /// Appends one argument (the first is `argv[0]`, the program name).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().as_bytes().to_vec());
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Appends the host process's arguments.
    pub fn inherit_args(&mut self) -> &mut Self {
        for a in std::env::args_os() {
            self.args.push(a.into_encoded_bytes());
        }
        self
    }

    /// Sets `key=value` in the environment (replacing an earlier `key`).
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env_bytes(key.as_ref().as_bytes(), value.as_ref().as_bytes())
    }

    fn env_bytes(&mut self, key: &[u8], value: &[u8]) -> &mut Self {
        self.env.retain(|e| !(e.starts_with(key) && e.get(key.len()) == Some(&b'=')));
        let mut e = key.to_vec();
        e.push(b'=');
        e.extend_from_slice(value);
        self.env.push(e);
        self
    }

    /// Sets several variables.
    pub fn envs(&mut self, vars: &[(impl AsRef<str>, impl AsRef<str>)]) -> &mut Self {
        for (k, v) in vars {
            self.env(k, v);
        }
        self
    }

    /// Passes the host process's whole environment.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            self.env_bytes(k.as_encoded_bytes(), v.as_encoded_bytes());
        }
        self
    }

    /// The guest's stdin.
    pub fn stdin(&mut self, s: impl InputStream) -> &mut Self {
        self.stdin = Box::new(s);
        self
    }

    /// The guest's stdout.
    pub fn stdout(&mut self, s: impl OutputStream) -> &mut Self {
        self.stdout = Box::new(s);
        self
    }

    /// The guest's stderr.
    pub fn stderr(&mut self, s: impl OutputStream) -> &mut Self {
        self.stderr = Box::new(s);
        self
    }

    /// The host's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin(pipe::Stdin)
    }

    /// The host's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout(pipe::Stdout)
    }

    /// The host's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr(pipe::Stderr)
    }

    /// The host's stdin, stdout and stderr.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Lets the guest reach the host directory `host_path` (and nothing
    /// outside it) under the name `guest_path`, read-only or read-write.
    /// Preopens get descriptors 3, 4, ... in the order they are added.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        perms: FsPerms,
    ) -> Result<&mut Self> {
        let (dir_perms, file_perms) = perms.split();
        self.preopened_dir_with_perms(host_path, guest_path, dir_perms, file_perms)
    }

    /// [`preopened_dir`](Self::preopened_dir) with separate grants for the
    /// directories and for the files (wasmtime-wasi before 48 spelled this
    /// `preopened_dir`; 48 has only [`FsPerms`]).
    pub fn preopened_dir_with_perms(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> Result<&mut Self> {
        let host_path = host_path.as_ref();
        let guest = guest_path.as_ref().to_string();
        if guest.is_empty() {
            bail!("the guest name of a preopened directory must not be empty");
        }
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .with_context(|| format!("failed to open directory `{}`", host_path.display()))?;
        let (base, inheriting) = preopen_rights(dir_perms, file_perms);
        self.extras.push(Extra::Dir { dir, guest, base, inheriting });
        Ok(self)
    }

    /// Hands the guest a listening TCP socket (for `sock_accept`).
    pub fn preopened_tcp_listener(&mut self, l: std::net::TcpListener) -> &mut Self {
        self.extras.push(Extra::Socket(Socket::TcpListener(l)));
        self
    }

    /// Hands the guest a connected TCP stream.
    pub fn preopened_tcp_stream(&mut self, s: std::net::TcpStream) -> &mut Self {
        self.extras.push(Extra::Socket(Socket::TcpStream(s)));
        self
    }

    /// Hands the guest a listening Unix socket.
    pub fn preopened_unix_listener(&mut self, l: std::os::unix::net::UnixListener) -> &mut Self {
        self.extras.push(Extra::Socket(Socket::UnixListener(l)));
        self
    }

    /// Hands the guest a connected Unix stream.
    pub fn preopened_unix_stream(&mut self, s: std::os::unix::net::UnixStream) -> &mut Self {
        self.extras.push(Extra::Socket(Socket::UnixStream(s)));
        self
    }

    /// The context, as wasmtime-wasi spells it for preview1 (the same as
    /// [`build`](Self::build)).
    pub fn build_p1(&mut self) -> crate::p1::WasiP1Ctx {
        self.build()
    }

    /// The context. The builder is left empty, as [`new`](Self::new) makes it.
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let mut table = FdTable::default();
        let stream = Rights::STREAM & !Rights::FD_WRITE;
        let out = Rights::STREAM & !Rights::FD_READ;
        for e in [
            Entry::new(Descriptor::Input(b.stdin), stream, Rights::NONE),
            Entry::new(Descriptor::Output(b.stdout), out, Rights::NONE),
            Entry::new(Descriptor::Output(b.stderr), out, Rights::NONE),
        ] {
            table.push(e).expect("an empty table has room");
        }
        for extra in b.extras {
            let entry = match extra {
                Extra::Dir { dir, guest, base, inheriting } => {
                    Entry::new(Descriptor::Dir(DirEntry { dir, preopen: Some(guest) }), base, inheriting)
                }
                Extra::Socket(s) => Entry::new(Descriptor::Socket(s), super::sock::socket_rights(), Rights::NONE),
            };
            table.push(entry).expect("room for preopens");
        }
        WasiCtx { args: b.args, env: b.env, table }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_preopens_lose_mutation_rights() {
        let (base, inh) = preopen_rights(DirPerms::READ, FilePerms::READ);
        assert!(base.contains(Rights::PATH_OPEN | Rights::FD_READDIR));
        assert!(!base.intersects(Rights::PATH_CREATE_FILE | Rights::PATH_UNLINK_FILE));
        assert!(!inh.intersects(Rights::FD_WRITE));
        assert!(inh.contains(Rights::FD_READ));
        let (base, inh) = preopen_rights(DirPerms::all(), FilePerms::all());
        assert_eq!(base, Rights::DIR);
        assert_eq!(inh, Rights::DIR | Rights::FILE);
    }

    #[test]
    fn env_replaces_earlier_values() {
        let mut b = WasiCtxBuilder::new();
        b.env("A", "1").env("AB", "2").env("A", "3").args(&["prog", "x"]);
        let ctx = b.build();
        assert_eq!(ctx.env, vec![b"AB=2".to_vec(), b"A=3".to_vec()]);
        assert_eq!(ctx.args().count(), 2);
        assert!(ctx.table.contains(crate::Fd(2)));
        assert!(!ctx.table.contains(crate::Fd(3)));
    }
}
