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
