//! Clocks, randomness and `sched_yield`: `clock_res_get`, `clock_time_get`,
//! `random_get`.

use super::WasiCtx;
use super::errno::Errno;
use super::memory::GuestMemory;
use super::types::{ClockId, GuestPtr};

fn host_clock(id: ClockId) -> rustix::time::ClockId {
    match id {
        ClockId::Realtime => rustix::time::ClockId::Realtime,
        ClockId::Monotonic => rustix::time::ClockId::Monotonic,
        ClockId::ProcessCpuTime => rustix::time::ClockId::ProcessCPUTime,
        ClockId::ThreadCpuTime => rustix::time::ClockId::ThreadCPUTime,
    }
}

#[allow(clippy::unnecessary_cast)] // the field types differ between platforms
fn nanos(t: rustix::time::Timespec) -> u64 {
    super::types::timestamp(t.tv_sec as i64, t.tv_nsec as i64)
}

/// The current time of `id`, in nanoseconds.
pub(crate) fn now(id: ClockId) -> u64 {
    nanos(rustix::time::clock_gettime(host_clock(id)))
}

/// The resolution of `id`, in nanoseconds (at least 1).
pub(crate) fn resolution(id: ClockId) -> u64 {
    nanos(rustix::time::clock_getres(host_clock(id))).max(1)
}

/// Decodes a clock id (EINVAL for an unknown one).
pub(crate) fn clock_id(raw: u32) -> Result<ClockId, Errno> {
    ClockId::from_raw(raw).ok_or(Errno::INVAL)
}

impl WasiCtx {
    pub(crate) fn clock_res_get(&mut self, mem: &mut GuestMemory<'_>, id: u32, out: GuestPtr) -> Result<(), Errno> {
        let id = clock_id(id)?;
        mem.write_u64(out, resolution(id))
    }

    pub(crate) fn clock_time_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        _precision: u64,
        out: GuestPtr,
    ) -> Result<(), Errno> {
        let id = clock_id(id)?;
        mem.write_u64(out, now(id))
    }

    pub(crate) fn random_get(&mut self, mem: &mut GuestMemory<'_>, buf: GuestPtr, len: u32) -> Result<(), Errno> {
        let mut out = mem.slice_mut(buf, len)?;
        while !out.is_empty() {
            let n = rustix::rand::getrandom(&mut *out, rustix::rand::GetRandomFlags::empty())?;
            out = &mut out[n..];
        }
        Ok(())
    }

    pub(crate) fn sched_yield(&mut self) -> Result<(), Errno> {
        std::thread::yield_now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_tick_and_ids_are_checked() {
        assert_eq!(clock_id(4), Err(Errno::INVAL));
        let a = now(ClockId::Monotonic);
        let b = now(ClockId::Monotonic);
        assert!(b >= a);
        assert!(now(ClockId::Realtime) > 1_600_000_000_000_000_000);
        assert!(resolution(ClockId::ProcessCpuTime) >= 1);
    }
}
