//! State shared between the interpreter and its host functions, and the host-call interface the
//! JavaScript-facing functions use: [`Host::query`], [`Host::batch`] and [`Host::tool`] block the (synchronous)
//! JavaScript thread on the [`Upstream`] (the handler in this process, or the parent of a child
//! process), and keep sub-call time out of the cell's CPU time. This is the one boundary between
//! the interpreter and the rest of rlm.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::request::{HostCall, HostReply};
use crate::truncate::OutputBuffer;
use crate::upstream::{Upstream, cancelled, stopping};
use crate::{
    QueryOptions, SandboxLimits, SubcallError, SubcallErrorKind, SubcallKind, SubcallRecord,
};

/// A one-way stop signal: a flag for the interrupt handler and a signal that cancels a host
/// call blocked on the handler. Used to stop the whole sandbox (dropping it) and to cancel
/// one cell (dropping the future of `Sandbox::execute`).
#[derive(Debug)]
pub(crate) struct Shutdown {
    flag: AtomicBool,
    signal: watch::Sender<bool>,
}

impl Shutdown {
    pub(crate) fn new() -> Self {
        Self {
            flag: AtomicBool::new(false),
            signal: watch::Sender::new(false),
        }
    }

    pub(crate) fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.signal.send_replace(true);
    }

    pub(crate) fn is_triggered(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<bool> {
        self.signal.subscribe()
    }
}

/// What the current cell has produced so far.
#[derive(Debug)]
pub(crate) struct CellState {
    pub(crate) output: OutputBuffer,
    pub(crate) final_answer: Option<String>,
    pub(crate) subcalls: Vec<SubcallRecord>,
}

/// Everything host functions need, owned by the interpreter's thread.
pub(crate) struct Host {
    upstream: Box<dyn Upstream>,
    pub(crate) shutdown: Arc<Shutdown>,
    pub(crate) limits: SandboxLimits,
    pub(crate) cell: RefCell<CellState>,
    /// When the running cell runs out of CPU time; `None` between cells.
    pub(crate) deadline: Cell<Option<Instant>>,
    /// Set when the interrupt handler stopped the cell for exceeding its CPU time.
    pub(crate) timed_out: Cell<bool>,
    /// Global names that exist before any user code runs.
    pub(crate) baseline: RefCell<HashSet<String>>,
    /// Names reserved for the sandbox's own functions.
    pub(crate) reserved: Vec<String>,
    /// Set while jobs a stopped cell left queued are discarded: JavaScript is interrupted at
    /// once and host calls fail.
    pub(crate) discarding: Cell<bool>,
    /// Cancels the running cell; a never-triggered signal between cells.
    pub(crate) cancel: RefCell<Arc<Shutdown>>,
    /// Whether the model has been told that a cell froze the global object.
    pub(crate) frozen_reported: Cell<bool>,
}

impl Host {
    /// The host of a new sandbox: no cell running, nothing reserved beyond `reserved`.
    pub(crate) fn new(
        upstream: Box<dyn Upstream>,
        shutdown: Arc<Shutdown>,
        limits: SandboxLimits,
        reserved: Vec<String>,
    ) -> Self {
        Self {
            upstream,
            shutdown,
            cell: RefCell::new(CellState {
                output: OutputBuffer::new(0),
                final_answer: None,
                subcalls: Vec::new(),
            }),
            limits,
            deadline: Cell::new(None),
            timed_out: Cell::new(false),
            baseline: RefCell::new(HashSet::new()),
            reserved,
            discarding: Cell::new(false),
            cancel: RefCell::new(Arc::new(Shutdown::new())),
            frozen_reported: Cell::new(false),
        }
    }

    /// Fresh per-cell state.
    pub(crate) fn new_cell(&self) -> CellState {
        CellState {
            output: OutputBuffer::new(self.limits.output_cap_chars),
            final_answer: None,
            subcalls: Vec::new(),
        }
    }

