//! `Settings`: the checked configuration every completion of an [`crate::Rlm`] shares, and
//! `build`, which checks an [`RlmBuilder`] and assembles it. A value set in two places must agree:
//! nothing the user set is silently replaced.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rlm_client::{AdaptiveLimiter, ConcurrencyGate, LlmClient, PriceTable, Resilient};
use rlm_prompts::PromptSet;
use rlm_repl::{Isolation, SandboxLimits};

use crate::builder::MAX_DEPTH_LIMIT;
use crate::compaction::Compaction;
use crate::events::EventSink;
use crate::models::{DEFAULT_SUB_PROMPT_CHARS, ModelEntry, SubModels, check_name};
use crate::sandbox_slots::SandboxSlots;
use crate::{Limits, RlmBuilder, RlmError, Tool};

/// The validated configuration shared by every completion of an [`crate::Rlm`].
pub(crate) struct Settings {
    /// The root model.
    pub(crate) root: ModelEntry,
    /// The sub-models (the default one and the named ones).
    pub(crate) subs: SubModels,
    pub(crate) max_iterations: usize,
    pub(crate) max_depth: usize,
    pub(crate) limits: Limits,
    pub(crate) max_concurrent: usize,
    /// The global cap on concurrent sub-calls (fixed, or adaptive under `max_concurrent`), shared by
    /// every depth and every completion.
    pub(crate) gate: ConcurrencyGate,
    /// The bound on live child sandboxes, shared likewise.
    pub(crate) sandbox_slots: Arc<SandboxSlots>,
    pub(crate) prices: PriceTable,
    pub(crate) sandbox_limits: SandboxLimits,
    /// Where each sandbox's interpreter runs.
    pub(crate) isolation: Isolation,
    /// Wall-clock limit of one cell, sub-calls included.
    pub(crate) cell_timeout: Duration,
    pub(crate) compaction: Compaction,
    pub(crate) prompts: PromptSet,
    pub(crate) events: EventSink,
    /// Whether runs' own model calls carry a prompt-cache hint.
    pub(crate) prompt_cache: bool,
    /// The host tools, in the order they were given (descriptions on one line).
    pub(crate) tools: Vec<Tool>,
    /// Time limit of a tool call without one of its own.
    pub(crate) tool_timeout: Duration,
}

impl Settings {
    /// The names of the host tools, for the sandboxes.
    pub(crate) fn tool_names(&self) -> Vec<String> {
        self.tools.iter().map(|t| t.name().to_owned()).collect()
    }

    /// The host tool `name`.
    pub(crate) fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name() == name)
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("root", &self.root)
            .field("subs", &self.subs)
            .field("max_iterations", &self.max_iterations)
            .field("max_depth", &self.max_depth)
            .field("limits", &self.limits)
            .field("max_concurrent", &self.max_concurrent)
            .field("gate", &self.gate)
            .field("sandbox_limits", &self.sandbox_limits)
            .field("isolation", &self.isolation)
            .field("cell_timeout", &self.cell_timeout)
            .field("events", &self.events)
            .field("prompt_cache", &self.prompt_cache)
            .field("tools", &self.tools)
            .field("tool_timeout", &self.tool_timeout)
            .finish_non_exhaustive()
    }
}

fn config(message: impl Into<String>) -> RlmError {
    RlmError::Config(message.into())
}

