//! Streamed calls through [`Resilient`]: the retry loop runs until the inner stream has delivered its
//! first item (a stream that fails before that is retried like a call); from then on the stream is
//! passed through, metered when it ends (or is dropped), and holds its concurrency permit until then
//! (the rate-limit headers, which arrive on the final completion, are reported to the gate then).

use std::time::Instant;

use futures::StreamExt;
use tracing::Instrument;

use super::record::CallRecord;
use super::{CallObserver, Held, Resilient, observe, timeout};
use crate::{ClientError, CompletionRequest, CompletionStream, LlmClient, StreamItem};

/// An opened stream: its first item and the rest.
type Opened = (StreamItem, CompletionStream);

impl Resilient {
    /// [`LlmClient::complete_stream`] of [`Resilient`].
    pub(super) async fn open_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        let model = request
            .model
            .clone()
            .unwrap_or_else(|| self.inner.model().to_string());
        let mut record = CallRecord::start(self.meter.clone(), model.clone());
        let deadline = self
            .policy
            .deadline
            .map(|limit| (tokio::time::Instant::now() + limit, limit));
        let opened = timeout::with_deadline(
            self.policy.deadline,
            self.attempts(
                &request,
                &model,
                &mut record.retries,
                |_: &Opened| None,
                |n| self.open_attempt(&request, &model, n),
            ),
        )
        .await;
        let ((first, rest), held) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                record.failed();
                return Err(error);
            }
        };
        let state = Passing {
            first: Some(first),
            rest,
            record: Some(record),
            held: Some(held),
            observer: self.observer.clone(),
            deadline,
            model,
        };
        Ok(futures::stream::unfold(state, Passing::next).boxed())
    }

    /// One attempt at opening a stream: the inner call and its first item, under the attempt timeout.
    async fn open_attempt(
        &self,
        request: &CompletionRequest,
        model: &str,
        attempt: u32,
    ) -> Result<Opened, ClientError> {
        let span = tracing::info_span!(
            "llm_stream_open",
            model,
            attempt,
            first_item_ms = tracing::field::Empty
        );
        let started = Instant::now();
        let open = async {
            let mut stream = self.inner.complete_stream(request.clone()).await?;
            match stream.next().await {
                Some(Ok(item)) => Ok((item, stream)),
                Some(Err(error)) => Err(error),
                None => Err(ended_early(model)),
            }
        };
        let outcome = timeout::with_attempt_timeout(self.policy.attempt_timeout, open)
            .instrument(span.clone())
            .await;
        span.record("first_item_ms", started.elapsed().as_millis() as u64);
        outcome
    }
}

/// A stream after its first item: passed through until `Done` or an error.
struct Passing {
    first: Option<StreamItem>,
    rest: CompletionStream,
    /// Taken when the call is metered; metered as a failure on drop if the stream never ended.
    record: Option<CallRecord>,
    /// The gate's permit and the shared quota's slot, held until the stream ends.
    held: Option<Held>,
    observer: CallObserver,
    deadline: Option<(tokio::time::Instant, std::time::Duration)>,
    model: String,
}

impl Passing {
    async fn next(mut self) -> Option<(Result<StreamItem, ClientError>, Self)> {
        let record = self.record.take()?;
        let item = match self.first.take() {
            Some(first) => Ok(first),
            None => self.pull().await,
        };
        match &item {
            Ok(StreamItem::Done(completion)) => {
                if let (Some(permit), Some(info)) = (
                    self.held.as_ref().and_then(|held| held.permit.as_ref()),
                    &completion.rate_limit,
                ) {
                    let change = permit.observe_rate_limit(info);
                    observe::limit_changed(&self.observer, &self.model, change);
                }
                record.succeeded(completion);
            }
            Err(_) => record.failed(),
            Ok(StreamItem::Delta(_)) => self.record = Some(record),
        }
        if self.record.is_none() {
            self.held = None;
        }
        Some((item, self))
    }

    async fn pull(&mut self) -> Result<StreamItem, ClientError> {
        let next = match self.deadline {
            Some((at, deadline)) => match tokio::time::timeout_at(at, self.rest.next()).await {
                Ok(next) => next,
                Err(_) => return Err(ClientError::DeadlineExceeded { deadline }),
            },
            None => self.rest.next().await,
        };
        next.unwrap_or_else(|| Err(ended_early(&self.model)))
    }
}

fn ended_early(model: &str) -> ClientError {
    ClientError::StreamInterrupted {
        provider: model.to_owned(),
        message: "the stream ended before its final item".to_owned(),
    }
}
