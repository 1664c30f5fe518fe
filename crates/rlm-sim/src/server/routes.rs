//! The HTTP routes: `POST /v1/chat/completions` (whole or streamed), `GET /v1/models`, and
//! OpenAI-shaped errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::admission;
use super::cache::PrefixCache;
use super::faults::{Fault, fault_for};
use super::stats::Counters;
use super::stream::StreamedReply;
use super::wire::{ChatRequest, ChatResponse, Choice, ErrorBody, ErrorDetail, Usage};
use crate::script::{ChatMessage, ScriptConfig, TurnKind, respond_with};

/// Model ids listed by `GET /v1/models` (any model name is accepted).
pub(crate) const LISTED_MODELS: &[&str] = &["sim-root-batch", "sim-root-sequential", "sim-sub"];

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) counters: Arc<Counters>,
    pub(crate) script: ScriptConfig,
    pub(crate) root_latency: Duration,
    pub(crate) sub_latency: Duration,
    pub(crate) faults: Vec<Fault>,
    pub(crate) stream_chunk_chars: usize,
    pub(crate) stream_chunk_delay: Duration,
    pub(crate) max_in_flight: Option<usize>,
    pub(crate) next_id: AtomicU64,
    /// The simulated prompt cache (capacity 0: off).
    pub(crate) cache: Mutex<PrefixCache>,
}

impl AppState {
    /// The usage of `request` answered with `reply`, with the simulated cache's hit when it is on.
    fn usage(&self, request: &ChatRequest, reply: &str) -> Usage {
        let usage = Usage::estimate(&request.messages, reply);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.capacity() == 0 {
            return usage;
        }
        let key = request.prompt_cache_key.as_deref();
        usage.with_cached(cache.serve(&request.model, key, &request.messages))
    }
}

/// `POST /v1/chat/completions`.
pub(crate) async fn chat_completions(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let message = rejection.body_text();
            return reject(&state, rejection.status(), "invalid_body", message);
        }
    };
    let request: ChatRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let message = format!("the request body is not a valid chat completion request: {e}");
            return reject(&state, StatusCode::BAD_REQUEST, "invalid_json", message);
        }
    };
    if request.messages.is_empty() {
        let message = "`messages` must hold at least one message".to_owned();
        return reject(&state, StatusCode::BAD_REQUEST, "missing_messages", message);
    }
    let kind = TurnKind::of(&request.messages);
    let request_guard = state.counters.request_started();
    let in_flight = match kind {
        TurnKind::Sub => match state.counters.sub_started(state.max_in_flight) {
            Some(guard) => Some(guard),
            None => return admission::over_limit(state.max_in_flight.unwrap_or(0)),
        },
        TurnKind::Root => None,
    };
    let latency = match kind {
        TurnKind::Root => state.root_latency,
        TurnKind::Sub => state.sub_latency,
    };
    tokio::time::sleep(latency).await;
    if kind == TurnKind::Sub {
        let n = state.counters.sub_arrived();
        if let Some(fault) = fault_for(&state.faults, n) {
            state.counters.faulted();
            return fault.response(n);
        }
    }

    let reply = respond_with(&state.script, &request.model, &request.messages);
    match kind {
        TurnKind::Root => state.counters.root_served(),
        TurnKind::Sub => state.counters.sub_served(),
    }
    tracing::debug!(model = %request.model, ?kind, reply_chars = reply.len(), "simulated completion");
    let usage = state.usage(&request, &reply);
    let id = state.next_id.fetch_add(1, Ordering::Relaxed);
    if request.stream {
        let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
        let streamed = StreamedReply {
            id: format!("chatcmpl-sim-{id}"),
            created: unix_now(),
            model: request.model,
            reply,
            usage: include_usage.then_some(usage),
            chunk_chars: state.stream_chunk_chars,
            delay: state.stream_chunk_delay,
        };
        // A sub request stays in progress until its last event is sent.
        return streamed.into_response((in_flight, request_guard));
    }
    drop((in_flight, request_guard));
    Json(ChatResponse {
        id: format!("chatcmpl-sim-{id}"),
        object: "chat.completion",
        created: unix_now(),
        model: request.model,
        choices: vec![Choice {
            index: 0,
            message: ChatMessage::assistant(reply),
            finish_reason: "stop",
        }],
        usage,
    })
    .into_response()
}

/// `GET /v1/models`.
pub(crate) async fn models() -> Response {
    let data: Vec<serde_json::Value> = LISTED_MODELS
        .iter()
        .map(|id| serde_json::json!({"id": id, "object": "model", "created": 0, "owned_by": "rlm-sim"}))
        .collect();
    Json(serde_json::json!({"object": "list", "data": data})).into_response()
}

/// Any other route: 404 in the OpenAI error shape.
pub(crate) async fn not_found(State(state): State<Arc<AppState>>) -> Response {
    let message =
        "unknown route; the simulator serves POST /v1/chat/completions and GET /v1/models"
            .to_owned();
    reject(&state, StatusCode::NOT_FOUND, "not_found", message)
}

fn reject(state: &AppState, status: StatusCode, code: &'static str, message: String) -> Response {
    state.counters.rejected();
    tracing::debug!(%status, code, "rejected request");
    let body = ErrorBody {
        error: ErrorDetail {
            message,
            kind: "invalid_request_error",
            code,
        },
    };
    (status, Json(body)).into_response()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
