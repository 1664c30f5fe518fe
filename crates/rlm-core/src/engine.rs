//! One run at one depth: the iteration loop. Call the root model with the whole history, store its turn,
//! run every code block in order, feed the outputs back as one user turn, stop when an answer is given.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{CompletionRequest, LlmClient, Message};
use rlm_prompts::{ContextMetadata, PromptParams};
use rlm_repl::{CellResult, Sandbox, SandboxConfig, truncate_middle};
use tracing::Instrument;

use crate::handler::Handler;
use crate::history::History;
use crate::parse::{self, Final};
use crate::run::RunShared;
use crate::trajectory::{CellRecord, ChildRunRecord, IterationRecord, TrajectoryRecord};
use crate::{Context, Event, PartialRun, RlmError};

/// Longest `rlm_query` prompt that is also used as the child's query; longer prompts get
/// [`CHILD_QUERY`] and stay in the child's `context` only.
const CHILD_QUERY_MAX_CHARS: usize = 4_000;

/// The query of a child run whose prompt is too long to repeat.
const CHILD_QUERY: &str = "The context holds a request from another model, with the material it needs. \
Carry out the request and answer it.";

/// What the model is told when `FINAL` / `FINAL_VAR` from code gave an empty answer.
const EMPTY_FROM_CODE: &str = "FINAL / FINAL_VAR was called from code with an empty value, so it is \
not an answer. Compute the answer first, then finish with it.";

/// What the model is told when `FINAL(...)` in its reply holds only spaces.
const EMPTY_FINAL: &str = "FINAL(...) holds no text, so it is not an answer. Give the answer inside \
the parentheses.";

/// Whether an answer is empty or whitespace only: such an answer does not end the run.
fn is_blank(answer: &str) -> bool {
    answer.trim().is_empty()
}

/// Who is running and on what.
#[derive(Debug)]
pub(crate) struct RunSpec<'a> {
    pub(crate) depth: usize,
    pub(crate) run_id: u64,
    pub(crate) parent_run_id: Option<u64>,
    pub(crate) query: &'a str,
    pub(crate) metadata: ContextMetadata,
}

/// How a run ended with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunOutcome {
    pub(crate) answer: String,
    /// Iterations of the loop (the final-answer request is not counted).
    pub(crate) iterations: usize,
}

/// Runs the loop of one run in `sandbox` (whose context is already loaded).
pub(crate) async fn run(
    shared: &Arc<RunShared>,
    sandbox: &Sandbox,
    spec: RunSpec<'_>,
) -> Result<RunOutcome, RlmError> {
    let span = tracing::info_span!("rlm_run", depth = spec.depth, run_id = spec.run_id);
    let started = Instant::now();
    let depth = spec.depth;
    let result = async {
        let Some(client) = shared.model_client(depth) else {
            return Err(RlmError::Config(format!(
                "no model client for depth {depth}"
            )));
        };
        let mut engine = Engine::new(shared, sandbox, spec, client);
        engine.run().await
    }
    .instrument(span)
    .await;
    shared.settings.events.emit(&Event::RunFinished {
        depth,
        iterations: result.as_ref().map_or(0, |o| o.iterations),
        answered: result.is_ok(),
        duration: started.elapsed(),
    });
    result
}

/// Starts a child run at `depth` whose context is `prompt`, in its own sandbox, and returns its answer
/// (or the message the parent's code sees).
pub(crate) async fn run_child(
    shared: Arc<RunShared>,
    depth: usize,
    parent_run_id: u64,
    prompt: String,
) -> Result<String, String> {
    let run_id = shared.next_run_id();
    let context = Context::from(prompt);
    shared.record(TrajectoryRecord::ChildRun(ChildRunRecord {
        run_id,
        parent_run_id,
        depth,
        context_chars: context.chars(),
    }));
    let query = match context.value() {
        rlm_repl::ContextValue::Text(text) if text.chars().count() <= CHILD_QUERY_MAX_CHARS => {
            text.clone()
        }
        _ => CHILD_QUERY.to_owned(),
    };
    let metadata = context.metadata();
    let handler = Arc::new(Handler::new(depth, run_id, Some(Arc::clone(&shared))));
    let config = SandboxConfig {
        limits: shared.settings.sandbox_limits.clone(),
        // `rlm_*` exist whenever sub-calls do; at the depth limit they are plain calls.
        recursive_functions: depth < shared.settings.max_depth,
    };
    let sandbox =
        Sandbox::new(config, handler).map_err(|e| format!("child RLM could not start: {e}"))?;
    sandbox
        .load_context(context.into_value())
        .await
        .map_err(|e| format!("child RLM could not load its context: {e}"))?;
    let spec = RunSpec {
        depth,
        run_id,
        parent_run_id: Some(parent_run_id),
        query: &query,
        metadata,
    };
    run(&shared, &sandbox, spec)
        .await
        .map(|outcome| outcome.answer)
        .map_err(|e| format!("child RLM failed: {e}"))
}

