//! Progress events for displays: iterations and sub-calls as they start and finish.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use rlm_repl::SubcallKind;

/// Something that happened during a run. Depth 0 is the root run; child runs report their own depth.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A root-model iteration is about to call the model.
    IterationStarted {
        /// Depth of the run.
        depth: usize,
        /// Iteration number, from 1.
        iteration: usize,
        /// `max_iterations` of the run.
        max: usize,
    },
    /// An iteration finished (its code cells ran).
    IterationFinished {
        /// Depth of the run.
        depth: usize,
        /// Iteration number, from 1.
        iteration: usize,
        /// Code blocks run in this iteration.
        cells: usize,
        /// Cells that ended with an error.
        failed_cells: usize,
        /// Whether this iteration produced the answer.
        answered: bool,
        /// Wall-clock time of the iteration.
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
    /// One item of a sub-call (or batch) finished.
    SubcallFinished {
        /// Depth of the run whose code made the call.
        depth: usize,
        /// Items finished so far.
        done: usize,
        /// Items in this call.
        total: usize,
        /// Items that failed so far.
        failed: usize,
    },
    /// A model call at `depth` cannot start yet: the client-side requests- or tokens-per-minute limit
    /// holds it back.
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
        wait: Duration,
        /// Why the attempt failed, on one line.
        error: String,
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
        /// Iterations it made.
        iterations: usize,
        /// Whether it ended with an answer.
        answered: bool,
        /// Whether that answer was forced (the turns ran out).
        forced: bool,
        /// Wall-clock time of the run.
        duration: Duration,
    },
}

/// An event callback.
pub(crate) type EventCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// A shareable event callback.
#[derive(Clone, Default)]
pub(crate) struct EventSink(Option<EventCallback>);

impl EventSink {
    /// A sink calling `callback` for every event.
    pub(crate) fn new(callback: EventCallback) -> Self {
        Self(Some(callback))
    }

    /// Delivers `event` to the callback, if any.
    pub(crate) fn emit(&self, event: &Event) {
        if let Some(callback) = &self.0 {
            callback(event);
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "EventSink(callback)"
        } else {
            "EventSink(none)"
        })
    }
}