/// Checks `builder` and assembles the settings.
pub(crate) fn build(builder: RlmBuilder) -> Result<Settings, RlmError> {
    let root_client = builder
        .root
        .clone()
        .ok_or_else(|| config("no root client: call RlmBuilder::root(client)"))?;
    check_numbers(&builder)?;
    let sandbox_limits = sandbox_limits(&builder)?;
    let tools = tools(&builder, &sandbox_limits)?;
    let prompt_chars = |window| {
        builder
            .sub_prompt_chars
            .unwrap_or_else(|| ModelEntry::prompt_chars_for(window, DEFAULT_SUB_PROMPT_CHARS))
    };
    let resilient = |client: &Arc<dyn LlmClient>| {
        Resilient::new(Arc::clone(client), builder.resilience)
            .map(|resilient| match &builder.shared_quota {
                Some(quota) => resilient.with_shared_quota(Arc::clone(quota)),
                None => resilient,
            })
            .map_err(|e| config(format!("invalid resilience policy: {e}")))
    };
    let root_resilient = resilient(&root_client)?;
    let entry = |name: String, description: String, client: Arc<dyn LlmClient>| {
        let window = builder.windows.window(client.model());
        // One resilient layer (and so one rate limiter) per client object.
        let resilient = if Arc::ptr_eq(&client, &root_client) {
            Ok(root_resilient.clone())
        } else {
            resilient(&client)
        };
        resilient.map(|resilient| ModelEntry {
            name,
            description,
            window,
            prompt_chars: prompt_chars(window),
            client,
            resilient,
        })
    };
    let root = entry(
        root_client.model().to_owned(),
        "the root model".to_owned(),
        Arc::clone(&root_client),
    )?;
    let subs = sub_models(&builder, &root_client, &entry)?;
    check_prices(&builder.limits, &builder.prices, &root, &subs)?;
    Ok(Settings {
        root,
        subs,
        max_iterations: builder.max_iterations,
        max_depth: builder.max_depth,
        max_concurrent: builder.max_concurrent,
        gate: if builder.adaptive_concurrency {
            AdaptiveLimiter::new(builder.max_concurrent).into()
        } else {
            ConcurrencyGate::fixed(builder.max_concurrent)
        },
        sandbox_slots: SandboxSlots::new(
            builder.max_live_sandboxes,
            builder.max_depth.saturating_sub(1),
        ),
        limits: builder.limits,
        prices: builder.prices,
        sandbox_limits,
        isolation: builder.isolation,
        cell_timeout: builder.cell_timeout,
        compaction: builder.compaction,
        prompts: builder.prompts,
        events: builder.events,
        prompt_cache: builder.prompt_cache,
        tools,
        tool_timeout: builder.tool_timeout,
    })
}

type EntryFn<'a> = dyn Fn(String, String, Arc<dyn LlmClient>) -> Result<ModelEntry, RlmError> + 'a;

/// The default sub-model (the root client unless one was given) and the named ones.
fn sub_models(
    builder: &RlmBuilder,
    root: &Arc<dyn LlmClient>,
    entry: &EntryFn<'_>,
) -> Result<SubModels, RlmError> {
    let default_client = builder.sub.clone().unwrap_or_else(|| Arc::clone(root));
    let default = default_client.model().to_owned();
    let mut by_name = BTreeMap::new();
    by_name.insert(
        default.clone(),
        entry(
            default.clone(),
            "the default sub-model".to_owned(),
            default_client,
        )?,
    );
    for (name, description, client) in &builder.named {
        check_name(name).map_err(config)?;
        if by_name.contains_key(name) {
            return Err(config(format!(
                "sub-model name {name:?} is given twice (the default sub-model is named by its model id, {default:?}); choose another name"
            )));
        }
        let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
        by_name.insert(
            name.clone(),
            entry(name.clone(), description, Arc::clone(client))?,
        );
    }
    Ok(SubModels { default, by_name })
}

fn check_numbers(builder: &RlmBuilder) -> Result<(), RlmError> {
    if builder.max_iterations == 0 {
        return Err(config("max_iterations must be at least 1"));
    }
    if builder.max_depth > MAX_DEPTH_LIMIT {
        return Err(config(format!(
            "max_depth {} is above the supported maximum of {MAX_DEPTH_LIMIT}",
            builder.max_depth
        )));
    }
    if builder.max_concurrent == 0 {
        return Err(config("max_concurrent must be at least 1"));
    }
    builder.limits.validate()?;
    if builder.cell_timeout.is_zero() {
        return Err(config("cell_timeout must be longer than zero"));
    }
    if builder.max_live_sandboxes < builder.max_depth.saturating_sub(1).max(1) {
        return Err(config(format!(
            "max_live_sandboxes must be at least {} with max_depth {}, so that a child at every depth can start",
            builder.max_depth.saturating_sub(1).max(1),
            builder.max_depth
        )));
    }
    if builder.sub_prompt_chars == Some(0) {
        return Err(config("sub_prompt_chars must be at least 1"));
    }
    builder.compaction.validate().map_err(config)
}

