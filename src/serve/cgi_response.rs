//! Turns what a WAGI guest wrote to stdout into an HTTP response: CGI
//! header lines (`\n` or `\r\n` ended), a blank line, then the body
//! (RFC 3875, section 6). `status:` sets the status code, `location:`
//! without a status means 302, and every other header is passed on.

use hyper::StatusCode;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;

/// A guest's response, parsed.
#[derive(Debug)]
pub struct GuestResponse {
    /// From `status:`, or 302 for a redirect, or 200.
    pub status: StatusCode,
    /// The headers to send, `status` and framing headers left out.
    pub headers: HeaderMap,
    /// Everything after the blank line.
    pub body: Vec<u8>,
}

/// Why a guest's output is not a CGI response.
#[derive(Debug, PartialEq)]
pub enum Malformed {
    /// No blank line ends the header block.
    NoHeaderEnd,
    /// A header line with no `:`, or a name or value HTTP does not allow.
    BadHeader(String),
    /// A `status:` whose value does not start with a code from 200 to 999
    /// (an informational 1xx cannot be a final response).
    BadStatus(String),
    /// None of `content-type`, `location` and `status` was given.
    NoCgiHeader,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::NoHeaderEnd => write!(f, "no blank line ends the CGI header block"),
            Malformed::BadHeader(line) => write!(f, "malformed CGI header line {line:?}"),
            Malformed::BadStatus(v) => write!(f, "malformed CGI status {v:?}"),
            Malformed::NoCgiHeader => write!(f, "the response has none of content-type, location and status"),
        }
    }
}

impl std::error::Error for Malformed {}

/// Headers the server frames itself; a guest's are dropped, never trusted.
const FRAMING: &[&str] = &["content-length", "transfer-encoding", "connection"];

/// Parses a guest's stdout.
pub fn parse(output: &[u8]) -> Result<GuestResponse, Malformed> {
    let mut status = None;
    let mut headers = HeaderMap::new();
    let mut rest = output;
    loop {
        let end = rest.iter().position(|&b| b == b'\n').ok_or(Malformed::NoHeaderEnd)?;
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let shown = || String::from_utf8_lossy(line).into_owned();
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| Malformed::BadHeader(shown()))?;
        let name = HeaderName::from_bytes(&line[..colon]).map_err(|_| Malformed::BadHeader(shown()))?;
        let value = line[colon + 1..].trim_ascii();
        if name == "status" {
            status = Some(parse_status(value)?);
            continue;
        }
        let value = HeaderValue::from_bytes(value).map_err(|_| Malformed::BadHeader(shown()))?;
        if !FRAMING.contains(&name.as_str()) {
            headers.append(name, value);
        }
    }
    let status = match status {
        Some(s) => s,
        None if headers.contains_key("location") => StatusCode::FOUND,
        None if headers.contains_key("content-type") => StatusCode::OK,
        None => return Err(Malformed::NoCgiHeader),
    };
    Ok(GuestResponse { status, headers, body: rest.to_vec() })
}

/// `404`, or `404 Not Found` (the reason is dropped: hyper sends the
/// standard one).
fn parse_status(value: &[u8]) -> Result<StatusCode, Malformed> {
    let bad = || Malformed::BadStatus(String::from_utf8_lossy(value).into_owned());
    let code = value.split(u8::is_ascii_whitespace).next().unwrap_or_default();
    if code.len() != 3 {
        return Err(bad());
    }
    let status = StatusCode::from_bytes(code).map_err(|_| bad())?;
    if status.is_informational() {
        return Err(bad());
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_status_and_body() {
        let r = parse(b"Content-Type: text/plain\r\nstatus: 404\tNot Found\r\nx-a: 1\r\n\r\nbody\n\nmore").unwrap();
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.headers["content-type"], "text/plain");
        assert_eq!(r.headers["x-a"], "1");
        assert!(!r.headers.contains_key("status"));
        assert_eq!(r.body, b"body\n\nmore");
    }

    #[test]
    fn location_alone_is_a_redirect_and_framing_is_dropped() {
        let r = parse(b"location: /x\ncontent-length: 99\n\n").unwrap();
        assert_eq!(r.status, StatusCode::FOUND);
        assert!(!r.headers.contains_key("content-length"));
        assert!(r.body.is_empty());
        assert_eq!(parse(b"status: 204\n\n").unwrap().status, StatusCode::NO_CONTENT);
    }

    #[test]
    fn malformed_output_is_an_error() {
        assert_eq!(parse(b"").unwrap_err(), Malformed::NoHeaderEnd);
        assert_eq!(parse(b"content-type: text/plain\n").unwrap_err(), Malformed::NoHeaderEnd);
        assert!(matches!(parse(b"no colon\n\n").unwrap_err(), Malformed::BadHeader(_)));
        assert!(matches!(parse(b"bad name: x\n\n").unwrap_err(), Malformed::BadHeader(_)));
        assert!(matches!(parse(b"x: a\x01b\n\n").unwrap_err(), Malformed::BadHeader(_)));
        assert!(matches!(parse(b"status: 42\n\n").unwrap_err(), Malformed::BadStatus(_)));
        assert!(matches!(parse(b"status: 1000\n\n").unwrap_err(), Malformed::BadStatus(_)));
        assert!(matches!(parse(b"status: abc\n\n").unwrap_err(), Malformed::BadStatus(_)));
        assert!(matches!(parse(b"status: 101\n\n").unwrap_err(), Malformed::BadStatus(_)));
        assert!(matches!(parse(b"status: +20\n\n").unwrap_err(), Malformed::BadStatus(_)));
        assert_eq!(parse(b"x-a: 1\n\n").unwrap_err(), Malformed::NoCgiHeader);
        assert_eq!(parse(b"\n").unwrap_err(), Malformed::NoCgiHeader);
    }
}
