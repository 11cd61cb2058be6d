//! The WAGI request environment: the CGI/1.1 meta-variables (RFC 3875) a
//! guest reads to learn the request's method, path, query, headers and the
//! server it came through, plus WAGI's `X_*` extras.

use hyper::http::request::Parts;
use std::net::SocketAddr;

/// Where a request arrived: the two ends of its connection.
#[derive(Clone, Copy, Debug)]
pub struct Endpoints {
    /// The address the server accepted the connection on.
    pub local: SocketAddr,
    /// The client's address.
    pub remote: SocketAddr,
}

/// Request headers that never become `HTTP_*` variables: the body's own
/// are `CONTENT_TYPE` and `CONTENT_LENGTH`, and credentials stay with the
/// server, as RFC 3875 (4.1.18) recommends.
const NOT_PASSED: &[&str] = &["content-type", "content-length", "authorization", "proxy-authorization"];

/// The CGI variables for a request whose body is `body_len` bytes.
pub fn variables(parts: &Parts, body_len: usize, at: Endpoints) -> Vec<(String, String)> {
    let uri = &parts.uri;
    let raw_path = uri.path();
    let path = percent_decode(raw_path);
    let host = header(parts, "host").unwrap_or_else(|| at.local.to_string());
    let server_name = host_name(&host).to_string();
    let path_and_query = uri.path_and_query().map_or(raw_path, |pq| pq.as_str());
    let fixed = [
        ("GATEWAY_INTERFACE", "CGI/1.1".to_string()),
        ("SERVER_SOFTWARE", concat!("kiln/", env!("CARGO_PKG_VERSION")).to_string()),
        ("SERVER_PROTOCOL", format!("{:?}", parts.version)),
        ("SERVER_NAME", server_name),
        ("SERVER_PORT", at.local.port().to_string()),
        ("REQUEST_METHOD", parts.method.as_str().to_string()),
        // The module answers every path: it is mounted at the root, so the
        // script name is empty and the whole path is the path info.
        ("SCRIPT_NAME", String::new()),
        ("PATH_INFO", path.clone()),
        ("PATH_TRANSLATED", path),
        ("X_RAW_PATH_INFO", raw_path.to_string()),
        ("X_MATCHED_ROUTE", "/...".to_string()),
        ("QUERY_STRING", uri.query().unwrap_or("").to_string()),
        ("X_FULL_URL", format!("http://{host}{path_and_query}")),
        ("REMOTE_ADDR", at.remote.ip().to_string()),
        ("REMOTE_HOST", at.remote.ip().to_string()),
        ("REMOTE_PORT", at.remote.port().to_string()),
        ("CONTENT_LENGTH", body_len.to_string()),
        ("CONTENT_TYPE", header(parts, "content-type").unwrap_or_default()),
        ("AUTH_TYPE", String::new()),
        ("REMOTE_USER", String::new()),
    ];
    let mut vars: Vec<(String, String)> = fixed.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for name in parts.headers.keys() {
        if NOT_PASSED.contains(&name.as_str()) {
            continue;
        }
        let var = format!("HTTP_{}", name.as_str().to_ascii_uppercase().replace('-', "_"));
        vars.push((var, header(parts, name.as_str()).unwrap_or_default()));
    }
    vars
}

/// Every value of header `name`, joined with `, ` as HTTP allows; bytes
/// that are not UTF-8 become U+FFFD.
fn header(parts: &Parts, name: &str) -> Option<String> {
    let values: Vec<String> =
        parts.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The host part of a `Host` header value (`[::1]:8080` gives `[::1]`).
fn host_name(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

/// Decodes `%XX` escapes (a `%` not followed by two hex digits stays as it
/// is); the result is UTF-8, with U+FFFD where the bytes are not.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |c: Option<&u8>| c.and_then(|&c| char::from(c).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make one byte: this cannot truncate.
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(req: hyper::Request<()>) -> Parts {
        req.into_parts().0
    }

    fn get<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn request_line_and_headers_become_variables() {
        let req = hyper::Request::post("/a%20b/c?x=1&y=%41")
            .header("host", "example.test:9000")
            .header("x-kiln-test", "one")
            .header("x-kiln-test", "two")
            .header("content-type", "text/plain")
            .header("authorization", "Bearer secret")
            .body(())
            .unwrap();
        let at = Endpoints { local: "127.0.0.1:9000".parse().unwrap(), remote: "127.0.0.2:5555".parse().unwrap() };
        let vars = variables(&parts(req), 5, at);
        assert_eq!(get(&vars, "REQUEST_METHOD"), Some("POST"));
        assert_eq!(get(&vars, "PATH_INFO"), Some("/a b/c"));
        assert_eq!(get(&vars, "X_RAW_PATH_INFO"), Some("/a%20b/c"));
        assert_eq!(get(&vars, "QUERY_STRING"), Some("x=1&y=%41"));
        assert_eq!(get(&vars, "SERVER_NAME"), Some("example.test"));
        assert_eq!(get(&vars, "SERVER_PORT"), Some("9000"));
        assert_eq!(get(&vars, "SERVER_PROTOCOL"), Some("HTTP/1.1"));
        assert_eq!(get(&vars, "REMOTE_ADDR"), Some("127.0.0.2"));
        assert_eq!(get(&vars, "CONTENT_LENGTH"), Some("5"));
        assert_eq!(get(&vars, "CONTENT_TYPE"), Some("text/plain"));
        assert_eq!(get(&vars, "HTTP_X_KILN_TEST"), Some("one, two"));
        assert_eq!(get(&vars, "HTTP_HOST"), Some("example.test:9000"));
        assert_eq!(get(&vars, "X_FULL_URL"), Some("http://example.test:9000/a%20b/c?x=1&y=%41"));
        assert_eq!(get(&vars, "HTTP_AUTHORIZATION"), None);
        assert_eq!(get(&vars, "HTTP_CONTENT_TYPE"), None);
    }

    #[test]
    fn percent_decoding_leaves_bad_escapes_alone() {
        assert_eq!(percent_decode("/%41%zz%4"), "/A%zz%4");
        assert_eq!(percent_decode("/%e2%82%ac"), "/\u{20ac}");
        assert_eq!(percent_decode("/%ff"), "/\u{fffd}");
        assert_eq!(percent_decode("/%+1"), "/%+1");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("h"), "h");
    }
}
