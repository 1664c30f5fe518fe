//! OpenAI-compatible provider against wiremock: parsing, error shapes, retries through `Resilient`,
//! timeouts, malformed bodies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{
    ClientError, CompletionRequest, LlmClient, Message, OpenAiCompatible, Resilient, UsageMeter,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::fast_retries;

fn client(server: &MockServer) -> OpenAiCompatible {
    OpenAiCompatible::builder("gpt-test")
        .base_url(format!("{}/v1", server.uri()))
        .api_key("sk-test-key")
        .build()
        .unwrap()
}

fn ok_body(content: &serde_json::Value) -> serde_json::Value {
    json!({
        "id": "c1", "object": "chat.completion", "model": "gpt-test-2025",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
                  "prompt_tokens_details": {"cached_tokens": 8}, "completion_tokens_details": {"reasoning_tokens": 3}}
    })
}

#[tokio::test]
async fn success_parses_text_and_usage_and_sends_the_right_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test-key"))
        .and(body_partial_json(json!({
            "model": "gpt-test", "max_tokens": 20, "temperature": 0.0, "stop": ["END"],
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&json!("hello"))))
        .expect(1)
        .mount(&server)
        .await;
    let request = CompletionRequest::new(vec![Message::system("be brief"), Message::user("hi")])
        .with_max_tokens(20)
        .with_temperature(0.0)
        .with_stop("END");
    let c = client(&server).complete(request).await.unwrap();
    assert_eq!(c.text, "hello");
    assert_eq!(c.model, "gpt-test-2025");
    assert_eq!(c.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        (
            c.usage.prompt_tokens,
            c.usage.completion_tokens,
            c.usage.cached_tokens,
            c.usage.reasoning_tokens
        ),
        (12, 5, 8, 3)
    );
}

#[tokio::test]
async fn null_content_is_empty_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&serde_json::Value::Null)))
        .mount(&server)
        .await;
    let c = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert_eq!(c.text, "");
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&json!("after wait"))))
        .mount(&server)
        .await;
    let meter = UsageMeter::new();
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2))
        .unwrap()
        .with_meter(meter.clone());
    let start = Instant::now();
    let c = resilient
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert_eq!(c.text, "after wait");
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        start.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    let usage = meter.snapshot().per_model["gpt-test"];
    assert_eq!((usage.calls, usage.failures, usage.retries), (1, 0, 1));
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "boom", "type": "server_error"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&json!("ok"))))
        .mount(&server)
        .await;
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2)).unwrap();
    assert_eq!(
        resilient
            .complete(CompletionRequest::prompt("x"))
            .await
            .unwrap()
            .text,
        "ok"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": {"message": "max_tokens is too large", "type": "invalid_request_error", "code": null}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2)).unwrap();
    let err = resilient
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    match &err {
        ClientError::Http {
            status: 400,
            message,
            error_type,
            ..
        } => {
            assert_eq!(message, "max_tokens is too large");
            assert_eq!(error_type.as_deref(), Some("invalid_request_error"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("retrying will not help"), "{err}");
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}})))
        .expect(1)
        .mount(&server)
        .await;
    let resilient = Resilient::new(Arc::new(client(&server)), fast_retries(2)).unwrap();
    let err = resilient
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("out of credit"), "{err}");
}

