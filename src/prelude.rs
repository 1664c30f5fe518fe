//! The everyday names of rlm in one import: `use rlm::prelude::*;`.
//!
//! It holds what a program needs to configure and run an RLM (the loop, its limits and answer), to
//! build and wrap clients (providers, retries, rate limits, the fake `Simulated` client), to send
//! batches of requests directly, and to account for usage and cost. Less common names stay in
//! [`crate::client`], [`crate::repl`], [`crate::prompts`] and [`crate::core`].
//!
//! ```
//! use rlm::prelude::*;
//! let limits = Limits { max_subcalls: Some(500), ..Limits::default() };
//! let policy = ResiliencePolicy {
//!     rate_limits: RateLimits { requests_per_minute: Some(600), tokens_per_minute: None },
//!     ..ResiliencePolicy::default()
//! };
//! assert_eq!(policy.retry.max_retries, 2);
//! assert_eq!(limits.max_consecutive_errors, Some(5));
//! ```

pub use rlm_client::{
    Anthropic, BatchOptions, BatchProgress, ClientError, Completion, CompletionRequest,
    ConcurrencyLimit, FailurePlan, Latency, LlmClient, Message, ModelUsage, OpenAiCompatible,
    Price, PriceTable, RateLimits, ResiliencePolicy, Resilient, RetryPolicy, Role, Simulated,
    SimulatedFailure, Usage, UsageMeter, UsageReport, batch, estimate_tokens,
};
pub use rlm_core::{
    Context, Event, Limits, Rlm, RlmAnswer, RlmBuilder, RlmError, Session, SubcallKind, Trajectory,
    UsageSummary,
};
pub use rlm_prompts::PromptSet;
pub use rlm_repl::SandboxLimits;
