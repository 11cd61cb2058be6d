//! `kiln serve`, as a user runs it: a real server process on a loopback
//! port, the `wagi_hello` guest (tests/wasi-guests), and real HTTP/1.1
//! requests. Every wait is bounded.

mod client;
mod process;

use client::{get, request};
use process::{Server, run_to_exit};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn wagi_hello() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi-guests/bin/wagi_hello.wasm");
    assert!(p.exists(), "missing fixture {} (build tests/wasi-guests first)", p.display());
    p
}

/// The `key=value` line `key` of the guest's echo.
fn echoed(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).map(str::to_string)
}

#[test]
fn get_with_query_and_header() {
    let server = Server::start(&wagi_hello(), &[]);
    let r = request(server.addr, "GET", "/hello/world?name=kiln&x=1", &[("X-Kiln-Test", "forty two")], b"");
    assert_eq!(r.status, 200, "{}", server.stderr());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("x-wagi-guest"), Some("wagi_hello"));
    let text = r.text();
    assert_eq!(echoed(&text, "method").as_deref(), Some("GET"));
    assert_eq!(echoed(&text, "path").as_deref(), Some("/hello/world"));
    assert_eq!(echoed(&text, "query").as_deref(), Some("name=kiln&x=1"));
    assert_eq!(echoed(&text, "header").as_deref(), Some("forty two"));
    assert_eq!(echoed(&text, "content_length").as_deref(), Some("0"));
    assert!(text.ends_with("body="), "{text}");
}

#[test]
fn post_body_arrives_on_stdin() {
    let server = Server::start(&wagi_hello(), &[]);
    let body = b"first line\nsecond line\n\0binary\xff";
    let r = request(server.addr, "POST", "/submit", &[("Content-Type", "application/octet-stream")], body);
    assert_eq!(r.status, 200, "{}", server.stderr());
    let text = r.text();
    assert_eq!(echoed(&text, "method").as_deref(), Some("POST"));
    assert_eq!(echoed(&text, "content_type").as_deref(), Some("application/octet-stream"));
    assert_eq!(echoed(&text, "content_length"), Some(body.len().to_string()));
    let at = r.body.windows(5).position(|w| w == b"body=").unwrap();
    assert_eq!(&r.body[at + 5..], body);
}

#[test]
fn cgi_variables_describe_the_request_and_server() {
    let server = Server::start(&wagi_hello(), &["--env", "GREETING=hi", "--env", "REQUEST_METHOD=overridden"]);
    let r = request(server.addr, "GET", "/env?a=%41", &[("Accept-Language", "en"), ("Authorization", "secret")], b"");
    assert_eq!(r.status, 200, "{}", server.stderr());
    let text = r.text();
    let port = server.addr.port().to_string();
    for (key, value) in [
        ("REQUEST_METHOD", "GET"),
        ("PATH_INFO", "/env"),
        ("QUERY_STRING", "a=%41"),
        ("SCRIPT_NAME", ""),
        ("SERVER_NAME", "127.0.0.1"),
        ("SERVER_PORT", port.as_str()),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("CONTENT_LENGTH", "0"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("HTTP_ACCEPT_LANGUAGE", "en"),
        ("GREETING", "hi"),
    ] {
        assert_eq!(echoed(&text, key).as_deref(), Some(value), "{key} in {text}");
    }
    assert_eq!(echoed(&text, "X_FULL_URL"), Some(format!("http://{}/env?a=%41", server.addr)));
    assert_eq!(echoed(&text, "HTTP_AUTHORIZATION"), None, "credentials stay with the server");
}

#[test]
fn status_and_location_headers() {
    let server = Server::start(&wagi_hello(), &[]);
    let r = get(server.addr, "/missing");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "not found: /missing\n");
    let r = get(server.addr, "/redirect");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/elsewhere"));
}

#[test]
fn a_failing_guest_fails_only_its_own_request() {
    let mut server = Server::start(&wagi_hello(), &[]);
    for (path, logged) in [
        ("/trap", "wasm trap: unreachable"),
        ("/exit", "the guest exited with status 3"),
        ("/malformed", "the guest's response is malformed"),
    ] {
        let r = get(server.addr, path);
        assert_eq!(r.status, 500, "{path}");
        assert_eq!(r.text(), "500 Internal Server Error\n", "{path}: no guest detail leaks to the client");
        let stderr = server.wait_for_stderr(logged, Duration::from_secs(10));
        assert!(stderr.contains(&format!("GET {path}")) && stderr.contains(logged), "{stderr}");
        // The next request gets a fresh instance and succeeds.
        let r = get(server.addr, "/after?ok=1");
        assert_eq!(r.status, 200, "after {path}");
        assert_eq!(echoed(&r.text(), "query").as_deref(), Some("ok=1"));
    }
    let stderr = server.stderr();
    assert!(stderr.contains("wasm backtrace"), "a trap is logged with its backtrace: {stderr}");
    assert!(server.alive());
}

