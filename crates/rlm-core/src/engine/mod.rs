//! One run at one depth: the iteration loop. Call the root model with the whole history (compacted
//! first when it grows too large: `compact`), store its turn, run every code block in order
//! (`cells`), feed the outputs back as one user turn, and stop when an answer is given (`finish`).
//! `records` builds the trajectory records.
//!
//! The history only grows between compactions, and what changes from turn to turn (the budget line)
//! is only ever in the newest user message: each request's messages start with the previous
//! request's messages, byte for byte, so a provider's prompt cache serves every earlier turn. The
//! run's model calls carry the prompt-cache hint (see [`crate::RlmBuilder::prompt_cache`]).

mod cells;
mod compact;
mod finish;
mod records;
mod turn;

pub(crate) use records::millis;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{CompletionRequest, LlmClient, Message, PromptCache, Usage};
use rlm_prompts::{ContextMetadata, PromptParams, SubModelInfo, ToolInfo};
use rlm_repl::Sandbox;
use tracing::Instrument;

use crate::answer::Finish;
use crate::history::History;
use crate::parse;
use crate::run::RunShared;
use crate::trajectory::RetryRecord;
use crate::{Event, PartialRun, RlmError};

/// Who is running and on what.
#[derive(Debug)]
pub(crate) struct RunSpec<'a> {
    pub(crate) depth: usize,
    pub(crate) run_id: u64,
    pub(crate) parent_run_id: Option<u64>,
    pub(crate) query: &'a str,
    /// The sub-model a child run uses as its model (`None`: the default one; the root uses the root
    /// model).
    pub(crate) model: Option<String>,
    pub(crate) metadata: ContextMetadata,
}

/// How a run ended with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunOutcome {
    pub(crate) answer: String,
    /// Iterations of the loop (the final-answer request is not counted).
    pub(crate) iterations: usize,
    /// Whether the model finished on its own or the final-answer request gave the answer.
    pub(crate) finished: Finish,
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
    let run_id = spec.run_id;
    let result = async {
        let (client, entry) = shared
            .model_client(depth, spec.model.as_deref())
            .map_err(RlmError::Config)?;
        shared.events.emit(&Event::RunStarted {
            depth,
            run_id,
            parent_run_id: spec.parent_run_id,
            model: client.model().to_owned(),
        });
        let window = entry.window;
        let mut engine = Engine::new(shared, sandbox, spec, client, window);
        engine.run().await
    }
    .instrument(span)
    .await;
    shared.events.emit(&Event::RunFinished {
        depth,
        run_id,
        iterations: result.as_ref().map_or(0, |o| o.iterations),
        answered: result.is_ok(),
        forced: result.as_ref().is_ok_and(|o| o.finished == Finish::Forced),
        error: result.as_ref().err().map(ToString::to_string),
        duration: started.elapsed(),
    });
    result
}

/// The state of one run's loop.
struct Engine<'a> {
    shared: &'a Arc<RunShared>,
    sandbox: &'a Sandbox,
    spec: RunSpec<'a>,
    client: Arc<dyn LlmClient>,
    /// Input-token window of the run's model, when known.
    window: Option<u64>,
    params: PromptParams,
    history: History,
    consecutive_errors: usize,
    /// The iteration in progress (`max_iterations + 1` during the final-answer request).
    iteration: usize,
    /// The prompt-cache hint of this run's model calls (`None` when prompt caching is off).
    cache: Option<PromptCache>,
    /// When the iteration in progress started.
    iteration_started: Instant,
}

/// One model reply.
struct Reply {
    text: String,
    usage: Usage,
    elapsed: Duration,
    /// Retries of the call.
    retries: Vec<RetryRecord>,
}

