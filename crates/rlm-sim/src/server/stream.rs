//! Streamed replies (`"stream": true`): server-sent events in OpenAI's `chat.completion.chunk` format
//! — a role chunk, the reply in pieces of `stream_chunk_chars` characters, a chunk with the
//! `finish_reason`, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]` —
//! with `stream_chunk_delay` between consecutive events.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::stats::SubGuard;
use super::wire::Usage;

/// What a streamed reply is made of.
#[derive(Debug)]
pub(crate) struct StreamedReply {
    /// The completion id (`chatcmpl-sim-N`).
    pub(crate) id: String,
    /// Unix seconds.
    pub(crate) created: u64,
    /// The model the request named.
    pub(crate) model: String,
    /// The whole reply text.
    pub(crate) reply: String,
    /// Sent as a last chunk when `Some` (the request asked for `include_usage`).
    pub(crate) usage: Option<Usage>,
    /// Characters per content chunk (at least 1).
    pub(crate) chunk_chars: usize,
    /// Pause between consecutive events.
    pub(crate) delay: Duration,
}

impl StreamedReply {
    /// The `data:` payloads of the reply, in order (the last is `[DONE]`).
    pub(crate) fn events(&self) -> Vec<String> {
        let chunk = |choices: Value| {
            json!({
                "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": choices,
            })
        };
        let delta = |delta: Value, finish: Option<&str>| {
            chunk(json!([{"index": 0, "delta": delta, "finish_reason": finish}])).to_string()
        };
        let mut events = vec![delta(json!({"role": "assistant", "content": ""}), None)];
        events.extend(
            split_chars(&self.reply, self.chunk_chars)
                .into_iter()
                .map(|piece| delta(json!({ "content": piece }), None)),
        );
        events.push(delta(json!({}), Some("stop")));
        if let Some(usage) = self.usage {
            let mut last = chunk(json!([]));
            last["usage"] = json!(usage);
            events.push(last.to_string());
        }
        events.push("[DONE]".to_owned());
        events
    }

    /// The `200 text/event-stream` response; `guard` (a sub request in progress) lives until the
    /// last byte is sent or the client goes away.
    pub(crate) fn into_response(self, guard: Option<SubGuard>) -> Response {
        let delay = self.delay;
        let events = self.events().into_iter();
        let body = futures::stream::unfold(
            (events, true, guard),
            move |(mut events, first, guard)| async move {
                let event = events.next()?;
                if !first && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let bytes = format!("data: {event}\n\n");
                Some((Ok::<_, Infallible>(bytes), (events, false, guard)))
            },
        );
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from_stream(body),
        )
            .into_response()
    }
}

/// `text` cut into pieces of `size` characters (the last may be shorter); none for an empty text.
pub(crate) fn split_chars(text: &str, size: usize) -> Vec<&str> {
    let size = size.max(1);
    let mut pieces = Vec::new();
    let mut start = 0;
    for (count, (at, _)) in text.char_indices().enumerate() {
        if count > 0 && count % size == 0 {
            pieces.push(&text[start..at]);
            start = at;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cut_on_char_boundaries() {
        assert_eq!(split_chars("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(split_chars("héé東x", 2), ["hé", "é東", "x"]);
        assert_eq!(split_chars("ab", 16), ["ab"]);
        assert!(split_chars("", 4).is_empty());
        assert_eq!(split_chars("abc", 0), ["a", "b", "c"]);
    }

    #[test]
    fn events_are_role_content_finish_usage_done() {
        let reply = StreamedReply {
            id: "chatcmpl-sim-1".into(),
            created: 5,
            model: "sim-sub".into(),
            reply: "MAGIC: 1".into(),
            usage: Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 2,
                total_tokens: 5,
            }),
            chunk_chars: 4,
            delay: Duration::ZERO,
        };
        let events = reply.events();
        assert_eq!(events.len(), 1 + 2 + 1 + 1 + 1);
        let parsed: Vec<Value> = events[..5]
            .iter()
            .map(|e| serde_json::from_str(e).unwrap())
            .collect();
        assert_eq!(parsed[0]["choices"][0]["delta"]["role"], "assistant");
        assert_eq!(parsed[1]["choices"][0]["delta"]["content"], "MAGI");
        assert_eq!(parsed[2]["choices"][0]["delta"]["content"], "C: 1");
        assert_eq!(parsed[3]["choices"][0]["finish_reason"], "stop");
        assert_eq!(parsed[4]["usage"]["total_tokens"], 5);
        assert_eq!(parsed[4]["choices"], json!([]));
        assert_eq!(events[5], "[DONE]");
    }
}
