//! Anthropic provider against wiremock: headers, system prompt, usage, 529 overloaded retried.

use std::sync::Arc;

use rlm_client::{Anthropic, ClientError, CompletionRequest, LlmClient, Message, Resilient};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::fast_retries;

fn client(server: &MockServer) -> Anthropic {
    Anthropic::builder("claude-test", "sk-ant-test")
        .base_url(server.uri())
        .build()
        .unwrap()
}

fn ok_body() -> serde_json::Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test-2025",
        "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " world"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 0}
    })
}

#[tokio::test]
async fn success_parses_text_and_usage_and_sends_the_right_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test"))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_partial_json(json!({
            "model": "claude-test", "max_tokens": 4096, "system": "be brief",
            "messages": [{"role": "user", "content": "hi"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let request = CompletionRequest::new(vec![Message::system("be brief"), Message::user("hi")]);
    let c = client(&server).complete(request).await.unwrap();
    assert_eq!(c.text, "Hello world");
    assert_eq!(c.model, "claude-test-2025");
    assert_eq!(c.finish_reason.as_deref(), Some("end_turn"));
    assert_eq!(
        (
            c.usage.prompt_tokens,
            c.usage.completion_tokens,
            c.usage.cached_tokens
        ),
        (110, 4, 100)
    );
}

#[tokio::test]
async fn overloaded_529_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(529)
                .set_body_json(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    let direct = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    match &direct {
        ClientError::Http {
            status: 529,
            error_type,
            message,
            ..
        } => {
            assert_eq!(
                (error_type.as_deref(), message.as_str()),
                (Some("overloaded_error"), "Overloaded")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(direct.is_retryable());
    // The provider itself never retries; the wrapper does.
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2)).unwrap();
    assert_eq!(
        resilient
            .complete(CompletionRequest::prompt("x"))
            .await
            .unwrap()
            .text,
        "Hello world"
    );
}

#[tokio::test]
async fn invalid_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "messages: field required"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2)).unwrap();
    let err = resilient
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("messages: field required"),
        "{err}"
    );
}
