//! `RlmBuilder`: every setting of an [`Rlm`], with its default. `build()` (in `settings.rs`) checks
//! them and assembles the shared configuration.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rlm_client::{ContextWindows, LlmClient, PriceTable, ResiliencePolicy, SharedQuota};
use rlm_prompts::PromptSet;
use rlm_repl::{Isolation, SandboxLimits};

use crate::compaction::Compaction;
use crate::events::EventSink;
use crate::sandbox_slots::DEFAULT_MAX_LIVE_SANDBOXES;
use crate::{Event, Limits, Rlm, RlmError, Tool, ToolError};

/// Deepest recursion the builder accepts.
pub const MAX_DEPTH_LIMIT: usize = 8;

/// Default wall-clock limit of one code cell (see [`RlmBuilder::cell_timeout`]): 10 minutes.
pub const DEFAULT_CELL_TIMEOUT: Duration = Duration::from_mins(10);

/// Default time limit of one host tool call (see [`RlmBuilder::tool_timeout`]): 60 seconds.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_mins(1);

/// A client as the builder keeps it. An `Arc<dyn LlmClient>` is kept as it is (so passing the same
/// `Arc` twice is recognised as one client); anything else is put in a new `Arc`.
pub(crate) fn shared_client<C: LlmClient + 'static>(client: C) -> Arc<dyn LlmClient> {
    if let Some(shared) = (&client as &dyn Any).downcast_ref::<Arc<dyn LlmClient>>() {
        return Arc::clone(shared);
    }
    Arc::new(client)
}

/// Builds an [`Rlm`]. Only the root client is required.
///
/// ```
/// # use std::sync::Arc;
/// use rlm_core::{Limits, Rlm};
/// # fn demo(root: Arc<dyn rlm_client::LlmClient>, small: Arc<dyn rlm_client::LlmClient>) -> Result<(), rlm_core::RlmError> {
/// let rlm = Rlm::builder()
///     .root(root)
///     .sub_model("fast", "a small model for extraction from one chunk", small)
///     .max_iterations(20)
///     .limits(Limits::default().with_max_subcalls(Some(200)))
///     .build()?;
/// # let _ = rlm; Ok(()) }
/// ```
#[must_use]
pub struct RlmBuilder {
    pub(crate) root: Option<Arc<dyn LlmClient>>,
    pub(crate) sub: Option<Arc<dyn LlmClient>>,
    pub(crate) named: Vec<(String, String, Arc<dyn LlmClient>)>,
    pub(crate) max_iterations: usize,
    pub(crate) max_depth: usize,
    pub(crate) limits: Limits,
    pub(crate) max_concurrent: usize,
    pub(crate) adaptive_concurrency: bool,
    pub(crate) resilience: ResiliencePolicy,
    pub(crate) shared_quota: Option<Arc<dyn SharedQuota>>,
    pub(crate) prices: PriceTable,
    pub(crate) windows: ContextWindows,
    pub(crate) sandbox_limits: Option<SandboxLimits>,
    pub(crate) isolation: Isolation,
    pub(crate) output_cap: Option<usize>,
    pub(crate) batch_concurrency: Option<usize>,
    pub(crate) sub_prompt_chars: Option<usize>,
    pub(crate) cell_timeout: Duration,
    pub(crate) max_live_sandboxes: usize,
    pub(crate) compaction: Compaction,
    pub(crate) prompts: PromptSet,
    pub(crate) events: EventSink,
    pub(crate) prompt_cache: bool,
    pub(crate) tools: Vec<Tool>,
    pub(crate) tool_timeout: Duration,
}

