//! Test helpers: a fake client that counts calls in flight, and policy shortcuts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use rlm_client::{
    ClientError, Completion, CompletionRequest, LlmClient, ResiliencePolicy, RetryPolicy,
};

/// Sleeps `latency` per call (tokio time) and records calls started and completed and the peak number of
/// concurrent calls.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    pub(crate) latency: Duration,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) peak: AtomicUsize,
    pub(crate) started: AtomicUsize,
    /// Calls that ran to the end (a call whose future is dropped mid-flight never gets here).
    pub(crate) completed: AtomicUsize,
}

impl Gauge {
    pub(crate) fn new(latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            latency,
            ..Self::default()
        })
    }
}

#[async_trait]
impl LlmClient for Gauge {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.latency).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.completed.fetch_add(1, Ordering::SeqCst);
        Ok(Completion::new(
            request.messages[0].content.clone(),
            "gauge",
        ))
    }

    fn model(&self) -> &'static str {
        "gauge"
    }
}

/// A policy with fast retries (10 ms initial delay) so HTTP tests run quickly.
pub(crate) fn fast_retries(max_retries: u32) -> ResiliencePolicy {
    ResiliencePolicy::default().with_retry(
        RetryPolicy::default()
            .with_max_retries(max_retries)
            .with_initial_delay(Duration::from_millis(10))
            .with_max_delay(Duration::from_millis(50)),
    )
}

/// One step of a [`raw_sse_server`]'s reply.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Writes these bytes as one HTTP chunk.
    Chunk(&'static str),
    /// Waits this long.
    Sleep(Duration),
}

/// A one-connection HTTP/1.1 server on 127.0.0.1 that reads a request, answers `200` with a chunked
/// `text/event-stream` body made of `steps`, then closes the connection without the final empty chunk
/// (so the client sees the connection break) unless `finish` is true. Returns the base URL (`/v1`).
/// wiremock cannot stall or break a body halfway, this can.
pub(crate) async fn raw_sse_server(steps: Vec<Step>, finish: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        // Read the request head and its body (Content-Length), however it is split.
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if request.len() >= head_end + 4 + length || n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        for step in steps {
            match step {
                Step::Chunk(data) => {
                    let chunk = format!("{:x}\r\n{data}\r\n", data.len());
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
                Step::Sleep(wait) => tokio::time::sleep(wait).await,
            }
        }
        if finish {
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
        let _ = socket.shutdown().await;
    });
    format!("http://{addr}/v1")
}
