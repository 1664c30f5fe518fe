//! `ConcurrencyLimit`: caps the calls in flight through any client with a shared semaphore (rlm-core uses
//! one semaphore as the global cap on sub-calls across recursion depths).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Semaphore;

use futures::StreamExt;

use crate::{ClientError, Completion, CompletionRequest, CompletionStream, LlmClient};

/// Holds one permit of a shared semaphore for the whole of each call.
///
/// ```
/// use std::sync::Arc;
/// use tokio::sync::Semaphore;
/// use rlm_client::{ConcurrencyLimit, LlmClient};
/// use rlm_client::testing::Simulated;
/// let permits = Arc::new(Semaphore::new(8));
/// let a = ConcurrencyLimit::new(Arc::new(Simulated::new("a", |_: &_| String::new())), permits.clone());
/// let b = ConcurrencyLimit::new(Arc::new(Simulated::new("b", |_: &_| String::new())), permits);
/// assert_eq!(a.model(), "a"); // a and b together never run more than 8 calls at once
/// # drop(b);
/// ```
#[derive(Clone)]
pub struct ConcurrencyLimit {
    inner: Arc<dyn LlmClient>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for ConcurrencyLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrencyLimit")
            .field("model", &self.inner.model())
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl ConcurrencyLimit {
    /// Wraps `inner`; every call first takes one permit of `permits`.
    pub fn new(inner: Arc<dyn LlmClient>, permits: Arc<Semaphore>) -> Self {
        Self { inner, permits }
    }
}

#[async_trait]
impl LlmClient for ConcurrencyLimit {
    /// Fails with [`ClientError::Cancelled`] if the semaphore has been closed.
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ClientError::Cancelled)?;
        self.inner.complete(request).await
    }

    /// Holds the permit until the stream ends or is dropped.
    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ClientError::Cancelled)?;
        let stream = self.inner.complete_stream(request).await?;
        Ok(stream
            .map(move |item| {
                let _held = &permit;
                item
            })
            .boxed())
    }

    fn model(&self) -> &str {
        self.inner.model()
    }
}
