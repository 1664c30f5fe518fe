//! OpenAI-compatible streaming against wiremock (recorded LiteLLM stream, keep-alive comments, error
//! statuses, malformed and error events, a JSON answer) and against a raw TCP server (a connection cut
//! mid-stream, a stall, a slow stream kept alive by comments).

use std::time::{Duration, Instant};

use futures::StreamExt;
use rlm_client::{
    ClientError, Completion, CompletionRequest, DEFAULT_STREAM_IDLE_TIMEOUT, LlmClient,
    OpenAiCompatible, StreamItem,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Step, raw_sse_server};

const KEY: &str = "sk-test-stream-key-0123";

/// The LiteLLM 1.108.7 stream of `mock-ok` with `stream_options.include_usage`, verbatim
/// (/work/shared/WIRE-FORMATS.md, "Streaming"): a role chunk with text, 3-character deltas, the
/// `finish_reason` chunk, the usage chunk, `[DONE]`.
const LITELLM_STREAM: &str = concat!(
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"role":"assistant","content":"I l"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"ook"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"ed "}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"at "}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"the"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":" co"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"nte"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"xt."}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"\nFI"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"NAL"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":"(42"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{"content":")"}}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-7a4fcaf6-2382-46f1-a3f6-b14cfc23e70c","object":"chat.completion.chunk","created":1795977674,"model":"mock-ok","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-dea3c9b6-2e1f-41e2-9487-e160f534135e","created":1795977674,"model":"mock-ok","object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}],"usage":{"completion_tokens":10,"prompt_tokens":14,"total_tokens":24,"completion_tokens_details":{"reasoning_tokens":0,"text_tokens":10}}}"#,
    "\n\n",
    "data: [DONE]\n\n",
);

fn client_at(base_url: &str, idle: Duration) -> OpenAiCompatible {
    OpenAiCompatible::builder("gpt-test")
        .base_url(base_url)
        .api_key(KEY)
        .stream_idle_timeout(idle)
        .build()
        .unwrap()
}

fn client(server: &MockServer) -> OpenAiCompatible {
    client_at(&format!("{}/v1", server.uri()), DEFAULT_STREAM_IDLE_TIMEOUT)
}

fn sse(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into().into_bytes(), "text/event-stream")
}

/// Every item of a stream: the deltas, then the completion or the error that ended it.
async fn drain(client: &OpenAiCompatible) -> (Vec<String>, Result<Completion, ClientError>, usize) {
    let mut stream = client
        .complete_stream(CompletionRequest::prompt("hi"))
        .await
        .unwrap();
    let mut deltas = Vec::new();
    let mut end = None;
    let mut after_end = 0;
    while let Some(item) = stream.next().await {
        if end.is_some() {
            after_end += 1;
            continue;
        }
        match item {
            Ok(StreamItem::Delta(text)) => deltas.push(text),
            Ok(StreamItem::Done(done)) => end = Some(Ok(done)),
            Err(e) => end = Some(Err(e)),
            Ok(other) => panic!("unexpected item {other:?}"),
        }
    }
    let end = end.unwrap_or_else(|| panic!("the stream ended without a last item: {deltas:?}"));
    (deltas, end, after_end)
}

#[tokio::test]
async fn the_recorded_litellm_stream_yields_its_deltas_in_order_and_its_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "model": "gpt-test", "stream": true, "stream_options": {"include_usage": true},
            "messages": [{"role": "user", "content": "hi"}]
        })))
        .respond_with(sse(LITELLM_STREAM))
        .expect(1)
        .mount(&server)
        .await;
    let (deltas, end, after_end) = drain(&client(&server)).await;
    let expected = [
        "I l", "ook", "ed ", "at ", "the", " co", "nte", "xt.", "\nFI", "NAL", "(42", ")",
    ];
    assert_eq!(deltas, expected);
    let done = end.unwrap();
    assert_eq!(done.text, "I looked at the context.\nFINAL(42)");
    assert_eq!(done.text, deltas.concat());
    assert_eq!(done.model, "mock-ok");
    assert_eq!(done.finish_reason.as_deref(), Some("stop"));
    let u = done.usage;
    assert_eq!(
        (
            u.prompt_tokens,
            u.completion_tokens,
            u.cached_tokens,
            u.reasoning_tokens
        ),
        (14, 10, 0, 0)
    );
    assert_eq!(after_end, 0, "nothing may follow Done");
}

