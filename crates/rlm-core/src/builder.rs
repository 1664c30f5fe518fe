//! `RlmBuilder`: configures and validates an [`Rlm`]; `Settings` is the validated configuration it holds.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rlm_client::{LlmClient, PriceTable, ResiliencePolicy, Resilient};
use rlm_prompts::PromptSet;
use rlm_repl::SandboxLimits;
use tokio::sync::Semaphore;

use crate::events::EventSink;
use crate::{Event, Limits, Rlm, RlmError};

/// Deepest recursion the builder accepts.
pub const MAX_DEPTH_LIMIT: usize = 8;

/// Default wall-clock limit of one code cell (see [`RlmBuilder::cell_timeout`]): 10 minutes.
pub const DEFAULT_CELL_TIMEOUT: Duration = Duration::from_mins(10);

/// The validated configuration shared by every completion of an [`Rlm`].
pub(crate) struct Settings {
    pub(crate) root: Arc<dyn LlmClient>,
    pub(crate) sub: Arc<dyn LlmClient>,
    pub(crate) max_iterations: usize,
    pub(crate) max_depth: usize,
    pub(crate) limits: Limits,
    pub(crate) max_concurrent: usize,
    /// The global cap on concurrent sub-calls, shared by every depth and every completion.
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) resilience: ResiliencePolicy,
    /// The root client behind the retry/timeout/rate-limit layer. Clones share its rate limiter, so
    /// every completion and depth draws from the same request and token quotas.
    pub(crate) root_resilient: Resilient,
    /// The same for the sub client (a clone of `root_resilient` when no sub client was given).
    pub(crate) sub_resilient: Resilient,
    pub(crate) prices: PriceTable,
    pub(crate) sandbox_limits: SandboxLimits,
    /// Wall-clock limit of one cell, sub-calls included.
    pub(crate) cell_timeout: Duration,
    pub(crate) prompts: PromptSet,
    pub(crate) events: EventSink,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("root_model", &self.root.model())
            .field("sub_model", &self.sub.model())
            .field("max_iterations", &self.max_iterations)
            .field("max_depth", &self.max_depth)
            .field("limits", &self.limits)
            .field("max_concurrent", &self.max_concurrent)
            .field("resilience", &self.resilience)
            .field("sandbox_limits", &self.sandbox_limits)
            .field("cell_timeout", &self.cell_timeout)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Rlm`]. Only the root client is required.
///
/// ```
/// # use std::sync::Arc;
/// use rlm_core::{Limits, Rlm};
/// # fn demo(root: Arc<dyn rlm_client::LlmClient>) -> Result<(), rlm_core::RlmError> {
/// let rlm = Rlm::builder()
///     .root(root)
///     .max_iterations(20)
///     .max_depth(1)
///     .limits(Limits { max_subcalls: Some(200), ..Limits::default() })
///     .build()?;
/// # let _ = rlm; Ok(()) }
/// ```
#[must_use]
pub struct RlmBuilder {
    root: Option<Arc<dyn LlmClient>>,
    sub: Option<Arc<dyn LlmClient>>,
    max_iterations: usize,
    max_depth: usize,
    limits: Limits,
    max_concurrent: usize,
    resilience: ResiliencePolicy,
    prices: PriceTable,
    sandbox_limits: SandboxLimits,
    output_cap: Option<usize>,
    cell_timeout: Duration,
    prompts: PromptSet,
    events: EventSink,
}

impl Default for RlmBuilder {
    fn default() -> Self {
        Self {
            root: None,
            sub: None,
            max_iterations: 30,
            max_depth: 1,
            limits: Limits::default(),
            max_concurrent: 16,
            resilience: ResiliencePolicy::default(),
            prices: PriceTable::new(),
            sandbox_limits: SandboxLimits::default(),
            output_cap: None,
            cell_timeout: DEFAULT_CELL_TIMEOUT,
            prompts: PromptSet::default(),
            events: EventSink::default(),
        }
    }
}

impl fmt::Debug for RlmBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RlmBuilder")
            .field(
                "root_model",
                &self.root.as_ref().map(|c| c.model().to_owned()),
            )
            .field(
                "sub_model",
                &self.sub.as_ref().map(|c| c.model().to_owned()),
            )
            .field("max_iterations", &self.max_iterations)
            .field("max_depth", &self.max_depth)
            .field("limits", &self.limits)
            .field("max_concurrent", &self.max_concurrent)
            .field("output_cap", &self.output_cap)
            .field("cell_timeout", &self.cell_timeout)
            .finish_non_exhaustive()
    }
}

