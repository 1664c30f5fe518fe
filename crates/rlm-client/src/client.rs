//! The `LlmClient` trait every provider and wrapper implements, and the token estimate used for budgets.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{ClientError, Completion, CompletionRequest, CompletionStream};

/// Anything that turns a [`CompletionRequest`] into a [`Completion`].
///
/// Providers ([`crate::OpenAiCompatible`], [`crate::Anthropic`]), wrappers ([`crate::Resilient`],
/// [`crate::ConcurrencyLimit`]) and test doubles ([`crate::testing::Simulated`], `MockLlmClient` with the `mock`
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
///         Ok(Completion::new(text, "echo"))
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

    /// Sends one request and returns its reply as a stream of text deltas ending with the whole
    /// [`Completion`] (see [`CompletionStream`] for the order of items). A failure
    /// before the reply starts (an HTTP error status, a dead server) is the outer `Err`.
    ///
    /// The default calls [`Self::complete`] and yields its text as one delta ([`crate::single_delta`]),
    /// so a client without a streaming API works everywhere a stream is wanted.
    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        Ok(crate::single_delta(self.complete(request).await?))
    }

    /// The default model of this client (used when a request sets no model).
    fn model(&self) -> &str;
}

#[async_trait]
impl<T: LlmClient + ?Sized> LlmClient for Arc<T> {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        (**self).complete(request).await
    }

    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        (**self).complete_stream(request).await
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

    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        (**self).complete_stream(request).await
    }

    fn model(&self) -> &str {
        (**self).model()
    }
}

/// Tokens added per message for role markers and separators in the estimate.
const TOKENS_PER_MESSAGE: u32 = 4;

/// Rough number of input tokens of a request: one token per 4 bytes of UTF-8 message text (rounded up)
/// plus 4 tokens per message for role markup.
///
/// This is a heuristic: English text averages about 4 characters (= bytes) per token with OpenAI and
/// Anthropic tokenizers, and counting bytes rather than characters keeps the estimate from falling far
/// short on text in other scripts (a CJK character is 3 bytes and about one token). It is used for
/// tokens-per-minute budgets, context-window checks and by [`crate::testing::Simulated`], never for
/// billing.
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

/// Rough number of tokens in a text: UTF-8 bytes / 4, rounded up (see [`estimate_tokens`]).
pub fn estimate_text_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    #[test]
    fn estimate_counts_bytes_so_other_scripts_are_not_underestimated() {
        let request = CompletionRequest::new(vec![Message::system("ééé"), Message::user("abcde")]);
        assert_eq!(estimate_tokens(&request), 2 + 4 + 2 + 4);
        assert_eq!(estimate_text_tokens(&"東".repeat(400)), 300);
        assert_eq!(estimate_tokens(&CompletionRequest::default()), 0);
    }
}
