//! `Handler`: answers the sandbox's sub-calls. `llm_*` go to a sub-model's stack at the next depth
//! (`llm`); `rlm_*` start child runs at depth + 1 when the depth allows (`children`), else they are
//! plain sub-model calls. Failures and refusals come back as [`SubcallError`]s, which the model sees
//! as `Error: ...` strings.

mod children;
mod llm;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use rlm_client::{ClientError, Usage};
use rlm_repl::{QueryOptions, SubcallError, SubcallErrorKind, SubcallHandler, SubcallKind};
use tracing::Instrument;

use crate::Event;
use crate::run::RunShared;

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

/// The items of one sub-call (or batch) finished so far; reports each as [`Event::SubcallFinished`].
struct Tally {
    depth: usize,
    total: usize,
    done: usize,
    failed: usize,
    started: Instant,
}

impl Tally {
    /// Counts item `index`, answered by `model` with `usage` tokens, and reports it.
    fn finished<T>(
        &mut self,
        shared: &RunShared,
        index: usize,
        model: &str,
        usage: Usage,
        result: &Result<T, SubcallError>,
    ) {
        self.done += 1;
        let error = result.as_ref().err().map(|e| e.message().to_owned());
        self.failed += usize::from(error.is_some());
        shared.events.emit(&Event::SubcallFinished {
            depth: self.depth,
            index,
            done: self.done,
            total: self.total,
            failed: self.failed,
            model: model.to_owned(),
            latency: self.started.elapsed(),
            usage,
            error,
        });
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

#[async_trait]
impl SubcallHandler for Handler {
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, SubcallError> {
        let shared = self.target()?;
        let span = tracing::info_span!("subcall", depth = self.depth, kind = ?kind, prompt_chars = prompt.len());
        async {
            self.check_depth(&shared)?;
            if self.starts_child(&shared, kind) {
                let model = shared
                    .settings
                    .subs
                    .get(options.model.as_deref())
                    .map_err(unavailable)?
                    .name
                    .clone();
                Self::reserve(&shared, 1)?;
                self.emit_started(&shared, kind, 1);
                let mut tally = self.tally(1);
                let result = self.child(&shared, prompt, options.model).await;
                tally.finished(&shared, 0, &model, Usage::default(), &result);
                return result;
            }
            let call = Self::prepare(&shared, prompt, options)?;
            Self::reserve(&shared, 1)?;
            self.emit_started(&shared, kind, 1);
            let mut tally = self.tally(1);
            let model = call.model.clone();
            let result = self.llm_one(&shared, call).await;
            let usage = result
                .as_ref()
                .map_or_else(|_| Usage::default(), |c| c.usage);
            let result = result.map(|c| c.text);
            tally.finished(&shared, 0, &model, usage, &result);
            result
        }
        .instrument(span)
        .await
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
        let shared = match self.target().and_then(|shared| {
            self.check_depth(&shared)?;
            Ok(shared)
        }) {
            Ok(shared) => shared,
            Err(error) => return vec![Err(error); total],
        };
        let span = tracing::info_span!("subcall_batch", depth = self.depth, kind = ?kind, total);
        let max_concurrent = max_concurrent.clamp(1, shared.settings.max_concurrent);
        async {
            if self.starts_child(&shared, kind) {
                if let Err(error) = Self::reserve(&shared, total) {
                    return vec![Err(error); total];
                }
                self.emit_started(&shared, kind, total);
                self.child_batch(&shared, prompts, max_concurrent).await
            } else {
                self.llm_batch(&shared, kind, prompts, max_concurrent).await
            }
        }
        .instrument(span)
        .await
    }
}