/// The state of one run's loop.
struct Engine<'a> {
    shared: &'a Arc<RunShared>,
    sandbox: &'a Sandbox,
    spec: RunSpec<'a>,
    client: Arc<dyn LlmClient>,
    params: PromptParams,
    history: History,
    consecutive_errors: usize,
}

/// What one iteration's cells and reply produced.
#[derive(Default)]
struct CellsOutcome {
    cells: Vec<CellResult>,
    /// One text per block for the next user turn, plus notes (undefined `FINAL_VAR`).
    feedback: Vec<String>,
    answer: Option<String>,
    duration: Duration,
}

impl<'a> Engine<'a> {
    fn new(
        shared: &'a Arc<RunShared>,
        sandbox: &'a Sandbox,
        spec: RunSpec<'a>,
        client: Arc<dyn LlmClient>,
    ) -> Self {
        let settings = &shared.settings;
        let params = PromptParams::new()
            .with_depth(spec.depth)
            .with_max_depth(settings.max_depth)
            .with_max_iterations(settings.max_iterations)
            .with_max_concurrent(settings.max_concurrent)
            .with_output_cap_chars(settings.sandbox_limits.output_cap_chars);
        let mut history = History::new();
        history.push(Message::system(settings.prompts.system(&params)));
        history.push(Message::user(format!(
            "{}\n\n{}",
            settings.prompts.context_metadata(&spec.metadata),
            settings.prompts.first_turn(spec.query, &params)
        )));
        Self {
            shared,
            sandbox,
            spec,
            client,
            params,
            history,
            consecutive_errors: 0,
        }
    }

    fn is_root(&self) -> bool {
        self.spec.depth == 0
    }

    async fn run(&mut self) -> Result<RunOutcome, RlmError> {
        let max = self.shared.settings.max_iterations;
        for iteration in 1..=max {
            let span = tracing::info_span!("iteration", depth = self.spec.depth, iteration);
            if let Some(answer) = self.iteration(iteration).instrument(span).await? {
                return Ok(RunOutcome {
                    answer,
                    iterations: iteration,
                });
            }
        }
        let span = tracing::info_span!("final_request", depth = self.spec.depth);
        let answer = self.final_request(max + 1).instrument(span).await?;
        Ok(RunOutcome {
            answer,
            iterations: max,
        })
    }

    /// Calls the root model with the whole history and stores its reply.
    async fn call_model(&mut self) -> Result<(String, rlm_client::Usage, Duration), RlmError> {
        let budget = &self.shared.budget;
        if let Err(limit) = budget.check_call() {
            return Err(limit.into_error(budget.partial()));
        }
        let started = Instant::now();
        let request = CompletionRequest::new(self.history.messages().to_vec());
        let completion = match self.client.complete(request).await {
            Ok(completion) => completion,
            Err(source) => {
                return Err(budget.limit_error().unwrap_or(RlmError::Provider {
                    source,
                    partial: PartialRun::boxed(budget.partial()),
                }));
            }
        };
        let elapsed = started.elapsed();
        self.history
            .push(Message::assistant(completion.text.clone()));
        if self.is_root() {
            budget.set_partial_reply(&completion.text);
        }
        Ok((completion.text, completion.usage, elapsed))
    }

