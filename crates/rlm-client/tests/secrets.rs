//! The API key never shows in errors, `Debug` output or tracing logs, even when the server echoes it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rlm_client::{Anthropic, CompletionRequest, LlmClient, OpenAiCompatible, Resilient};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::fast_retries;

const KEY: &str = "sk-super-secret-0123456789";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn key_is_absent_from_errors_debug_and_logs() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {KEY}."), "type": "invalid_request_error", "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    let openai = OpenAiCompatible::builder("m")
        .base_url(server.uri())
        .api_key(KEY)
        .build()
        .unwrap();
    let anthropic = Anthropic::builder("m", KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    assert!(!format!("{openai:?}{anthropic:?}").contains(KEY));

    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for provider in [Arc::new(openai) as Arc<dyn LlmClient>, Arc::new(anthropic)] {
        let resilient = Resilient::new(provider, fast_retries(1)).unwrap();
        let err = resilient
            .complete(CompletionRequest::prompt("x"))
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?} {resilient:?}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(
            shown.contains("[REDACTED]") && shown.contains("check the API key"),
            "{shown}"
        );
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("llm_request") && logs.contains("attempt"),
        "{logs}"
    );
    assert!(!logs.contains(KEY), "{logs}");
}

/// Builds a provider that talks to the given server with [`KEY`].
type Build = fn(&MockServer) -> Arc<dyn LlmClient>;

/// Calls `client` against a server that answers 200 with `body` and checks the error never shows the key.
async fn assert_200_body_is_redacted(body: ResponseTemplate, build: Build, label: &str) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(body)
        .mount(&server)
        .await;
    let err = build(&server)
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, rlm_client::ClientError::MalformedResponse { .. }),
        "{label}: {err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY), "{label}: {shown}");
    assert!(shown.contains("[REDACTED]"), "{label}: {shown}");
}

fn openai_at(server: &MockServer) -> Arc<dyn LlmClient> {
    Arc::new(
        OpenAiCompatible::builder("m")
            .base_url(server.uri())
            .api_key(KEY)
            .build()
            .unwrap(),
    )
}

fn anthropic_at(server: &MockServer) -> Arc<dyn LlmClient> {
    Arc::new(
        Anthropic::builder("m", KEY)
            .base_url(server.uri())
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn key_echoed_in_a_200_body_is_redacted_on_every_malformed_path() {
    let cases: [(&str, ResponseTemplate, Build); 6] = [
        (
            "openai, no choices",
            ResponseTemplate::new(200)
                .set_body_json(json!({"choices": [], "note": format!("key {KEY}")})),
            openai_at,
        ),
        (
            "openai, not JSON",
            ResponseTemplate::new(200).set_body_string(format!("oops {KEY} <html>")),
            openai_at,
        ),
        (
            "openai, wrong type whose value serde quotes",
            ResponseTemplate::new(200).set_body_json(json!({"choices": KEY})),
            openai_at,
        ),
        (
            "anthropic, not JSON",
            ResponseTemplate::new(200).set_body_string(format!("oops {KEY} <html>")),
            anthropic_at,
        ),
        (
            "anthropic, wrong type whose value serde quotes",
            ResponseTemplate::new(200).set_body_json(json!({"content": KEY})),
            anthropic_at,
        ),
        (
            "anthropic, no content blocks but the key echoed",
            ResponseTemplate::new(200)
                .set_body_json(json!({"content": [{"type": 7}], "note": KEY})),
            anthropic_at,
        ),
    ];
    for (label, body, build) in cases {
        assert_200_body_is_redacted(body, build, label).await;
    }
}
