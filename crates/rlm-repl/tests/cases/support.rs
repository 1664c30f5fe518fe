//! A fake `SubcallHandler` with configurable latency that records what it saw.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_repl::{QueryOptions, Sandbox, SandboxConfig, SubcallHandler, SubcallKind};

/// Answers `"<kind>:<prompt>"`, fails prompts containing "fail", sleeps `latency`.
#[derive(Default)]
pub(crate) struct Fake {
    pub(crate) latency: Duration,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) peak: AtomicUsize,
    pub(crate) calls: Mutex<Vec<(SubcallKind, String, QueryOptions)>>,
    pub(crate) batch_limits: Mutex<Vec<usize>>,
    /// Queries whose future was dropped before it finished.
    pub(crate) cancelled: AtomicUsize,
}

/// Counts a query as cancelled unless it is disarmed by finishing.
struct Unfinished<'a>(Option<&'a AtomicUsize>);

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if let Some(counter) = self.0 {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Fake {
    pub(crate) fn with_latency(latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            latency,
            ..Self::default()
        })
    }
}

#[async_trait::async_trait]
impl SubcallHandler for Fake {
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, rlm_repl::SubcallError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let mut unfinished = Unfinished(Some(&self.cancelled));
        tokio::time::sleep(self.latency).await;
        unfinished.0 = None;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.calls
            .lock()
            .unwrap()
            .push((kind, prompt.clone(), options));
        if prompt.contains("fail") {
            return Err(rlm_repl::SubcallError::provider(format!(
                "model refused {prompt}"
            )));
        }
        Ok(format!("{kind:?}:{prompt}"))
    }

    async fn batch(
        &self,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, rlm_repl::SubcallError>> {
        self.batch_limits.lock().unwrap().push(max_concurrent);
        // The trait's default implementation (the one the crate ships) does the work.
        DefaultBatch(self)
            .batch(kind, prompts, max_concurrent)
            .await
    }
}

/// Delegates `query` to the fake and keeps the trait's default `batch`.
struct DefaultBatch<'a>(&'a Fake);

#[async_trait::async_trait]
impl SubcallHandler for DefaultBatch<'_> {
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, rlm_repl::SubcallError> {
        self.0.query(kind, prompt, options).await
    }
}

/// A sandbox with default config and a zero-latency fake.
pub(crate) fn sandbox() -> (Sandbox, Arc<Fake>) {
    sandbox_with(SandboxConfig::default())
}

/// A sandbox with the given config and a zero-latency fake.
pub(crate) fn sandbox_with(config: SandboxConfig) -> (Sandbox, Arc<Fake>) {
    let fake = Fake::with_latency(Duration::ZERO);
    (start(config, fake.clone()).unwrap(), fake)
}

/// `Sandbox::new` with the isolation of this test binary (a thread, or a process).
pub(crate) fn start(
    config: SandboxConfig,
    handler: Arc<dyn SubcallHandler>,
) -> Result<Sandbox, rlm_repl::SandboxError> {
    Sandbox::new(config.with_isolation(crate::isolation()), handler)
}

/// Runs a cell, returning the result.
pub(crate) async fn run(sandbox: &Sandbox, code: &str) -> rlm_repl::CellResult {
    sandbox.execute(code).await.unwrap()
}
