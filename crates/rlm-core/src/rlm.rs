//! `Rlm`: a configured recursive language model, and the completion path shared with `Session`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use rlm_repl::{LoadedContext, Sandbox, SandboxConfig};
use tracing::Instrument;

use crate::engine::{self, RunSpec};
use crate::handler::Handler;
use crate::run::RunShared;
use crate::settings::Settings;
use crate::stream::{CancelSignal, StreamWiring};
use crate::trajectory::{LimitsRecord, OutcomeRecord, RunMetadata, TrajectoryRecord};
use crate::{
    Context, Event, PartialRun, RlmAnswer, RlmBuilder, RlmError, RunStream, RunUpdate, Session,
    Trajectory, UsageSummary, context,
};

/// A recursive language model: a root model that answers a query about a context it never reads whole,
/// by writing JavaScript that runs in a sandbox holding the context and calls sub-models.
///
/// Cheap to clone (the configuration is shared); completions may run concurrently.
///
/// ```no_run
/// # use std::sync::Arc;
/// use rlm_core::Rlm;
/// # async fn demo(client: Arc<dyn rlm_client::LlmClient>) -> Result<(), rlm_core::RlmError> {
/// let rlm = Rlm::builder().root(client).build()?;
/// let answer = rlm.completion("a very long document ...", "What is the magic number?").await?;
/// println!("{} ({} iterations)", answer.answer, answer.iterations);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Rlm {
    settings: Arc<Settings>,
}

impl Rlm {
    /// A builder with the defaults (30 iterations, depth 1, 16 concurrent sub-calls).
    pub fn builder() -> RlmBuilder {
        RlmBuilder::default()
    }

    pub(crate) fn from_settings(settings: Arc<Settings>) -> Self {
        Self { settings }
    }

    /// The adaptive concurrency limiter of sub-calls, when `RlmBuilder::adaptive_concurrency` is on
    /// (for its current limit: `snapshot()`).
    pub fn adaptive_limiter(&self) -> Option<&rlm_client::AdaptiveLimiter> {
        self.settings.gate.adaptive_limiter()
    }

    /// The limits every completion runs under (budgets, timeout, caps).
    pub fn limits(&self) -> &crate::Limits {
        &self.settings.limits
    }

    /// The shared configuration.
    pub(crate) fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }

    /// Answers `query` about `context` (text or JSON) in a fresh sandbox.
    pub async fn completion(
        &self,
        context: impl Into<Context>,
        query: &str,
    ) -> Result<RlmAnswer, RlmError> {
        self.stream(context, query).finish().await
    }

    /// Answers `query` about `context` as a stream of [`RunUpdate`]s: run events as they happen (the
    /// root model's text as it streams in, code blocks, cell outputs, sub-calls as each finishes,
    /// usage), the trajectory line by line, then the answer or the failure. Nothing runs until the
    /// stream is polled; dropping it cancels the run; [`RunStream::cancel`] stops it cleanly.
    pub fn stream(&self, context: impl Into<Context>, query: &str) -> RunStream {
        let settings = Arc::clone(&self.settings);
        let context = context.into();
        let query = query.to_owned();
        RunStream::new(move |wiring| {
            async move {
                let mut slot = SandboxSlot::new();
                complete(&settings, &mut slot, context, &query, Some(wiring)).await
            }
            .boxed()
        })
    }

    /// A session: one sandbox kept across several completions (variables survive; each completion's
    /// context becomes `context_N` and `context`).
    pub fn session(&self) -> Session {
        Session::new(Arc::clone(&self.settings))
    }
}

/// A sandbox (created on first use) and the handler bound to the completion using it.
#[derive(Debug)]
pub(crate) struct SandboxSlot {
    sandbox: Option<Sandbox>,
    handler: Arc<Handler>,
}

impl SandboxSlot {
    /// An empty slot for a top-level run.
    pub(crate) fn new() -> Self {
        Self {
            sandbox: None,
            handler: Arc::new(Handler::new(0, 0, None)),
        }
    }

    /// Names of the variables defined in the sandbox (none before the first completion).
    pub(crate) async fn variables(&self) -> Result<Vec<String>, RlmError> {
        match &self.sandbox {
            Some(sandbox) => Ok(sandbox.variables().await?),
            None => Ok(Vec::new()),
        }
    }
}

