//! Streamed Messages (`"stream": true`): the events `message_start` (model, input and cache tokens),
//! `content_block_start` / `content_block_delta` (only `text_delta` is text; thinking, signature and
//! tool-input deltas are skipped), `message_delta` (stop reason, output tokens), `message_stop` (the
//! end), `ping` (life only) and `error`, read into a [`CompletionStream`].

use eventsource_stream::Event;
use serde::Deserialize;

use super::anthropic::{WireUsage, parse_message};
use super::http::ErrorContext;
use super::sse::{self, EventParser, Step, StreamContext};
use crate::{ClientError, Completion, CompletionStream, single_delta};

/// Reads a success response of a streamed request: an event stream, or one JSON message.
pub(super) async fn read(
    response: reqwest::Response,
    sc: StreamContext,
    requested_model: String,
) -> Result<CompletionStream, ClientError> {
    if sse::is_plain_json(&response) {
        let (status, body) = sse::whole_body(response, &sc).await?;
        let message = parse_message(&sc.errors(), status, &body, requested_model)?;
        return Ok(single_delta(message));
    }
    Ok(sse::events(
        response,
        sc,
        MessageParser::new(requested_model),
    ))
}

/// What the events so far said.
#[derive(Debug)]
pub(super) struct MessageParser {
    text: String,
    model: Option<String>,
    requested_model: String,
    stop_reason: Option<String>,
    usage: UsageFields,
}

impl MessageParser {
    /// A parser for a reply to a request for `requested_model` (the model reported when
    /// `message_start` names none).
    pub(super) fn new(requested_model: String) -> Self {
        Self {
            text: String::new(),
            model: None,
            requested_model,
            stop_reason: None,
            usage: UsageFields::default(),
        }
    }

    fn text(&mut self, text: Option<String>) -> Step {
        match text {
            Some(text) if !text.is_empty() => {
                self.text.push_str(&text);
                Step::Delta(text)
            }
            _ => Step::Skip,
        }
    }

    fn completion(&mut self) -> Completion {
        let usage = WireUsage {
            input_tokens: self.usage.input_tokens.unwrap_or(0),
            output_tokens: self.usage.output_tokens.unwrap_or(0),
            cache_read_input_tokens: self.usage.cache_read_input_tokens,
            cache_creation_input_tokens: self.usage.cache_creation_input_tokens,
        };
        Completion {
            text: std::mem::take(&mut self.text),
            usage: usage.into_usage(),
            model: self
                .model
                .take()
                .unwrap_or_else(|| self.requested_model.clone()),
            finish_reason: self.stop_reason.take(),
            rate_limit: None,
        }
    }
}

impl EventParser for MessageParser {
    fn on_event(&mut self, event: &Event, errors: &ErrorContext<'_>) -> Result<Step, ClientError> {
        let data = event.data.trim();
        if data.is_empty() {
            return Ok(Step::Skip);
        }
        let malformed = |e: serde_json::Error| {
            errors.malformed(
                200,
                &format!("expected a JSON Messages event ({e})"),
                data.as_bytes(),
            )
        };
        let kind: Kind = serde_json::from_str(data).map_err(malformed)?;
        if kind.kind == "error" || event.event == "error" {
            return Err(sse::error_event(errors, data));
        }
        match kind.kind.as_str() {
            "message_start" => {
                let start: MessageStart = serde_json::from_str(data).map_err(malformed)?;
                if let Some(model) = start.message.model.filter(|m| !m.is_empty()) {
                    self.model = Some(model);
                }
                if let Some(usage) = start.message.usage {
                    self.usage.update(usage);
                }
                Ok(Step::Skip)
            }
            "content_block_start" => {
                let start: BlockStart = serde_json::from_str(data).map_err(malformed)?;
                let block = start.content_block.unwrap_or_default();
                Ok(self.text(block.text.filter(|_| block.kind == "text")))
            }
            "content_block_delta" => {
                let delta: BlockDelta = serde_json::from_str(data).map_err(malformed)?;
                let delta = delta.delta.unwrap_or_default();
                Ok(self.text(delta.text.filter(|_| delta.kind == "text_delta")))
            }
            "message_delta" => {
                let delta: MessageDelta = serde_json::from_str(data).map_err(malformed)?;
                if let Some(reason) = delta.delta.and_then(|d| d.stop_reason) {
                    self.stop_reason = Some(reason);
                }
                if let Some(usage) = delta.usage {
                    self.usage.update(usage);
                }
                Ok(Step::Skip)
            }
            "message_stop" => Ok(Step::Done(self.completion())),
            // `ping`, `content_block_stop`, and event types added later.
            _ => Ok(Step::Skip),
        }
    }

