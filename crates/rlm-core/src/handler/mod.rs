//! `Handler`: answers the sandbox's sub-calls. `llm_*` go to a sub-model's stack at the next depth
//! (`llm`); `rlm_*` start child runs at depth + 1 when the depth allows (`children`), else they are
//! plain sub-model calls; host tools run in `tool`. Failures and refusals come back as
//! [`SubcallError`]s, which the model sees as `Error: ...` strings. Each item is reported as it finishes (`detail`): an event, and a detail
//! (prompt and reply excerpts, model, timing, tokens, error, retries) kept for the cell's record.

mod children;
mod detail;
mod llm;
mod tool;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use rlm_client::{ClientError, Usage};
use rlm_repl::{QueryOptions, SubcallError, SubcallErrorKind, SubcallHandler, SubcallKind};
use tracing::Instrument;

use crate::Event;
use crate::run::RunShared;
use crate::trace::traced;
use detail::{Answered, PromptExcerpt, Shape, Tally, function_name};

/// The sub-call handler of one sandbox, bound to the run (and completion) currently using it.
#[derive(Debug)]
pub(crate) struct Handler {
    depth: usize,
    run_id: u64,
    /// The completion currently using the sandbox (a `Session` rebinds it for each completion).
    target: Mutex<Option<Arc<RunShared>>>,
}

impl Handler {
    /// A handler for the sandbox of run `run_id` at `depth`.
    pub(crate) fn new(depth: usize, run_id: u64, target: Option<Arc<RunShared>>) -> Self {
        Self {
            depth,
            run_id,
            target: Mutex::new(target),
        }
    }

    /// Binds the handler to a completion (or unbinds it with `None`).
    pub(crate) fn bind(&self, target: Option<Arc<RunShared>>) {
        *self.target.lock().unwrap_or_else(PoisonError::into_inner) = target;
    }

    fn target(&self) -> Result<Arc<RunShared>, SubcallError> {
        self.target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                unavailable(
                    "no completion is running; sub-calls are only possible during a completion",
                )
            })
    }

    /// Whether a call of `kind` starts a child run (else it is a plain sub-model call).
    fn starts_child(&self, shared: &RunShared, kind: SubcallKind) -> bool {
        kind == SubcallKind::Rlm && self.depth + 1 < shared.settings.max_depth
    }

    /// Refuses sub-calls at the deepest depth.
    fn check_depth(&self, shared: &RunShared) -> Result<(), SubcallError> {
        if shared.subcalls_allowed(self.depth) {
            Ok(())
        } else {
            Err(unavailable(format!(
                "sub-calls are not available at depth {} (max_depth is {})",
                self.depth, shared.settings.max_depth
            )))
        }
    }

    fn emit_started(&self, shared: &RunShared, kind: SubcallKind, total: usize) {
        shared.events.emit(&Event::SubcallStarted {
            depth: self.depth,
            kind,
            done: 0,
            total,
        });
    }

    /// Counts the items of a call of `total` as they finish.
    fn tally(&self, total: usize) -> Tally {
        Tally {
            depth: self.depth,
            total,
            done: 0,
            failed: 0,
            started: Instant::now(),
        }
    }

    /// Reserves `n` sub-calls of the run's cap, or refuses them.
    fn reserve(shared: &RunShared, n: usize) -> Result<(), SubcallError> {
        shared
            .budget
            .reserve_subcalls(n as u64)
            .map_err(|limit| SubcallError::new(SubcallErrorKind::Refused, limit.refusal()))
    }
}

fn unavailable(message: impl Into<String>) -> SubcallError {
    SubcallError::new(SubcallErrorKind::Unavailable, message)
}

/// A failed model call as the code sees it.
fn client_error(shared: &RunShared, error: &ClientError) -> SubcallError {
    let kind = match error {
        // The accounting layer refuses with `Other` once a budget has stopped the run.
        ClientError::Other { .. } if shared.budget.tripped().is_some() => SubcallErrorKind::Refused,
        ClientError::Timeout { .. } | ClientError::DeadlineExceeded { .. } => {
            SubcallErrorKind::Timeout
        }
        ClientError::Cancelled => SubcallErrorKind::Cancelled,
        ClientError::RequestTooLarge { .. } => SubcallErrorKind::TooLarge,
        ClientError::Configuration { .. } => SubcallErrorKind::Other,
        _ => SubcallErrorKind::Provider,
    };
    SubcallError::new(kind, error.to_string())
}

