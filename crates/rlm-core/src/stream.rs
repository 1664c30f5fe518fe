//! `RunStream`: a completion as a stream of [`RunUpdate`]s — run events as they happen, the trajectory
//! line by line as each record is complete, then the answer or the failure. The stream owns the run:
//! polling it drives the run, dropping it cancels the run, [`RunStream::cancel`] stops it cleanly
//! (the last update is then [`RunUpdate::Failed`] with [`RlmError::Cancelled`] and the partial run).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, Stream};
use tokio::sync::{mpsc, watch};

use crate::trajectory::{RunMetadata, TrajectoryRecord};
use crate::{Event, RlmAnswer, RlmError};

/// One update of a streamed completion.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunUpdate {
    /// Something happened.
    Event(Event),
    /// Line 1 of the trajectory, sent once the context is loaded.
    Metadata(RunMetadata),
    /// The next line of the trajectory, sent when the record is complete.
    Record(TrajectoryRecord),
    /// The run answered: the last update.
    Answer(Box<RlmAnswer>),
    /// The run failed (the error carries the partial run when it had started): the last update.
    Failed(Box<RlmError>),
}

/// Stops a streamed run cleanly from anywhere (another task, a signal handler). Cheap to clone.
#[derive(Debug, Clone)]
pub struct RunCanceller(watch::Sender<bool>);

impl RunCanceller {
    /// Asks the run to stop: calls in flight are dropped and the stream ends with
    /// [`RunUpdate::Failed`] holding [`RlmError::Cancelled`].
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

/// Waits until the run is cancelled (never returns if it is not).
#[derive(Debug)]
pub(crate) struct CancelSignal(Option<watch::Receiver<bool>>);

impl CancelSignal {
    /// A signal that never fires (a completion that is not streamed).
    pub(crate) fn never() -> Self {
        Self(None)
    }

    /// Resolves once cancel was asked for.
    pub(crate) async fn cancelled(&mut self) {
        if let Some(receiver) = &mut self.0
            && receiver.wait_for(|asked| *asked).await.is_ok()
        {
            return;
        }
        std::future::pending::<()>().await;
    }
}

/// The update channel and the cancel signal a streamed completion runs with.
pub(crate) struct StreamWiring {
    pub(crate) updates: mpsc::UnboundedSender<RunUpdate>,
    pub(crate) cancel: CancelSignal,
}

/// A completion as a stream of updates; see the module documentation.
///
/// ```no_run
/// # use rlm_core::{Rlm, RunUpdate, Event};
/// use futures::StreamExt;
/// # async fn demo(rlm: Rlm) {
/// let mut run = rlm.stream("a long document ...", "What is the magic number?");
/// while let Some(update) = run.next().await {
///     match update {
///         RunUpdate::Event(Event::RootDelta { text, .. }) => print!("{text}"),
///         RunUpdate::Answer(answer) => println!("\nanswer: {}", answer.answer),
///         RunUpdate::Failed(error) => eprintln!("\nfailed: {error}"),
///         _ => {}
///     }
/// }
/// # }
/// ```
pub struct RunStream {
    run: Option<BoxFuture<'static, Result<RlmAnswer, RlmError>>>,
    updates: mpsc::UnboundedReceiver<RunUpdate>,
    outcome: Option<Result<RlmAnswer, RlmError>>,
    canceller: RunCanceller,
}

impl RunStream {
    /// A stream driving `start(wiring)`.
    pub(crate) fn new(
        start: impl FnOnce(StreamWiring) -> BoxFuture<'static, Result<RlmAnswer, RlmError>>,
    ) -> Self {
        let (sender, updates) = mpsc::unbounded_channel();
        let (cancel, signal) = watch::channel(false);
        let run = start(StreamWiring {
            updates: sender,
            cancel: CancelSignal(Some(signal)),
        });
        Self {
            run: Some(run),
            updates,
            outcome: None,
            canceller: RunCanceller(cancel),
        }
    }

    /// Stops the run cleanly (see [`RunCanceller::cancel`]).
    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// A handle that cancels this run from elsewhere.
    pub fn canceller(&self) -> RunCanceller {
        self.canceller.clone()
    }

    /// Drives the stream to its end and returns the outcome (what [`crate::Rlm::completion`] does).
    pub async fn finish(mut self) -> Result<RlmAnswer, RlmError> {
        use futures::StreamExt;
        while let Some(update) = self.next().await {
            match update {
                RunUpdate::Answer(answer) => return Ok(*answer),
                RunUpdate::Failed(error) => return Err(*error),
                RunUpdate::Event(_) | RunUpdate::Metadata(_) | RunUpdate::Record(_) => {}
            }
        }
        Err(RlmError::Config(
            "the run ended without an outcome (its stream was already read to the end)".into(),
        ))
    }
}

impl Stream for RunStream {
    type Item = RunUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<RunUpdate>> {
        let this = &mut *self;
        if let Some(run) = &mut this.run
            && let Poll::Ready(outcome) = run.poll_unpin(cx)
        {
            this.run = None;
            this.outcome = Some(outcome);
        }
        if let Poll::Ready(Some(update)) = this.updates.poll_recv(cx) {
            return Poll::Ready(Some(update));
        }
        if this.run.is_some() {
            return Poll::Pending;
        }
        // The run is over: what it sent is all in the channel, and has been delivered.
        Poll::Ready(this.outcome.take().map(|outcome| match outcome {
            Ok(answer) => RunUpdate::Answer(Box::new(answer)),
            Err(error) => RunUpdate::Failed(Box::new(error)),
        }))
    }
}

impl std::fmt::Debug for RunStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStream")
            .field("running", &self.run.is_some())
            .finish_non_exhaustive()
    }
}