/// The sandbox limits: the user's, with the values this builder owns filled in; a value given both
/// here and in the user's `SandboxLimits` must agree.
fn sandbox_limits(builder: &RlmBuilder) -> Result<SandboxLimits, RlmError> {
    let defaults = SandboxLimits::default();
    let mut limits = builder.sandbox_limits.clone().unwrap_or_default();
    let owned = |field: &str,
                 theirs: &mut usize,
                 default: usize,
                 ours: Option<usize>,
                 setter: &str| {
        match ours {
            Some(ours) if *theirs != default && *theirs != ours => Err(config(format!(
                "SandboxLimits::{field} is {theirs} but RlmBuilder::{setter} is {ours}; set it in one place"
            ))),
            Some(ours) => {
                *theirs = ours;
                Ok(())
            }
            None => Ok(()),
        }
    };
    owned(
        "max_concurrent_cap",
        &mut limits.max_concurrent_cap,
        defaults.max_concurrent_cap,
        Some(builder.max_concurrent),
        "max_concurrent",
    )?;
    owned(
        "output_cap_chars",
        &mut limits.output_cap_chars,
        defaults.output_cap_chars,
        builder.output_cap,
        "output_cap",
    )?;
    owned(
        "batch_concurrency",
        &mut limits.batch_concurrency,
        defaults.batch_concurrency,
        builder.batch_concurrency,
        "batch_concurrency",
    )?;
    let batch_default_untouched = builder.batch_concurrency.is_none()
        && limits.batch_concurrency == defaults.batch_concurrency;
    if builder.adaptive_concurrency && batch_default_untouched {
        limits.batch_concurrency = builder.max_concurrent;
    }
    limits
        .validate()
        .map_err(|e| config(format!("sandbox limits: {e}")))?;
    Ok(limits)
}

/// The tools, checked (when there are any): valid names given once, each time limit above zero and below the host-call
/// and cell limits (so a stuck tool fails inside its cell). Descriptions are put on one line.
fn tools(builder: &RlmBuilder, limits: &SandboxLimits) -> Result<Vec<Tool>, RlmError> {
    if builder.tools.is_empty() {
        return Ok(Vec::new());
    }
    let mut tools: Vec<Tool> = Vec::with_capacity(builder.tools.len());
    let timeouts = std::iter::once(("RlmBuilder::tool_timeout".to_owned(), builder.tool_timeout))
        .chain(builder.tools.iter().filter_map(|t| {
            t.timeout()
                .map(|limit| (format!("the timeout of tool {:?}", t.name()), limit))
        }));
    for (what, limit) in timeouts {
        let problem = if limit.is_zero() {
            Some("must be longer than zero".to_owned())
        } else if limit >= limits.host_call_timeout {
            Some(format!(
                "must be shorter than SandboxLimits::host_call_timeout ({:?})",
                limits.host_call_timeout
            ))
        } else if limit >= builder.cell_timeout {
            Some(format!(
                "must be shorter than RlmBuilder::cell_timeout ({:?})",
                builder.cell_timeout
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(config(format!("{what} ({limit:?}) {problem}")));
        }
    }
    for tool in &builder.tools {
        rlm_repl::check_tool_name(tool.name()).map_err(config)?;
        if tools.iter().any(|t| t.name() == tool.name()) {
            return Err(config(format!(
                "tool name {:?} is given twice; choose another name",
                tool.name()
            )));
        }
        let description = tool.description().split_whitespace().collect::<Vec<_>>();
        tools.push(tool.clone().with_description(description.join(" ")));
    }
    Ok(tools)
}

/// With a cost budget, every model the run can reach needs a price.
fn check_prices(
    limits: &Limits,
    prices: &PriceTable,
    root: &ModelEntry,
    subs: &SubModels,
) -> Result<(), RlmError> {
    if limits.cost_budget_usd.is_none() {
        return Ok(());
    }
    let unpriced: Vec<&str> = std::iter::once(root)
        .chain(subs.by_name.values())
        .map(|entry| entry.client.model())
        .filter(|model| prices.get(model).is_none())
        .collect();
    if unpriced.is_empty() {
        return Ok(());
    }
    Err(config(format!(
        "a cost budget is set but these models have no price: {}; add them with RlmBuilder::prices (the built-in table knows common OpenAI and Anthropic models only)",
        unpriced.join(", ")
    )))
}
