//! An OpenAI-compatible Chat Completions server on loopback that answers with the [`crate::script`].
//!
//! Routes: `POST /v1/chat/completions` (the reply is [`crate::script::respond_with`] after a
//! latency, root and sub turns each with their own; with `"stream": true` it comes as server-sent
//! events in OpenAI's chunk format, see [`SimServerConfig::stream_chunk_chars`]), `GET /v1/models`;
//! everything else and every malformed request gets an OpenAI error body
//! `{"error":{"message","type","code"}}`. [`Fault`] rules make every k-th sub request answer an
//! error status instead (after the latency; a streamed request gets the error before any event);
//! [`SimServerConfig::max_in_flight`] refuses sub requests over a hidden concurrency limit with 429.
//! The `Authorization` header is accepted and ignored; it is never read or logged. Usage is
//! estimated (characters / 4 per message); a simulated prompt cache reports the tokens of a message
//! prefix seen before as `prompt_tokens_details.cached_tokens`
//! ([`SimServerConfig::prompt_cache_entries`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), rlm_sim::SimError> {
//! use rlm_sim::server::{SimServer, SimServerConfig};
//! let server = SimServer::start(SimServerConfig::default()).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod admission;
mod cache;
mod faults;
mod routes;
mod stats;
mod stream;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::Fault;
pub use stats::SimStats;

use crate::error::SimError;
use crate::script::ScriptConfig;
use routes::AppState;
use stats::Counters;

/// How long [`SimServerHandle::shutdown`] waits for requests in progress before aborting them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Settings of the simulated server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimServerConfig {
    /// Where to listen. Default `127.0.0.1:0` (a free loopback port).
    pub addr: SocketAddr,
    /// Delay before each root-turn reply. Default 20 ms.
    pub root_latency: Duration,
    /// Delay before each sub-turn reply. Default 200 ms.
    pub sub_latency: Duration,
    /// The root script's settings (chunks, `llm_batch` concurrency); model-name overrides win.
    pub script: ScriptConfig,
    /// Largest request body accepted, in bytes. Default 64 MiB.
    pub body_limit: usize,
    /// Faults injected into sub requests (first matching rule wins). Default none.
    pub faults: Vec<Fault>,
    /// Characters of reply per content chunk of a streamed reply (cut on character boundaries).
    /// Default 16; at least 1.
    pub stream_chunk_chars: usize,
    /// Pause between consecutive events of a streamed reply (after the turn's latency). Default 0:
    /// the whole stream is sent at once; at most [`MAX_STREAM_CHUNK_DELAY`].
    pub stream_chunk_delay: Duration,
    /// Message prefixes the simulated prompt cache remembers (least recently used forgotten first).
    /// A request whose first messages equal those of an earlier request to the same model (and
    /// `prompt_cache_key`) reports their estimated tokens as `prompt_tokens_details.cached_tokens`,
    /// in whole and streamed replies. Simulated: whole messages, no minimum length, no expiry.
    /// Default [`DEFAULT_PROMPT_CACHE_ENTRIES`]; 0 turns it off (no `prompt_tokens_details` then).
    pub prompt_cache_entries: usize,
    /// A hidden concurrency limit K on sub requests: one arriving while K are in progress is refused
    /// at once with 429, `Retry-After: 0` and OpenAI's rate-limit error body (counted in
    /// [`SimStats::rate_limited`]). Default `None`: no limit; `Some(0)` is refused by
    /// [`SimServer::start`].
    pub max_in_flight: Option<usize>,
}

/// The default [`SimServerConfig::prompt_cache_entries`].
pub const DEFAULT_PROMPT_CACHE_ENTRIES: usize = 4096;

/// The longest [`SimServerConfig::stream_chunk_delay`] accepted.
pub const MAX_STREAM_CHUNK_DELAY: Duration = Duration::from_mins(1);