    /// One iteration; `Some(answer)` when the run is over.
    async fn iteration(&mut self, iteration: usize) -> Result<Option<String>, RlmError> {
        let settings = &self.shared.settings;
        settings.events.emit(&Event::IterationStarted {
            depth: self.spec.depth,
            iteration,
            max: settings.max_iterations,
        });
        let started = Instant::now();
        let messages = self.history.take_new();
        let (reply, usage, model_time) = self.call_model().await?;
        let blocks = parse::code_blocks(&reply);
        let outcome = self.run_cells(&blocks).await?;
        let mut outcome = outcome;
        if outcome.answer.is_none() {
            outcome.answer = self.answer_from_text(&reply, &mut outcome.feedback).await;
        }
        let failed_cells = outcome.cells.iter().filter(|c| c.error.is_some()).count();
        self.shared
            .record(TrajectoryRecord::Iteration(IterationRecord {
                run_id: self.spec.run_id,
                parent_run_id: self.spec.parent_run_id,
                depth: self.spec.depth,
                iteration,
                final_request: false,
                messages,
                reply: reply.clone(),
                code_blocks: blocks.clone(),
                cells: outcome.cells.iter().map(cell_record).collect(),
                answer: outcome.answer.clone(),
                model_ms: millis(model_time),
                cells_ms: millis(outcome.duration),
                usage,
            }));
        settings.events.emit(&Event::IterationFinished {
            depth: self.spec.depth,
            iteration,
            cells: outcome.cells.len(),
            failed_cells,
            answered: outcome.answer.is_some(),
            duration: started.elapsed(),
        });
        if outcome.answer.is_some() {
            return Ok(outcome.answer);
        }
        if let Some(error) = self.shared.budget.limit_error() {
            return Err(error);
        }
        self.count_errors(&outcome.cells)?;
        let next = if blocks.is_empty() {
            let mut text = settings.prompts.no_code_nudge();
            for note in &outcome.feedback {
                text = format!("{note}\n\n{text}");
            }
            text
        } else {
            let mut parts = outcome.feedback;
            parts.push(
                settings
                    .prompts
                    .turn(self.spec.query, iteration + 1, &self.params),
            );
            parts.join("\n\n")
        };
        self.history.push(Message::user(next));
        Ok(None)
    }

    /// Runs the blocks in order, stopping at the first one that gives an answer.
    async fn run_cells(&mut self, blocks: &[String]) -> Result<CellsOutcome, RlmError> {
        let started = Instant::now();
        let mut outcome = CellsOutcome::default();
        let cap = self.shared.settings.sandbox_limits.output_cap_chars;
        for (index, code) in blocks.iter().enumerate() {
            let cell = self.execute(code).await?;
            let rendered = model_view(&cell, cap);
            if self.is_root()
                && cell.error.is_none()
                && (!cell.stdout.trim().is_empty() || cell.value.is_some())
            {
                self.shared.budget.set_partial_output(&rendered);
            }
            outcome.feedback.push(format!(
                "Code block {} of {}:\n```repl\n{code}\n```\nOutput:\n{rendered}",
                index + 1,
                blocks.len()
            ));
            let answer = cell.final_answer.clone();
            outcome.cells.push(cell);
            match answer {
                Some(answer) if is_blank(&answer) => outcome.feedback.push(EMPTY_FROM_CODE.into()),
                Some(answer) => {
                    outcome.answer = Some(answer);
                    break;
                }
                None => {}
            }
        }
        outcome.duration = started.elapsed();
        Ok(outcome)
    }

    /// Runs one cell under the wall-clock cell limit; a cell that passes it becomes a cell error.
    async fn execute(&self, code: &str) -> Result<CellResult, RlmError> {
        let limit = self.shared.settings.cell_timeout;
        if let Ok(cell) = tokio::time::timeout(limit, self.sandbox.execute(code)).await {
            return Ok(cell?);
        }
        tracing::warn!(?limit, "a cell passed its wall-clock limit");
        Ok(CellResult {
            error: Some(cell_timeout_message(limit)),
            duration: limit,
            ..CellResult::default()
        })
    }

    /// The answer written in the reply text, if any; an undefined `FINAL_VAR` adds a note for the model.
    async fn answer_from_text(&self, reply: &str, feedback: &mut Vec<String>) -> Option<String> {
        match parse::final_answer(reply)? {
            Final::Text(text) if is_blank(&text) => {
                feedback.push(EMPTY_FINAL.into());
                None
            }
            Final::Text(text) => Some(text),
            Final::Var(name) => match self.bounded(self.sandbox.final_var(&name)).await {
                Some(Ok(value)) if is_blank(&value) => {
                    feedback.push(format!(
                        "FINAL_VAR({name}) names a variable whose value is empty, so it is not an \
                         answer. Store the answer in it (or give it with FINAL(...)) and finish again."
                    ));
                    None
                }
                Some(Ok(value)) => Some(value),
                Some(Err(message)) => {
                    tracing::debug!(%name, %message, "FINAL_VAR names no variable; the run continues");
                    let variables = self
                        .bounded(self.sandbox.variables())
                        .await
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    let prompts = &self.shared.settings.prompts;
                    feedback.push(prompts.undefined_final_var(&name, &variables));
                    None
                }
                None => {
                    feedback.push(format!(
                        "FINAL_VAR({name}) could not be read: the sandbox is still busy with a cell \
                         that passed its wall-clock limit of {:?}.",
                        self.shared.settings.cell_timeout
                    ));
                    None
                }
            },
        }
    }

