//! The layouts and encodings that differ between `wasi_unstable` (snapshot
//! 0) and `wasi_snapshot_preview1`, in one place:
//!
//! - `whence`: unstable numbers CUR=0, END=1, SET=2; preview1 SET=0, CUR=1, END=2.
//! - `filestat`: unstable's `nlink` is a u32 (56 bytes in all); preview1's is a
//!   u64 (64 bytes).
//! - `subscription_clock`: unstable's starts with an extra `identifier`
//!   (u64), making a subscription 56 bytes instead of 48.
//!
//! Everything else (errno, rights, flags, fdstat, prestat, dirent, event,
//! iovec) is laid out the same in both.

use super::errno::Errno;
use super::memory::GuestMemory;
use super::types::{Abi, Filestat, GuestPtr, Whence, eventtype};

/// Decodes a `whence` value.
pub(crate) fn whence(abi: Abi, raw: u32) -> Result<Whence, Errno> {
    Ok(match (abi, raw) {
        (Abi::Preview1, 0) | (Abi::Unstable, 2) => Whence::Set,
        (Abi::Preview1, 1) | (Abi::Unstable, 0) => Whence::Cur,
        (Abi::Preview1, 2) | (Abi::Unstable, 1) => Whence::End,
        _ => return Err(Errno::INVAL),
    })
}

/// The size of a `filestat`.
pub(crate) fn filestat_size(abi: Abi) -> u32 {
    match abi {
        Abi::Preview1 => 64,
        Abi::Unstable => 56,
    }
}

/// Writes a `filestat` at `ptr`.
pub(crate) fn write_filestat(mem: &mut GuestMemory<'_>, abi: Abi, ptr: GuestPtr, st: &Filestat) -> Result<(), Errno> {
    mem.check_out(ptr, filestat_size(abi), 8)?;
    mem.write_u64(ptr, st.dev)?;
    mem.write_u64(ptr + 8, st.ino)?;
    mem.write_bytes(ptr + 16, &[st.filetype, 0, 0, 0, 0, 0, 0, 0])?;
    let rest = match abi {
        Abi::Preview1 => {
            mem.write_u64(ptr + 24, st.nlink)?;
            ptr + 32
        }
        Abi::Unstable => {
            mem.write_u32(ptr + 20, u32::try_from(st.nlink).unwrap_or(u32::MAX))?;
            ptr + 24
        }
    };
    mem.write_u64(rest, st.size)?;
    mem.write_u64(rest + 8, st.atim)?;
    mem.write_u64(rest + 16, st.mtim)?;
    mem.write_u64(rest + 24, st.ctim)
}

/// The size of a `subscription`.
pub(crate) fn subscription_size(abi: Abi) -> u32 {
    match abi {
        Abi::Preview1 => 48,
        Abi::Unstable => 56,
    }
}

/// What a subscription asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SubscriptionKind {
    Clock { id: u32, timeout: u64, flags: u16 },
    FdRead(u32),
    FdWrite(u32),
}

/// One decoded `subscription`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub userdata: u64,
    /// The raw event type, echoed in the event.
    pub tag: u8,
    /// `None` for an unknown event type.
    pub kind: Option<SubscriptionKind>,
}

/// Reads the subscription at `ptr`.
pub(crate) fn read_subscription(mem: &GuestMemory<'_>, abi: Abi, ptr: GuestPtr) -> Result<Subscription, Errno> {
    let userdata = mem.read_u64(ptr)?;
    let tag = mem.read_u8(ptr + 8)?;
    let u = ptr + 16;
    let kind = match tag {
        eventtype::CLOCK => {
            // Unstable's clock has an `identifier` before the clock id.
            let c = match abi {
                Abi::Preview1 => u,
                Abi::Unstable => u + 8,
            };
            Some(SubscriptionKind::Clock {
                id: mem.read_u32(c)?,
                timeout: mem.read_u64(c + 8)?,
                flags: mem.read_u16(c + 24)?,
            })
        }
        eventtype::FD_READ => Some(SubscriptionKind::FdRead(mem.read_u32(u)?)),
        eventtype::FD_WRITE => Some(SubscriptionKind::FdWrite(mem.read_u32(u)?)),
        _ => None,
    };
    Ok(Subscription { userdata, tag, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whence_orders_differ() {
        assert_eq!(whence(Abi::Preview1, 0), Ok(Whence::Set));
        assert_eq!(whence(Abi::Unstable, 0), Ok(Whence::Cur));
        assert_eq!(whence(Abi::Unstable, 1), Ok(Whence::End));
        assert_eq!(whence(Abi::Unstable, 2), Ok(Whence::Set));
        assert_eq!(whence(Abi::Preview1, 3), Err(Errno::INVAL));
    }

    #[test]
    fn filestat_layouts_differ() {
        let st = Filestat { dev: 1, ino: 2, filetype: 4, nlink: 3, size: 5, atim: 6, mtim: 7, ctim: 8 };
        let mut bytes = vec![0xffu8; 128];
        let mut m = GuestMemory::new(&mut bytes);
        write_filestat(&mut m, Abi::Preview1, 0, &st).unwrap();
        assert_eq!(m.read_u64(24), Ok(3));
        assert_eq!(m.read_u64(32), Ok(5));
        assert_eq!(m.read_u64(56), Ok(8));
        assert_eq!(m.read_u8(64), Ok(0xff));
        write_filestat(&mut m, Abi::Unstable, 64, &st).unwrap();
        assert_eq!(m.read_u8(64 + 16), Ok(4));
        assert_eq!(m.read_u32(64 + 20), Ok(3));
        assert_eq!(m.read_u64(64 + 24), Ok(5));
        assert_eq!(m.read_u64(64 + 48), Ok(8));
        assert_eq!(write_filestat(&mut m, Abi::Preview1, 72, &st), Err(Errno::FAULT));
    }

    #[test]
    fn clock_subscriptions_differ() {
        let mut bytes = vec![0u8; 128];
        let mut m = GuestMemory::new(&mut bytes);
        // preview1: id at 16, timeout at 24, flags at 40.
        m.write_u64(0, 99).unwrap();
        m.write_u32(16, 1).unwrap();
        m.write_u64(24, 500).unwrap();
        m.write_u16(40, 1).unwrap();
        let s = read_subscription(&m, Abi::Preview1, 0).unwrap();
        assert_eq!(s.userdata, 99);
        assert_eq!(s.kind, Some(SubscriptionKind::Clock { id: 1, timeout: 500, flags: 1 }));
        // unstable: identifier at 16, id at 24, timeout at 32, flags at 48.
        m.write_u64(64, 7).unwrap();
        m.write_u64(64 + 16, 1234).unwrap();
        m.write_u32(64 + 24, 0).unwrap();
        m.write_u64(64 + 32, 42).unwrap();
        m.write_u16(64 + 48, 0).unwrap();
        let s = read_subscription(&m, Abi::Unstable, 64).unwrap();
        assert_eq!(s.kind, Some(SubscriptionKind::Clock { id: 0, timeout: 42, flags: 0 }));
        m.write_u8(64 + 8, 2).unwrap();
        m.write_u32(64 + 16, 5).unwrap();
        let s = read_subscription(&m, Abi::Unstable, 64).unwrap();
        assert_eq!(s.kind, Some(SubscriptionKind::FdWrite(5)));
        assert_eq!(subscription_size(Abi::Unstable), 56);
    }
}
