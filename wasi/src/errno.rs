//! The preview1 `errno` enum: the spec's numbering, its names (for traces),
//! and the one mapping from host I/O errors to it.

use std::fmt;
use std::io;

macro_rules! errnos {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        /// A WASI preview1 error number (`errno`), numbered as the spec numbers
        /// it (the same in `wasi_unstable` and `wasi_snapshot_preview1`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Errno {
            $($(#[$doc])* $name = $value,)*
        }

        impl Errno {
            /// Every errno, in numeric order.
            pub const ALL: &'static [Errno] = &[$(Errno::$name,)*];

            /// The errno's name as the C headers spell it (`ESUCCESS`, `EBADF`, ...).
            #[allow(unreachable_patterns)]
            pub fn name(self) -> &'static str {
                match self {
                    Errno::_2BIG => "E2BIG",
                    $(Errno::$name => concat!("E", stringify!($name)),)*
                }
            }

            /// The errno numbered `raw`, if there is one.
            pub fn from_raw(raw: u16) -> Option<Errno> {
                match raw {
                    $($value => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    /// No error.
    SUCCESS = 0,
    /// Argument list too long.
    _2BIG = 1,
    /// Permission denied.
    ACCES = 2,
    /// Address in use.
    ADDRINUSE = 3,
    /// Address not available.
    ADDRNOTAVAIL = 4,
    /// Address family not supported.
    AFNOSUPPORT = 5,
    /// Resource unavailable, or operation would block.
    AGAIN = 6,
    /// Connection already in progress.
    ALREADY = 7,
    /// Bad file descriptor.
    BADF = 8,
    /// Bad message.
    BADMSG = 9,
    /// Device or resource busy.
    BUSY = 10,
    /// Operation canceled.
    CANCELED = 11,
    /// No child processes.
    CHILD = 12,
    /// Connection aborted.
    CONNABORTED = 13,
    /// Connection refused.
    CONNREFUSED = 14,
    /// Connection reset.
    CONNRESET = 15,
    /// Resource deadlock would occur.
    DEADLK = 16,
    /// Destination address required.
    DESTADDRREQ = 17,
    /// Mathematics argument out of domain of function.
    DOM = 18,
    /// Reserved.
    DQUOT = 19,
    /// File exists.
    EXIST = 20,
    /// Bad address.
    FAULT = 21,
    /// File too large.
    FBIG = 22,
    /// Host is unreachable.
    HOSTUNREACH = 23,
    /// Identifier removed.
    IDRM = 24,
    /// Illegal byte sequence.
    ILSEQ = 25,
    /// Operation in progress.
    INPROGRESS = 26,
    /// Interrupted function.
    INTR = 27,
    /// Invalid argument.
    INVAL = 28,
    /// I/O error.
    IO = 29,
    /// Socket is connected.
    ISCONN = 30,
    /// Is a directory.
    ISDIR = 31,
    /// Too many levels of symbolic links.
    LOOP = 32,
    /// File descriptor value too large.
    MFILE = 33,
    /// Too many links.
    MLINK = 34,
    /// Message too large.
    MSGSIZE = 35,
    /// Reserved.
    MULTIHOP = 36,
    /// Filename too long.
    NAMETOOLONG = 37,
    /// Network is down.
    NETDOWN = 38,
    /// Connection aborted by network.
    NETRESET = 39,
    /// Network unreachable.
    NETUNREACH = 40,
    /// Too many files open in system.
    NFILE = 41,
    /// No buffer space available.
    NOBUFS = 42,
    /// No such device.
    NODEV = 43,
    /// No such file or directory.
    NOENT = 44,
    /// Executable file format error.
    NOEXEC = 45,
    /// No locks available.
    NOLCK = 46,
    /// Reserved.
    NOLINK = 47,
    /// Not enough space.
    NOMEM = 48,
    /// No message of the desired type.
    NOMSG = 49,
    /// Protocol not available.
    NOPROTOOPT = 50,
    /// No space left on device.
    NOSPC = 51,
    /// Function not supported.
    NOSYS = 52,
    /// The socket is not connected.
    NOTCONN = 53,
    /// Not a directory or a symbolic link to a directory.
    NOTDIR = 54,
    /// Directory not empty.
    NOTEMPTY = 55,
    /// State not recoverable.
    NOTRECOVERABLE = 56,
    /// Not a socket.
    NOTSOCK = 57,
    /// Not supported, or operation not supported on socket.
    NOTSUP = 58,
    /// Inappropriate I/O control operation.
    NOTTY = 59,
    /// No such device or address.
    NXIO = 60,
    /// Value too large to be stored in data type.
    OVERFLOW = 61,
    /// Previous owner died.
    OWNERDEAD = 62,
    /// Operation not permitted.
    PERM = 63,
    /// Broken pipe.
    PIPE = 64,
    /// Protocol error.
    PROTO = 65,
    /// Protocol not supported.
    PROTONOSUPPORT = 66,
    /// Protocol wrong type for socket.
    PROTOTYPE = 67,
    /// Result too large.
    RANGE = 68,
    /// Read-only file system.
    ROFS = 69,
    /// Invalid seek.
    SPIPE = 70,
    /// No such process.
    SRCH = 71,
    /// Reserved.
    STALE = 72,
    /// Connection timed out.
    TIMEDOUT = 73,
    /// Text file busy.
    TXTBSY = 74,
    /// Cross-device link.
    XDEV = 75,
    /// Extension: capabilities insufficient.
    NOTCAPABLE = 76,
}

impl Errno {
    /// The value the guest receives.
    pub fn raw(self) -> u16 {
        self as u16
    }

    /// The errno for a host OS error number (`libc::E*`), if one corresponds.
    pub fn from_host_errno(code: i32) -> Option<Errno> {
        use Errno as E;
        Some(match code {
            0 => E::SUCCESS,
            libc::E2BIG => E::_2BIG,
            libc::EACCES => E::ACCES,
            libc::EADDRINUSE => E::ADDRINUSE,
            libc::EADDRNOTAVAIL => E::ADDRNOTAVAIL,
            libc::EAFNOSUPPORT => E::AFNOSUPPORT,
            libc::EAGAIN => E::AGAIN,
            libc::EALREADY => E::ALREADY,
            libc::EBADF => E::BADF,
            libc::EBADMSG => E::BADMSG,
            libc::EBUSY => E::BUSY,
            libc::ECANCELED => E::CANCELED,
            libc::ECHILD => E::CHILD,
            libc::ECONNABORTED => E::CONNABORTED,
            libc::ECONNREFUSED => E::CONNREFUSED,
            libc::ECONNRESET => E::CONNRESET,
            libc::EDEADLK => E::DEADLK,
            libc::EDESTADDRREQ => E::DESTADDRREQ,
            libc::EDOM => E::DOM,
            libc::EDQUOT => E::DQUOT,
            libc::EEXIST => E::EXIST,
            libc::EFAULT => E::FAULT,
            libc::EFBIG => E::FBIG,
            libc::EHOSTUNREACH => E::HOSTUNREACH,
            libc::EIDRM => E::IDRM,
            libc::EILSEQ => E::ILSEQ,
            libc::EINPROGRESS => E::INPROGRESS,
            libc::EINTR => E::INTR,
            libc::EINVAL => E::INVAL,
            libc::EIO => E::IO,
            libc::EISCONN => E::ISCONN,
            libc::EISDIR => E::ISDIR,
            libc::ELOOP => E::LOOP,
            libc::EMFILE => E::MFILE,
            libc::EMLINK => E::MLINK,
            libc::EMSGSIZE => E::MSGSIZE,
            libc::EMULTIHOP => E::MULTIHOP,
            libc::ENAMETOOLONG => E::NAMETOOLONG,
            libc::ENETDOWN => E::NETDOWN,
            libc::ENETRESET => E::NETRESET,
            libc::ENETUNREACH => E::NETUNREACH,
            libc::ENFILE => E::NFILE,
            libc::ENOBUFS => E::NOBUFS,
            libc::ENODEV => E::NODEV,
            libc::ENOENT => E::NOENT,
            libc::ENOEXEC => E::NOEXEC,
            libc::ENOLCK => E::NOLCK,
            libc::ENOLINK => E::NOLINK,
            libc::ENOMEM => E::NOMEM,
            libc::ENOMSG => E::NOMSG,
            libc::ENOPROTOOPT => E::NOPROTOOPT,
            libc::ENOSPC => E::NOSPC,
            libc::ENOSYS => E::NOSYS,
            libc::ENOTCONN => E::NOTCONN,
            libc::ENOTDIR => E::NOTDIR,
            libc::ENOTEMPTY => E::NOTEMPTY,
            libc::ENOTRECOVERABLE => E::NOTRECOVERABLE,
            libc::ENOTSOCK => E::NOTSOCK,
            libc::ENOTSUP => E::NOTSUP,
            libc::ENOTTY => E::NOTTY,
            libc::ENXIO => E::NXIO,
            libc::EOVERFLOW => E::OVERFLOW,
            libc::EOWNERDEAD => E::OWNERDEAD,
            libc::EPERM => E::PERM,
            libc::EPIPE => E::PIPE,
            libc::EPROTO => E::PROTO,
            libc::EPROTONOSUPPORT => E::PROTONOSUPPORT,
            libc::EPROTOTYPE => E::PROTOTYPE,
            libc::ERANGE => E::RANGE,
            libc::EROFS => E::ROFS,
            libc::ESPIPE => E::SPIPE,
            libc::ESRCH => E::SRCH,
            libc::ESTALE => E::STALE,
            libc::ETIMEDOUT => E::TIMEDOUT,
            libc::ETXTBSY => E::TXTBSY,
            libc::EXDEV => E::XDEV,
            _ => return None,
        })
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.raw())
    }
}

impl std::error::Error for Errno {}

impl From<io::Error> for Errno {
    /// An OS error maps by its number. An error without one comes from
    /// cap-std's sandbox (`PermissionDenied`: a path led outside the
    /// preopen, which is ENOTCAPABLE) or from std, mapped by kind.
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return Errno::from_host_errno(code).unwrap_or(Errno::IO);
        }
        match e.kind() {
            io::ErrorKind::PermissionDenied => Errno::NOTCAPABLE,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            io::ErrorKind::StorageFull => Errno::NOSPC,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            io::ErrorKind::InvalidFilename => Errno::NAMETOOLONG,
            io::ErrorKind::TimedOut => Errno::TIMEDOUT,
            _ => Errno::IO,
        }
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        Errno::from_host_errno(e.raw_os_error()).unwrap_or(Errno::IO)
    }
}

impl From<std::num::TryFromIntError> for Errno {
    fn from(_: std::num::TryFromIntError) -> Errno {
        Errno::OVERFLOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_matches_the_spec() {
        assert_eq!(Errno::ALL.len(), 77);
        for (i, e) in Errno::ALL.iter().enumerate() {
            assert_eq!(e.raw() as usize, i);
            assert_eq!(Errno::from_raw(i as u16), Some(*e));
        }
        assert_eq!(Errno::ILSEQ.raw(), 25);
        assert_eq!(Errno::NOENT.raw(), 44);
        assert_eq!(Errno::NOTCAPABLE.raw(), 76);
        assert_eq!(Errno::from_raw(77), None);
    }

    #[test]
    fn names_follow_the_c_headers() {
        assert_eq!(Errno::SUCCESS.name(), "ESUCCESS");
        assert_eq!(Errno::_2BIG.name(), "E2BIG");
        assert_eq!(Errno::NOTCAPABLE.name(), "ENOTCAPABLE");
        assert_eq!(Errno::BADF.to_string(), "EBADF (8)");
    }

    #[test]
    fn host_errors_map_by_number_then_kind() {
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ENOENT)), Errno::NOENT);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::EACCES)), Errno::ACCES);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ELOOP)), Errno::LOOP);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ENOTEMPTY)), Errno::NOTEMPTY);
        // cap-std's sandbox escape error carries no OS number.
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "a path led outside of the filesystem");
        assert_eq!(Errno::from(escape), Errno::NOTCAPABLE);
        assert_eq!(Errno::from(io::Error::other("x")), Errno::IO);
        assert_eq!(Errno::from(rustix::io::Errno::EXIST), Errno::EXIST);
    }
}