#[tokio::test]
async fn keep_alive_comments_and_an_empty_usage_chunk_are_read_right() {
    let server = MockServer::start().await;
    let body = concat!(
        ": ping\n\n",
        "data: {\"model\":\"gpt-test-2025\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"finish_reason\":null}],\"usage\":null}\n\n",
        ": keep-alive\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"héllo \"},\"finish_reason\":null}]}\n\n",
        ":\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"wörld\"},\"finish_reason\":\"length\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,",
        "\"prompt_tokens_details\":{\"cached_tokens\":8},\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n",
        ": ping\n\n",
        "data: [DONE]\n\n",
    );
    Mock::given(method("POST"))
        .respond_with(sse(body))
        .mount(&server)
        .await;
    let (deltas, end, _) = drain(&client(&server)).await;
    assert_eq!(deltas, ["héllo ", "wörld"]);
    let done = end.unwrap();
    assert_eq!(
        (
            done.text.as_str(),
            done.model.as_str(),
            done.finish_reason.as_deref()
        ),
        ("héllo wörld", "gpt-test-2025", Some("length"))
    );
    let u = done.usage;
    assert_eq!(
        (
            u.prompt_tokens,
            u.completion_tokens,
            u.cached_tokens,
            u.reasoning_tokens
        ),
        (12, 5, 8, 3)
    );
}

/// The outer error of `complete_stream` and the error of `complete` for the same response.
async fn both_errors(response: ResponseTemplate) -> (ClientError, ClientError) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = client(&server);
    let plain = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    let Err(streamed) = client.complete_stream(CompletionRequest::prompt("x")).await else {
        panic!("an error status must fail before the stream");
    };
    (plain, streamed)
}

#[tokio::test]
async fn error_statuses_before_the_stream_are_the_non_streamed_errors() {
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "7")
        .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}));
    let (plain, streamed) = both_errors(limited).await;
    assert_eq!(streamed, plain);
    assert!(
        matches!(&streamed, ClientError::RateLimited { retry_after: Some(wait), message, .. }
            if *wait == Duration::from_secs(7) && message == "Rate limit reached"),
        "{streamed:?}"
    );
    let litellm_500 = ResponseTemplate::new(500).set_body_json(json!({"error": {
        "message": "litellm.InternalServerError: this is a mock internal server error",
        "type": "internal_server_error", "param": null, "code": "500"}}));
    let (plain, streamed) = both_errors(litellm_500).await;
    assert_eq!(streamed, plain);
    assert!(
        matches!(&streamed, ClientError::Http { status: 500, error_type: Some(t), .. } if t == "internal_server_error"),
        "{streamed:?}"
    );
    assert!(streamed.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_is_the_non_streamed_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let client = client_at(&url, DEFAULT_STREAM_IDLE_TIMEOUT);
    let Err(err) = client.complete_stream(CompletionRequest::prompt("x")).await else {
        panic!("nothing listens there");
    };
    assert!(matches!(err, ClientError::Connection { .. }), "{err:?}");
}

