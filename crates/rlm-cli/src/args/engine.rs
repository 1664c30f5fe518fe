//! The flags that build an `Rlm`, shared by `rlm run` and `rlm eval run`: the models and provider,
//! the sandbox, concurrency, retries, rate limits, timeouts, budgets and prices.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rlm::client::Price;

use super::parse::{
    Cap, parse_big_size, parse_duration, parse_limit, parse_model_number, parse_model_price,
    parse_positive_f64, parse_price, parse_size,
};
use super::shared::{ProviderArgs, SandboxArgs};

/// The models, limits and prices of a run (for `rlm eval run`: of each task).
#[derive(Debug, Clone, Args)]
pub(crate) struct EngineArgs {
    /// Largest context accepted (e.g. 256MiB, 2GiB); a bigger input fails before it is read whole.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_big_size)]
    pub(crate) max_context_size: u64,
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    #[command(flatten)]
    pub(crate) sandbox: SandboxArgs,
    /// Global cap on concurrent sub-model calls (llm_batch's own value is clamped to it).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) max_concurrent: u32,
    /// Let the cap on concurrent sub-model calls adapt (AIMD): start at 16 (or --max-concurrent when
    /// lower), grow while calls succeed, shrink on 429/529/overloaded replies, hold calls while the
    /// provider's rate-limit headers say its quota is spent; never above --max-concurrent.
    #[arg(long)]
    pub(crate) adaptive_concurrency: bool,
    /// Root-model iterations before the final-answer request.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) max_iterations: u32,
    /// Recursion depth: 0 disables sub-calls, 1 allows llm_query/llm_batch, 2+ allows child RLMs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=8))]
    pub(crate) max_depth: u32,
    /// Sub-calls per run, all depths together, or `none` for no cap.
    #[arg(long, value_name = "N|none", default_value = "1000", value_parser = parse_limit)]
    pub(crate) max_subcalls: Cap,
    /// Most bytes the prompts of one llm_batch call may hold together (checked before copying).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub(crate) max_batch_bytes: u64,
    /// Child sandboxes (rlm_query / rlm_batch runs) alive at once; extra children wait.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) max_live_sandboxes: u32,
    /// Characters per sub-prompt the system prompt states (default: from the sub-model's context
    /// window, or 500,000 when it is unknown).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) sub_prompt_chars: Option<u64>,
    /// Input-token window of a model, overriding the built-in table (repeatable), e.g.
    /// --context-window llama3.1=32768. Sub-prompts over a window fail at once; the root history is
    /// compacted before it outgrows the root model's.
    #[arg(long, value_name = "MODEL=TOKENS", value_parser = parse_model_number)]
    pub(crate) context_window: Vec<(String, u64)>,
    /// Never compact the root history (by default older turns are summarised at 85% of the root
    /// model's window, or at 400,000 characters when the window is unknown).
    #[arg(long)]
    pub(crate) no_compaction: bool,
    /// Send no prompt-cache hints (by default the root model's turns ask the provider to cache the
    /// history: cache_control breakpoints for Anthropic, prompt_cache_key for OpenAI's API). Answers
    /// are the same either way; turn it off for a server that rejects these fields.
    #[arg(long)]
    pub(crate) no_prompt_cache: bool,
    /// Share the quota (--rpm, --tpm, --redis-max-concurrent) with every process using the same Redis,
    /// prefix, provider and API key (docs/SCALING.md), e.g. redis://127.0.0.1:6379. Redis
    /// unreachable at start is an error; failing later, calls wait for it up to their deadline, then
    /// fail: nothing is sent unmetered.
    #[arg(
        long,
        value_name = "URL",
        env = "RLM_REDIS_URL",
        hide_env_values = true
    )]
    pub(crate) redis: Option<String>,
    /// The first part of the shared quota's Redis keys: different prefixes are independent quotas.
    #[arg(long, value_name = "PREFIX", default_value = rlm_redis::DEFAULT_PREFIX, requires = "redis")]
    pub(crate) redis_prefix: String,
    /// Attempts in flight at once across every process sharing the quota, per model (leases on Redis).
    #[arg(long, value_name = "N", requires = "redis", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) redis_max_concurrent: Option<u32>,
    /// How long a crashed process's slots of --redis-max-concurrent stay taken (its leases' life).
    #[arg(long, value_name = "DURATION", default_value = "30s", requires = "redis", value_parser = parse_duration)]
    pub(crate) redis_lease_time: Duration,
    /// Client-side requests per minute, per model (retries count).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rpm: Option<u32>,
    /// Client-side tokens per minute, per model (estimated: the prompt plus max_tokens when set).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) tpm: Option<u32>,
    /// Wall-clock limit of the whole run (for `rlm eval run`: of each task; e.g. 90s, 500ms, 10m; a bare number is seconds); also caps
    /// each HTTP attempt.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Most retries of one model call (connection errors, timeouts, 429, 5xx); the retry deadline
    /// usually stops retrying first.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) retries: u32,
    /// No retry of a model call starts later than this after the call began.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub(crate) retry_deadline: Duration,
    /// Longest Retry-After a server may ask for; a longer demand fails the call at once.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub(crate) max_retry_after: Duration,
    /// Stop when the run's (each task's) cost reaches this many USD. Every model the run can reach needs a price:
    /// the built-in table knows common OpenAI and Anthropic models; add others with --prices FILE,
    /// --price MODEL=IN/OUT or --price-in/--price-out (root) and --sub-price-* (default sub-model).
    #[arg(long, value_name = "USD", value_parser = parse_positive_f64)]
    pub(crate) budget_usd: Option<f64>,
    /// Stop when the run (each task) has used this many tokens (all models, all depths).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) token_budget: Option<u64>,
    /// A price file, TOML or JSON by extension, added to the built-in prices (its entries win; the
    /// --price* flags win over it), e.g. `[models."gpt-4.1-mini"]` with `input = 0.4`,
    /// `cached_input = 0.1`, `output = 1.6` (USD per million tokens; docs/GUIDE.md, "Prices").
    #[arg(long = "prices", value_name = "FILE")]
    pub(crate) prices_file: Option<PathBuf>,
    /// Price of the root model's input tokens in USD per million, for the cost report and
    /// --budget-usd (replaces its built-in price; cache reads and writes are then charged at it).
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price, requires = "price_out")]
    pub(crate) price_in: Option<f64>,
    /// Price of the root model's output tokens in USD per million.
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price, requires = "price_in")]
    pub(crate) price_out: Option<f64>,
    /// Input price of the default sub-model when it differs (default --price-in).
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price)]
    pub(crate) sub_price_in: Option<f64>,
    /// Output price of the default sub-model when it differs (default --price-out).
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price)]
    pub(crate) sub_price_out: Option<f64>,
    /// The price of any model by its id, USD per million input and output tokens, optionally cache
    /// reads and cache writes (charged at the input price when not given); repeatable, wins over the
    /// built-in table and --prices, e.g. --price gpt-4.1-mini=0.4/1.6/0.1.
    #[arg(long = "price", value_name = "MODEL=IN/OUT[/CACHED[/WRITE]]", value_parser = parse_model_price)]
    pub(crate) prices: Vec<(String, Price)>,
}