#[test]
fn parallel_requests_each_get_their_own_instance() {
    let server = Server::start(&wagi_hello(), &[]);
    let addr = server.addr;
    let threads: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let body = format!("request {i}");
                let r =
                    request(addr, "POST", &format!("/par?i={i}"), &[("X-Kiln-Test", &i.to_string())], body.as_bytes());
                (i, r)
            })
        })
        .collect();
    for t in threads {
        let (i, r) = t.join().expect("the client thread");
        assert_eq!(r.status, 200, "request {i}: {}", server.stderr());
        let text = r.text();
        assert_eq!(echoed(&text, "query"), Some(format!("i={i}")));
        assert_eq!(echoed(&text, "header"), Some(i.to_string()));
        assert!(text.ends_with(&format!("body=request {i}")), "{text}");
    }
}

#[test]
fn oversized_and_malformed_requests_are_refused() {
    let server = Server::start(&wagi_hello(), &["--max-body-size", "16"]);
    // A declared length over the limit is refused before any body is read.
    let head = format!("POST /big HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 17\r\n", server.addr);
    let r = client::parse(&client::raw(server.addr, &head, b"").unwrap()).unwrap();
    assert_eq!(r.status, 413);
    // So is a chunked body that grows past it.
    let head =
        format!("POST /big HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n", server.addr);
    let bytes = client::raw(server.addr, &head, b"a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n").unwrap();
    assert_eq!(client::parse(&bytes).unwrap().status, 413);
    // At the limit is fine.
    let r = request(server.addr, "POST", "/small", &[], b"0123456789abcdef");
    assert_eq!(r.status, 200);
    // Garbage instead of a request line gets hyper's 400, and no crash.
    let bytes = client::raw(server.addr, "NOT HTTP AT ALL\r\n", b"").unwrap();
    assert!(bytes.is_empty() || bytes.starts_with(b"HTTP/1.1 400"), "{:?}", String::from_utf8_lossy(&bytes));
    assert_eq!(get(server.addr, "/still-up").status, 200);
}

#[test]
fn a_compiled_artifact_serves_too() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("wagi_hello.o");
    let (code, stderr) = run_to_exit(
        &["compile", wagi_hello().to_str().unwrap(), "-o", artifact.to_str().unwrap()],
        Duration::from_secs(300),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let server = Server::start(&artifact, &["-O", "opt-level=2", "-W", "max-wasm-stack=1048576"]);
    let r = get(server.addr, "/from/artifact");
    assert_eq!(r.status, 200, "{}", server.stderr());
    assert_eq!(echoed(&r.text(), "path").as_deref(), Some("/from/artifact"));
}

#[test]
fn the_pooling_allocator_serves_request_after_request() {
    let server = Server::start(&wagi_hello(), &["-O", "pooling-allocator"]);
    for i in 0..5 {
        let path = format!("/pooled/{i}");
        let r = get(server.addr, &path);
        assert_eq!(r.status, 200, "{}", server.stderr());
        assert_eq!(echoed(&r.text(), "path").as_deref(), Some(path.as_str()));
    }
}

#[test]
fn bad_command_lines_fail_with_a_clear_error() {
    let module = wagi_hello();
    let module = module.to_str().unwrap();
    let t = Duration::from_secs(120);
    for (args, expected) in [
        (vec!["serve", "--no-such-flag", module], "--no-such-flag"),
        (vec!["serve", "--addr", "not-an-address", module], "not-an-address"),
        (vec!["serve", "--addr", "127.0.0.1:0", "-W", "no-such-key=1", module], "no-such-key"),
        (vec!["serve", "--addr", "127.0.0.1:0", "-S", "tcplisten=127.0.0.1:0", module], "tcplisten"),
        (vec!["serve", "--addr", "127.0.0.1:0", "--dir", "/no/such/dir", module], "/no/such/dir"),
        (vec!["serve", "--addr", "127.0.0.1:0", "/no/such/module.wasm"], "/no/such/module.wasm"),
        (vec!["serve"], "MODULE"),
    ] {
        let (code, stderr) = run_to_exit(&args, t);
        assert!(code.is_some_and(|c| c != 0), "{args:?} exits non-zero: {code:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_module_without_start_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("reactor.wat");
    std::fs::write(&wat, r#"(module (func (export "f")))"#).unwrap();
    let (code, stderr) =
        run_to_exit(&["serve", "--addr", "127.0.0.1:0", wat.to_str().unwrap()], Duration::from_secs(60));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("_start"), "{stderr}");
}

#[test]
fn the_address_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, stderr) =
        run_to_exit(&["serve", "--addr", &addr, wagi_hello().to_str().unwrap()], Duration::from_secs(60));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("failed to listen on"), "{stderr}");
}