/// How the run of [`complete`] stopped.
enum Stop {
    Ran(Result<engine::RunOutcome, RlmError>),
    TimedOut(Duration),
    Cancelled,
}

/// Runs one completion in `slot`'s sandbox, under the run's timeout; `wiring` streams its updates and
/// can cancel it.
pub(crate) async fn complete(
    settings: &Arc<Settings>,
    slot: &mut SandboxSlot,
    context: Context,
    query: &str,
    wiring: Option<StreamWiring>,
) -> Result<RlmAnswer, RlmError> {
    let started = Instant::now();
    let bytes = context.bytes();
    if let Some(limit) = settings.limits.max_context_bytes
        && bytes > limit
    {
        return Err(RlmError::ContextTooLarge { bytes, limit });
    }
    if bytes == 0 {
        tracing::warn!("the context is empty; the model has nothing to work on");
    }
    let (updates, mut cancel) = match wiring {
        Some(wiring) => (Some(wiring.updates), wiring.cancel),
        None => (None, CancelSignal::never()),
    };
    let shared = RunShared::new(Arc::clone(settings), updates);
    slot.handler.bind(Some(Arc::clone(&shared)));
    let span = tracing::info_span!(
        "rlm_completion",
        context_format = context.format_name(),
        context_bytes = bytes,
        max_depth = settings.max_depth
    );
    // Set once the context is loaded; read after the run (also when it stopped early).
    let mut loaded: Option<LoadedContext> = None;
    let work = async {
        if slot.sandbox.is_none() {
            let config = SandboxConfig::new(settings.sandbox_limits.clone())
                .with_isolation(settings.isolation.clone())
                .with_tools(settings.tool_names())
                // `rlm_*` exist whenever sub-calls do; at the depth limit they are plain calls.
                .with_recursive_functions(0 < settings.max_depth);
            slot.sandbox = Some(Sandbox::new(config, Arc::clone(&slot.handler) as _)?);
        }
        let Some(sandbox) = slot.sandbox.as_ref() else {
            return Err(RlmError::Config("sandbox missing".into()));
        };
        shared.events.emit(&Event::ContextLoading {
            bytes,
            format: context.format_name(),
        });
        let load_started = Instant::now();
        let context_loaded = sandbox
            .load_context_reporting(context.into_value(), rlm_prompts::CHUNK_LIST_CAP)
            .await
            .map_err(|e| match e {
                rlm_repl::SandboxError::ContextLoad(message) => RlmError::InvalidContext(message),
                other => RlmError::Sandbox(other),
            })?;
        shared.events.emit(&Event::ContextLoaded {
            bytes,
            duration: load_started.elapsed(),
        });
        shared.events.send(|| {
            let mut metadata = run_metadata(settings, Some(&context_loaded));
            metadata.started_unix_ms = Some(shared.started_unix_ms);
            RunUpdate::Metadata(metadata)
        });
        let spec = RunSpec {
            depth: 0,
            run_id: 0,
            parent_run_id: None,
            query,
            model: None,
            metadata: context::metadata(&context_loaded),
        };
        loaded = Some(context_loaded);
        engine::run(&shared, sandbox, spec).await
    }
    .instrument(span);
    let limited = async {
        match settings.limits.timeout {
            Some(after) => tokio::time::timeout(after, work)
                .await
                .map_or(Stop::TimedOut(after), Stop::Ran),
            None => Stop::Ran(work.await),
        }
    };
    let stop = tokio::select! {
        stop = limited => stop,
        () = cancel.cancelled() => Stop::Cancelled,
    };
    let result = match stop {
        Stop::Ran(result) => result,
        // A cell may still be running in the sandbox: drop it (this cancels its host calls).
        Stop::TimedOut(after) => {
            slot.sandbox = None;
            Err(RlmError::Timeout {
                after,
                partial: PartialRun::boxed(shared.budget.partial()),
            })
        }
        Stop::Cancelled => {
            slot.sandbox = None;
            Err(RlmError::Cancelled {
                partial: PartialRun::boxed(shared.budget.partial()),
            })
        }
    };
    slot.handler.bind(None);
    let mut metadata = run_metadata(settings, loaded.as_ref());
    metadata.started_unix_ms = Some(shared.started_unix_ms);
    let mut done = Done::collect(&shared, settings, metadata, started);
    let outcome = match &result {
        Ok(outcome) => {
            OutcomeRecord::answered(&outcome.answer, outcome.finished, outcome.iterations)
        }
        Err(error) => OutcomeRecord::failed(error, done.root_iterations()),
    };
    done.push_outcome(&shared, outcome);
    match result {
        Ok(outcome) => Ok(RlmAnswer {
            answer: outcome.answer,
            finished: outcome.finished,
            iterations: outcome.iterations,
            usage: done.usage,
            cost_usd: done.cost_usd,
            duration: done.duration,
            trajectory: done.trajectory,
        }),
        Err(mut error) => {
            if let Some(partial) = error.partial_run_mut() {
                partial.iterations = done.root_iterations();
                partial.usage = done.usage;
                partial.cost_usd = done.cost_usd;
                partial.duration = done.duration;
                partial.trajectory = done.trajectory;
            }
            Err(error)
        }
    }
}

