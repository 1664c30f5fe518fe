//! Token counts: exact for OpenAI model families, through the `tiktoken-rs` tokenizer (feature
//! `tiktoken`, on by default), and the byte estimate ([`crate::estimate_tokens`]) for every other
//! model or when the feature is off.
//!
//! Which models count exactly is tiktoken-rs's own table (kept in sync with OpenAI's `tiktoken`):
//! `gpt-5*`, `gpt-4.1*`, `gpt-4o*`, `o1`/`o3`/`o4-mini*` (o200k_base), `gpt-4*`, `gpt-3.5-turbo*`
//! (cl100k_base), ... A provider prefix (`openai/gpt-4o` on OpenRouter) is stripped first. Claude,
//! Llama and the rest have no public tokenizer here, so they keep the estimate.
//!
//! Counting exactly costs CPU (about 40 ms per MB for o200k_base, and 0.27 s the first time, to
//! load the tokenizer; docs/BENCHMARKS.md,
//! `token_count`), so callers use it where the answer matters: the tokens-per-minute limiter (only
//! when a TPM limit is set) and the window check of a sub-call whose estimate is near the window.

use crate::{CompletionRequest, estimate_tokens};

/// Tokens of role markup added per message by OpenAI's chat format (the cookbook's figure).
#[cfg(feature = "tiktoken")]
const EXACT_TOKENS_PER_MESSAGE: u64 = 3;

/// Tokens that prime the reply in OpenAI's chat format.
#[cfg(feature = "tiktoken")]
const EXACT_REPLY_PRIMING: u64 = 3;

/// A number of tokens and whether it was counted or estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCount {
    /// The tokens.
    pub tokens: u64,
    /// Whether `model`'s own tokenizer counted them (else: the byte estimate).
    pub exact: bool,
}

/// Whether tokens of `model` can be counted exactly (its family's tokenizer is known and the
/// `tiktoken` feature is on).
pub fn counts_exactly(model: &str) -> bool {
    #[cfg(feature = "tiktoken")]
    {
        exact::tokenizer(model).is_some()
    }
    #[cfg(not(feature = "tiktoken"))]
    {
        let _ = model;
        false
    }
}

/// The input tokens of `request` sent to `model`: counted when [`counts_exactly`], else estimated.
///
/// ```
/// use rlm_client::{CompletionRequest, count_tokens};
/// let request = CompletionRequest::prompt("Hello, world!");
/// assert!(!count_tokens("claude-sonnet-4-5", &request).exact);
/// ```
pub fn count_tokens(model: &str, request: &CompletionRequest) -> TokenCount {
    #[cfg(feature = "tiktoken")]
    if let Some(bpe) = exact::tokenizer(model) {
        let text: u64 = request
            .messages
            .iter()
            .map(|m| bpe.encode_ordinary(&m.content).len() as u64 + EXACT_TOKENS_PER_MESSAGE)
            .sum();
        return TokenCount {
            tokens: text + EXACT_REPLY_PRIMING,
            exact: true,
        };
    }
    let _ = model;
    TokenCount {
        tokens: u64::from(estimate_tokens(request)),
        exact: false,
    }
}

/// The tokens of `text` for `model`: counted when [`counts_exactly`], else estimated.
pub fn count_text_tokens(model: &str, text: &str) -> TokenCount {
    #[cfg(feature = "tiktoken")]
    if let Some(bpe) = exact::tokenizer(model) {
        return TokenCount {
            tokens: bpe.encode_ordinary(text).len() as u64,
            exact: true,
        };
    }
    let _ = model;
    TokenCount {
        tokens: crate::estimate_text_tokens(text),
        exact: false,
    }
}

#[cfg(feature = "tiktoken")]
mod exact {
    use tiktoken_rs::CoreBPE;
    use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

    /// The tokenizer of `model`'s family, loaded once per process.
    pub(super) fn tokenizer(model: &str) -> Option<&'static CoreBPE> {
        let name = model.rsplit('/').next().unwrap_or(model);
        Some(match get_tokenizer(name)? {
            Tokenizer::O200kBase => tiktoken_rs::o200k_base_singleton(),
            Tokenizer::O200kHarmony => tiktoken_rs::o200k_harmony_singleton(),
            Tokenizer::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
            Tokenizer::P50kBase => tiktoken_rs::p50k_base_singleton(),
            Tokenizer::P50kEdit => tiktoken_rs::p50k_edit_singleton(),
            Tokenizer::R50kBase | Tokenizer::Gpt2 => tiktoken_rs::r50k_base_singleton(),
        })
    }
}

#[cfg(all(test, feature = "tiktoken"))]
mod tests {
    use super::*;
    use crate::Message;

    #[test]
    fn openai_families_count_exactly_and_others_estimate() {
        assert_eq!(count_text_tokens("gpt-4o", "hello world").tokens, 2);
        assert!(count_text_tokens("gpt-4.1-mini-2025-04-14", "hi").exact);
        assert!(count_text_tokens("openai/gpt-5-mini", "hi").exact);
        assert_eq!(
            count_text_tokens("gpt-4", "hello world"),
            TokenCount {
                tokens: 2,
                exact: true
            }
        );
        let other = count_text_tokens("claude-sonnet-4-5", "hello world");
        assert_eq!(
            other,
            TokenCount {
                tokens: 3,
                exact: false
            }
        );
        assert!(!counts_exactly("llama3.1") && counts_exactly("o3"));
    }

    #[test]
    fn a_request_adds_the_chat_markup() {
        let request = CompletionRequest::new(vec![
            Message::system("You are brief."),
            Message::user("hello world"),
        ]);
        let count = count_tokens("gpt-4o", &request);
        // "You are brief." is 4 tokens, "hello world" 2; 3 per message; 3 to prime the reply.
        assert_eq!(
            count,
            TokenCount {
                tokens: 4 + 2 + 2 * 3 + 3,
                exact: true
            }
        );
        assert!(!count_tokens("mistral", &request).exact);
    }
}