impl Default for RlmBuilder {
    fn default() -> Self {
        Self {
            root: None,
            sub: None,
            named: Vec::new(),
            max_iterations: 30,
            max_depth: 1,
            limits: Limits::default(),
            max_concurrent: 16,
            adaptive_concurrency: false,
            resilience: ResiliencePolicy::default(),
            shared_quota: None,
            prices: PriceTable::built_in(),
            windows: ContextWindows::built_in(),
            sandbox_limits: None,
            isolation: Isolation::Thread,
            output_cap: None,
            batch_concurrency: None,
            sub_prompt_chars: None,
            cell_timeout: DEFAULT_CELL_TIMEOUT,
            max_live_sandboxes: DEFAULT_MAX_LIVE_SANDBOXES,
            compaction: Compaction::default(),
            prompts: PromptSet::default(),
            events: EventSink::default(),
            prompt_cache: true,
            tools: Vec::new(),
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
        }
    }
}

impl fmt::Debug for RlmBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = |c: &Arc<dyn LlmClient>| c.model().to_owned();
        f.debug_struct("RlmBuilder")
            .field("root_model", &self.root.as_ref().map(model))
            .field("sub_model", &self.sub.as_ref().map(model))
            .field(
                "named_sub_models",
                &self.named.iter().map(|(n, _, _)| n).collect::<Vec<_>>(),
            )
            .field("max_iterations", &self.max_iterations)
            .field("max_depth", &self.max_depth)
            .field("limits", &self.limits)
            .field("max_concurrent", &self.max_concurrent)
            .field("adaptive_concurrency", &self.adaptive_concurrency)
            .field("shared_quota", &self.shared_quota)
            .field("output_cap", &self.output_cap)
            .field("cell_timeout", &self.cell_timeout)
            .field("prompt_cache", &self.prompt_cache)
            .field("tools", &self.tools)
            .field("tool_timeout", &self.tool_timeout)
            .finish_non_exhaustive()
    }
}

impl RlmBuilder {
    /// The root model: the one that writes code (required). Takes any client (`OpenAiCompatible`,
    /// your own `impl LlmClient`) or an `Arc<dyn LlmClient>`.
    pub fn root(mut self, client: impl LlmClient + 'static) -> Self {
        self.root = Some(shared_client(client));
        self
    }

    /// The default sub-model, answering `llm_query` / `llm_batch` without a `model` option and running
    /// child RLMs (default: the root client). Code names it by its model id.
    ///
    /// Rate limits (`ResiliencePolicy::rate_limits`) are enforced per client: when `client` is the
    /// root's own `Arc` (or no sub client is set), root and sub calls share one limiter. Two distinct
    /// client objects get one limiter each, even if they name the same model and provider account; to
    /// share a quota between them, pass the same `Arc` or split the quota between the two.
    pub fn sub_client(mut self, client: impl LlmClient + 'static) -> Self {
        self.sub = Some(shared_client(client));
        self
    }

    /// A named sub-model code may choose with `llm_query(prompt, { model: "name" })` (and in
    /// `rlm_query`). The system prompt lists every sub-model with its `description` (one line: what it
    /// is good for). Code can use no other model name: anything else is an error listing the names.
    pub fn sub_model(
        mut self,
        name: impl Into<String>,
        description: impl Into<String>,
        client: impl LlmClient + 'static,
    ) -> Self {
        self.named
            .push((name.into(), description.into(), shared_client(client)));
        self
    }

    /// Root-model iterations per run before the final-answer request (default 30, at least 1).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Recursion depth (default 1). The root is depth 0; code at depth `d < max_depth` may make sub-calls
    /// (`llm_query`, `llm_batch`, `rlm_query`, `rlm_batch`); `rlm_query` / `rlm_batch` start child RLMs
    /// when `d + 1 < max_depth` and are plain sub-model calls otherwise (a query at depth >= `max_depth`
    /// is a plain LM call), so code written for recursion still works. The prompt mentions them only
    /// when they start child RLMs. 0 disables sub-calls (and `rlm_*` are not defined).
    pub fn max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// Budgets of each completion.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Global cap on concurrent sub-model calls across every depth (default 16). `llm_batch`'s own
    /// `max_concurrent` is clamped to it.
    pub fn max_concurrent(mut self, n: usize) -> Self {
        self.max_concurrent = n;
        self
    }

