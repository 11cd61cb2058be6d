//! wagi_hello: a WAGI handler for `kiln serve` tests. The request comes in
//! as CGI environment variables and stdin; the response goes out on stdout
//! as CGI header lines, a blank line, then the body.
//!
//! Paths with special behaviour:
//! - `/missing`: `status: 404` with a short text body.
//! - `/redirect`: a `location:` header and no status (the server answers 302).
//! - `/trap`: executes `unreachable` (the server answers 500).
//! - `/exit`: exits with status 3 (500).
//! - `/malformed`: writes a body with no header block (500).
//! - `/env`: lists every environment variable, sorted, one per line.
//! - `/cat`: the contents of the file the query names (from a preopened
//!   directory), or 404 if it cannot be read.
//!
//! Any other path echoes the method, path, query, the `X-Kiln-Test` header,
//! the content type and length, and then the request body.

use std::io::{Read, Write};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// A wasm `unreachable` (an abort where the guest is built natively).
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    std::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

fn main() {
    let path = var("PATH_INFO");
    let mut out = std::io::stdout().lock();
    match path.as_str() {
        "/missing" => {
            write!(out, "content-type: text/plain\nstatus: 404 Not Found\n\nnot found: {path}\n").unwrap();
        }
        "/redirect" => {
            write!(out, "location: /elsewhere\n\n").unwrap();
        }
        "/trap" => {
            out.flush().unwrap();
            trap();
        }
        "/exit" => {
            write!(out, "content-type: text/plain\n\nabout to exit\n").unwrap();
            out.flush().unwrap();
            std::process::exit(3);
        }
        "/malformed" => {
            write!(out, "this is not a header block").unwrap();
        }
        "/env" => {
            let mut vars: Vec<(String, String)> = std::env::vars().collect();
            vars.sort();
            write!(out, "content-type: text/plain\n\n").unwrap();
            for (k, v) in vars {
                writeln!(out, "{k}={v}").unwrap();
            }
        }
        "/cat" => match std::fs::read(var("QUERY_STRING")) {
            Ok(bytes) => {
                write!(out, "content-type: application/octet-stream\n\n").unwrap();
                out.write_all(&bytes).unwrap();
            }
            Err(e) => write!(out, "content-type: text/plain\nstatus: 404\n\n{e}\n").unwrap(),
        },
        _ => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).unwrap();
            write!(out, "Content-Type: text/plain; charset=utf-8\r\nX-Wagi-Guest: wagi_hello\r\n\r\n").unwrap();
            writeln!(out, "method={}", var("REQUEST_METHOD")).unwrap();
            writeln!(out, "path={path}").unwrap();
            writeln!(out, "query={}", var("QUERY_STRING")).unwrap();
            writeln!(out, "header={}", var("HTTP_X_KILN_TEST")).unwrap();
            writeln!(out, "content_type={}", var("CONTENT_TYPE")).unwrap();
            writeln!(out, "content_length={}", var("CONTENT_LENGTH")).unwrap();
            write!(out, "body=").unwrap();
            out.write_all(&body).unwrap();
        }
    }
    out.flush().unwrap();
}
