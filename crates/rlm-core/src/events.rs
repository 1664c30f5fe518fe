//! Run events: what happened during a run, as it happens (iterations, the root model's text as it
//! streams, code blocks and their output, sub-calls as each finishes, tool calls, usage), and the sink that
//! delivers them to the `on_event` callback and to a [`crate::RunStream`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rlm_client::Usage;
use serde::{Serialize, Serializer};
use tokio::sync::mpsc::UnboundedSender;

pub use rlm_repl::SubcallKind;

use crate::stream::RunUpdate;

/// Something that happened during a run. Depth 0 is the root run; child runs report their own depth
/// and run id (the top-level run is id 0).
///
/// Serialized (for `rlm run --events`) as an object tagged `"event"` in snake case, durations as
/// `*_ms` integers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A run (the top-level run, or a child run started by `rlm_query` / `rlm_batch`) started.
    RunStarted {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Id of the run whose code started it (`None` for the top-level run).
        parent_run_id: Option<u64>,
        /// The model the run's loop calls.
        model: String,
    },
    /// A root-model iteration is about to call the model.
    IterationStarted {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iteration number, from 1 (`max + 1` is the final-answer request).
        iteration: usize,
        /// `max_iterations` of the run.
        max: usize,
    },
    /// The next piece of the run's model reply, as it streams in.
    RootDelta {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iteration number.
        iteration: usize,
        /// The text.
        text: String,
    },
    /// The reply is complete and holds this code block, about to run.
    CodeBlockReady {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iteration number.
        iteration: usize,
        /// Position of the block in the reply, from 0.
        index: usize,
        /// Blocks in the reply.
        of: usize,
        /// The code.
        code: String,
    },
    /// A code block ran.
    CellFinished {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iteration number.
        iteration: usize,
        /// Position of the block in the reply, from 0.
        index: usize,
        /// The cell's output as the model will see it (cut to the output cap).
        output: String,
        /// The error that ended the cell.
        error: Option<String>,
        /// Answer given with `FINAL` / `FINAL_VAR` from the code.
        final_answer: Option<String>,
        /// Wall-clock time of the cell.
        #[serde(rename = "duration_ms", serialize_with = "as_millis")]
        duration: Duration,
    },
    /// An iteration finished (its code cells ran).
    IterationFinished {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iteration number, from 1.
        iteration: usize,
        /// Code blocks run in this iteration.
        cells: usize,
        /// Cells that ended with an error.
        failed_cells: usize,
        /// Whether this iteration produced the answer.
        answered: bool,
        /// Wall-clock time of the iteration.
        #[serde(rename = "duration_ms", serialize_with = "as_millis")]
        duration: Duration,
    },
    /// Code at `depth` started sub-calls (one query, or a batch of `total`).
    SubcallStarted {
        /// Depth of the run whose code made the call.
        depth: usize,
        /// `llm_*` or `rlm_*`.
        kind: SubcallKind,
        /// Items already finished (0 when it starts).
        done: usize,
        /// Items in this call.
        total: usize,
    },
    /// One item of a sub-call (or batch) finished, in completion order.
    SubcallFinished {
        /// Depth of the run whose code made the call.
        depth: usize,
        /// Position of the item in its batch (0 for a single query).
        index: usize,
        /// Items finished so far.
        done: usize,
        /// Items in this call.
        total: usize,
        /// Items that failed so far.
        failed: usize,
        /// The sub-model's name.
        model: String,
        /// Time from the start of the call to this item's result.
        #[serde(rename = "latency_ms", serialize_with = "as_millis")]
        latency: Duration,
        /// Tokens of this item (zero for a child run, whose calls are counted by its own iterations,
        /// and for a refused item).
        usage: Usage,
        /// Why the item failed (the code sees `Error: ...`).
        error: Option<String>,
    },
    /// Code at `depth` called a host tool.
    ToolCallStarted {
        /// Depth of the run whose code made the call.
        depth: usize,
        /// Id of that run.
        run_id: u64,
        /// The tool's name.
        name: String,
    },
    /// A host tool call finished (answered, failed, refused, timed out or cancelled).
    ToolCallFinished {
        /// Depth of the run whose code made the call.
        depth: usize,
        /// Id of that run.
        run_id: u64,
        /// The tool's name.
        name: String,
        /// The start of the JSON array of its arguments (at most
        /// [`crate::PROMPT_EXCERPT_CHARS`] characters).
        arguments_excerpt: String,
        /// Time from the call's start to its result.
        #[serde(rename = "duration_ms", serialize_with = "as_millis")]
        duration: Duration,
        /// Why it failed (the code sees `Error: ...`).
        error: Option<String>,
    },
    /// A model call at `depth` cannot start yet: the client-side requests- or tokens-per-minute limit
    /// holds it back, or (with adaptive concurrency) the provider's rate-limit headers say its quota is
    /// spent.
    RateLimitWait {
        /// Depth whose meter the call is recorded in (0 = the root model).
        depth: usize,
        /// The model.
        model: String,
    },
    /// A model call failed with a transient error and is retried after `wait`.
    Retrying {
        /// Depth whose meter the call is recorded in (0 = the root model).
        depth: usize,
        /// The model.
        model: String,
        /// The attempt that failed (1 = the first).
        attempt: u32,
        /// Wait before the next attempt.
        #[serde(rename = "wait_ms", serialize_with = "as_millis")]
        wait: Duration,
        /// Why the attempt failed, on one line.
        error: String,
    },
    /// The adaptive concurrency limit on sub-calls (shared by every depth and completion of the
    /// `Rlm`, see `RlmBuilder::adaptive_concurrency`) changed after an attempt of a call at `depth`.
    ConcurrencyLimitChanged {
        /// Depth whose meter the call is recorded in.
        depth: usize,
        /// The model of that call.
        model: String,
        /// The limit before.
        previous: usize,
        /// The limit now.
        limit: usize,
    },
    /// A model call finished and was counted: the completion's usage so far, every depth included.
    UsageUpdated {
        /// Tokens of every finished call so far.
        usage: Usage,
        /// Cost so far, when every model used has a price.
        cost_usd: Option<f64>,
    },
    /// The context is about to be loaded into the sandbox.
    ContextLoading {
        /// Bytes of the context's text.
        bytes: usize,
        /// `text` or `json`.
        format: &'static str,
    },
    /// The context is loaded.
    ContextLoaded {
        /// Bytes of the context's text.
        bytes: usize,
        /// How long loading took (for JSON, parsing included).
        #[serde(rename = "duration_ms", serialize_with = "as_millis")]
        duration: Duration,
    },
    /// The older turns of a run were replaced by a summary.
    Compacted {
        /// Depth of the run.
        depth: usize,
        /// The iteration about to call the model.
        iteration: usize,
        /// Estimated tokens of the history before and after.
        tokens_before: u64,
        /// Estimated tokens after.
        tokens_after: u64,
    },
    /// A process sandbox was restarted (a cell overran its CPU limit inside a native built-in, or
    /// the child died): the variables of earlier cells are lost, the contexts were reloaded.
    SandboxRestarted {
        /// Depth of the run.
        depth: usize,
        /// What the model was told.
        note: String,
    },
    /// A run (root or child) ended.
    RunFinished {
        /// Depth of the run.
        depth: usize,
        /// Id of the run.
        run_id: u64,
        /// Iterations it made.
        iterations: usize,
        /// Whether it ended with an answer.
        answered: bool,
        /// Whether that answer was forced (the turns ran out).
        forced: bool,
        /// Why it ended without an answer.
        error: Option<String>,
        /// Wall-clock time of the run.
        #[serde(rename = "duration_ms", serialize_with = "as_millis")]
        duration: Duration,
    },
}