    /// Whether the global cap adapts (default `false`: a fixed cap of `max_concurrent`). When on, one
    /// AIMD limiter (`rlm_client::AdaptiveLimiter`), shared by every depth and completion of the
    /// `Rlm`, starts at 16 (or `max_concurrent` when lower), grows while sub-calls succeed, shrinks
    /// on 429/529/overloaded replies, never exceeds `max_concurrent`, and slows down before a 429
    /// when the provider's rate-limit headers say its quota is nearly spent. For providers whose
    /// limit is unknown, variable or shared with other users; see docs/GUIDE.md.
    pub fn adaptive_concurrency(mut self, on: bool) -> Self {
        self.adaptive_concurrency = on;
        self
    }

    /// `llm_batch`'s concurrency when the code gives none (default 10, clamped to `max_concurrent`;
    /// with [`Self::adaptive_concurrency`] on, the default is `max_concurrent`, so the adaptive limit,
    /// not a fixed per-batch number, decides how many run at once); the system prompt states it.
    pub fn batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = Some(n);
        self
    }

    /// Retries, timeouts and rate limits of every model call.
    pub fn resilience(mut self, policy: ResiliencePolicy) -> Self {
        self.resilience = policy;
        self
    }

    /// Meters every model call through `quota` instead of the in-process limiter of the resilience
    /// policy's rate limits (which it replaces): a quota shared by several processes, such as
    /// `rlm_redis::RedisQuota` (docs/SCALING.md). When the quota has a shared concurrency cap, every
    /// attempt (root calls included) also holds one of its slots.
    pub fn shared_quota(mut self, quota: Arc<dyn SharedQuota>) -> Self {
        self.shared_quota = Some(quota);
        self
    }

    /// Model prices, for `RlmAnswer::cost_usd` and the cost budget (default:
    /// [`PriceTable::built_in`], the list prices of common OpenAI and Anthropic models). This replaces
    /// the table: to extend the built-in prices pass `PriceTable::built_in().with(...)` (or
    /// [`PriceTable::merge`] a price file into it); `PriceTable::new()` knows no price at all.
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = prices;
        self
    }

    /// Input-token windows per model (default: the built-in table of common models). A sub-prompt
    /// estimated over its model's window fails at once, without a provider call; the root history is
    /// compacted before it outgrows the root model's window; the prompt's per-prompt budget follows
    /// the sub-model's window.
    pub fn context_windows(mut self, windows: ContextWindows) -> Self {
        self.windows = windows;
        self
    }

    /// Characters per sub-prompt the system prompt states (default: 3 per token of the sub-model's
    /// window, or 500,000 when the window is unknown).
    pub fn sub_prompt_chars(mut self, chars: usize) -> Self {
        self.sub_prompt_chars = Some(chars);
        self
    }

    /// Limits of each sandbox (CPU time per cell, memory, ...). The concurrency cap, the batch
    /// concurrency and the output cap come from this builder's own settings; a different value here is
    /// a configuration error, never silently replaced.
    pub fn sandbox_limits(mut self, limits: SandboxLimits) -> Self {
        self.sandbox_limits = Some(limits);
        self
    }

    /// Where each sandbox's interpreter runs (default [`Isolation::Thread`]). With
    /// [`Isolation::Process`] a cell stuck in a native built-in is killed with its child process,
    /// which is restarted with the contexts reloaded; a program that runs its own executable as the
    /// child calls [`rlm_repl::run_sandbox_child_if_requested`] first thing in `main`.
    pub fn sandbox_isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// Characters of output per cell shown to the model, cut from the middle (default 20,000).
    pub fn output_cap(mut self, chars: usize) -> Self {
        self.output_cap = Some(chars);
        self
    }

    /// Wall-clock limit of one code cell, time spent in sub-calls included (default
    /// [`DEFAULT_CELL_TIMEOUT`], 10 minutes; must be longer than zero).
    ///
    /// The sandbox's own CPU-time limit (`SandboxLimits`) does not count time spent waiting for
    /// sub-calls, so a cell looping over `llm_query` could otherwise run for hours. When a cell passes
    /// this limit, it is cancelled (dropping `Sandbox::execute`'s future stops the cell and its host
    /// calls; variables it set before stay): the model sees the error "the cell ran longer than its
    /// wall-clock limit of ..." for that cell, and the run goes on with the next iteration. Every other
    /// wait on the sandbox (`FINAL_VAR`, the variable list) is bounded by the same limit.
    pub fn cell_timeout(mut self, limit: Duration) -> Self {
        self.cell_timeout = limit;
        self
    }

    /// Child sandboxes (of `rlm_query` / `rlm_batch` runs) alive at once, across every depth and
    /// completion of the `Rlm` (default 32). Extra child runs wait for a slot; they do not fail.
    pub fn max_live_sandboxes(mut self, n: usize) -> Self {
        self.max_live_sandboxes = n;
        self
    }

    /// When the root history is compacted (default: at 85 % of the root model's window, or at
    /// 400,000 characters when the window is unknown).
    pub fn compaction(mut self, compaction: Compaction) -> Self {
        self.compaction = compaction;
        self
    }

    /// Prompt templates (default: the built-in ones).
    pub fn prompts(mut self, prompts: PromptSet) -> Self {
        self.prompts = prompts;
        self
    }

    /// Whether each run's own model calls (the root model's turns, a child run's turns, the
    /// compaction summary) ask the provider to cache their prefix (default `true`; it never changes an
    /// answer). Each run gets a key of its own (`rlm-<completion id>.<run id>`, nothing secret):
    /// Anthropic gets `cache_control` breakpoints on the system prompt and the end of the history,
    /// OpenAI's API the key as `prompt_cache_key`; see [`rlm_client::CompletionRequest::cache`].
    /// Sub-calls (`llm_query`, `llm_batch`) never carry the hint. Turn it off for a provider that
    /// rejects these fields, or to measure the run without the provider's cache writes.
    pub fn prompt_cache(mut self, on: bool) -> Self {
        self.prompt_cache = on;
        self
    }

    /// A host tool: code calls it as the synchronous function `name(...)`, and `handler` gets the
    /// JSON array of the call's arguments and returns its JSON result (see [`Tool`]). The same as
    /// `with_tool(Tool::new(name, description, handler))`.
    pub fn tool<F, Fut>(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        F: Fn(serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, ToolError>> + Send + 'static,
    {
        self.with_tool(Tool::new(name, description, handler))
    }

    /// A host tool built with [`Tool`] (argument shape, typed handler, timeout of its own). Tools run
    /// on the host with the program's privileges, at every depth (child runs get them too); the
    /// model chooses their arguments, so a tool must check them. The system prompt lists each tool
    /// with its argument shape and description. `build()` refuses a name that is not a JavaScript
    /// identifier, hides one of the sandbox's globals or a built-in, or is given twice.
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Time limit of one tool call, for tools without one of their own (default
    /// [`DEFAULT_TOOL_TIMEOUT`], 60 s). Enforced: the handler's future is dropped and the code gets
    /// `"Error: ..."`. Must be shorter than the sandbox's host-call timeout and than
    /// [`cell_timeout`](Self::cell_timeout), so a stuck tool fails inside the cell.
    pub fn tool_timeout(mut self, limit: Duration) -> Self {
        self.tool_timeout = limit;
        self
    }

    /// A callback receiving every [`Event`] (progress displays). It runs on the thread that produced the
    /// event, so it must be quick.
    pub fn on_event(mut self, callback: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.events = EventSink::new(Arc::new(callback));
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<Rlm, RlmError> {
        crate::settings::build(self).map(|settings| Rlm::from_settings(Arc::new(settings)))
    }
}