impl Handler {
    /// One prompt, answered by a sub-model or a child run; refusals come back as items too.
    async fn query_item(
        &self,
        shared: &Arc<RunShared>,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
        started: Instant,
    ) -> Answered {
        let requested = options
            .model
            .clone()
            .unwrap_or_else(|| shared.settings.subs.default.clone());
        if let Err(error) = self.check_depth(shared) {
            return Answered::refused(&requested, started, error);
        }
        if self.starts_child(shared, kind) {
            let model = match shared.settings.subs.get(options.model.as_deref()) {
                Ok(entry) => entry.name.clone(),
                Err(message) => {
                    return Answered::refused(&requested, started, unavailable(message));
                }
            };
            if let Err(error) = Self::reserve(shared, 1) {
                return Answered::refused(&model, started, error);
            }
            self.emit_started(shared, kind, 1);
            let mut tally = self.tally(1);
            let (child_run_id, result) = self.child(shared, prompt, options.model).await;
            tally.finished(shared, 0, &model, Usage::default(), &result);
            let mut answered = Answered::new(&model, started, result);
            answered.child_run_id = child_run_id;
            return answered;
        }
        let call = match Self::prepare(shared, prompt, options) {
            Ok(call) => call,
            Err(error) => return Answered::refused(&requested, started, error),
        };
        if let Err(error) = Self::reserve(shared, 1) {
            return Answered::refused(&call.model, started, error);
        }
        self.emit_started(shared, kind, 1);
        let mut tally = self.tally(1);
        let model = call.model.clone();
        let (result, retries) = traced(shared.started, self.llm_one(shared, call)).await;
        let usage = result
            .as_ref()
            .map_or_else(|_| Usage::default(), |c| c.usage);
        let result = result.map(|c| c.text);
        tally.finished(shared, 0, &model, usage, &result);
        let mut answered = Answered::new(&model, started, result);
        answered.usage = usage;
        answered.retries = retries;
        answered
    }

    /// A batch: child runs or plain sub-calls, one item per prompt, in input order.
    async fn batch_items(
        &self,
        shared: &Arc<RunShared>,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Answered> {
        let started = Instant::now();
        let total = prompts.len();
        let default = shared.settings.subs.default.clone();
        let refuse_all = |error: SubcallError| {
            (0..total)
                .map(|_| Answered::refused(&default, started, error.clone()))
                .collect()
        };
        if let Err(error) = self.check_depth(shared) {
            return refuse_all(error);
        }
        let max_concurrent = max_concurrent.clamp(1, shared.settings.max_concurrent);
        if self.starts_child(shared, kind) {
            if let Err(error) = Self::reserve(shared, total) {
                return refuse_all(error);
            }
            self.emit_started(shared, kind, total);
            self.child_batch(shared, prompts, max_concurrent).await
        } else {
            self.llm_batch(shared, kind, prompts, max_concurrent).await
        }
    }
}

#[async_trait]
impl SubcallHandler for Handler {
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, SubcallError> {
        let shared = self.target()?;
        let started = Instant::now();
        let excerpt = PromptExcerpt::of(&prompt);
        let span = tracing::info_span!("subcall", depth = self.depth, kind = ?kind, prompt_chars = prompt.len());
        let answered = self
            .query_item(&shared, kind, prompt, options, started)
            .instrument(span)
            .await;
        let shape = Shape {
            function: function_name(kind, false),
            batch: None,
            of: 1,
        };
        self.log(&shared, shape, 0, excerpt, &answered);
        answered.result
    }

    async fn batch(
        &self,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, SubcallError>> {
        let total = prompts.len();
        if total == 0 {
            return Vec::new();
        }
        let shared = match self.target() {
            Ok(shared) => shared,
            Err(error) => return vec![Err(error); total],
        };
        let excerpts: Vec<PromptExcerpt> = prompts.iter().map(|p| PromptExcerpt::of(p)).collect();
        let span = tracing::info_span!("subcall_batch", depth = self.depth, kind = ?kind, total);
        let answers = self
            .batch_items(&shared, kind, prompts, max_concurrent)
            .instrument(span)
            .await;
        let shape = Shape {
            function: function_name(kind, true),
            batch: Some(shared.next_batch_id()),
            of: total,
        };
        answers
            .into_iter()
            .zip(excerpts)
            .enumerate()
            .map(|(index, (answered, excerpt))| {
                self.log(&shared, shape, index, excerpt, &answered);
                answered.result
            })
            .collect()
    }

    async fn tool(&self, name: String, arguments: String) -> Result<String, SubcallError> {
        let shared = self.target()?;
        self.run_tool(&shared, &name, &arguments).await
    }
}
