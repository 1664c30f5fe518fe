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

use super::stats::{RequestGuard, SubGuard};
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
        // Written by hand rather than through `json!`: the stream's cost should be the client's,
        // not the server's building of a thousand small JSON values.
        let head = format!(
            r#"{{"id":{},"object":"chat.completion.chunk","created":{},"model":{},"choices":"#,
            Value::from(self.id.as_str()),
            self.created,
            Value::from(self.model.as_str()),
        );
        let delta = |delta: &str, finish: &str| {
            format!(r#"{head}[{{"index":0,"delta":{delta},"finish_reason":{finish}}}]}}"#)
        };
        let mut events = vec![delta(r#"{"role":"assistant","content":""}"#, "null")];
        events.extend(
            split_chars(&self.reply, self.chunk_chars)
                .into_iter()
                .map(|piece| delta(&format!(r#"{{"content":{}}}"#, Value::from(piece)), "null")),
        );
        events.push(delta("{}", r#""stop""#));
        if let Some(usage) = self.usage {
            let mut last: Value = json!({
                "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": [],
            });
            last["usage"] = json!(usage);
            events.push(last.to_string());
        }
        events.push("[DONE]".to_owned());
        events
    }

    /// The `200 text/event-stream` response; `guard` (the request in progress) lives until the
    /// last byte is sent or the client goes away.
    pub(crate) fn into_response(self, guard: (Option<SubGuard>, RequestGuard)) -> Response {
        let delay = self.delay;
        let body = if delay.is_zero() {
            // No pause between events: the whole stream is one write (the client still parses
            // every event), and the guard ends with the body.
            let whole = self.events().iter().fold(String::new(), |mut all, event| {
                all.push_str("data: ");
                all.push_str(event);
                all.push_str("\n\n");
                all
            });
            Body::from_stream(futures::stream::once(async move {
                let _in_flight = guard;
                Ok::<_, Infallible>(whole)
            }))
        } else {
            let events = self.events().into_iter();
            Body::from_stream(futures::stream::unfold(
                (events, true, guard),
                move |(mut events, first, guard)| async move {
                    let event = events.next()?;
                    if !first {
                        tokio::time::sleep(delay).await;
                    }
                    let bytes = format!("data: {event}\n\n");
                    Some((Ok::<_, Infallible>(bytes), (events, false, guard)))
                },
            ))
        };
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
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
                prompt_tokens_details: None,
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