/// What a completion leaves, whether it answered or stopped: usage, cost, duration, trajectory.
pub(crate) struct Done {
    pub(crate) usage: UsageSummary,
    pub(crate) cost_usd: Option<f64>,
    pub(crate) duration: Duration,
    pub(crate) trajectory: Trajectory,
}

impl Done {
    pub(crate) fn collect(
        shared: &RunShared,
        settings: &Settings,
        metadata: RunMetadata,
        started: Instant,
    ) -> Self {
        let usage = UsageSummary::from_depths(shared.usage_per_depth());
        let cost_usd = usage.cost_usd(&settings.prices);
        Self {
            usage,
            cost_usd,
            duration: started.elapsed(),
            trajectory: Trajectory {
                metadata,
                records: shared.records(),
            },
        }
    }

    /// Adds `outcome`, with the completion's usage, cost and duration, as the last record (and
    /// streams it).
    pub(crate) fn push_outcome(&mut self, shared: &RunShared, outcome: OutcomeRecord) {
        let record = TrajectoryRecord::Outcome(outcome.with_totals(
            &self.usage,
            &shared.settings.prices,
            crate::engine::millis(self.duration),
        ));
        shared.events.send(|| RunUpdate::Record(record.clone()));
        self.trajectory.records.push(record);
    }

    /// Iterations of the top-level run (id 0) that were recorded, the final-answer request excluded.
    fn root_iterations(&self) -> usize {
        self.trajectory
            .iterations()
            .filter(|it| it.run_id == 0 && !it.final_request)
            .count()
    }
}

/// Line 1 of the trajectory: the configuration and the context's shape, never the context or a key.
pub(crate) fn run_metadata(settings: &Settings, loaded: Option<&LoadedContext>) -> RunMetadata {
    RunMetadata {
        rlm_version: env!("CARGO_PKG_VERSION").to_owned(),
        root_model: settings.root.client.model().to_owned(),
        sub_model: settings
            .subs
            .default_entry()
            .map(|e| e.client.model().to_owned())
            .unwrap_or_default(),
        named_sub_models: settings
            .subs
            .by_name
            .keys()
            .filter(|name| **name != settings.subs.default)
            .cloned()
            .collect(),
        tools: settings.tools.iter().map(|t| t.name().to_owned()).collect(),
        max_iterations: settings.max_iterations,
        max_depth: settings.max_depth,
        max_concurrent: settings.max_concurrent,
        limits: LimitsRecord {
            token_budget: settings.limits.token_budget,
            cost_budget_usd: settings.limits.cost_budget_usd,
            timeout_ms: settings.limits.timeout.map(crate::engine::millis),
            max_consecutive_errors: settings.limits.max_consecutive_errors,
            max_subcalls: settings.limits.max_subcalls,
            max_tool_calls: settings
                .limits
                .max_tool_calls
                .filter(|_| !settings.tools.is_empty()),
        },
        context_kind: loaded.map_or("text", context::kind_name).to_owned(),
        context_chars: loaded.map_or(0, |l| l.facts.total_length),
        context_index: loaded.map_or(0, |l| l.index),
        started_unix_ms: None,
    }
}
