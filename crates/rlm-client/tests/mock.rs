//! `MockLlmClient` (feature `mock`) works behind `Arc<dyn LlmClient>`, as other crates' tests use it.
//!
//! Compiled only with the `mock` feature: run `cargo test -p rlm-client --features mock` (plain
//! `cargo test -p rlm-client` skips this module). `cargo test --workspace` runs it, because rlm-core's
//! dev-dependency on rlm-client enables `mock` and Cargo unifies the feature for this test binary too.
#![cfg(feature = "mock")]

use std::sync::Arc;

use rlm_client::testing::MockLlmClient;
use rlm_client::{Completion, CompletionRequest, LlmClient, ResiliencePolicy, Resilient};

#[tokio::test]
async fn mock_client_can_be_wrapped() {
    let mut mock = MockLlmClient::new();
    mock.expect_model().return_const("mocked".to_string());
    mock.expect_complete().times(1).returning(|r| {
        Ok(Completion::new(
            format!("saw {}", r.messages.len()),
            "mocked",
        ))
    });
    let client = Resilient::new(Arc::new(mock), ResiliencePolicy::default()).unwrap();
    assert_eq!(
        client
            .complete(CompletionRequest::prompt("x"))
            .await
            .unwrap()
            .text,
        "saw 1"
    );
    assert_eq!(client.model(), "mocked");
}
