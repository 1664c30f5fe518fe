//! State shared between the sandbox thread and its host functions, and the blocking bridge
//! from synchronous JavaScript calls to the async [`SubcallHandler`].

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::truncate::OutputBuffer;
use crate::{SandboxLimits, SubcallHandler, SubcallRecord};

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

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.signal.subscribe()
    }
}

/// Why a host call of a cancelled cell failed.
const CANCELLED: &str = "the cell was cancelled";

/// What the current cell has produced so far.
#[derive(Debug)]
pub(crate) struct CellState {
    pub(crate) output: OutputBuffer,
    pub(crate) final_answer: Option<String>,
    pub(crate) subcalls: Vec<SubcallRecord>,
}

/// Everything host functions need, owned by the sandbox thread.
pub(crate) struct Host {
    pub(crate) handler: Arc<dyn SubcallHandler>,
    pub(crate) handle: Handle,
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
    pub(crate) reserved: Vec<&'static str>,
    /// Set while jobs a stopped cell left queued are discarded: JavaScript is interrupted at
    /// once and host calls fail.
    pub(crate) discarding: Cell<bool>,
    /// Cancels the running cell; a never-triggered signal between cells.
    pub(crate) cancel: RefCell<Arc<Shutdown>>,
}

impl Host {
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

    /// Runs a handler future to completion on this (non-tokio) thread, bounded by the host
    /// call timeout and cancelled by shutdown. Time spent here does not count as CPU time.
    pub(crate) fn block_on<T>(
        &self,
        future: impl Future<Output = T>,
    ) -> (Result<T, String>, Duration) {
        let started = Instant::now();
        if self.shutdown.is_triggered() {
            return (
                Err("the sandbox is shutting down".to_owned()),
                Duration::ZERO,
            );
        }
        if self.is_cancelled() || self.discarding.get() {
            return (Err(CANCELLED.to_owned()), Duration::ZERO);
        }
        let limit = self.limits.host_call_timeout;
        let mut stop = self.shutdown.subscribe();
        let mut cancel = self.cancel.borrow().subscribe();
        let result = self.handle.block_on(async move {
            tokio::select! {
                result = tokio::time::timeout(limit, future) => {
                    result.map_err(|_| format!("the call timed out after {} s", limit.as_secs_f64()))
                }
                _ = stop.wait_for(|stopped| *stopped) => Err("the sandbox is shutting down".to_owned()),
                _ = cancel.wait_for(|cancelled| *cancelled) => Err(CANCELLED.to_owned()),
            }
        });
        let elapsed = started.elapsed();
        if let Some(deadline) = self.deadline.get() {
            self.deadline.set(deadline.checked_add(elapsed));
        }
        (result, elapsed)
    }

    /// Appends a line of output.
    pub(crate) fn print(&self, line: &str) {
        let mut cell = self.cell.borrow_mut();
        cell.output.push(line);
        cell.output.push("\n");
    }
}
