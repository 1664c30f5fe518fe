//! One completion running on the shared tokio runtime, and the ways Python waits for it.
//!
//! `RunHandle` (blocking): the run's task sends its events and outcome through a std channel; the
//! calling thread waits on it with the GIL released, waking every [`POLL`] to take the GIL briefly and
//! run Python's signal handlers, so Ctrl-C (`KeyboardInterrupt`) cancels the run and is re-raised.
//! Events are converted to dicts on the calling thread only, so an `on_event` callback runs there and
//! never on a tokio worker.
//!
//! `acompletion` (asyncio): the run is the Rust future of an asyncio future (pyo3-async-runtimes);
//! cancelling the asyncio task drops it, which cancels the run. Events go to the callback through the
//! event loop's `call_soon_threadsafe`, from a blocking-pool thread, all before the result is set.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use rlm::client::PriceTable;
use rlm::{Context, Event, Rlm, RlmAnswer, RlmError, RunCanceller, RunUpdate};

use crate::convert::to_python;
use crate::results::{Answer, Outcome, answer_or_raise};
use crate::runtime::runtime;

/// How often a waiting thread takes the GIL to check for signals.
const POLL: Duration = Duration::from_millis(50);

/// How long a cancelled run may take to stop before the waiting thread gives up on it.
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// What the run's task sends to the waiting thread.
enum Update {
    Event(Event),
    Done(Box<Result<RlmAnswer, RlmError>>),
}

/// What one wait on the channel gave.
enum Received {
    Update(Update),
    Nothing,
    Closed,
}

/// A completion in progress: iterate it for its events (dicts), call `result()` for the answer.
#[pyclass(frozen, name = "Run", module = "rlm_rs._native")]
pub(crate) struct RunHandle {
    updates: Mutex<mpsc::Receiver<Update>>,
    canceller: RunCanceller,
    prices: Arc<PriceTable>,
    finished: Mutex<Option<PyResult<Py<Answer>>>>,
}

/// Starts `context`/`query` on the runtime; events are sent only when `events` is true.
pub(crate) fn start(
    rlm: &Rlm,
    context: Context,
    query: &str,
    prices: Arc<PriceTable>,
    events: bool,
) -> RunHandle {
    let (sender, receiver) = mpsc::channel();
    let runtime = runtime();
    let _entered = runtime.enter();
    let mut stream = rlm.stream(context, query);
    let canceller = stream.canceller();
    runtime.spawn(async move {
        while let Some(update) = stream.next().await {
            let update = match update {
                RunUpdate::Event(event) if events => Update::Event(event),
                RunUpdate::Answer(answer) => Update::Done(Box::new(Ok(*answer))),
                RunUpdate::Failed(error) => Update::Done(Box::new(Err(*error))),
                _ => continue,
            };
            let done = matches!(update, Update::Done(_));
            // A closed channel means the handle is gone: returning drops the stream, which cancels
            // the run.
            if sender.send(update).is_err() || done {
                return;
            }
        }
    });
    RunHandle {
        updates: Mutex::new(receiver),
        canceller,
        prices,
        finished: Mutex::new(None),
    }
}

impl RunHandle {
    /// Waits up to `timeout` for the next update with the GIL released.
    fn receive(&self, py: Python<'_>, timeout: Duration) -> PyResult<Received> {
        py.detach(|| {
            let updates = self.updates.lock().map_err(|_| poisoned())?;
            Ok(match updates.recv_timeout(timeout) {
                Ok(update) => Received::Update(update),
                Err(RecvTimeoutError::Timeout) => Received::Nothing,
                Err(RecvTimeoutError::Disconnected) => Received::Closed,
            })
        })
    }

    /// The next event, or `None` once the run has finished (its outcome is then kept). A signal
    /// handler's exception (KeyboardInterrupt) cancels the run and is returned.
    fn next_event(&self, py: Python<'_>) -> PyResult<Option<Event>> {
        if self.is_finished()? {
            return Ok(None);
        }
        loop {
            match self.receive(py, POLL)? {
                Received::Update(Update::Event(event)) => return Ok(Some(event)),
                Received::Update(Update::Done(outcome)) => {
                    self.finish(py, *outcome)?;
                    return Ok(None);
                }
                Received::Nothing => {
                    if let Err(interrupt) = py.check_signals() {
                        self.cancel_and_wait(py)?;
                        return Err(interrupt);
                    }
                }
                Received::Closed => {
                    self.keep(Err(PyRuntimeError::new_err(
                        "the run stopped without an outcome (its task ended)",
                    )))?;
                    return Ok(None);
                }
            }
        }
    }

    fn is_finished(&self) -> PyResult<bool> {
        Ok(self.finished.lock().map_err(|_| poisoned())?.is_some())
    }

