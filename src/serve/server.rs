//! The HTTP side of `kiln serve`: an accept loop on tokio, hyper's HTTP/1
//! connections, and the handler that turns one request into one run of
//! the guest and the guest's output into the response.

use super::cgi_env::{self, Endpoints};
use super::cgi_response;
use super::guest::Guest;
use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// A client must send its request head within this time.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What every connection shares.
pub struct App {
    /// The module, ready to instantiate.
    pub guest: Guest,
    /// The largest request body accepted; a larger one gets 413.
    pub max_body_bytes: usize,
}

/// Serves `listener` until the process ends.
pub fn serve(listener: std::net::TcpListener, app: App) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(accept_loop(listener, Arc::new(app)))
}

async fn accept_loop(listener: std::net::TcpListener, app: Arc<App>) -> Result<()> {
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of descriptors, or a connection reset before it was
                // accepted: the server itself is fine, so wait and go on.
                eprintln!("kiln serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = app.clone();
        let at = Endpoints { local, remote };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(app.clone(), at, req));
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!("connection from {remote}: {e}");
            }
        });
    }
}

/// Answers one request; every failure is an error response, never a panic.
async fn handle(app: Arc<App>, at: Endpoints, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let what = format!("{} {}", parts.method, parts.uri);
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_body_bytes as u64) {
        return Ok(error(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let body = match Limited::new(body, app.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(error(StatusCode::PAYLOAD_TOO_LARGE)),
        Err(e) => {
            tracing::debug!("{what}: reading the body failed: {e}");
            return Ok(error(StatusCode::BAD_REQUEST));
        }
    };
    let vars = cgi_env::variables(&parts, body.len(), at);
    let run = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || app.guest.run(&vars, body))
    };
    let output = match run.await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => {
            eprintln!("kiln serve: {what}: {}", describe(&e));
            return Ok(error(StatusCode::INTERNAL_SERVER_ERROR));
        }
        Err(e) => {
            eprintln!("kiln serve: {what}: the guest's thread failed: {e}");
            return Ok(error(StatusCode::INTERNAL_SERVER_ERROR));
        }
    };
    match cgi_response::parse(&output) {
        Ok(r) => {
            let mut response = Response::new(Full::new(Bytes::from(r.body)));
            *response.status_mut() = r.status;
            *response.headers_mut() = r.headers;
            Ok(response)
        }
        Err(e) => {
            eprintln!("kiln serve: {what}: the guest's response is malformed: {e}");
            Ok(error(StatusCode::INTERNAL_SERVER_ERROR))
        }
    }
}

/// An error as `kiln run` prints one: its message (for a trap, the wasm
/// backtrace), then its causes (for a trap, the trap code).
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    let causes: Vec<String> = e.chain().skip(1).map(|c| format!("\n    {c}")).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:");
        text.extend(causes);
    }
    text
}

/// A plain-text response with `status` and its reason as the body.
fn error(status: StatusCode) -> Response<Full<Bytes>> {
    let text = format!("{status}\n");
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
