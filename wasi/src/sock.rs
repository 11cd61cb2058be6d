//! `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown` on sockets the
//! embedder handed to the guest (preview1 cannot create sockets). Any other
//! descriptor answers ENOTSOCK; a missing one EBADF.

use super::WasiCtx;
use super::errno::Errno;
use super::fd_table::{Descriptor, Entry, Socket};
use super::memory::GuestMemory;
use super::types::{Fd, GuestPtr, Rights, fdflags, sockflags};
use std::net::Shutdown;

/// The rights of a socket descriptor.
pub(crate) fn socket_rights() -> Rights {
    Rights::FD_READ
        | Rights::FD_WRITE
        | Rights::FD_FDSTAT_SET_FLAGS
        | Rights::FD_FILESTAT_GET
        | Rights::POLL_FD_READWRITE
        | Rights::SOCK_SHUTDOWN
        | Rights::SOCK_ACCEPT
}

impl WasiCtx {
    fn socket(&mut self, fd: Fd, rights: Rights) -> Result<&mut Socket, Errno> {
        let e = self.table.get_mut(fd)?;
        match &mut e.desc {
            Descriptor::Socket(s) => {
                if !e.base.contains(rights) {
                    return Err(Errno::NOTCAPABLE);
                }
                Ok(s)
            }
            _ => Err(Errno::NOTSOCK),
        }
    }

    pub(crate) fn sock_accept(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        flags: u32,
        out: GuestPtr,
    ) -> Result<(), Errno> {
        if flags & !(fdflags::NONBLOCK as u32) != 0 {
            return Err(Errno::INVAL);
        }
        mem.check_out(out, 4, 4)?;
        let nonblock = flags & fdflags::NONBLOCK as u32 != 0;
        let accepted = match self.socket(fd, Rights::SOCK_ACCEPT)? {
            Socket::TcpListener(l) => {
                let (s, _) = l.accept()?;
                s.set_nonblocking(nonblock)?;
                Socket::TcpStream(s)
            }
            Socket::UnixListener(l) => {
                let (s, _) = l.accept()?;
                s.set_nonblocking(nonblock)?;
                Socket::UnixStream(s)
            }
            _ => return Err(Errno::INVAL),
        };
        let mut entry = Entry::new(Descriptor::Socket(accepted), socket_rights() & !Rights::SOCK_ACCEPT, Rights::NONE);
        if nonblock {
            entry.flags = fdflags::NONBLOCK;
        }
        let new_fd = self.table.push(entry)?;
        mem.write_u32(out, new_fd.0)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sock_recv(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        ri_flags: u32,
        ro_datalen: GuestPtr,
        ro_flags: GuestPtr,
    ) -> Result<(), Errno> {
        let flags = u16::try_from(ri_flags).map_err(|_| Errno::INVAL)?;
        if flags & !(sockflags::RECV_PEEK | sockflags::RECV_WAITALL) != 0 {
            return Err(Errno::INVAL);
        }
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(ro_datalen, 4, 4)?;
        mem.check_out(ro_flags, 2, 2)?;
        let want: usize = iovs.iter().map(|v| v.len as usize).sum::<usize>().min(16 << 20);
        let mut buf = vec![0u8; want];
        let s = self.socket(fd, Rights::FD_READ)?;
        let n = if flags & sockflags::RECV_PEEK != 0 {
            match s {
                Socket::TcpStream(t) => t.peek(&mut buf)?,
                Socket::UnixStream(u) => {
                    let n = rustix::net::recv(&*u, &mut buf, rustix::net::RecvFlags::PEEK)?;
                    n.0
                }
                _ => return Err(Errno::NOTCONN),
            }
        } else if flags & sockflags::RECV_WAITALL != 0 {
            let mut done = 0;
            while done < buf.len() {
                let n = s.read(&mut buf[done..])?;
                if n == 0 {
                    break;
                }
                done += n;
            }
            done
        } else {
            s.read(&mut buf)?
        };
        mem.scatter(&iovs, &buf[..n])?;
        mem.write_u32(ro_datalen, n as u32)?;
        mem.write_u16(ro_flags, 0)
    }

    pub(crate) fn sock_send(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        si_flags: u32,
        so_datalen: GuestPtr,
    ) -> Result<(), Errno> {
        if si_flags != 0 {
            return Err(Errno::INVAL);
        }
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(so_datalen, 4, 4)?;
        let data = mem.gather(&iovs)?;
        let s = self.socket(fd, Rights::FD_WRITE)?;
        let n = s.write(&data)?;
        mem.write_u32(so_datalen, n as u32)
    }

    pub(crate) fn sock_shutdown(&mut self, fd: Fd, how: u32) -> Result<(), Errno> {
        let how = match u8::try_from(how).map_err(|_| Errno::INVAL)? {
            sockflags::SHUT_RD => Shutdown::Read,
            sockflags::SHUT_WR => Shutdown::Write,
            x if x == sockflags::SHUT_RD | sockflags::SHUT_WR => Shutdown::Both,
            _ => return Err(Errno::INVAL),
        };
        match self.socket(fd, Rights::SOCK_SHUTDOWN)? {
            Socket::TcpStream(s) => s.shutdown(how)?,
            Socket::UnixStream(s) => s.shutdown(how)?,
            _ => return Err(Errno::NOTCONN),
        }
        Ok(())
    }
}