impl RlmBuilder {
    /// The root model: the one that writes code (required).
    pub fn root(mut self, client: Arc<dyn LlmClient>) -> Self {
        self.root = Some(client);
        self
    }

    /// The sub model answering `llm_query` / `llm_batch` and running child RLMs (default: the root client).
    ///
    /// Rate limits (`ResiliencePolicy::rate_limits`) are enforced per client: when `client` is the root's
    /// own `Arc` (or no sub client is set), root and sub calls share one limiter. Two distinct client
    /// objects get one limiter each, even if they name the same model and provider account; to share a
    /// quota between them, pass the same `Arc` or split the quota between the two.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(mut self, client: Arc<dyn LlmClient>) -> Self {
        self.sub = Some(client);
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

    /// Retries, timeouts and rate limits of every model call.
    pub fn resilience(mut self, policy: ResiliencePolicy) -> Self {
        self.resilience = policy;
        self
    }

    /// Model prices, for `RlmAnswer::cost_usd` and the cost budget.
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = prices;
        self
    }

    /// Limits of each sandbox (CPU time per cell, memory, ...).
    pub fn sandbox_limits(mut self, limits: SandboxLimits) -> Self {
        self.sandbox_limits = limits;
        self
    }

    /// Characters of output per cell shown to the model, cut from the middle (default: the sandbox
    /// limits' `output_cap_chars`, 20,000).
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

    /// Prompt templates (default: the built-in ones).
    pub fn prompts(mut self, prompts: PromptSet) -> Self {
        self.prompts = prompts;
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
        let root = self.root.ok_or_else(|| {
            RlmError::Config("no root client: call RlmBuilder::root(client)".into())
        })?;
        // Without a sub client, or with the root's own `Arc`, root and sub calls share one resilient
        // layer and so one rate limiter.
        let same_client = self.sub.as_ref().is_none_or(|sub| Arc::ptr_eq(sub, &root));
        let sub = self.sub.unwrap_or_else(|| Arc::clone(&root));
        if self.max_iterations == 0 {
            return Err(RlmError::Config("max_iterations must be at least 1".into()));
        }
        if self.max_depth > MAX_DEPTH_LIMIT {
            return Err(RlmError::Config(format!(
                "max_depth {} is above the supported maximum of {MAX_DEPTH_LIMIT}",
                self.max_depth
            )));
        }
        if self.max_concurrent == 0 {
            return Err(RlmError::Config("max_concurrent must be at least 1".into()));
        }
        self.limits.validate()?;
        if self.cell_timeout.is_zero() {
            return Err(RlmError::Config(
                "cell_timeout must be longer than zero".into(),
            ));
        }
        if self.limits.cost_budget_usd.is_some() {
            for model in [root.model(), sub.model()] {
                if self.prices.get(model).is_none() {
                    return Err(RlmError::Config(format!(
                        "a cost budget is set but model {model:?} has no price; add it with RlmBuilder::prices"
                    )));
                }
            }
        }
        let resilient = |client: &Arc<dyn LlmClient>| {
            Resilient::new(Arc::clone(client), self.resilience)
                .map_err(|e| RlmError::Config(format!("invalid resilience policy: {e}")))
        };
        let root_resilient = resilient(&root)?;
        let sub_resilient = if same_client {
            root_resilient.clone()
        } else {
            resilient(&sub)?
        };
        let mut sandbox_limits = self.sandbox_limits;
        if let Some(cap) = self.output_cap {
            sandbox_limits.output_cap_chars = cap;
        }
        if sandbox_limits.output_cap_chars == 0 {
            return Err(RlmError::Config(
                "output_cap must be at least 1 character".into(),
            ));
        }
        sandbox_limits.max_concurrent_cap = self.max_concurrent;
        let settings = Settings {
            root,
            sub,
            max_iterations: self.max_iterations,
            max_depth: self.max_depth,
            limits: self.limits,
            max_concurrent: self.max_concurrent,
            permits: Arc::new(Semaphore::new(self.max_concurrent)),
            resilience: self.resilience,
            root_resilient,
            sub_resilient,
            prices: self.prices,
            sandbox_limits,
            cell_timeout: self.cell_timeout,
            prompts: self.prompts,
            events: self.events,
        };
        Ok(Rlm::from_settings(Arc::new(settings)))
    }
}