impl Default for SimServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            root_latency: Duration::from_millis(20),
            sub_latency: Duration::from_millis(200),
            script: ScriptConfig::default(),
            body_limit: 64 * 1024 * 1024,
            faults: Vec::new(),
            stream_chunk_chars: 16,
            stream_chunk_delay: Duration::ZERO,
            prompt_cache_entries: DEFAULT_PROMPT_CACHE_ENTRIES,
            max_in_flight: None,
        }
    }
}

/// Starts simulated servers.
#[derive(Debug, Clone, Copy)]
pub struct SimServer;

impl SimServer {
    /// Binds `config.addr` and serves in a background tokio task until the handle is shut down
    /// or dropped. Must be called inside a tokio runtime.
    /// Fails with [`SimError::Config`] when `stream_chunk_chars` is 0, `stream_chunk_delay` is over
    /// [`MAX_STREAM_CHUNK_DELAY`] or `max_in_flight` is `Some(0)`.
    pub async fn start(config: SimServerConfig) -> Result<SimServerHandle, SimError> {
        if config.stream_chunk_chars == 0 {
            return Err(SimError::Config(
                "stream_chunk_chars is 0; a streamed reply needs at least 1 character per chunk"
                    .to_owned(),
            ));
        }
        if config.stream_chunk_delay > MAX_STREAM_CHUNK_DELAY {
            return Err(SimError::Config(format!(
                "stream_chunk_delay is {:?}, more than the {:?} allowed",
                config.stream_chunk_delay, MAX_STREAM_CHUNK_DELAY
            )));
        }
        if config.max_in_flight == Some(0) {
            return Err(SimError::Config(
                "max_in_flight is 0; every sub request would be refused (use None for no limit)"
                    .to_owned(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(SimError::LocalAddr)?;
        // Small writes (one streamed event each) go out at once, as a real server's do; with
        // Nagle's algorithm they would wait for the client's delayed ACK (about 40 ms).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let counters = Arc::new(Counters::default());
        let state = Arc::new(AppState {
            counters: Arc::clone(&counters),
            script: config.script,
            root_latency: config.root_latency,
            sub_latency: config.sub_latency,
            faults: config.faults,
            stream_chunk_chars: config.stream_chunk_chars,
            stream_chunk_delay: config.stream_chunk_delay,
            max_in_flight: config.max_in_flight,
            next_id: AtomicU64::new(1),
            cache: Mutex::new(cache::PrefixCache::new(config.prompt_cache_entries)),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(routes::chat_completions))
            .route("/v1/models", get(routes::models))
            .fallback(routes::not_found)
            .layer(DefaultBodyLimit::max(config.body_limit))
            .with_state(state);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async move {
                // Either an explicit stop or the handle being dropped ends the server.
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!(error = %e, "simulated model server stopped with an error");
            }
        });
        tracing::info!(%addr, "simulated model server listening");
        Ok(SimServerHandle {
            addr,
            counters,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }
}

/// A running simulated server. Dropping it stops the server (gracefully, in the background).
#[derive(Debug)]
pub struct SimServerHandle {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServerHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Chat completions answered so far (root and sub).
    pub fn requests_served(&self) -> u64 {
        self.counters.snapshot().requests_served
    }

    /// The most sub requests that were in progress at the same time so far.
    pub fn peak_concurrent_sub(&self) -> usize {
        self.counters.snapshot().peak_concurrent_sub
    }

    /// The most chat completion requests that arrived within any `window` of time (over the latest
    /// 100,000 arrivals): what a rate limit of the clients allowed, seen at the server.
    pub fn most_requests_in_window(&self, window: std::time::Duration) -> usize {
        self.counters.most_in_window(window)
    }

    /// All counters at once.
    pub fn stats(&self) -> SimStats {
        self.counters.snapshot()
    }

    /// Stops accepting connections, lets requests in progress finish (at most
    /// [`SHUTDOWN_GRACE`], then they are aborted) and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            tracing::warn!("simulated model server did not stop within the grace period; aborting");
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for SimServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