    /// Waits for a sandbox request at most the cell limit (the sandbox may still be busy with a cell
    /// that passed its limit); `None` when it took longer.
    async fn bounded<T>(&self, request: impl Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.shared.settings.cell_timeout, request)
            .await
            .ok()
    }

    /// Counts iterations whose cells all failed; stops the run at the limit.
    fn count_errors(&mut self, cells: &[CellResult]) -> Result<(), RlmError> {
        if cells.is_empty() {
            return Ok(());
        }
        let last_error = cells.iter().rev().find_map(|c| c.error.clone());
        match last_error {
            Some(last_error) if cells.iter().all(|c| c.error.is_some()) => {
                self.consecutive_errors += 1;
                match self.shared.settings.limits.max_consecutive_errors {
                    Some(limit) if self.consecutive_errors >= limit => {
                        Err(RlmError::ConsecutiveErrors {
                            count: self.consecutive_errors,
                            last_error,
                            partial: PartialRun::boxed(self.shared.budget.partial()),
                        })
                    }
                    _ => Ok(()),
                }
            }
            _ => {
                self.consecutive_errors = 0;
                Ok(())
            }
        }
    }

    /// After `max_iterations`: one last call asking for the answer, parsed for `FINAL` / `FINAL_VAR`;
    /// the raw reply only when it has neither (or names an undefined variable).
    async fn final_request(&mut self, iteration: usize) -> Result<String, RlmError> {
        let prompt = self.shared.settings.prompts.final_request(self.spec.query);
        self.history.push(Message::user(prompt));
        let messages = self.history.take_new();
        let (reply, usage, model_time) = self.call_model().await?;
        let mut notes = Vec::new();
        let answer = self
            .answer_from_text(&reply, &mut notes)
            .await
            .unwrap_or_else(|| reply.trim().to_owned());
        self.shared
            .record(TrajectoryRecord::Iteration(IterationRecord {
                run_id: self.spec.run_id,
                parent_run_id: self.spec.parent_run_id,
                depth: self.spec.depth,
                iteration,
                final_request: true,
                messages,
                reply: reply.clone(),
                code_blocks: Vec::new(),
                cells: Vec::new(),
                answer: Some(answer.clone()),
                model_ms: millis(model_time),
                cells_ms: 0,
                usage,
            }));
        Ok(answer)
    }
}

/// The text the model sees for a cell, cut from the middle to `cap` characters. When the sandbox has
/// already cut the printed output (to the same cap, with its own `[... N characters omitted ...]`
/// marker), that output is kept as it is, and only the echoed value and error after it are cut, so the
/// model never sees a second cut through the first one's marker.
fn model_view(cell: &CellResult, cap: usize) -> String {
    if cell.truncated_chars == 0 {
        return truncate_middle(&cell.render(), cap);
    }
    let stdout = cell.stdout.trim_end_matches('\n');
    if cell.value.is_none() && cell.error.is_none() {
        return stdout.to_owned();
    }
    let rest = CellResult {
        stdout: String::new(),
        ..cell.clone()
    };
    format!("{stdout}\n{}", truncate_middle(&rest.render(), cap))
}

/// The error a cell that passed the wall-clock cell limit shows the model.
fn cell_timeout_message(limit: Duration) -> String {
    format!(
        "Error: the cell ran longer than its wall-clock limit of {limit:?} and was stopped; \
         split the work into smaller cells, prefer llm_batch over many sequential llm_query calls"
    )
}

fn cell_record(cell: &CellResult) -> CellRecord {
    CellRecord {
        stdout: cell.stdout.clone(),
        error: cell.error.clone(),
        value: cell.value.clone(),
        final_answer: cell.final_answer.clone(),
        duration_ms: millis(cell.duration),
        subcalls: cell.subcalls.len(),
        failed_subcalls: cell.subcalls.iter().filter(|s| s.error).count(),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_view_cuts_once() {
        let short = CellResult {
            stdout: "abc\n".into(),
            error: Some("E".repeat(50)),
            ..CellResult::default()
        };
        assert_eq!(model_view(&short, 10), truncate_middle(&short.render(), 10));
        let cut = CellResult {
            stdout: "hhhhh\n[... 90 characters omitted ...]\nttttt\n".into(),
            error: Some("E".repeat(50)),
            truncated_chars: 90,
            ..CellResult::default()
        };
        let view = model_view(&cut, 10);
        assert!(
            view.starts_with("hhhhh\n[... 90 characters omitted ...]\nttttt\nEEEEE\n"),
            "{view}"
        );
        assert!(
            view.ends_with("[... 40 characters omitted ...]\nEEEEE"),
            "{view}"
        );
    }
}