#[tokio::test]
async fn vllm_top_level_error_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"object": "error", "message": "context length exceeded", "type": "BadRequestError", "param": null, "code": 400}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    match err {
        ClientError::Http {
            status,
            message,
            error_type,
            code,
            ..
        } => {
            assert_eq!((status, message.as_str()), (400, "context length exceeded"));
            assert_eq!(
                (error_type.as_deref(), code.as_deref()),
                (Some("BadRequestError"), Some("400"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_attempt_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body(&json!("late")))
                .set_delay(Duration::from_mins(1)),
        )
        .mount(&server)
        .await;
    let mut policy = fast_retries(1);
    policy.attempt_timeout = Duration::from_millis(200);
    let resilient = Resilient::new(Arc::new(client(&server)), policy).unwrap();
    let start = Instant::now();
    let err = resilient
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::Timeout {
            after: Duration::from_millis(200)
        }
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "a timeout is retried once"
    );
}

#[tokio::test]
async fn the_provider_request_timeout_also_bounds_a_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_mins(1)))
        .mount(&server)
        .await;
    let provider = OpenAiCompatible::builder("m")
        .base_url(server.uri())
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = provider
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_gives_an_excerpt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{\"choices\": [ oops".to_string() + &"x".repeat(5000)),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    match &err {
        ClientError::MalformedResponse {
            status: 200,
            excerpt,
            ..
        } => {
            assert!(excerpt.starts_with("{\"choices\": [ oops"));
            assert!(excerpt.chars().count() <= ClientError::EXCERPT_CHARS + 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("oops"), "{err}");
}

#[tokio::test]
async fn html_error_page_gives_a_clear_error_with_an_excerpt() {
    let server = MockServer::start().await;
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let err = client(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTTP 502") && text.contains("502 Bad Gateway"),
        "{text}"
    );
    assert!(err.is_retryable());

    let ok_but_html = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html"))
        .mount(&ok_but_html)
        .await;
    let err = client(&ok_but_html)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::MalformedResponse { excerpt, .. } if excerpt.contains("<title>")),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let provider = OpenAiCompatible::builder("m")
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();
    let err = provider
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Connection { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn request_model_overrides_the_default() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"model": "other-model"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"choices": [{"message": {"content": "x"}}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .complete(CompletionRequest::prompt("x").with_model("other-model"))
        .await
        .unwrap();
    assert_eq!(
        c.model, "other-model",
        "falls back to the requested model when the server reports none"
    );
    assert_eq!(c.usage.total_tokens(), 0);
}

/// The JSON body of the one request `server` received.
async fn sent_body(server: &MockServer) -> serde_json::Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    serde_json::from_slice(&requests[0].body).unwrap()
}

#[tokio::test]
async fn reasoning_models_get_max_completion_tokens_and_no_default_temperature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&json!("ok"))))
        .mount(&server)
        .await;
    // What the official API gets (the field is chosen by host; here it is forced onto the mock).
    let gpt5 = OpenAiCompatible::builder("gpt-5-mini")
        .base_url(format!("{}/v1", server.uri()))
        .token_limit_field(rlm_client::TokenLimitField::MaxCompletionTokens)
        .reasoning_effort("low")
        .build()
        .unwrap();
    let c = gpt5
        .complete(CompletionRequest::prompt("think").with_max_tokens(300))
        .await
        .unwrap();
    assert_eq!(c.usage.reasoning_tokens, 3);
    let body = sent_body(&server).await;
    assert_eq!(body["max_completion_tokens"], 300);
    assert_eq!(body["reasoning_effort"], "low");
    for absent in ["max_tokens", "temperature"] {
        assert!(body.get(absent).is_none(), "{absent} was sent: {body}");
    }
}

#[tokio::test]
async fn other_servers_get_max_tokens_and_the_request_effort_wins() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&json!("ok"))))
        .mount(&server)
        .await;
    let vllm = OpenAiCompatible::builder("qwen")
        .base_url(format!("{}/v1", server.uri()))
        .reasoning_effort("high")
        .build()
        .unwrap();
    vllm.complete(
        CompletionRequest::prompt("x")
            .with_max_tokens(40)
            .with_temperature(0.2)
            .with_reasoning_effort("medium"),
    )
    .await
    .unwrap();
    let body = sent_body(&server).await;
    assert_eq!(body["max_tokens"], 40);
    assert!((body["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
    assert_eq!(body["reasoning_effort"], "medium");
    assert!(body.get("max_completion_tokens").is_none(), "{body}");
}