    fn keep(&self, outcome: PyResult<Py<Answer>>) -> PyResult<()> {
        *self.finished.lock().map_err(|_| poisoned())? = Some(outcome);
        Ok(())
    }

    fn finish(&self, py: Python<'_>, outcome: Result<RlmAnswer, RlmError>) -> PyResult<()> {
        self.keep(answer_or_raise(py, outcome, &self.prices))
    }

    /// Cancels the run and waits (at most [`CANCEL_GRACE`], signals not checked) for it to stop.
    fn cancel_and_wait(&self, py: Python<'_>) -> PyResult<()> {
        self.canceller.cancel();
        let deadline = Instant::now() + CANCEL_GRACE;
        while !self.is_finished()? {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.receive(py, left.min(POLL))? {
                Received::Update(Update::Done(outcome)) => self.finish(py, *outcome)?,
                Received::Update(Update::Event(_)) | Received::Nothing => {}
                Received::Closed => break,
            }
        }
        Ok(())
    }
}

fn poisoned() -> PyErr {
    PyRuntimeError::new_err("a lock of the run is poisoned (a thread panicked)")
}

#[pymethods]
impl RunHandle {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next event as a dict tagged by `"event"` (docs/EVENTS.md), waiting for it with the GIL
    /// released; stops when the run has finished.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.next_event(py)? {
            Some(event) => Ok(Some(to_python(py, &event)?)),
            None => Ok(None),
        }
    }

    /// Waits for the end of the run (events not read yet are dropped) and returns its `Answer`, or
    /// raises its exception. Ctrl-C while waiting cancels the run and raises `KeyboardInterrupt`.
    fn result(&self, py: Python<'_>) -> PyResult<Py<Answer>> {
        while self.next_event(py)?.is_some() {}
        let finished = self.finished.lock().map_err(|_| poisoned())?;
        match finished.as_ref() {
            Some(Ok(answer)) => Ok(answer.clone_ref(py)),
            Some(Err(error)) => Err(error.clone_ref(py)),
            None => Err(PyRuntimeError::new_err("the run has not finished")),
        }
    }

    /// Asks the run to stop: calls in flight are dropped, and `result()` raises `CancelledError`
    /// with the partial run.
    fn cancel(&self) {
        self.canceller.cancel();
    }

    /// Whether the outcome has been received.
    #[getter]
    fn done(&self) -> PyResult<bool> {
        self.is_finished()
    }
}

impl Drop for RunHandle {
    fn drop(&mut self) {
        self.canceller.cancel();
    }
}

/// Sends each event to `callback` on `event_loop` (`call_soon_threadsafe`), from the blocking pool;
/// ends when the sender is dropped.
fn forward_events(
    event_loop: Py<PyAny>,
    callback: Py<PyAny>,
) -> (mpsc::Sender<Event>, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel::<Event>();
    let forwarder = runtime().spawn_blocking(move || {
        for event in receiver {
            Python::attach(|py| {
                let delivered = to_python(py, &event).and_then(|event| {
                    event_loop
                        .bind(py)
                        .call_method1("call_soon_threadsafe", (callback.bind(py), event))
                });
                // A closed event loop cannot take events any more; the run goes on regardless.
                drop(delivered);
            });
        }
    });
    (sender, forwarder)
}

/// The asyncio future of a completion, resolving to an `Outcome`.
pub(crate) fn acompletion(
    py: Python<'_>,
    rlm: Rlm,
    context: Context,
    query: String,
    prices: Arc<PriceTable>,
    on_event: Option<Py<PyAny>>,
) -> PyResult<Bound<'_, PyAny>> {
    let locals = pyo3_async_runtimes::tokio::get_current_locals(py)?;
    let events = on_event.map(|callback| forward_events(locals.event_loop(py).unbind(), callback));
    pyo3_async_runtimes::tokio::future_into_py_with_locals(py, locals, async move {
        let (sender, forwarder) = match events {
            Some((sender, forwarder)) => (Some(sender), Some(forwarder)),
            None => (None, None),
        };
        let mut stream = rlm.stream(context, &query);
        let mut outcome = None;
        while let Some(update) = stream.next().await {
            match update {
                RunUpdate::Event(event) => {
                    if let Some(sender) = &sender {
                        let _closed = sender.send(event);
                    }
                }
                RunUpdate::Answer(answer) => outcome = Some(Ok(*answer)),
                RunUpdate::Failed(error) => outcome = Some(Err(*error)),
                _ => {}
            }
        }
        // Every event is scheduled on the loop before the result is.
        drop(sender);
        if let Some(forwarder) = forwarder {
            let _panicked = forwarder.await;
        }
        match outcome {
            Some(outcome) => Ok(Outcome::new(outcome, prices)),
            None => Err(PyRuntimeError::new_err(
                "the run stopped without an outcome",
            )),
        }
    })
}
