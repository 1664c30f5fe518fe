//! `Handler`: answers the sandbox's sub-calls. `llm_*` go to the sub client (through the resilient, metered,
//! capped stack of the next depth); `rlm_*` start child runs at depth + 1 when the depth allows, else they
//! are plain sub-model calls. Failures and refusals are returned as messages the model sees.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use futures::StreamExt;
use rlm_client::{BatchOptions, BatchProgress, CompletionRequest, Message};
use rlm_repl::{QueryOptions, SubcallHandler, SubcallKind};
use tracing::Instrument;

use crate::Event;
use crate::engine;
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

    fn target(&self) -> Result<Arc<RunShared>, String> {
        self.target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                "no completion is running; sub-calls are only possible during a completion".into()
            })
    }

    /// Whether a call of `kind` starts a child run (else it is a plain sub-model call).
    fn starts_child(&self, shared: &RunShared, kind: SubcallKind) -> bool {
        kind == SubcallKind::Rlm && self.depth + 1 < shared.settings.max_depth
    }

    async fn llm_one(
        &self,
        shared: &RunShared,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, String> {
        let client = shared
            .sub_client(self.depth)
            .ok_or_else(|| self.no_subcalls(shared))?;
        let started = Instant::now();
        let result = client.complete(request(prompt, options)).await;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "sub-call done"
        );
        result.map(|c| c.text).map_err(|e| e.to_string())
    }

    fn no_subcalls(&self, shared: &RunShared) -> String {
        format!(
            "sub-calls are not available at depth {} (max_depth is {})",
            self.depth, shared.settings.max_depth
        )
    }

    async fn child(&self, shared: &Arc<RunShared>, prompt: String) -> Result<String, String> {
        engine::run_child(Arc::clone(shared), self.depth + 1, self.run_id, prompt).await
    }

    fn emit_started(&self, shared: &RunShared, kind: SubcallKind, total: usize) {
        shared.settings.events.emit(&Event::SubcallStarted {
            depth: self.depth,
            kind,
            done: 0,
            total,
        });
    }

    fn emit_finished(&self, shared: &RunShared, progress: BatchProgress) {
        shared.settings.events.emit(&Event::SubcallFinished {
            depth: self.depth,
            done: progress.done,
            total: progress.total,
            failed: progress.failed,
        });
    }
}

/// The request for one sub-call: an optional system message, then the prompt.
fn request(prompt: String, options: QueryOptions) -> CompletionRequest {
    let mut messages = Vec::with_capacity(2);
    if let Some(system) = options.system {
        messages.push(Message::system(system));
    }
    messages.push(Message::user(prompt));
    CompletionRequest {
        messages,
        model: options.model,
        max_tokens: options.max_tokens,
        temperature: options.temperature,
        stop: Vec::new(),
    }
}

#[async_trait]
impl SubcallHandler for Handler {
    async fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, String> {
        let shared = self.target()?;
        let span = tracing::info_span!("subcall", depth = self.depth, kind = ?kind, prompt_chars = prompt.len());
        async {
            if shared.sub_client(self.depth).is_none() {
                return Err(self.no_subcalls(&shared));
            }
            shared
                .budget
                .reserve_subcalls(1)
                .map_err(crate::budget::Tripped::refusal)?;
            self.emit_started(&shared, kind, 1);
            let result = if self.starts_child(&shared, kind) {
                self.child(&shared, prompt).await
            } else {
                self.llm_one(&shared, prompt, options).await
            };
            let failed = usize::from(result.is_err());
            self.emit_finished(
                &shared,
                BatchProgress {
                    done: 1,
                    failed,
                    total: 1,
                },
            );
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
    ) -> Vec<Result<String, String>> {
        let total = prompts.len();
        let shared = match self.target() {
            Ok(shared) => shared,
            Err(message) => return vec![Err(message); total],
        };
        if total == 0 {
            return Vec::new();
        }
        let span = tracing::info_span!("subcall_batch", depth = self.depth, kind = ?kind, total);
        async {
            if shared.sub_client(self.depth).is_none() {
                return vec![Err(self.no_subcalls(&shared)); total];
            }
            if let Err(limit) = shared.budget.reserve_subcalls(total as u64) {
                return vec![Err(limit.refusal()); total];
            }
            self.emit_started(&shared, kind, total);
            let max_concurrent = max_concurrent.clamp(1, shared.settings.max_concurrent);
            if self.starts_child(&shared, kind) {
                self.child_batch(&shared, prompts, max_concurrent).await
            } else {
                self.llm_batch(&shared, prompts, max_concurrent).await
            }
        }
        .instrument(span)
        .await
    }
}

impl Handler {
    async fn llm_batch(
        &self,
        shared: &Arc<RunShared>,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, String>> {
        let total = prompts.len();
        let Some(client) = shared.sub_client(self.depth) else {
            return vec![Err(self.no_subcalls(shared)); total];
        };
        let requests = prompts
            .into_iter()
            .map(|p| request(p, QueryOptions::default()))
            .collect();
        let progress_shared = Arc::clone(shared);
        let depth = self.depth;
        let options = BatchOptions {
            max_concurrent,
            on_progress: Some(Arc::new(move |progress: BatchProgress| {
                progress_shared
                    .settings
                    .events
                    .emit(&Event::SubcallFinished {
                        depth,
                        done: progress.done,
                        total: progress.total,
                        failed: progress.failed,
                    });
            })),
        };
        match rlm_client::batch(&*client, requests, options).await {
            Ok(results) => results
                .into_iter()
                .map(|r| r.map(|c| c.text).map_err(|e| e.to_string()))
                .collect(),
            Err(e) => vec![Err(e.to_string()); total],
        }
    }

    async fn child_batch(
        &self,
        shared: &Arc<RunShared>,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, String>> {
        let total = prompts.len();
        let mut done = 0;
        let mut failed = 0;
        let mut indexed: Vec<(usize, Result<String, String>)> =
            futures::stream::iter(prompts.into_iter().enumerate())
                .map(|(index, prompt)| async move { (index, self.child(shared, prompt).await) })
                .buffer_unordered(max_concurrent)
                .inspect(|(_, result)| {
                    done += 1;
                    failed += usize::from(result.is_err());
                    self.emit_finished(
                        shared,
                        BatchProgress {
                            done,
                            failed,
                            total,
                        },
                    );
                })
                .collect()
                .await;
        indexed.sort_by_key(|(index, _)| *index);
        indexed.into_iter().map(|(_, result)| result).collect()
    }
}
