//! Anthropic streaming against wiremock: a Messages event stream with pings, a thinking block and
//! usage in `message_start` / `message_delta`; errors before the stream and `error` events inside
//! it (overloaded the same as an HTTP 529); a stream cut before `message_stop`.

use futures::StreamExt;
use rlm_client::{
    Anthropic, ClientError, Completion, CompletionRequest, LlmClient, Message, StreamItem,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-stream-test-0123";

/// A Messages stream as the API sends it (event names, `ping`s, a thinking block before the text,
/// cache tokens in `message_start`, the output count in `message_delta`).
const MESSAGES_STREAM: &str = r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":1}}}

event: ping
data: {"type": "ping"}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user greets me."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":", wörld"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"!"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

event: message_stop
data: {"type":"message_stop"}

"#;

const OVERLOADED: &str =
    r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;

fn client(server: &MockServer) -> Anthropic {
    Anthropic::builder("claude-test", KEY)
        .base_url(server.uri())
        .build()
        .unwrap()
}

async fn serving(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn sse(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into().into_bytes(), "text/event-stream")
}

/// The deltas of a stream and its last item (the completion or the error).
async fn drain(client: &Anthropic) -> (Vec<String>, Result<Completion, ClientError>) {
    let mut stream = client
        .complete_stream(CompletionRequest::prompt("hi"))
        .await
        .unwrap();
    let mut deltas = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(StreamItem::Delta(text)) => deltas.push(text),
            Ok(StreamItem::Done(done)) => {
                assert!(stream.next().await.is_none(), "nothing may follow Done");
                return (deltas, Ok(done));
            }
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing may follow an error");
                return (deltas, Err(e));
            }
            Ok(other) => panic!("unexpected item {other:?}"),
        }
    }
    panic!("the stream ended without a last item: {deltas:?}");
}

#[tokio::test]
async fn a_messages_stream_yields_its_text_deltas_and_its_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_partial_json(json!({
            "model": "claude-test", "max_tokens": 4096, "stream": true, "system": "be brief",
            "messages": [{"role": "user", "content": "hi"}]
        })))
        .respond_with(sse(MESSAGES_STREAM))
        .expect(1)
        .mount(&server)
        .await;
    let request = CompletionRequest::new(vec![Message::system("be brief"), Message::user("hi")]);
    let mut stream = client(&server).complete_stream(request).await.unwrap();
    let mut deltas = Vec::new();
    let done = loop {
        match stream.next().await.unwrap().unwrap() {
            StreamItem::Delta(text) => deltas.push(text),
            StreamItem::Done(done) => break done,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(deltas, ["Hello", ", wörld", "!"]);
    assert_eq!(done.text, "Hello, wörld!");
    assert_eq!(done.text, deltas.concat());
    assert_eq!(done.model, "claude-sonnet-4-5-20250929");
    assert_eq!(done.finish_reason.as_deref(), Some("end_turn"));
    let u = done.usage;
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.cached_tokens),
        (125, 15, 100)
    );
}

#[tokio::test]
async fn an_overloaded_event_is_the_error_of_an_http_529_and_is_retryable() {
    let status_529 = ResponseTemplate::new(529).set_body_raw(OVERLOADED, "application/json");
    let plain = client(&serving(status_529).await)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    let body = MESSAGES_STREAM
        .split("event: message_delta")
        .next()
        .unwrap();
    let cut = format!("{body}event: error\ndata: {OVERLOADED}\n\n");
    let (deltas, end) = drain(&client(&serving(sse(cut)).await)).await;
    assert_eq!(deltas, ["Hello", ", wörld", "!"]);
    let streamed = end.unwrap_err();
    assert_eq!(streamed, plain);
    assert!(
        matches!(&streamed, ClientError::Http { status: 529, error_type: Some(t), message, .. }
            if t == "overloaded_error" && message == "Overloaded"),
        "{streamed:?}"
    );
    assert!(streamed.is_retryable());
}

#[tokio::test]
async fn rate_limit_and_api_error_events_map_like_their_statuses() {
    let rate = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let (_, end) = drain(&client(
        &serving(sse(format!("event: error\ndata: {rate}\n\n"))).await,
    ))
    .await;
    let err = end.unwrap_err();
    assert!(
        matches!(&err, ClientError::RateLimited { message, .. } if message.contains("per-minute rate limit")),
        "{err:?}"
    );
    let api = r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#;
    let (_, end) = drain(&client(
        &serving(sse(format!("event: error\ndata: {api}\n\n"))).await,
    ))
    .await;
    let err = end.unwrap_err();
    assert!(
        matches!(&err, ClientError::Http { status: 500, error_type: Some(t), .. } if t == "api_error"),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn http_errors_before_the_stream_are_the_non_streamed_errors() {
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "3")
        .set_body_json(
            json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}),
        );
    let server = serving(limited).await;
    let plain = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    let Err(streamed) = client(&server)
        .complete_stream(CompletionRequest::prompt("x"))
        .await
    else {
        panic!("a 429 must fail before the stream");
    };
    assert_eq!(streamed, plain);
    assert!(
        matches!(&streamed, ClientError::RateLimited { retry_after: Some(w), .. } if w.as_secs() == 3),
        "{streamed:?}"
    );
    let invalid = ResponseTemplate::new(400).set_body_json(json!({"type": "error",
        "error": {"type": "invalid_request_error", "message": format!("bad key {KEY}")}}));
    let Err(err) = client(&serving(invalid).await)
        .complete_stream(CompletionRequest::prompt("x"))
        .await
    else {
        panic!("a 400 must fail before the stream");
    };
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(KEY) && shown.contains("[REDACTED]"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_stream_cut_before_message_stop_is_interrupted() {
    let body = MESSAGES_STREAM.split("event: message_stop").next().unwrap();
    let (deltas, end) = drain(&client(&serving(sse(body)).await)).await;
    assert_eq!(deltas.concat(), "Hello, wörld!");
    let err = end.unwrap_err();
    assert!(
        matches!(&err, ClientError::StreamInterrupted { provider, message }
            if provider == "anthropic" && message.contains("message_stop")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_malformed_event_is_a_malformed_response() {
    let body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"\n\n";
    let (deltas, end) = drain(&client(&serving(sse(body)).await)).await;
    assert!(deltas.is_empty());
    let err = end.unwrap_err();
    assert!(
        matches!(err, ClientError::MalformedResponse { .. }),
        "{err:?}"
    );
}