    /// Whether the running cell was cancelled (its `execute` future dropped).
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.borrow().is_triggered()
    }

    /// Whether the interrupt handler should stop JavaScript now.
    pub(crate) fn should_interrupt(&self) -> bool {
        if self.shutdown.is_triggered() || self.is_cancelled() || self.discarding.get() {
            return true;
        }
        match self.deadline.get() {
            Some(deadline) if Instant::now() >= deadline => {
                self.timed_out.set(true);
                true
            }
            _ => false,
        }
    }

    /// One sub-call: the answer or the error, and how long it took. Recorded in the cell's
    /// sub-calls.
    pub(crate) fn query(
        &self,
        kind: SubcallKind,
        prompt: String,
        options: QueryOptions,
    ) -> Result<String, SubcallError> {
        let prompt_chars = prompt.chars().count();
        let call = HostCall::Query {
            kind,
            prompt,
            options,
        };
        let (reply, duration) = self.call(call);
        let result = match reply {
            HostReply::Answer(result) => result,
            HostReply::Failed(e) => Err(e),
            HostReply::Answers(_) => Err(mismatched()),
        };
        self.record(kind, prompt_chars, &result, duration);
        result
    }

    /// A batch of sub-calls, at most `max_concurrent` at a time: one result per prompt, in order.
    pub(crate) fn batch(
        &self,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, SubcallError>> {
        if prompts.is_empty() {
            return Vec::new();
        }
        let count = prompts.len();
        let chars: Vec<usize> = prompts.iter().map(|p| p.chars().count()).collect();
        let call = HostCall::Batch {
            kind,
            prompts,
            max_concurrent,
        };
        let (reply, duration) = self.call(call);
        let mut results = match reply {
            HostReply::Answers(results) => results,
            HostReply::Failed(e) => vec![Err(e); count],
            HostReply::Answer(_) => vec![Err(mismatched()); count],
        };
        results.resize_with(count, || {
            Err(SubcallError::new(
                SubcallErrorKind::Other,
                "the handler returned too few results",
            ))
        });
        results.truncate(count);
        for (result, prompt_chars) in results.iter().zip(chars) {
            self.record(kind, prompt_chars, result, duration);
        }
        results
    }

    /// One host tool call: the JSON text of its result, or why it failed (a result over
    /// [`SandboxLimits::max_tool_result_bytes`] is refused here, whatever the handler did).
    pub(crate) fn tool(&self, name: &str, arguments: String) -> Result<String, SubcallError> {
        let call = HostCall::Tool {
            name: name.to_owned(),
            arguments,
        };
        let cap = self.limits.max_tool_result_bytes;
        match self.call(call).0 {
            HostReply::Answer(Ok(result)) if result.len() > cap => Err(SubcallError::new(
                SubcallErrorKind::TooLarge,
                format!(
                    "the result of {name} is {} bytes of JSON, more than the {cap} a tool result may hold",
                    result.len()
                ),
            )),
            HostReply::Answer(result) => result,
            HostReply::Failed(e) => Err(e),
            HostReply::Answers(_) => Err(mismatched()),
        }
    }

    fn record(
        &self,
        kind: SubcallKind,
        prompt_chars: usize,
        result: &Result<String, SubcallError>,
        duration: Duration,
    ) {
        let response_chars = match result {
            Ok(text) => text.chars().count(),
            Err(e) => e.message().chars().count(),
        };
        self.cell.borrow_mut().subcalls.push(SubcallRecord {
            kind,
            prompt_chars,
            response_chars,
            duration,
            error: result.is_err(),
        });
    }

    /// Makes one host call through the upstream, unless the sandbox is stopping or the cell is
    /// cancelled. The time it takes does not count as CPU time.
    fn call(&self, call: HostCall) -> (HostReply, Duration) {
        if self.shutdown.is_triggered() {
            return (HostReply::Failed(stopping()), Duration::ZERO);
        }
        if self.is_cancelled() || self.discarding.get() {
            return (HostReply::Failed(cancelled()), Duration::ZERO);
        }
        let started = Instant::now();
        let cancel = Arc::clone(&self.cancel.borrow());
        let reply = self.upstream.call(call, &cancel);
        let elapsed = started.elapsed();
        if let Some(deadline) = self.deadline.get() {
            self.deadline.set(deadline.checked_add(elapsed));
        }
        (reply, elapsed)
    }

    /// Appends text to the cell's output.
    pub(crate) fn print_raw(&self, text: &str) {
        self.cell.borrow_mut().output.push(text);
    }
}

/// The error of a reply that does not match its call (a broken upstream).
fn mismatched() -> SubcallError {
    SubcallError::new(
        SubcallErrorKind::Other,
        "the host answered a different kind of call",
    )
}
