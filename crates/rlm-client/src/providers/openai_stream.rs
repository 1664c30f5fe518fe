//! Streamed Chat Completions: the chunks of `"stream": true` (`choices[0].delta.content`, the
//! `finish_reason` chunk, the usage chunk of `stream_options.include_usage`, `data: [DONE]`) read into
//! a [`CompletionStream`]; a server that ignores `stream` and answers one JSON completion is read as
//! one delta.

use eventsource_stream::Event;
use serde::Deserialize;

use super::http::ErrorContext;
use super::openai_wire::{WireUsage, parse_completion};
use super::sse::{self, EventParser, Step, StreamContext};
use crate::{ClientError, Completion, CompletionStream, Usage, single_delta};

/// Reads a success response of a streamed request: an event stream, or one JSON completion.
pub(super) async fn read(
    response: reqwest::Response,
    sc: StreamContext,
    requested_model: String,
) -> Result<CompletionStream, ClientError> {
    if sse::is_plain_json(&response) {
        let (status, body) = sse::whole_body(response, &sc).await?;
        return Ok(single_delta(parse_completion(
            &sc.errors(),
            status,
            &body,
            requested_model,
        )?));
    }
    Ok(sse::events(response, sc, ChunkParser::new(requested_model)))
}

/// What the chunks so far said.
#[derive(Debug)]
pub(super) struct ChunkParser {
    text: String,
    model: Option<String>,
    requested_model: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

impl ChunkParser {
    /// A parser for a reply to a request for `requested_model` (the model reported when no chunk
    /// names one).
    pub(super) fn new(requested_model: String) -> Self {
        Self {
            text: String::new(),
            model: None,
            requested_model,
            finish_reason: None,
            usage: None,
        }
    }

    fn completion(&mut self) -> Completion {
        Completion {
            text: std::mem::take(&mut self.text),
            usage: self.usage.unwrap_or_default(),
            model: self
                .model
                .take()
                .unwrap_or_else(|| self.requested_model.clone()),
            finish_reason: self.finish_reason.take(),
            rate_limit: None,
        }
    }
}

impl EventParser for ChunkParser {
    fn on_event(&mut self, event: &Event, errors: &ErrorContext<'_>) -> Result<Step, ClientError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            return Ok(Step::Done(self.completion()));
        }
        if data.is_empty() {
            return Ok(Step::Skip);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
            errors.malformed(
                200,
                &format!("expected a JSON chunk or [DONE] ({e})"),
                data.as_bytes(),
            )
        })?;
        if chunk.error.as_ref().is_some_and(|e| !e.is_null()) || event.event == "error" {
            return Err(sse::error_event(errors, data));
        }
        if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
            self.model = Some(model);
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage.into_usage());
        }
        let Some(choice) = chunk.choices.into_iter().next() else {
            return Ok(Step::Skip);
        };
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(reason);
        }
        match choice.delta.and_then(|d| d.content) {
            Some(text) if !text.is_empty() => {
                self.text.push_str(&text);
                Ok(Step::Delta(text))
            }
            _ => Ok(Step::Skip),
        }
    }

    fn final_event(&self) -> &'static str {
        "data: [DONE]"
    }
}

/// One `chat.completion.chunk` (or an error event).
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(parser: &mut ChunkParser, data: &str) -> Result<Step, ClientError> {
        sse::feed(parser, "openai-compatible", data)
    }

    #[test]
    fn role_chunks_null_content_and_usage_chunks_yield_nothing() {
        let mut p = ChunkParser::new("asked".into());
        let role =
            r#"{"model":"m1","choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}"#;
        assert!(matches!(feed(&mut p, role), Ok(Step::Skip)));
        let text = r#"{"choices":[{"index":0,"delta":{"content":"hé"}}]}"#;
        assert!(matches!(feed(&mut p, text), Ok(Step::Delta(t)) if t == "hé"));
        let empty = r#"{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"length"}]}"#;
        assert!(matches!(feed(&mut p, empty), Ok(Step::Skip)));
        let usage = r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}"#;
        assert!(matches!(feed(&mut p, usage), Ok(Step::Skip)));
        let Ok(Step::Done(done)) = feed(&mut p, " [DONE]") else {
            panic!("no completion");
        };
        assert_eq!((done.text.as_str(), done.model.as_str()), ("hé", "m1"));
        assert_eq!(done.finish_reason.as_deref(), Some("length"));
        let u = done.usage;
        assert_eq!(
            (
                u.prompt_tokens,
                u.completion_tokens,
                u.cached_tokens,
                u.reasoning_tokens
            ),
            (7, 2, 4, 1)
        );
    }

    #[test]
    fn error_events_map_like_error_bodies() {
        let mut p = ChunkParser::new("m".into());
        let limited = r#"{"error":{"message":"slow down","type":"rate_limit_error"}}"#;
        assert!(matches!(
            feed(&mut p, limited),
            Err(ClientError::RateLimited { message, .. }) if message == "slow down"
        ));
        let other = r#"{"error":{"message":"boom","type":"server_error"}}"#;
        assert!(matches!(
            feed(&mut p, other),
            Err(ClientError::Http { status: 500, .. })
        ));
        let bad = feed(&mut p, "{not json").unwrap_err();
        assert!(
            matches!(bad, ClientError::MalformedResponse { .. }),
            "{bad}"
        );
    }
}
