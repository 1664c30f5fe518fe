//! The `LlmClient` trait every provider and wrapper implements, and the token estimate used for budgets.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{ClientError, Completion, CompletionRequest};

/// Anything that turns a [`CompletionRequest`] into a [`Completion`].
///
/// Providers ([`crate::OpenAiCompatible`], [`crate::Anthropic`]), wrappers ([`crate::Resilient`],
/// [`crate::ConcurrencyLimit`]) and test doubles ([`crate::Simulated`], `MockLlmClient` with the `mock`
/// feature) all implement it, so they are swapped behind `Arc<dyn LlmClient>`.
///
/// ```
/// use async_trait::async_trait;
/// use rlm_client::{ClientError, Completion, CompletionRequest, LlmClient};
///
/// struct Echo;
///
/// #[async_trait]
/// impl LlmClient for Echo {
///     async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
///         let text = request.messages.last().map(|m| m.content.clone()).unwrap_or_default();
///         Ok(Completion { text, model: "echo".into(), ..Completion::default() })
///     }
///     fn model(&self) -> &str {
///         "echo"
///     }
/// }
/// ```
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LlmClient: Send + Sync {
    /// Sends one request and waits for the whole answer.
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError>;

    /// The default model of this client (used when a request sets no model).
    fn model(&self) -> &str;
}

#[async_trait]
impl<T: LlmClient + ?Sized> LlmClient for Arc<T> {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        (**self).complete(request).await
    }

    fn model(&self) -> &str {
        (**self).model()
    }
}

#[async_trait]
impl<T: LlmClient + ?Sized> LlmClient for Box<T> {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        (**self).complete(request).await
    }

    fn model(&self) -> &str {
        (**self).model()
    }
}

/// Tokens added per message for role markers and separators in the estimate.
const TOKENS_PER_MESSAGE: u32 = 4;

/// Rough number of input tokens of a request: one token per 4 characters of message text (rounded up)
/// plus 4 tokens per message for role markup.
///
/// This is a heuristic (English text averages about 4 characters per token with OpenAI and Anthropic
/// tokenizers); it is used for tokens-per-minute budgets and by [`crate::Simulated`], never for billing.
///
/// ```
/// use rlm_client::{estimate_tokens, CompletionRequest};
/// assert_eq!(estimate_tokens(&CompletionRequest::prompt("12345678")), 2 + 4);
/// ```
pub fn estimate_tokens(request: &CompletionRequest) -> u32 {
    let tokens: u64 = request
        .messages
        .iter()
        .map(|m| estimate_text_tokens(&m.content) + u64::from(TOKENS_PER_MESSAGE))
        .sum();
    u32::try_from(tokens).unwrap_or(u32::MAX)
}

/// Rough number of tokens in a text: characters / 4, rounded up.
pub(crate) fn estimate_text_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    #[test]
    fn estimate_counts_chars_not_bytes() {
        let request = CompletionRequest::new(vec![Message::system("ééé"), Message::user("abcde")]);
        assert_eq!(estimate_tokens(&request), 1 + 4 + 2 + 4);
        assert_eq!(estimate_tokens(&CompletionRequest::default()), 0);
    }
}
