//! The plumbing of streamed replies that every provider shares: opening a streamed exchange (errors
//! before the body map exactly as for a non-streamed call), pulling the body under the idle timeout,
//! splitting it into server-sent events (`eventsource-stream`), and driving a provider's event parser
//! into a [`CompletionStream`] that keeps the contract of [`crate::stream`].

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures::stream::{BoxStream, Stream};
use futures::{StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;

use super::http::{self, ApiKey, ErrorContext};
use crate::{ClientError, Completion, CompletionStream, RateLimitInfo, StreamItem};

/// What a streamed exchange needs after the request has been sent; owned, so the stream is `'static`.
#[derive(Debug, Clone)]
pub(crate) struct StreamContext {
    /// Provider name, for errors.
    pub(crate) provider: &'static str,
    /// The key to redact from every error text.
    pub(crate) key: Option<ApiKey>,
    /// Longest silence of the body.
    pub(crate) idle: Duration,
    /// The whole exchange's limit (reqwest's per-request timeout, which covers the body).
    pub(crate) request_timeout: Duration,
}

impl StreamContext {
    /// The error context of this exchange.
    pub(crate) fn errors(&self) -> ErrorContext<'_> {
        ErrorContext {
            provider: self.provider,
            key: self.key.as_ref(),
        }
    }

    /// [`ClientError::StreamInterrupted`] with `message` redacted.
    pub(crate) fn interrupted(&self, message: &str) -> ClientError {
        ClientError::StreamInterrupted {
            provider: self.provider.to_owned(),
            message: self.errors().redact(message),
        }
    }
}

/// What a provider's parser makes of one event.
#[derive(Debug)]
pub(crate) enum Step {
    /// Nothing to yield (a role chunk, a ping, an unknown event).
    Skip,
    /// The next piece of text.
    Delta(String),
    /// The final event: the whole completion.
    Done(Completion),
}

/// A provider's reading of its event stream, one event at a time.
pub(crate) trait EventParser: Send + 'static {
    /// Reads one event; an `Err` ends the stream with that error.
    fn on_event(&mut self, event: &Event, errors: &ErrorContext<'_>) -> Result<Step, ClientError>;

    /// Names the final event that never came (for [`ClientError::StreamInterrupted`]).
    fn final_event(&self) -> &'static str;
}

/// Sends a streamed request; an error status (its body read whole), a failed connection or a timeout
/// before the body becomes the same [`ClientError`] a non-streamed call gets.
pub(crate) async fn open(
    request: reqwest::RequestBuilder,
    sc: &StreamContext,
) -> Result<reqwest::Response, ClientError> {
    let errors = sc.errors();
    let response = request
        .timeout(sc.request_timeout)
        .send()
        .await
        .map_err(|e| errors.transport(&e, sc.request_timeout))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| errors.transport(&e, sc.request_timeout))?;
    Err(errors.status_error(status, &headers, &body))
}

/// `stream` with `rate_limit` (read from the headers of its response) set on its final completion.
pub(crate) fn with_rate_limit(
    stream: CompletionStream,
    rate_limit: Option<RateLimitInfo>,
) -> CompletionStream {
    let Some(info) = rate_limit else {
        return stream;
    };
    stream
        .map(move |item| match item {
            Ok(StreamItem::Done(completion)) => {
                Ok(StreamItem::Done(completion.with_rate_limit(info)))
            }
            other => other,
        })
        .boxed()
}

/// Whether the server answered with one JSON document instead of an event stream (it ignored
/// `stream: true`).
pub(crate) fn is_plain_json(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// Reads the whole body of a success response that is not a stream: `(status, body)`.
pub(crate) async fn whole_body(
    response: reqwest::Response,
    sc: &StreamContext,
) -> Result<(u16, Vec<u8>), ClientError> {
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| sc.errors().transport(&e, sc.request_timeout))?;
    Ok((status, body.to_vec()))
}

/// The body of `response` as server-sent events, each piece of bytes awaited under the idle timeout,
/// read by `parser` into a [`CompletionStream`]: deltas, then the completion, then the end; an error
/// is the last item. A body that ends before the parser's final event is
/// [`ClientError::StreamInterrupted`].
pub(crate) fn events<P: EventParser>(
    response: reqwest::Response,
    sc: StreamContext,
    parser: P,
) -> CompletionStream {
    let body = idle_body(response.bytes_stream(), sc.clone())
        .flat_map(|piece| futures::stream::iter(line_pieces(piece)));
    let events: BoxStream<'static, Result<Event, ClientError>> = body
        .eventsource()
        .map_err({
            let sc = sc.clone();
            move |e| event_error(&sc, e)
        })
        .boxed();
    let state = Driver {
        events,
        parser,
        sc,
        finished: false,
    };
    futures::stream::unfold(state, Driver::next).boxed()
}

/// The state of one streamed reply.
struct Driver<P> {
    events: BoxStream<'static, Result<Event, ClientError>>,
    parser: P,
    sc: StreamContext,
    finished: bool,
}

impl<P: EventParser> Driver<P> {
    /// The next item of the reply, or `None` after its last.
    async fn next(mut self) -> Option<(Result<StreamItem, ClientError>, Self)> {
        if self.finished {
            return None;
        }
        loop {
            let item = match self.events.next().await {
                None => Err(self.sc.interrupted(&format!(
                    "the stream ended before its final event ({})",
                    self.parser.final_event()
                ))),
                Some(Err(e)) => Err(e),
                Some(Ok(event)) => match self.parser.on_event(&event, &self.sc.errors()) {
                    Ok(Step::Skip) => continue,
                    Ok(Step::Delta(text)) => Ok(StreamItem::Delta(text)),
                    Ok(Step::Done(completion)) => Ok(StreamItem::Done(completion)),
                    Err(e) => Err(e),
                },
            };
            self.finished = !matches!(item, Ok(StreamItem::Delta(_)));
            return Some((item, self));
        }
    }
}

