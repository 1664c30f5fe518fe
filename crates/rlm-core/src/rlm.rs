//! `Rlm`: a configured recursive language model, and the completion path shared with `Session`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_repl::{Sandbox, SandboxConfig};
use tracing::Instrument;

use crate::builder::Settings;
use crate::engine::{self, RunSpec};
use crate::handler::Handler;
use crate::run::RunShared;
use crate::trajectory::{LimitsRecord, RunMetadata};
use crate::{
    Context, PartialRun, RlmAnswer, RlmBuilder, RlmError, Session, Trajectory, UsageSummary,
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

    /// Answers `query` about `context` (text or JSON) in a fresh sandbox.
    pub async fn completion(
        &self,
        context: impl Into<Context>,
        query: &str,
    ) -> Result<RlmAnswer, RlmError> {
        let mut slot = SandboxSlot::new();
        complete(&self.settings, &mut slot, context.into(), query).await
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

/// Runs one completion in `slot`'s sandbox, under the run's timeout.
pub(crate) async fn complete(
    settings: &Arc<Settings>,
    slot: &mut SandboxSlot,
    context: Context,
    query: &str,
) -> Result<RlmAnswer, RlmError> {
    let started = Instant::now();
    let shared = RunShared::new(Arc::clone(settings));
    slot.handler.bind(Some(Arc::clone(&shared)));
    let context_kind = context.kind_name();
    let context_chars = context.chars();
    let metadata = context.metadata();
    // Set once the context is loaded; read after the run (also when it stopped early).
    let mut context_index = 0;
    let span = tracing::info_span!(
        "rlm_completion",
        context_kind,
        context_chars,
        max_depth = settings.max_depth
    );
    let work = async {
        if slot.sandbox.is_none() {
            let config = SandboxConfig {
                limits: settings.sandbox_limits.clone(),
                // `rlm_*` exist whenever sub-calls do; at the depth limit they are plain calls.
                recursive_functions: 0 < settings.max_depth,
            };
            slot.sandbox = Some(Sandbox::new(config, Arc::clone(&slot.handler) as _)?);
        }
        let Some(sandbox) = slot.sandbox.as_ref() else {
            return Err(RlmError::Config("sandbox missing".into()));
        };
        context_index = sandbox.load_context(context.into_value()).await?;
        let spec = RunSpec {
            depth: 0,
            run_id: 0,
            parent_run_id: None,
            query,
            metadata,
        };
        engine::run(&shared, sandbox, spec).await
    }
    .instrument(span);
    let result = if let Some(after) = settings.limits.timeout {
        if let Ok(result) = tokio::time::timeout(after, work).await {
            result
        } else {
            // A cell may still be running in the sandbox: drop it (this cancels its host calls).
            slot.sandbox = None;
            Err(RlmError::Timeout {
                after,
                partial: PartialRun::boxed(shared.budget.partial()),
            })
        }
    } else {
        work.await
    };
    slot.handler.bind(None);
    let metadata = run_metadata(settings, context_kind, context_chars, context_index);
    let done = Done::collect(&shared, settings, metadata, started);
    match result {
        Ok(outcome) => Ok(RlmAnswer {
            answer: outcome.answer,
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
struct Done {
    usage: UsageSummary,
    cost_usd: Option<f64>,
    duration: Duration,
    trajectory: Trajectory,
}

impl Done {
    fn collect(
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

    /// Iterations of the top-level run (id 0) that were recorded, the final-answer request excluded.
    fn root_iterations(&self) -> usize {
        self.trajectory
            .iterations()
            .filter(|it| it.run_id == 0 && !it.final_request)
            .count()
    }
}

/// Line 1 of the trajectory: the configuration and the context's shape, never the context or a key.
fn run_metadata(
    settings: &Settings,
    context_kind: &str,
    context_chars: usize,
    context_index: usize,
) -> RunMetadata {
    RunMetadata {
        rlm_version: env!("CARGO_PKG_VERSION").to_owned(),
        root_model: settings.root.model().to_owned(),
        sub_model: settings.sub.model().to_owned(),
        max_iterations: settings.max_iterations,
        max_depth: settings.max_depth,
        max_concurrent: settings.max_concurrent,
        limits: LimitsRecord {
            token_budget: settings.limits.token_budget,
            cost_budget_usd: settings.limits.cost_budget_usd,
            timeout_ms: settings
                .limits
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            max_consecutive_errors: settings.limits.max_consecutive_errors,
            max_subcalls: settings.limits.max_subcalls,
        },
        context_kind: context_kind.to_owned(),
        context_chars,
        context_index,
    }
}