    fn final_event(&self) -> &'static str {
        "message_stop"
    }
}

/// The `type` of an event.
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Deserialize)]
struct MessageStart {
    message: StartMessage,
}

#[derive(Deserialize)]
struct StartMessage {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<UsageFields>,
}

#[derive(Deserialize)]
struct BlockStart {
    #[serde(default)]
    content_block: Option<Typed>,
}

#[derive(Deserialize)]
struct BlockDelta {
    #[serde(default)]
    delta: Option<Typed>,
}

/// A content block or a block delta: its type and, for text, its text.
#[derive(Deserialize, Default)]
struct Typed {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct MessageDelta {
    #[serde(default)]
    delta: Option<StopDelta>,
    #[serde(default)]
    usage: Option<UsageFields>,
}

#[derive(Deserialize)]
struct StopDelta {
    #[serde(default)]
    stop_reason: Option<String>,
}

/// Usage counts as events report them: `message_start` has the input side, `message_delta` the
/// cumulative output (and, on newer API versions, the input side again); a later count wins.
#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[allow(clippy::struct_field_names)]
struct UsageFields {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
}

impl UsageFields {
    fn update(&mut self, later: Self) {
        self.input_tokens = later.input_tokens.or(self.input_tokens);
        self.output_tokens = later.output_tokens.or(self.output_tokens);
        self.cache_read_input_tokens = later
            .cache_read_input_tokens
            .or(self.cache_read_input_tokens);
        self.cache_creation_input_tokens = later
            .cache_creation_input_tokens
            .or(self.cache_creation_input_tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(parser: &mut MessageParser, data: &str) -> Result<Step, ClientError> {
        sse::feed(parser, "anthropic", data)
    }

    #[test]
    fn only_text_deltas_are_text_and_later_usage_wins() {
        let mut p = MessageParser::new("asked".into());
        let start = r#"{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":5,"output_tokens":1,"cache_read_input_tokens":2}}}"#;
        assert!(matches!(feed(&mut p, start), Ok(Step::Skip)));
        let thinking = r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#;
        assert!(matches!(feed(&mut p, thinking), Ok(Step::Skip)));
        let json = r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}}"#;
        assert!(matches!(feed(&mut p, json), Ok(Step::Skip)));
        let text =
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Hi"}}"#;
        assert!(matches!(feed(&mut p, text), Ok(Step::Delta(t)) if t == "Hi"));
        let unknown = r#"{"type":"something_new","x":1}"#;
        assert!(matches!(feed(&mut p, unknown), Ok(Step::Skip)));
        let delta = r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":9}}"#;
        assert!(matches!(feed(&mut p, delta), Ok(Step::Skip)));
        let Ok(Step::Done(done)) = feed(&mut p, r#"{"type":"message_stop"}"#) else {
            panic!("no completion");
        };
        assert_eq!(
            (
                done.text.as_str(),
                done.model.as_str(),
                done.finish_reason.as_deref()
            ),
            ("Hi", "claude-x", Some("max_tokens"))
        );
        let u = done.usage;
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.cached_tokens),
            (7, 9, 2)
        );
    }

    #[test]
    fn error_events_keep_their_kind() {
        let mut p = MessageParser::new("m".into());
        let api =
            r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#;
        assert!(matches!(
            feed(&mut p, api),
            Err(ClientError::Http { status: 500, .. })
        ));
        let limited = r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#;
        assert!(matches!(
            feed(&mut p, limited),
            Err(ClientError::RateLimited { .. })
        ));
        let bad = feed(&mut p, "event soup").unwrap_err();
        assert!(
            matches!(bad, ClientError::MalformedResponse { .. }),
            "{bad}"
        );
    }
}
