//! `poll_oneoff`: wait for clock deadlines and descriptor readiness.
//!
//! Regular files and in-memory pipes are always ready; host streams and
//! sockets are polled through the OS; clocks become deadlines on the
//! monotonic clock. The call returns as soon as one subscription fires,
//! reporting every one that has by then.

use super::WasiCtx;
use super::clocks::{self, clock_id};
use super::errno::Errno;
use super::fd_table::Descriptor;
use super::memory::GuestMemory;
use super::pipe::Readiness;
use super::types::{Abi, ClockId, EVENT_FD_READWRITE_HANGUP, Fd, GuestPtr, Rights, SUBSCRIPTION_CLOCK_ABSTIME};
use super::unstable::{self, SubscriptionKind};
use rustix::event::{PollFd, PollFlags};
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

/// The most subscriptions one `poll_oneoff` takes.
pub(crate) const MAX_SUBSCRIPTIONS: u32 = 1 << 16;

/// One event to report.
#[derive(Clone, Copy, Debug, Default)]
struct Event {
    userdata: u64,
    error: u16,
    tag: u8,
    nbytes: u64,
    flags: u16,
}

/// What a subscription waits for.
enum Wait {
    /// Fires at this monotonic time (ns).
    Deadline(u64),
    /// Fires when the host descriptor is ready for `flags`.
    Host(RawFd, PollFlags),
    /// Already fired.
    Now(Event),
}

/// Bytes readable now on a host descriptor, when the OS says.
fn readable_bytes(fd: RawFd) -> u64 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one `c_int` through the pointer, which points
    // at a live local; the descriptor is open for the duration of the call.
    let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if r == 0 { n.max(0) as u64 } else { 0 }
}

