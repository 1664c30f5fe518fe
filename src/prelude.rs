//! The everyday names of rlm in one import: `use rlm::prelude::*;`.
//!
//! It holds what a program writes every day: the loop (`Rlm`, its builder, limits, answer and
//! errors), the providers and the client vocabulary, the retry and rate-limit policy, prices and
//! context windows. Test doubles live in [`crate::testing`]; less common names stay in
//! [`crate::client`], [`crate::repl`], [`crate::prompts`] and [`crate::engine`].
//!
//! ```
//! use rlm::prelude::*;
//! let limits = Limits::default().with_max_subcalls(Some(500));
//! let policy = ResiliencePolicy::default()
//!     .with_rate_limits(RateLimits::default().with_requests_per_minute(600));
//! assert_eq!(policy.retry.max_retries, 10);
//! assert_eq!(limits.max_consecutive_errors, Some(5));
//! ```

pub use rlm_client::{
    Anthropic, BatchOptions, ClientError, Completion, CompletionRequest, ContextWindows, LlmClient,
    Message, OpenAiCompatible, Price, PriceTable, RateLimits, ResiliencePolicy, RetryPolicy, Role,
    Usage, batch,
};
pub use rlm_core::{
    Compaction, Context, ContextFormat, Event, Finish, Limits, Rlm, RlmAnswer, RlmBuilder,
    RlmError, Session, Tool, ToolError, Trajectory, UsageSummary,
};
pub use rlm_prompts::PromptSet;
pub use rlm_repl::SandboxLimits;
