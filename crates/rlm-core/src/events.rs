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
    /// A run (root or child) ended.
    RunFinished {
        /// Depth of the run.
        depth: usize,
        /// Iterations it made.
        iterations: usize,
        /// Whether it ended with an answer.
        answered: bool,
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