/// Pulls `body` one piece at a time under `tokio::time::timeout(sc.idle)`: silence that long is
/// [`ClientError::StreamStalled`]; a broken connection is [`ClientError::StreamInterrupted`], the
/// request timeout running out mid-body [`ClientError::Timeout`]. Nothing follows an error.
fn idle_body<B, S>(body: S, sc: StreamContext) -> impl Stream<Item = Result<B, ClientError>> + Send
where
    B: Send + 'static,
    S: Stream<Item = reqwest::Result<B>> + Send + 'static,
{
    let body: Pin<Box<dyn Stream<Item = reqwest::Result<B>> + Send>> = Box::pin(body);
    futures::stream::unfold(Some((body, sc)), |state| async move {
        let (mut body, sc) = state?;
        let item = match tokio::time::timeout(sc.idle, body.next()).await {
            Err(_) => Err(ClientError::StreamStalled {
                provider: sc.provider.to_owned(),
                idle: sc.idle,
            }),
            Ok(None) => return None,
            Ok(Some(Ok(bytes))) => return Some((Ok(bytes), Some((body, sc)))),
            Ok(Some(Err(e))) if e.is_timeout() => Err(ClientError::Timeout {
                after: sc.request_timeout,
            }),
            Ok(Some(Err(e))) => Err(sc.interrupted(&format!(
                "the connection broke mid-reply: {}",
                http::chain(&e)
            ))),
        };
        Some((item, None))
    })
}

/// Maps a failure of the event splitter: transport errors pass through, undecodable text is a
/// malformed response.
/// `piece` cut after each line feed. The event parser copies the rest of its buffer after every line
/// it reads, so a body chunk holding many events (a server that writes the whole stream at once, or
/// a burst) would cost time quadratic in its size; fed a line at a time it stays linear.
fn line_pieces<B: AsRef<[u8]>>(piece: Result<B, ClientError>) -> Vec<Result<Vec<u8>, ClientError>> {
    let bytes = match piece {
        Ok(bytes) => bytes,
        Err(e) => return vec![Err(e)],
    };
    bytes
        .as_ref()
        .split_inclusive(|byte| *byte == b'\n')
        .map(|line| Ok(line.to_vec()))
        .collect()
}

/// Hands `parser` one `message` event holding `data`, as the stream would (for the parsers' tests).
#[cfg(test)]
pub(crate) fn feed<P: EventParser>(
    parser: &mut P,
    provider: &'static str,
    data: &str,
) -> Result<Step, ClientError> {
    let event = Event {
        event: "message".into(),
        data: data.into(),
        ..Event::default()
    };
    let errors = ErrorContext {
        provider,
        key: None,
    };
    parser.on_event(&event, &errors)
}

fn event_error(sc: &StreamContext, error: EventStreamError<ClientError>) -> ClientError {
    match error {
        EventStreamError::Transport(e) => e,
        EventStreamError::Utf8(e) => {
            let bytes = e.into_bytes();
            sc.errors()
                .malformed(200, "the event stream is not valid UTF-8", &bytes)
        }
        EventStreamError::Parser(e) => sc.errors().malformed(
            200,
            "the event stream could not be split into events",
            e.input.as_bytes(),
        ),
    }
}

/// The error an `{"error":{...}}` event carries, as [`ErrorContext::status_error`] would map the same
/// body under a plausible status: 429 for a rate limit, 529 for an overload, 400–404 and 413 for the
/// request errors Anthropic and OpenAI name, a numeric `code` between 400 and 599 as itself, else 500.
pub(crate) fn error_event(errors: &ErrorContext<'_>, data: &str) -> ClientError {
    let value: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let detail = value.get("error").unwrap_or(&value);
    let text = |name: &str| {
        detail
            .get(name)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let (kind, code) = (text("type"), text("code"));
    let names = |needle: &str| kind.contains(needle) || code.contains(needle);
    let status = if names("insufficient_quota") || names("rate_limit") {
        429
    } else if names("overloaded") {
        529
    } else if names("invalid_request") {
        400
    } else if names("authentication") {
        401
    } else if names("permission") {
        403
    } else if names("not_found") {
        404
    } else if names("request_too_large") {
        413
    } else {
        code.parse::<u16>()
            .ok()
            .filter(|c| (400..=599).contains(c))
            .unwrap_or(500)
    };
    errors.status_error(status, &HeaderMap::new(), data.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_cut_after_each_line_feed_and_errors_pass_through() {
        let pieces = line_pieces::<&[u8]>(Ok(b"data: a\n\ndata: b\r\n\r\ndata: c"));
        let pieces: Vec<Vec<u8>> = pieces.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            pieces,
            [
                b"data: a\n".to_vec(),
                b"\n".to_vec(),
                b"data: b\r\n".to_vec(),
                b"\r\n".to_vec(),
                b"data: c".to_vec()
            ]
        );
        let failed = line_pieces::<&[u8]>(Err(ClientError::Cancelled));
        assert!(matches!(failed.as_slice(), [Err(ClientError::Cancelled)]));
    }
}
