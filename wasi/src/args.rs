//! `args_*` and `environ_*`: the guest's argument and environment strings,
//! each written NUL-terminated into one guest buffer with a pointer array.

use super::WasiCtx;
use super::errno::Errno;
use super::memory::GuestMemory;
use super::types::GuestPtr;

/// Writes `strings` as a pointer array at `ptrs` and NUL-terminated bytes at `buf`.
fn write_strings(mem: &mut GuestMemory<'_>, strings: &[Vec<u8>], ptrs: GuestPtr, buf: GuestPtr) -> Result<(), Errno> {
    let (count, size) = sizes(strings)?;
    mem.check_out(ptrs, count.checked_mul(4).ok_or(Errno::FAULT)?, 4)?;
    mem.slice(buf, size)?;
    // The buffer may end exactly at 4 GiB, so the cursor runs in u64; every
    // string starts inside the buffer checked above, so it fits a u32 there.
    let mut at = u64::from(buf);
    for (i, s) in strings.iter().enumerate() {
        let start = u32::try_from(at).map_err(|_| Errno::FAULT)?;
        mem.write_u32(ptrs + 4 * i as u32, start)?;
        mem.write_bytes(start, s)?;
        mem.write_u8(start + s.len() as u32, 0)?;
        at += s.len() as u64 + 1;
    }
    Ok(())
}

/// (count, total bytes with NULs).
fn sizes(strings: &[Vec<u8>]) -> Result<(u32, u32), Errno> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::OVERFLOW)?;
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    Ok((count, u32::try_from(size).map_err(|_| Errno::OVERFLOW)?))
}

fn write_sizes(
    mem: &mut GuestMemory<'_>,
    strings: &[Vec<u8>],
    count_out: GuestPtr,
    size_out: GuestPtr,
) -> Result<(), Errno> {
    let (count, size) = sizes(strings)?;
    mem.check_out(count_out, 4, 4)?;
    mem.check_out(size_out, 4, 4)?;
    mem.write_u32(count_out, count)?;
    mem.write_u32(size_out, size)
}

impl WasiCtx {
    pub(crate) fn args_get(&mut self, mem: &mut GuestMemory<'_>, argv: GuestPtr, buf: GuestPtr) -> Result<(), Errno> {
        write_strings(mem, &self.args, argv, buf)
    }

    pub(crate) fn args_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argc: GuestPtr,
        size: GuestPtr,
    ) -> Result<(), Errno> {
        write_sizes(mem, &self.args, argc, size)
    }

    pub(crate) fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        environ: GuestPtr,
        buf: GuestPtr,
    ) -> Result<(), Errno> {
        write_strings(mem, &self.env, environ, buf)
    }

    pub(crate) fn environ_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count: GuestPtr,
        size: GuestPtr,
    ) -> Result<(), Errno> {
        write_sizes(mem, &self.env, count, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_laid_out_with_nuls() {
        let strings = vec![b"ab".to_vec(), b"".to_vec(), b"xyz".to_vec()];
        assert_eq!(sizes(&strings), Ok((3, 8)));
        let mut bytes = vec![0xaau8; 64];
        let mut m = GuestMemory::new(&mut bytes);
        write_strings(&mut m, &strings, 0, 32).unwrap();
        assert_eq!(m.read_u32(0), Ok(32));
        assert_eq!(m.read_u32(4), Ok(35));
        assert_eq!(m.read_u32(8), Ok(36));
        assert_eq!(m.slice(32, 8).unwrap(), b"ab\0\0xyz\0");
        assert_eq!(write_strings(&mut m, &strings, 0, 60), Err(Errno::FAULT));
    }
}
