//! Standard streams for a guest: in-memory pipes the host can fill and read
//! back, the host's own stdio, files, and adapters for any `Read`/`Write`.
//!
//! A guest's fd 0 is an [`InputStream`]; fds 1 and 2 are [`OutputStream`]s.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};

/// Whether a stream can be read or written without blocking, for `poll_oneoff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Ready now, with this many bytes available (0 when unknown).
    Ready(u64),
    /// Ask the host OS by polling this descriptor.
    HostFd(RawFd),
}

/// Where a guest's stdin comes from.
pub trait InputStream: Send + 'static {
    /// Reads into `buf`; 0 means end of stream.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// Whether a read would block.
    fn readiness(&self) -> Readiness {
        Readiness::Ready(0)
    }
    /// Whether this is a terminal (the guest sees a character device).
    fn is_terminal(&self) -> bool {
        false
    }
}

/// Where a guest's stdout or stderr goes.
pub trait OutputStream: Send + 'static {
    /// Writes all of `buf`, or fails.
    fn write(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Flushes anything buffered.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Whether a write would block.
    fn readiness(&self) -> Readiness {
        Readiness::Ready(0)
    }
    /// Whether this is a terminal (the guest sees a character device).
    fn is_terminal(&self) -> bool {
        false
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An input stream over bytes in memory. Clones share the read position.
#[derive(Clone, Debug)]
pub struct MemoryInputPipe {
    inner: Arc<Mutex<(Vec<u8>, usize)>>,
}

impl MemoryInputPipe {
    /// A stream that yields `bytes`, then end of stream.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self { inner: Arc::new(Mutex::new((bytes.into(), 0))) }
    }

    /// How many bytes are left to read.
    pub fn remaining(&self) -> usize {
        let g = lock(&self.inner);
        g.0.len() - g.1
    }
}

impl InputStream for MemoryInputPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut g = lock(&self.inner);
        let (data, pos) = &mut *g;
        let n = buf.len().min(data.len() - *pos);
        buf[..n].copy_from_slice(&data[*pos..*pos + n]);
        *pos += n;
        Ok(n)
    }

    fn readiness(&self) -> Readiness {
        Readiness::Ready(self.remaining() as u64)
    }
}

/// An output stream into memory, holding at most `capacity` bytes; clones
/// share the buffer, so the host keeps one to read what the guest wrote.
#[derive(Clone, Debug)]
pub struct MemoryOutputPipe {
    capacity: usize,
    inner: Arc<Mutex<Vec<u8>>>,
}

impl MemoryOutputPipe {
    /// An empty pipe that accepts up to `capacity` bytes (a write past that
    /// fails with "no space").
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        lock(&self.inner).clone()
    }

    /// Everything written so far, as (lossy) UTF-8.
    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&lock(&self.inner)).into_owned()
    }
}

impl OutputStream for MemoryOutputPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut g = lock(&self.inner);
        if g.len() + buf.len() > self.capacity {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        g.extend_from_slice(buf);
        Ok(())
    }
}

/// An input stream that is always at its end (the default stdin).
#[derive(Clone, Copy, Debug, Default)]
pub struct ClosedInputPipe;

impl InputStream for ClosedInputPipe {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

/// An output stream that discards everything (the default stdout/stderr).
#[derive(Clone, Copy, Debug, Default)]
pub struct SinkOutputPipe;

impl OutputStream for SinkOutputPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// Any `Read` as an input stream.
pub struct ReadPipe<R>(pub R);

impl<R: Read + Send + 'static> InputStream for ReadPipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// Any `Write` as an output stream.
pub struct WritePipe<W>(pub W);

impl<W: Write + Send + 'static> OutputStream for WritePipe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn fd_is_terminal(fd: RawFd) -> bool {
    // SAFETY: `isatty` only inspects the descriptor number.
    unsafe { libc::isatty(fd) == 1 }
}

impl InputStream for std::fs::File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Read::read(self, buf)
    }
    fn readiness(&self) -> Readiness {
        Readiness::HostFd(self.as_raw_fd())
    }
    fn is_terminal(&self) -> bool {
        fd_is_terminal(self.as_raw_fd())
    }
}

impl OutputStream for std::fs::File {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        self.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(self)
    }
    fn readiness(&self) -> Readiness {
        Readiness::HostFd(self.as_raw_fd())
    }
    fn is_terminal(&self) -> bool {
        fd_is_terminal(self.as_raw_fd())
    }
}

/// The host process's stdin.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stdin;

impl InputStream for Stdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Straight from the descriptor, past std's buffer, so that what
        // `poll_oneoff` sees on it is what a read returns.
        let stdin = io::stdin();
        let _guard = stdin.lock();
        loop {
            match rustix::io::read(stdin.as_fd(), &mut *buf) {
                Err(rustix::io::Errno::INTR) => continue,
                r => return r.map_err(io::Error::from),
            }
        }
    }
    fn readiness(&self) -> Readiness {
        Readiness::HostFd(io::stdin().as_raw_fd())
    }
    fn is_terminal(&self) -> bool {
        fd_is_terminal(io::stdin().as_raw_fd())
    }
}

/// The host process's stdout.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stdout;

impl OutputStream for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(buf)?;
        out.flush()
    }
    fn readiness(&self) -> Readiness {
        Readiness::HostFd(io::stdout().as_raw_fd())
    }
    fn is_terminal(&self) -> bool {
        fd_is_terminal(io::stdout().as_raw_fd())
    }
}

/// The host process's stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stderr;

impl OutputStream for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stderr().lock().write_all(buf)
    }
    fn readiness(&self) -> Readiness {
        Readiness::HostFd(io::stderr().as_raw_fd())
    }
    fn is_terminal(&self) -> bool {
        fd_is_terminal(io::stderr().as_raw_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_pipes_share_state_between_clones() {
        let mut input = MemoryInputPipe::new(b"abcdef".to_vec());
        let other = input.clone();
        let mut buf = [0u8; 4];
        assert_eq!(InputStream::read(&mut input, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(other.remaining(), 2);
        assert_eq!(input.readiness(), Readiness::Ready(2));

        let out = MemoryOutputPipe::new(8);
        let mut w = out.clone();
        OutputStream::write(&mut w, b"hello").unwrap();
        assert_eq!(out.contents(), b"hello");
        assert!(OutputStream::write(&mut w, b"world").is_err());
        assert_eq!(out.contents_string(), "hello");
    }
}
