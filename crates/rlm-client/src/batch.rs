//! `batch_stream` and `batch`: many requests through one client with a hard cap on requests in flight,
//! results as they complete (`batch_stream`) or in input order (`batch`), one result per request (a failure never fails the others), progress reported as it goes.

use std::fmt;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::{ClientError, Completion, CompletionRequest, LlmClient};

/// Called after each request of a batch finishes.
pub type ProgressCallback = Arc<dyn Fn(BatchProgress) + Send + Sync>;

/// How far a batch has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchProgress {
    /// Requests finished, successfully or not.
    pub done: usize,
    /// Requests finished with an error.
    pub failed: usize,
    /// Requests in the batch.
    pub total: usize,
}

impl BatchProgress {
    /// Nothing done yet out of `total`.
    pub fn new(total: usize) -> Self {
        Self {
            done: 0,
            failed: 0,
            total,
        }
    }
}

/// Options of [`batch`]: the concurrency cap is always the caller's choice.
#[derive(Clone)]
#[non_exhaustive]
pub struct BatchOptions {
    /// Most requests in flight at once; 0 is an error.
    pub max_concurrent: usize,
    /// Called after each finished request.
    pub on_progress: Option<ProgressCallback>,
}

impl BatchOptions {
    /// Options with the given cap and no progress callback.
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            max_concurrent,
            on_progress: None,
        }
    }

    /// Sets the progress callback.
    #[must_use]
    pub fn with_progress(
        mut self,
        on_progress: impl Fn(BatchProgress) + Send + Sync + 'static,
    ) -> Self {
        self.on_progress = Some(Arc::new(on_progress));
        self
    }
}

impl fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchOptions")
            .field("max_concurrent", &self.max_concurrent)
            .field(
                "on_progress",
                &self.on_progress.as_ref().map(|_| "Fn(BatchProgress)"),
            )
            .finish()
    }
}

/// The results of [`batch_stream`]: `(index, result)` in completion order.
pub type BatchStream<'a> = BoxStream<'a, (usize, Result<Completion, ClientError>)>;

/// Runs `requests` through `client`, at most `options.max_concurrent` at a time, and yields each
/// `(index, result)` as it completes (completion order; `index` is the request's position).
///
/// The first result arrives after one call's latency, not after the whole batch. The outer `Err` is
/// only for invalid options (`max_concurrent == 0`). `options.on_progress` is called before each
/// result is yielded. Dropping the stream cancels every request in flight and starts no more.
///
/// ```
/// use futures::StreamExt;
/// use rlm_client::{batch_stream, BatchOptions, CompletionRequest};
/// use rlm_client::testing::Simulated;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let sim = Simulated::new("sim", |r: &CompletionRequest| r.messages[0].content.to_uppercase());
/// let requests = vec![CompletionRequest::prompt("a"), CompletionRequest::prompt("b")];
/// let mut results = batch_stream(&sim, requests, BatchOptions::new(2))?;
/// while let Some((index, result)) = results.next().await {
///     println!("request {index}: {}", result?.text);
/// }
/// # Ok::<(), rlm_client::ClientError>(())
/// # }).unwrap();
/// ```
pub fn batch_stream<C: LlmClient + ?Sized>(
    client: &C,
    requests: Vec<CompletionRequest>,
    options: BatchOptions,
) -> Result<BatchStream<'_>, ClientError> {
    if options.max_concurrent == 0 {
        return Err(ClientError::configuration(
            "batch max_concurrent is 0, so no request could ever run; use at least 1",
        ));
    }
    let mut progress = BatchProgress::new(requests.len());
    let on_progress = options.on_progress;
    Ok(futures::stream::iter(requests.into_iter().enumerate())
        .map(move |(index, request)| async move { (index, client.complete(request).await) })
        .buffer_unordered(options.max_concurrent)
        .inspect(move |(_, result)| {
            progress.done += 1;
            if result.is_err() {
                progress.failed += 1;
            }
            if let Some(report) = &on_progress {
                report(progress);
            }
        })
        .boxed())
}

/// Runs `requests` through `client`, at most `options.max_concurrent` at a time (built on
/// [`batch_stream`]).
///
/// Returns one result per request, in input order. The outer `Err` is only for invalid options
/// (`max_concurrent == 0`). An empty batch makes no call. Dropping the returned future cancels every
/// request in flight and starts no more.
///
/// ```
/// use rlm_client::{batch, BatchOptions, CompletionRequest};
/// use rlm_client::testing::Simulated;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let sim = Simulated::new("sim", |r: &CompletionRequest| r.messages[0].content.to_uppercase());
/// let requests = vec![CompletionRequest::prompt("a"), CompletionRequest::prompt("b")];
/// let results = batch(&sim, requests, BatchOptions::new(4)).await?;
/// let texts: Vec<String> = results.into_iter().map(|r| r.unwrap().text).collect();
/// assert_eq!(texts, ["A", "B"]);
/// # Ok::<(), rlm_client::ClientError>(())
/// # }).unwrap();
/// ```
pub async fn batch<C: LlmClient + ?Sized>(
    client: &C,
    requests: Vec<CompletionRequest>,
    options: BatchOptions,
) -> Result<Vec<Result<Completion, ClientError>>, ClientError> {
    let total = requests.len();
    let mut in_flight = batch_stream(client, requests, options)?;
    let mut results: Vec<Option<Result<Completion, ClientError>>> = Vec::with_capacity(total);
    results.resize_with(total, || None);
    while let Some((index, result)) = in_flight.next().await {
        results[index] = Some(result);
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Err(ClientError::Cancelled)))
        .collect())
}
