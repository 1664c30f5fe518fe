//! Test helpers: a fake client that counts calls in flight, and policy shortcuts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use rlm_client::{
    ClientError, Completion, CompletionRequest, LlmClient, ResiliencePolicy, RetryPolicy,
};

/// Sleeps `latency` per call (tokio time) and records calls started and completed and the peak number of
/// concurrent calls.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    pub(crate) latency: Duration,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) peak: AtomicUsize,
    pub(crate) started: AtomicUsize,
    /// Calls that ran to the end (a call whose future is dropped mid-flight never gets here).
    pub(crate) completed: AtomicUsize,
}

impl Gauge {
    pub(crate) fn new(latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            latency,
            ..Self::default()
        })
    }
}

#[async_trait]
impl LlmClient for Gauge {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.latency).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.completed.fetch_add(1, Ordering::SeqCst);
        Ok(Completion::new(
            request.messages[0].content.clone(),
            "gauge",
        ))
    }

    fn model(&self) -> &'static str {
        "gauge"
    }
}

/// A policy with fast retries (10 ms initial delay) so HTTP tests run quickly.
pub(crate) fn fast_retries(max_retries: u32) -> ResiliencePolicy {
    ResiliencePolicy::default().with_retry(
        RetryPolicy::default()
            .with_max_retries(max_retries)
            .with_initial_delay(Duration::from_millis(10))
            .with_max_delay(Duration::from_millis(50)),
    )
}