#[tokio::test]
async fn a_malformed_chunk_ends_the_stream_as_malformed_without_the_key() {
    let server = MockServer::start().await;
    let body = format!(
        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"ok\"}}}}]}}\n\ndata: <html>bad gateway {KEY}</html>\n\ndata: [DONE]\n\n"
    );
    Mock::given(method("POST"))
        .respond_with(sse(body))
        .mount(&server)
        .await;
    let (deltas, end, after_end) = drain(&client(&server)).await;
    assert_eq!(deltas, ["ok"]);
    let err = end.unwrap_err();
    match &err {
        ClientError::MalformedResponse { excerpt, .. } => {
            assert!(
                excerpt.contains("<html>bad gateway [REDACTED]"),
                "{excerpt}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(KEY));
    assert!(!err.is_retryable());
    assert_eq!(after_end, 0, "nothing may follow an error");
}

#[tokio::test]
async fn error_events_mid_stream_map_like_error_bodies() {
    let cases = [
        (
            r#"{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}"#,
            "rate",
        ),
        (
            r#"{"error":{"message":"upstream died","type":"server_error","code":null}}"#,
            "server",
        ),
    ];
    for (event, case) in cases {
        let server = MockServer::start().await;
        let body = format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"par\"}}}}]}}\n\ndata: {event}\n\n"
        );
        Mock::given(method("POST"))
            .respond_with(sse(body))
            .mount(&server)
            .await;
        let (deltas, end, _) = drain(&client(&server)).await;
        assert_eq!(deltas, ["par"]);
        let err = end.unwrap_err();
        match case {
            "rate" => assert!(
                matches!(&err, ClientError::RateLimited { message, .. } if message == "Rate limit reached"),
                "{err:?}"
            ),
            _ => assert!(
                matches!(&err, ClientError::Http { status: 500, message, .. } if message == "upstream died"),
                "{err:?}"
            ),
        }
        assert!(err.is_retryable(), "{err:?}");
    }
}

#[tokio::test]
async fn a_stream_that_ends_before_done_is_interrupted() {
    let server = MockServer::start().await;
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n";
    Mock::given(method("POST"))
        .respond_with(sse(body))
        .mount(&server)
        .await;
    let (deltas, end, _) = drain(&client(&server)).await;
    assert_eq!(deltas, ["half"]);
    let err = end.unwrap_err();
    assert!(
        matches!(&err, ClientError::StreamInterrupted { provider, message }
            if provider == "openai-compatible" && message.contains("[DONE]")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_json_answer_to_a_stream_request_is_one_delta() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "object": "chat.completion", "model": "gpt-test-2025",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
        })))
        .mount(&server)
        .await;
    let (deltas, end, _) = drain(&client(&server)).await;
    assert_eq!(deltas, ["whole"]);
    let done = end.unwrap();
    assert_eq!(
        (
            done.text.as_str(),
            done.model.as_str(),
            done.usage.prompt_tokens
        ),
        ("whole", "gpt-test-2025", 3)
    );
}

const FIRST: &str =
    "data: {\"model\":\"raw\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\"}}]}\n\n";

#[tokio::test]
async fn a_connection_cut_mid_stream_is_interrupted() {
    let url = raw_sse_server(vec![Step::Chunk(FIRST), Step::Chunk("data: {\"cho")], false).await;
    let (deltas, end, _) = drain(&client_at(&url, Duration::from_secs(5))).await;
    assert_eq!(deltas, ["first"]);
    let err = end.unwrap_err();
    assert!(
        matches!(&err, ClientError::StreamInterrupted { message, .. } if message.contains("connection broke")),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_stream_that_stalls_after_its_first_chunk_is_stalled_at_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let steps = vec![
        Step::Chunk(FIRST),
        Step::Sleep(Duration::from_secs(20)),
        Step::Chunk("data: [DONE]\n\n"),
    ];
    let url = raw_sse_server(steps, true).await;
    let client = client_at(&url, idle);
    let mut stream = client
        .complete_stream(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        StreamItem::Delta("first".into())
    );
    let start = Instant::now();
    let err = stream.next().await.unwrap().unwrap_err();
    let waited = start.elapsed();
    assert_eq!(
        err,
        ClientError::StreamStalled {
            provider: "openai-compatible".into(),
            idle
        }
    );
    assert!(
        waited + Duration::from_millis(50) >= idle && waited < Duration::from_secs(3),
        "stalled after {waited:?}"
    );
    assert!(stream.next().await.is_none(), "nothing follows an error");
}

#[tokio::test]
async fn keep_alive_comments_keep_a_slow_stream_from_stalling() {
    let idle = Duration::from_millis(400);
    let tick = Duration::from_millis(150);
    let mut steps = vec![Step::Chunk(FIRST)];
    for _ in 0..6 {
        steps.extend([Step::Sleep(tick), Step::Chunk(": ping\n\n")]);
    }
    steps.extend([
        Step::Sleep(tick),
        Step::Chunk("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" last\"}}]}\n\n"),
        Step::Chunk("data: [DONE]\n\n"),
    ]);
    let url = raw_sse_server(steps, true).await;
    let start = Instant::now();
    let (deltas, end, _) = drain(&client_at(&url, idle)).await;
    assert!(start.elapsed() > idle * 2, "the stream was not slow");
    assert_eq!(deltas, ["first", " last"]);
    assert_eq!(end.unwrap().text, "first last");
}

#[tokio::test]
async fn a_zero_idle_timeout_is_a_configuration_error() {
    let err = OpenAiCompatible::builder("m")
        .stream_idle_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Configuration { message } if message.contains("idle timeout is 0")),
        "{err:?}"
    );
}
