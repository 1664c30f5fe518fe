//! Failures and the run timeout: a root-model failure after the retries is a run error with its cause,
//! sub-call failures are strings for the model, and the timeout cancels sub-calls in flight and
//! interrupts a busy cell.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{ClientError, ResiliencePolicy, RetryPolicy};
use rlm_core::{Limits, Rlm, RlmError};

use crate::support::{Scripted, repl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_provider_failure_is_an_error_with_the_cause() {
    let mut mock = rlm_client::testing::MockLlmClient::new();
    mock.expect_model().return_const("mock-root".to_owned());
    // The root model is called in streaming mode: a mock of it expects `complete_stream`.
    mock.expect_complete_stream().times(1).returning(|_| {
        Err(ClientError::Http {
            provider: "mock".into(),
            status: 401,
            error_type: None,
            code: None,
            message: "bad key".into(),
            retry_after: None,
        })
    });
    let policy = ResiliencePolicy::default().with_retry(RetryPolicy::none());
    let rlm = Rlm::builder()
        .root(Arc::new(mock))
        .resilience(policy)
        .build()
        .unwrap();
    match rlm.completion("c", "q").await.unwrap_err() {
        RlmError::Provider { source, partial } => {
            assert!(matches!(source, ClientError::Http { status: 401, .. }));
            assert_eq!(partial.answer, None);
        }
        other => panic!("expected Provider, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_call_failures_are_strings_for_the_model() {
    let code = repl("var r = llm_query('x'); var b = llm_batch(['y']); print(r); print(b[0])");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(ok)"]));
    let sub = Arc::new(Scripted::new("sub", |_, _| {
        Err(ClientError::Other {
            message: "sub broke".into(),
            retryable: false,
        })
    }));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub)
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "ok");
    let feedback = crate::support::last_user(&root.requests()[1]);
    // One convention for both calls: the failure is a string in place of the reply.
    assert!(
        feedback.contains("Output:\nError: sub broke\nError: sub broke"),
        "{feedback}"
    );
}

/// A sub client whose calls never finish; it notes when a call's future is dropped.
struct Hanging {
    dropped: Arc<std::sync::atomic::AtomicUsize>,
}

struct DropFlag(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl rlm_client::LlmClient for Hanging {
    async fn complete(
        &self,
        _: rlm_client::CompletionRequest,
    ) -> Result<rlm_client::Completion, ClientError> {
        let _flag = DropFlag(self.dropped.clone());
        tokio::time::sleep(Duration::from_hours(1)).await;
        Err(ClientError::Cancelled)
    }
    fn model(&self) -> &'static str {
        "hanging"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_cancels_in_flight_sub_calls() {
    let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let code = repl("var r = llm_batch(['a', 'b']); var s = llm_query('c');");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(never)"]));
    let sub = Arc::new(Hanging {
        dropped: dropped.clone(),
    });
    let limits = Limits::default().with_timeout(Duration::from_millis(400));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub)
        .limits(limits)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(matches!(err, RlmError::Timeout { .. }), "{err:?}");
    // Both in-flight batch requests are dropped soon after the run is (generous margin for a busy machine).
    let deadline = Instant::now() + Duration::from_secs(20);
    while dropped.load(std::sync::atomic::Ordering::SeqCst) < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(dropped.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_interrupts_a_busy_cell() {
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("while (true) {}"), "FINAL(never)"],
    ));
    let limits = Limits::default().with_timeout(Duration::from_millis(300));
    let rlm = Rlm::builder().root(root).limits(limits).build().unwrap();
    let started = Instant::now();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(matches!(err, RlmError::Timeout { .. }), "{err:?}");
    // The cell's own CPU limit is 30 s: returning well before shows the run did not wait for it.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
