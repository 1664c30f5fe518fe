//! Child runs (`rlm_query` / `rlm_batch` below the depth limit): each gets a slot of the live-sandbox
//! bound, its own sandbox with the prompt as `context`, and the run loop of `engine` at depth + 1,
//! sharing the completion's budget, meters and trajectory.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use rlm_repl::{Sandbox, SandboxConfig, SubcallError, SubcallErrorKind};

use rlm_client::Usage;

use super::Handler;
use super::detail::Answered;
use crate::engine::{self, RunSpec};
use crate::run::RunShared;
use crate::trajectory::{ChildRunRecord, TrajectoryRecord};
use crate::{Context, RlmError, context};

/// Longest `rlm_query` prompt that is also used as the child's query; longer prompts get
/// [`CHILD_QUERY`] and stay in the child's `context` only.
const CHILD_QUERY_MAX_CHARS: usize = 4_000;

/// The query of a child run whose prompt is too long to repeat.
const CHILD_QUERY: &str = "The context holds a request from another model, with the material it needs. \
Carry out the request and answer it.";

impl Handler {
    /// Runs one child at depth + 1 on `prompt` with the sub-model `model` (default: the default one);
    /// returns the child's run id (once its record is written) and its answer.
    pub(super) async fn child(
        &self,
        shared: &Arc<RunShared>,
        prompt: String,
        model: Option<String>,
    ) -> (Option<u64>, Result<String, SubcallError>) {
        let depth = self.depth + 1;
        let _slot = shared.settings.sandbox_slots.acquire(depth).await;
        let started = Instant::now();
        let run_id = shared.next_run_id();
        let query = if prompt.chars().count() <= CHILD_QUERY_MAX_CHARS {
            prompt.clone()
        } else {
            CHILD_QUERY.to_owned()
        };
        let child_context = Context::text(prompt);
        let handler = Arc::new(Handler::new(depth, run_id, Some(Arc::clone(shared))));
        let config = SandboxConfig::new(shared.settings.sandbox_limits.clone())
            .with_isolation(shared.settings.isolation.clone())
            // Child runs get the tools too, sharing the completion's cap on tool calls.
            .with_tools(shared.settings.tool_names())
            // `rlm_*` exist whenever sub-calls do; at the depth limit they are plain calls.
            .with_recursive_functions(depth < shared.settings.max_depth);
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            SubcallError::new(SubcallErrorKind::Other, format!("child RLM {what}: {e}"))
        };
        let sandbox = match Sandbox::new(config, handler) {
            Ok(sandbox) => sandbox,
            Err(e) => return (None, Err(failed("could not start", &e))),
        };
        let loaded = match sandbox.load_context(child_context.into_value()).await {
            Ok(loaded) => loaded,
            Err(e) => return (None, Err(failed("could not load its context", &e))),
        };
        shared.record(TrajectoryRecord::ChildRun(ChildRunRecord {
            run_id,
            parent_run_id: self.run_id,
            depth,
            context_chars: loaded.facts.total_length,
            model: shared
                .settings
                .subs
                .get(model.as_deref())
                .map(|entry| entry.name.clone())
                .unwrap_or_default(),
            started_ms: Some(shared.offset_ms(started)),
        }));
        let spec = RunSpec {
            depth,
            run_id,
            parent_run_id: Some(self.run_id),
            query: &query,
            model,
            metadata: context::metadata(&loaded),
        };
        let result = engine::run(shared, &sandbox, spec)
            .await
            .map(|outcome| outcome.answer)
            .map_err(|e| child_error(&e));
        (Some(run_id), result)
    }

    /// Runs children for `prompts`, at most `max_concurrent` at a time, answers in input order.
    pub(super) async fn child_batch(
        &self,
        shared: &Arc<RunShared>,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Answered> {
        let mut tally = self.tally(prompts.len());
        let model = shared.settings.subs.default.clone();
        let mut indexed: Vec<(usize, Answered)> =
            futures::stream::iter(prompts.into_iter().enumerate())
                .map(|(index, prompt)| {
                    let model = &model;
                    async move {
                        let started = Instant::now();
                        let (child_run_id, result) = self.child(shared, prompt, None).await;
                        let mut answered = Answered::new(model, started, result);
                        answered.child_run_id = child_run_id;
                        (index, answered)
                    }
                })
                .buffer_unordered(max_concurrent)
                .inspect(|(index, answered)| {
                    tally.finished(shared, *index, &model, Usage::default(), &answered.result);
                })
                .collect()
                .await;
        indexed.sort_by_key(|(index, _)| *index);
        indexed.into_iter().map(|(_, answered)| answered).collect()
    }
}

/// A child's failure as its parent's code sees it.
fn child_error(error: &RlmError) -> SubcallError {
    let kind = match error {
        RlmError::TokenBudget { .. }
        | RlmError::CostBudget { .. }
        | RlmError::SubcallLimit { .. } => SubcallErrorKind::Refused,
        RlmError::Timeout { .. } => SubcallErrorKind::Timeout,
        RlmError::Provider { .. } => SubcallErrorKind::Provider,
        _ => SubcallErrorKind::Other,
    };
    SubcallError::new(kind, format!("child RLM failed: {error}"))
}
