//! `Accounted`: the outermost layer of every model call of a completion. It refuses a call once a
//! token or cost budget is used up, and adds the tokens and cost of each finished call to the budget.

use std::sync::Arc;

use async_trait::async_trait;
use rlm_client::{ClientError, Completion, CompletionRequest, LlmClient};

use crate::budget::Budget;

/// Refuses calls once a budget is used up and counts the usage of the others.
pub(crate) struct Accounted {
    inner: Arc<dyn LlmClient>,
    budget: Arc<Budget>,
}

impl Accounted {
    /// Wraps `inner`, accounting into `budget`.
    pub(crate) fn new(inner: Arc<dyn LlmClient>, budget: Arc<Budget>) -> Self {
        Self { inner, budget }
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
        self.budget
            .check_call()
            .map_err(|limit| ClientError::Other {
                message: limit.refusal(),
                retryable: false,
            })?;
        let requested = request.model.clone();
        let completion = self.inner.complete(request).await?;
        // Priced under the name the provider reported when it has a price (a dated snapshot name),
        // else under the name that was asked for.
        let model = if self.budget.prices().get(&completion.model).is_some() {
            completion.model.as_str()
        } else {
            requested.as_deref().unwrap_or_else(|| self.inner.model())
        };
        self.budget.record(model, &completion.usage);
        Ok(completion)
    }

    fn model(&self) -> &str {
        self.inner.model()
    }
}