/// Serializes a duration as whole milliseconds.
fn as_millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// An event callback.
pub(crate) type EventCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// Where a completion's events go: the builder's `on_event` callback, and the channel of a
/// [`crate::RunStream`] when the completion is streamed.
#[derive(Clone, Default)]
pub(crate) struct EventSink {
    callback: Option<EventCallback>,
    updates: Option<UnboundedSender<RunUpdate>>,
}

impl EventSink {
    /// A sink calling `callback` for every event.
    pub(crate) fn new(callback: EventCallback) -> Self {
        Self {
            callback: Some(callback),
            updates: None,
        }
    }

    /// This sink, also sending every event and trajectory line to `updates`.
    pub(crate) fn with_updates(&self, updates: Option<UnboundedSender<RunUpdate>>) -> Self {
        Self {
            callback: self.callback.clone(),
            updates,
        }
    }

    /// Delivers `event` to the callback and the stream, if any.
    pub(crate) fn emit(&self, event: &Event) {
        if let Some(callback) = &self.callback {
            callback(event);
        }
        self.send(|| RunUpdate::Event(event.clone()));
    }

    /// Sends an update to the stream, if the completion is streamed (a stream already dropped is
    /// ignored: its run is being cancelled).
    pub(crate) fn send(&self, update: impl FnOnce() -> RunUpdate) {
        if let Some(updates) = &self.updates {
            let _closed = updates.send(update());
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSink")
            .field("callback", &self.callback.is_some())
            .field("stream", &self.updates.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_tagged_with_durations_in_milliseconds() {
        let event = Event::CellFinished {
            depth: 0,
            run_id: 0,
            iteration: 2,
            index: 1,
            output: "42".into(),
            error: None,
            final_answer: None,
            duration: Duration::from_micros(12_900),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["event"], "cell_finished");
        assert_eq!(json["duration_ms"], 12);
        assert_eq!(json["output"], "42");
        let kind = serde_json::to_value(Event::SubcallStarted {
            depth: 0,
            kind: SubcallKind::Llm,
            done: 0,
            total: 3,
        })
        .unwrap();
        assert_eq!(kind["event"], "subcall_started");
        assert_eq!(kind["total"], 3);
    }
}
