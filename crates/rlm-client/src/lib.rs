//! rlm-client: the async provider layer of rlm. Turns chat requests into completions, whoever serves them.
//!
//! Depends on no other rlm crate: rlm-core wires it to the sandbox (rlm-repl), which knows nothing of it.
//!
//! # Principal types
//! - [`LlmClient`]: the provider trait (`Arc<dyn LlmClient>` everywhere); with the `mock` feature,
//!   `MockLlmClient` (mockall) for other crates' tests.
//! - [`CompletionRequest`], [`Message`], [`Completion`], [`Usage`], [`ClientError`]: the vocabulary.
//! - Providers: [`OpenAiCompatible`] (OpenAI, OpenRouter, vLLM, Ollama, llama.cpp, LiteLLM) and
//!   [`Anthropic`]. They make one HTTP exchange per call and never retry.
//! - Wrappers, each an [`LlmClient`] around any other: [`Resilient`] (the one retry layer: retries,
//!   per-attempt timeout, deadline, rate limits, usage metering) and [`ConcurrencyLimit`] (a shared cap).
//! - [`batch`]: many requests with a hard concurrency cap, results in input order.
//! - [`UsageMeter`], [`UsageReport`], [`PriceTable`]: per-model accounting and cost.
//! - [`Simulated`]: a fake client (not an LLM) for examples, benchmarks and tests.
//!
//! # Example
//! ```
//! use std::{sync::Arc, time::Duration};
//! use rlm_client::{batch, BatchOptions, CompletionRequest, Latency, Resilient, ResiliencePolicy, Simulated};
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

mod batch;
mod client;
mod concurrency;
mod error;
mod providers;
mod resilience;
mod simulated;
mod types;
mod usage;

pub use batch::{BatchOptions, BatchProgress, ProgressCallback, batch};
#[cfg(feature = "mock")]
pub use client::MockLlmClient;
pub use client::{LlmClient, estimate_tokens};
pub use concurrency::ConcurrencyLimit;
pub use error::ClientError;
pub use providers::anthropic::{
    ANTHROPIC_BASE_URL, ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_VERSION, Anthropic,
    AnthropicBuilder,
};
pub use providers::http::{ApiKey, CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, default_http_client};
pub use providers::openai::{OPENAI_BASE_URL, OpenAiCompatible, OpenAiCompatibleBuilder};
pub use resilience::{RateLimits, ResiliencePolicy, Resilient, RetryPolicy};
pub use simulated::{FailurePlan, Latency, Simulated, SimulatedFailure};
pub use types::{Completion, CompletionRequest, Message, Role, Usage};
pub use usage::{ModelUsage, Price, PriceTable, UsageMeter, UsageReport};
