//! rlm-client: the async provider layer of rlm. Turns chat requests into completions, whoever serves them.
//!
//! Depends on no other rlm crate: rlm-core wires it to the sandbox (rlm-repl), which knows nothing of it.
//!
//! # Principal types
//! - [`LlmClient`]: the provider trait (`Arc<dyn LlmClient>` everywhere).
//! - [`CompletionRequest`], [`Message`], [`Completion`], [`Usage`], [`ClientError`]: the vocabulary;
//!   [`PromptCache`]: a request's hint that its prefix will be sent again (provider prompt caching).
//! - [`LlmClient::complete_stream`], [`CompletionStream`], [`StreamItem`]: a reply as text deltas then
//!   the whole [`Completion`]; both providers stream over server-sent events, with an idle timeout
//!   ([`DEFAULT_STREAM_IDLE_TIMEOUT`]).
//! - Providers: [`OpenAiCompatible`] (OpenAI, OpenRouter, vLLM, Ollama, llama.cpp, LiteLLM) and
//!   [`Anthropic`]. They make one HTTP exchange per call and never retry.
//! - Wrappers, each an [`LlmClient`] around any other: [`Resilient`] (the one retry layer: retries,
//!   per-attempt timeout, deadline, rate limits, usage metering) and [`ConcurrencyLimit`] (a shared cap).
//! - [`ConcurrencyGate`]: the cap [`Resilient`] takes a permit of per attempt, fixed or an
//!   [`AdaptiveLimiter`] (AIMD: finds the concurrency the provider accepts, reads its
//!   [`RateLimitInfo`] headers to slow down before a 429).
//! - [`batch`]: many requests with a hard concurrency cap, results in input order; [`batch_stream`]:
//!   the same, results as they complete.
//! - Streaming: [`LlmClient::complete_stream`] yields [`StreamItem`]s (text deltas, then the whole
//!   [`Completion`]); every client streams (one delta by default), the providers over SSE.
//! - [`UsageMeter`], [`UsageReport`]: per-model accounting; [`PriceTable`], [`Price`], [`CostBreakdown`]:
//!   cost split into input, cache reads, cache writes and output, with a built-in table of common
//!   models ([`PriceTable::built_in`]) and TOML/JSON price files ([`PriceTable::from_file`]);
//!   [`ContextWindows`]: how many input tokens each model accepts.
//! - [`testing`]: test doubles — [`testing::Simulated`], a fake client (not an LLM) for examples,
//!   benchmarks and tests, and with the `mock` feature `MockLlmClient` (mockall).
//!
//! # Example
//! ```
//! use std::{sync::Arc, time::Duration};
//! use rlm_client::{batch, BatchOptions, CompletionRequest, Resilient, ResiliencePolicy};
//! use rlm_client::testing::{Latency, Simulated};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // In production: Arc::new(OpenAiCompatible::from_env("gpt-4o-mini")?)
//! let provider = Simulated::new("sim", |r: &CompletionRequest| format!("echo: {}", r.messages[0].content))
//!     .with_latency(Latency::Fixed(Duration::from_millis(5)));
//! let client = Resilient::new(Arc::new(provider), ResiliencePolicy::default())?;
//! let prompts = (0..8).map(|i| CompletionRequest::prompt(format!("chunk {i}"))).collect();
//! let answers = batch(&client, prompts, BatchOptions::new(4)).await?;
//! assert_eq!(answers[3].as_ref().unwrap().text, "echo: chunk 3");
//! println!("{:?}", client.meter().snapshot().total());
//! # Ok::<(), rlm_client::ClientError>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]

mod adaptive;
mod batch;
mod client;
mod concurrency;
mod error;
mod models;
mod prices;
mod providers;
mod resilience;
mod stream;
pub mod testing;
mod tokens;
mod types;
mod usage;

pub use adaptive::{
    AdaptiveConfig, AdaptiveLimiter, AdaptiveSnapshot, ConcurrencyGate, DEFAULT_INITIAL_LIMIT,
    GatePermit, LimitChange, RateLimitInfo,
};
pub use batch::{BatchOptions, BatchProgress, BatchStream, ProgressCallback, batch, batch_stream};
pub use client::{LlmClient, estimate_text_tokens, estimate_tokens};
pub use concurrency::ConcurrencyLimit;
pub use error::ClientError;
pub use models::ContextWindows;
pub use prices::{
    ANTHROPIC_PRICING_URL, BUILT_IN_PRICES_AS_OF, CostBreakdown, OPENAI_PRICING_URL, Price,
    PriceFileError, PriceTable,
};
pub use providers::anthropic::{
    ANTHROPIC_BASE_URL, ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_VERSION, Anthropic,
    AnthropicBuilder,
};
pub use providers::http::{
    ApiKey, CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_STREAM_IDLE_TIMEOUT,
    default_http_client, is_official_host,
};
pub use providers::openai::{
    OPENAI_BASE_URL, OPENAI_HOST, OpenAiCompatible, OpenAiCompatibleBuilder, TokenLimitField,
};
pub use resilience::{
    CallEvent, CallObserver, DEFAULT_ATTEMPT_TIMEOUT, InProcessQuota, QuotaLease, RateLimits,
    ResiliencePolicy, Resilient, RetryPolicy, SharedQuota,
};
pub use stream::{CompletionStream, StreamItem, collect_stream, single_delta};
pub use tokens::{TokenCount, count_text_tokens, count_tokens, counts_exactly};
pub use types::{Completion, CompletionRequest, Message, PromptCache, Role, Usage};
pub use usage::{ModelUsage, UsageMeter, UsageReport};
