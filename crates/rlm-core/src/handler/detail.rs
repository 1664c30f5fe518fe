//! Reporting each sub-call item as it finishes: the [`Event::SubcallFinished`] event (`Tally`), and
//! the [`SubcallDetail`] kept for the cell's trajectory record (`Answered`, `Handler::log`).

use std::time::Instant;

use rlm_client::Usage;
use rlm_repl::{SubcallError, SubcallKind};

use super::Handler;
use crate::Event;
use crate::run::RunShared;
use crate::trajectory::{
    PROMPT_EXCERPT_CHARS, RESPONSE_EXCERPT_CHARS, RetryRecord, SubcallDetail, excerpt,
};

/// The JavaScript function behind a call of `kind`, one prompt or a batch.
pub(super) fn function_name(kind: SubcallKind, batch: bool) -> &'static str {
    match (kind, batch) {
        (SubcallKind::Rlm, false) => "rlm_query",
        (SubcallKind::Rlm, true) => "rlm_batch",
        (_, false) => "llm_query",
        (_, true) => "llm_batch",
    }
}

/// The bounded start of a prompt and its full length, taken before the prompt is sent away.
pub(super) struct PromptExcerpt {
    text: String,
    chars: usize,
}

impl PromptExcerpt {
    pub(super) fn of(prompt: &str) -> Self {
        Self {
            text: excerpt(prompt, PROMPT_EXCERPT_CHARS),
            chars: prompt.chars().count(),
        }
    }
}

/// One item of a call, finished (answered, failed or refused).
pub(super) struct Answered {
    pub(super) model: String,
    pub(super) started: Instant,
    pub(super) ended: Instant,
    pub(super) usage: Usage,
    pub(super) retries: Vec<RetryRecord>,
    pub(super) child_run_id: Option<u64>,
    pub(super) result: Result<String, SubcallError>,
}

impl Answered {
    /// An item of `model` that started at `started` and just ended with `result`.
    pub(super) fn new(model: &str, started: Instant, result: Result<String, SubcallError>) -> Self {
        Self {
            model: model.to_owned(),
            started,
            ended: Instant::now(),
            usage: Usage::default(),
            retries: Vec::new(),
            child_run_id: None,
            result,
        }
    }

    /// An item refused before any call (no room, no such model, too large, no sub-calls here).
    pub(super) fn refused(model: &str, started: Instant, error: SubcallError) -> Self {
        Self::new(model, started, Err(error))
    }
}

/// The shape of one call: which function, which batch, how many items.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    pub(super) function: &'static str,
    pub(super) batch: Option<u64>,
    pub(super) of: usize,
}

impl Handler {
    /// Keeps the detail of item `index` of a call of `shape` for the cell record of this run.
    pub(super) fn log(
        &self,
        shared: &RunShared,
        shape: Shape,
        index: usize,
        prompt: PromptExcerpt,
        answered: &Answered,
    ) {
        let (response, response_chars, error) = match &answered.result {
            Ok(text) => (
                Some(excerpt(text, RESPONSE_EXCERPT_CHARS)),
                text.chars().count(),
                None,
            ),
            Err(e) => (None, 0, Some(e.message().to_owned())),
        };
        shared.log_subcall(
            self.run_id,
            SubcallDetail {
                function: shape.function.to_owned(),
                batch: shape.batch,
                index,
                of: shape.of,
                model: answered.model.clone(),
                prompt: prompt.text,
                prompt_chars: prompt.chars,
                response,
                response_chars,
                error,
                started_ms: shared.offset_ms(answered.started),
                duration_ms: crate::engine::millis(
                    answered.ended.saturating_duration_since(answered.started),
                ),
                usage: answered.usage,
                retries: answered.retries.clone(),
                child_run_id: answered.child_run_id,
            },
        );
    }
}

/// The items of one sub-call (or batch) finished so far; reports each as [`Event::SubcallFinished`].
pub(super) struct Tally {
    pub(super) depth: usize,
    pub(super) total: usize,
    pub(super) done: usize,
    pub(super) failed: usize,
    pub(super) started: Instant,
}

impl Tally {
    /// Counts item `index`, answered by `model` with `usage` tokens, and reports it.
    pub(super) fn finished(
        &mut self,
        shared: &RunShared,
        index: usize,
        model: &str,
        usage: Usage,
        result: &Result<String, SubcallError>,
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