impl WasiCtx {
    /// The readiness of `fd` for reading (or writing): a wait, or an
    /// immediate event with an error.
    fn fd_wait(&self, fd: Fd, write: bool) -> Result<Result<Wait, Errno>, Errno> {
        let Ok(e) = self.table.get(fd) else {
            return Ok(Err(Errno::BADF));
        };
        if !e.base.contains(Rights::POLL_FD_READWRITE) && !e.base.intersects(Rights::FD_READ | Rights::FD_WRITE) {
            return Ok(Err(Errno::NOTCAPABLE));
        }
        let readiness = match (&e.desc, write) {
            (Descriptor::Input(s), false) => s.readiness(),
            (Descriptor::Output(s), true) => s.readiness(),
            (Descriptor::File(f), false) => {
                let size = f.file.metadata().map(|m| m.len()).unwrap_or(0);
                let pos = rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Current(0)).unwrap_or(size);
                Readiness::Ready(size.saturating_sub(pos))
            }
            (Descriptor::File(_), true) => Readiness::Ready(0),
            (Descriptor::Socket(s), _) => Readiness::HostFd(s.raw_fd()),
            (Descriptor::Dir(_), _) => return Ok(Err(Errno::ISDIR)),
            _ => return Ok(Err(Errno::BADF)),
        };
        let flags = if write { PollFlags::OUT } else { PollFlags::IN };
        Ok(Ok(match readiness {
            Readiness::Ready(n) => Wait::Now(Event { nbytes: n, ..Event::default() }),
            Readiness::HostFd(fd) => Wait::Host(fd, flags),
        }))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        abi: Abi,
        subs: GuestPtr,
        events: GuestPtr,
        nsubs: u32,
        nevents: GuestPtr,
    ) -> Result<(), Errno> {
        // Each subscription costs the host about twice its 48 bytes, and
        // 4 GiB of guest memory (never touched: zeros are valid clock
        // subscriptions) holds 89 million of them, so the count is bounded,
        // as POSIX bounds poll's `nfds` (EINVAL past a system limit).
        if nsubs == 0 || nsubs > MAX_SUBSCRIPTIONS {
            return Err(Errno::INVAL);
        }
        let sub_size = unstable::subscription_size(abi);
        mem.check_out(subs, nsubs.checked_mul(sub_size).ok_or(Errno::FAULT)?, 8)?;
        mem.check_out(events, nsubs.checked_mul(32).ok_or(Errno::FAULT)?, 8)?;
        mem.check_out(nevents, 4, 4)?;

        let mono_now = clocks::now(ClockId::Monotonic);
        let mut waits = Vec::with_capacity(nsubs as usize);
        for i in 0..nsubs {
            let s = unstable::read_subscription(mem, abi, subs + i * sub_size)?;
            let base = Event { userdata: s.userdata, tag: s.tag, ..Event::default() };
            let fail = |e: Errno| Wait::Now(Event { error: e.raw(), ..base });
            let wait = match s.kind {
                None => fail(Errno::INVAL),
                Some(SubscriptionKind::Clock { id, timeout, flags }) => match clock_id(id) {
                    Err(e) => fail(e),
                    Ok(id) => {
                        let deadline = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                            let delta = timeout.saturating_sub(clocks::now(id));
                            mono_now.saturating_add(delta)
                        } else {
                            mono_now.saturating_add(timeout)
                        };
                        Wait::Deadline(deadline)
                    }
                },
                Some(SubscriptionKind::FdRead(fd)) | Some(SubscriptionKind::FdWrite(fd)) => {
                    let write = matches!(s.kind, Some(SubscriptionKind::FdWrite(_)));
                    match self.fd_wait(Fd(fd), write)? {
                        Err(e) => fail(e),
                        Ok(Wait::Now(ev)) => Wait::Now(Event { nbytes: ev.nbytes, ..base }),
                        Ok(w) => w,
                    }
                }
            };
            waits.push((base, wait));
        }

        let mut fired: Vec<Event> = Vec::new();
        loop {
            let now = clocks::now(ClockId::Monotonic);
            let immediate = waits.iter().any(|(_, w)| match w {
                Wait::Now(_) => true,
                Wait::Deadline(d) => *d <= now,
                Wait::Host(..) => false,
            });
            let timeout = if immediate {
                Some(0)
            } else {
                waits
                    .iter()
                    .filter_map(|(_, w)| match w {
                        Wait::Deadline(d) => Some(d.saturating_sub(now)),
                        _ => None,
                    })
                    .min()
            };
            let host: Vec<(usize, RawFd, PollFlags)> = waits
                .iter()
                .enumerate()
                .filter_map(|(i, (_, w))| match w {
                    Wait::Host(fd, fl) => Some((i, *fd, *fl)),
                    _ => None,
                })
                .collect();
            let mut revents = vec![PollFlags::empty(); host.len()];
            if host.is_empty() {
                if let Some(t) = timeout.filter(|t| *t > 0) {
                    std::thread::sleep(Duration::from_nanos(t));
                }
            } else {
                let borrow = |fd: RawFd| {
                    // SAFETY: each raw descriptor belongs to an entry of the
                    // table (a stream or socket the context owns), which is
                    // not touched while these borrows live.
                    unsafe { BorrowedFd::borrow_raw(fd) }
                };
                let mut pollfds: Vec<PollFd<'_>> =
                    host.iter().map(|(_, fd, fl)| PollFd::from_borrowed_fd(borrow(*fd), *fl)).collect();
                let ts = timeout.map(|t| rustix::time::Timespec {
                    tv_sec: (t / 1_000_000_000) as _,
                    tv_nsec: (t % 1_000_000_000) as _,
                });
                match rustix::event::poll(&mut pollfds, ts.as_ref()) {
                    Ok(_) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
                for (r, p) in revents.iter_mut().zip(&pollfds) {
                    *r = p.revents();
                }
            }
            let now = clocks::now(ClockId::Monotonic);
            for (i, (base, w)) in waits.iter().enumerate() {
                match w {
                    Wait::Now(ev) => fired.push(*ev),
                    Wait::Deadline(d) if *d <= now => fired.push(*base),
                    Wait::Deadline(_) => {}
                    Wait::Host(fd, _) => {
                        let k = host.iter().position(|(j, ..)| *j == i).expect("listed");
                        let r = revents[k];
                        if r.is_empty() {
                            continue;
                        }
                        let mut ev = *base;
                        if r.contains(PollFlags::NVAL) {
                            ev.error = Errno::BADF.raw();
                        } else if r.contains(PollFlags::ERR) {
                            ev.error = Errno::IO.raw();
                        }
                        if r.contains(PollFlags::HUP) {
                            ev.flags = EVENT_FD_READWRITE_HANGUP;
                        }
                        if r.contains(PollFlags::IN) {
                            ev.nbytes = readable_bytes(*fd);
                        }
                        fired.push(ev);
                    }
                }
            }
            if !fired.is_empty() {
                break;
            }
        }

        for (i, ev) in fired.iter().enumerate() {
            let at = events + 32 * i as u32;
            mem.slice_mut(at, 32)?.fill(0);
            mem.write_u64(at, ev.userdata)?;
            mem.write_u16(at + 8, ev.error)?;
            mem.write_u8(at + 10, ev.tag)?;
            mem.write_u64(at + 16, ev.nbytes)?;
            mem.write_u16(at + 24, ev.flags)?;
        }
        tracing::trace!(target: "kiln::wasi", "| *nevents={}", fired.len());
        mem.write_u32(nevents, fired.len() as u32)
    }
}
