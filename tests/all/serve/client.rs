//! A minimal blocking HTTP/1.1 client over `std::net::TcpStream`: one
//! request per connection (`Connection: close`), the response read to the
//! end and parsed (status line, headers, a `Content-Length` body).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Every socket operation gives up after this long.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `head` (a request line and headers, without the final blank line)
/// then `body` as they are, and reads the whole response.
pub fn raw(addr: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(b"\r\n")?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        // A server that answers before reading the whole request (a 413)
        // may reset the connection after its answer: keep what came.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !response.is_empty() => Ok(response),
        Err(e) => Err(e),
        Ok(_) => Ok(response),
    }
}

/// Sends one request with a `Content-Length` body and parses the answer.
pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    let bytes = raw(addr, &head, body).unwrap_or_else(|e| panic!("{method} {target}: {e}"));
    parse(&bytes).unwrap_or_else(|e| panic!("{method} {target}: {e}: {:?}", String::from_utf8_lossy(&bytes)))
}

pub fn get(addr: SocketAddr, target: &str) -> Response {
    request(addr, "GET", target, &[], b"")
}

/// Parses a whole response; the body must be exactly `Content-Length` long.
pub fn parse(bytes: &[u8]) -> Result<Response, String> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of the response head")?;
    let head = std::str::from_utf8(&bytes[..end]).map_err(|_| "the head is not UTF-8")?;
    let body = bytes[end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or("no status line")?;
    let mut parts = status_line.splitn(3, ' ');
    if parts.next() != Some("HTTP/1.1") {
        return Err(format!("bad status line {status_line:?}"));
    }
    let status = parts.next().and_then(|s| s.parse().ok()).ok_or(format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(format!("bad header line {line:?}"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let response = Response { status, headers, body };
    let length: usize =
        response.header("content-length").ok_or("no content-length")?.parse().map_err(|_| "bad content-length")?;
    if length != response.body.len() {
        return Err(format!("content-length {length}, but {} body bytes", response.body.len()));
    }
    Ok(response)
}