#[test]
fn dir_is_preopened_for_every_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), b"from the host\n").unwrap();
    let mapping = format!("{}::/data", dir.path().display());
    let server = Server::start(&wagi_hello(), &["--dir", &mapping]);
    for _ in 0..2 {
        let r = get(server.addr, "/cat?/data/hello.txt");
        assert_eq!(r.status, 200, "{}", server.stderr());
        assert_eq!(r.text(), "from the host\n");
    }
    // Only the preopen is visible.
    assert_eq!(get(server.addr, "/cat?/etc/passwd").status, 404);
    assert_eq!(get(server.addr, "/cat?/data/../../etc/passwd").status, 404);
}

/// A WAT guest that counts its `_start` calls in a global and prints the
/// count: with a fresh instance per request, every request sees 1.
const COUNTER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 16) "content-type: text/plain\n\ncount=0\n")
  (func (export "_start")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store8 (i32.const 48) (i32.add (i32.const 48) (global.get $count)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 34))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

#[test]
fn no_state_survives_from_one_request_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("counter.wat");
    std::fs::write(&wat, COUNTER).unwrap();
    let server = Server::start(&wat, &[]);
    for _ in 0..3 {
        let r = get(server.addr, "/");
        assert_eq!(r.status, 200, "{}", server.stderr());
        assert_eq!(r.text(), "count=1\n");
    }
}

/// A guest that answers a request without a body, and spins forever on a
/// request with one.
const SPINNER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "content-type: text/plain\n\nok\n")
  (func (export "_start")
    ;; Read up to 8 bytes of the body into 64..72; nread lands at 8.
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.load (i32.const 8))
      (then (loop $forever (br $forever))))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 29))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

#[test]
fn timeout_and_fuel_bound_each_request() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("spin.wat");
    std::fs::write(&wat, SPINNER).unwrap();
    for limit in ["timeout=200ms", "fuel=100000"] {
        let server = Server::start(&wat, &["-W", limit]);
        let started = std::time::Instant::now();
        let r = request(server.addr, "POST", "/", &[], b"spin");
        assert_eq!(r.status, 500, "-W {limit}: {}", server.stderr());
        assert!(started.elapsed() < Duration::from_secs(20), "-W {limit} stopped the guest");
        let r = get(server.addr, "/");
        assert_eq!((r.status, r.text().as_str()), (200, "ok\n"), "-W {limit}: {}", server.stderr());
        let expected = if limit.starts_with("timeout") { "interrupt" } else { "all fuel consumed" };
        // The server logs before it answers, but the pipe is read by
        // another thread of this test: wait for it.
        let stderr = server.wait_for_stderr(expected, Duration::from_secs(10));
        assert!(stderr.contains(expected), "-W {limit}: {stderr}");
    }
}

/// A guest that grows its memory by 100 pages when the body says so and
/// traps if that fails; otherwise it answers `ok`.
const GROWER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "content-type: text/plain\n\nok\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.load (i32.const 8))
      (then (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then unreachable))))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 29))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// `-W max-memory-size` bounds each request's memory: a request that grows
/// past it fails alone (here the guest traps on -1; with
/// `-W trap-on-grow-failure` the limiter fails it), and the next request
/// is served.
#[test]
fn max_memory_size_bounds_each_request() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("grow.wat");
    std::fs::write(&wat, GROWER).unwrap();
    for flags in ["max-memory-size=1048576", "max-memory-size=1048576,trap-on-grow-failure"] {
        let server = Server::start(&wat, &["-W", flags]);
        let r = request(server.addr, "POST", "/", &[], b"grow");
        assert_eq!(r.status, 500, "-W {flags}: {}", server.stderr());
        let r = get(server.addr, "/");
        assert_eq!((r.status, r.text().as_str()), (200, "ok\n"), "-W {flags}: {}", server.stderr());
        let expected = if flags.contains("trap") { "forcing trap when growing memory" } else { "unreachable" };
        // Logged before the answer, but read by another thread: wait for it.
        let stderr = server.wait_for_stderr(expected, Duration::from_secs(10));
        assert!(stderr.contains(expected), "-W {flags}: {stderr}");
    }
    // Within the limit, growing is fine.
    let server = Server::start(&wat, &["-W", "max-memory-size=16777216"]);
    let r = request(server.addr, "POST", "/", &[], b"grow");
    assert_eq!((r.status, r.text().as_str()), (200, "ok\n"), "{}", server.stderr());
}