impl<'a> Engine<'a> {
    fn new(
        shared: &'a Arc<RunShared>,
        sandbox: &'a Sandbox,
        spec: RunSpec<'a>,
        client: Arc<dyn LlmClient>,
        window: Option<u64>,
    ) -> Self {
        let settings = &shared.settings;
        let subs = &settings.subs;
        let sub_models: Vec<SubModelInfo> = subs
            .by_name
            .values()
            .map(|entry| {
                SubModelInfo::new(&entry.name, &entry.description, entry.prompt_chars)
                    .with_default(entry.name == subs.default)
            })
            .collect();
        let params = PromptParams::default()
            .with_depth(spec.depth)
            .with_max_depth(settings.max_depth)
            .with_max_iterations(settings.max_iterations)
            .with_max_concurrent(settings.max_concurrent)
            .with_batch_concurrency(settings.sandbox_limits.batch_concurrency)
            .with_sub_model_chars(
                subs.default_entry()
                    .map_or(crate::models::DEFAULT_SUB_PROMPT_CHARS, |e| e.prompt_chars),
            )
            .with_output_cap_chars(settings.sandbox_limits.output_cap_chars)
            .with_sub_models(sub_models)
            .with_tools(
                settings
                    .tools
                    .iter()
                    .map(|t| ToolInfo::new(t.name(), t.description()).with_arguments(t.arguments()))
                    .collect(),
            );
        let mut history = History::new();
        history.push(Message::system(settings.prompts.system(&params)));
        history.push(Message::user(format!(
            "{}\n\n{}",
            settings.prompts.context_metadata(&spec.metadata),
            settings.prompts.first_turn(spec.query, &params)
        )));
        let cache = settings
            .prompt_cache
            .then(|| PromptCache::new().with_key(shared.cache_key(spec.run_id)));
        Self {
            shared,
            sandbox,
            spec,
            client,
            window,
            params,
            history,
            consecutive_errors: 0,
            iteration: 0,
            cache,
            iteration_started: Instant::now(),
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
                    finished: Finish::Final,
                });
            }
        }
        let span = tracing::info_span!("final_request", depth = self.spec.depth);
        self.final_request(max + 1).instrument(span).await
    }

    /// Calls the run's model with `messages` (a budget that is used up, or a failure after the
    /// retries, ends the run). The reply is streamed; with `live` its text is reported as
    /// [`Event::RootDelta`]s as it arrives.
    async fn complete(&self, messages: Vec<Message>, live: bool) -> Result<Reply, RlmError> {
        let budget = &self.shared.budget;
        if let Err(limit) = budget.check_call() {
            return Err(limit.into_error(budget.partial()));
        }
        let started = Instant::now();
        let mut request = CompletionRequest::new(messages);
        request.cache.clone_from(&self.cache);
        let streamed = async {
            let stream = self.client.complete_stream(request).await?;
            rlm_client::collect_stream(stream, |text| {
                if live {
                    self.shared.events.emit(&Event::RootDelta {
                        depth: self.spec.depth,
                        run_id: self.spec.run_id,
                        iteration: self.iteration,
                        text: text.to_owned(),
                    });
                }
            })
            .await
        };
        let (streamed, retries) = crate::trace::traced(self.shared.started, streamed).await;
        let completion = match streamed {
            Ok(completion) => completion,
            Err(source) => {
                return Err(budget.limit_error().unwrap_or(RlmError::Provider {
                    source,
                    partial: PartialRun::boxed(budget.partial()),
                }));
            }
        };
        Ok(Reply {
            text: completion.text,
            usage: completion.usage,
            elapsed: started.elapsed(),
            retries,
        })
    }

    /// Calls the model with the whole history and stores its reply.
    async fn call_model(&mut self) -> Result<Reply, RlmError> {
        let reply = self
            .complete(self.history.messages().to_vec(), true)
            .await?;
        self.history.push(Message::assistant(reply.text.clone()));
        if self.is_root() {
            self.shared.budget.set_partial_reply(&reply.text);
        }
        Ok(reply)
    }

    /// One iteration; `Some(answer)` when the run is over.
    async fn iteration(&mut self, iteration: usize) -> Result<Option<String>, RlmError> {
        let settings = &self.shared.settings;
        self.iteration = iteration;
        self.shared.events.emit(&Event::IterationStarted {
            depth: self.spec.depth,
            run_id: self.spec.run_id,
            iteration,
            max: settings.max_iterations,
        });
        let started = Instant::now();
        self.iteration_started = started;
        self.compact_if_needed(iteration).await?;
        let messages = self.history.take_new();
        let reply = self.call_model().await?;
        let blocks = parse::code_blocks(&reply.text);
        for (index, code) in blocks.iter().enumerate() {
            self.shared.events.emit(&Event::CodeBlockReady {
                depth: self.spec.depth,
                run_id: self.spec.run_id,
                iteration,
                index,
                of: blocks.len(),
                code: code.clone(),
            });
        }
        let mut outcome = self.run_cells(&blocks).await?;
        if outcome.answer.is_none() {
            outcome.answer = self
                .answer_from_text(&reply.text, &mut outcome.feedback)
                .await;
        }
        self.shared.record(self.iteration_record(
            iteration,
            messages,
            &reply,
            &blocks,
            &mut outcome,
        ));
        self.shared.events.emit(&Event::IterationFinished {
            depth: self.spec.depth,
            run_id: self.spec.run_id,
            iteration,
            cells: outcome.cells.len(),
            failed_cells: outcome.cells.iter().filter(|c| c.error.is_some()).count(),
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
        let next = self.next_turn(iteration, blocks.is_empty(), outcome.feedback);
        self.history.push(Message::user(next));
        Ok(None)
    }
}
