//! `Accounted`: the outermost layer of every model call of a completion. It refuses a call once a
//! token or cost budget is used up, adds the tokens and cost of each finished call to the budget, and
//! reports the completion's usage so far as [`Event::UsageUpdated`]. A stream passes through and is
//! counted when its completion arrives.

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use rlm_client::{
    ClientError, Completion, CompletionRequest, CompletionStream, LlmClient, StreamItem,
};

use crate::Event;
use crate::budget::Budget;
use crate::events::EventSink;

/// Refuses calls once a budget is used up and counts the usage of the others.
pub(crate) struct Accounted {
    inner: Arc<dyn LlmClient>,
    counter: Counter,
}

/// What counts a finished call: shared with the streams the layer returns.
#[derive(Clone)]
struct Counter {
    budget: Arc<Budget>,
    events: EventSink,
    default_model: String,
}

impl Counter {
    fn check(&self) -> Result<(), ClientError> {
        self.budget
            .check_call()
            .map_err(|limit| ClientError::Other {
                message: limit.refusal(),
                retryable: false,
            })
    }

    /// Counts `completion`: priced under the name that was asked for when it has a price (the name the
    /// usage report is kept under, and the one a user priced), else under the name the provider
    /// reported when that has one (a snapshot or alias the table knows), else unpriced.
    fn count(&self, requested: Option<&str>, completion: &Completion) {
        let asked = requested.unwrap_or(&self.default_model);
        let prices = self.budget.prices();
        let model = if prices.get(asked).is_none() && prices.get(&completion.model).is_some() {
            completion.model.as_str()
        } else {
            asked
        };
        let (usage, cost_usd) = self.budget.record(model, &completion.usage);
        self.events.emit(&Event::UsageUpdated { usage, cost_usd });
    }
}

impl Accounted {
    /// Wraps `inner`, accounting into `budget` and reporting to `events`.
    pub(crate) fn new(inner: Arc<dyn LlmClient>, budget: Arc<Budget>, events: EventSink) -> Self {
        let default_model = inner.model().to_owned();
        Self {
            inner,
            counter: Counter {
                budget,
                events,
                default_model,
            },
        }
    }
}

impl std::fmt::Debug for Accounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounted")
            .field("model", &self.inner.model())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl LlmClient for Accounted {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        self.counter.check()?;
        let requested = request.model.clone();
        let completion = self.inner.complete(request).await?;
        self.counter.count(requested.as_deref(), &completion);
        Ok(completion)
    }

    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        self.counter.check()?;
        let requested = request.model.clone();
        let stream = self.inner.complete_stream(request).await?;
        let counter = self.counter.clone();
        Ok(stream
            .inspect(move |item| {
                if let Ok(StreamItem::Done(completion)) = item {
                    counter.count(requested.as_deref(), completion);
                }
            })
            .boxed())
    }

    fn model(&self) -> &str {
        self.inner.model()
    }
}
