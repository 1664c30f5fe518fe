//! The thread driver: the interpreter on a dedicated OS thread of this process. Host calls block
//! that thread on the handler's futures, run on the caller's tokio runtime.
//!
//! A thread cannot be killed. When a cell runs well past its CPU-time limit (stuck in a native
//! built-in that never checks the interrupt), the driver stops waiting, tells the model, and
//! refuses every later request: the sandbox is unresponsive and must be replaced.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::{failed_response, overrun_after};
use crate::host::Shutdown;
use crate::interpreter::{Globals, Worker};
use crate::request::{HostCall, HostReply, Request, Response};
use crate::upstream::{Upstream, serve};
use crate::{SandboxConfig, SandboxError, SubcallHandler};

type Job = (Request, Arc<Shutdown>, oneshot::Sender<Response>);

/// Time spent in host calls, so that waiting for sub-models never counts as running.
#[derive(Debug, Default)]
struct CallClock {
    in_call: AtomicBool,
    spent_nanos: AtomicU64,
}

impl CallClock {
    fn spent(&self) -> Duration {
        Duration::from_nanos(self.spent_nanos.load(Ordering::SeqCst))
    }
}

/// The driver's side of the sandbox thread.
pub(crate) struct ThreadDriver {
    jobs: mpsc::Sender<Job>,
    clock: Arc<CallClock>,
    unresponsive: AtomicBool,
    cpu_limit: Duration,
    shutdown: Arc<Shutdown>,
}

impl ThreadDriver {
    /// Starts the sandbox thread and waits until its runtime is ready.
    pub(crate) fn start(
        config: SandboxConfig,
        handler: Arc<dyn SubcallHandler>,
        handle: Handle,
        shutdown: Arc<Shutdown>,
    ) -> Result<Self, SandboxError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let clock = Arc::new(CallClock::default());
        let upstream = ThreadUpstream {
            handler,
            handle,
            shutdown: shutdown.clone(),
            limit: config.limits.host_call_timeout,
            clock: clock.clone(),
        };
        let cpu_limit = config.limits.cpu_time_per_cell;
        let stack = config.limits.stack_size.saturating_add(4 * 1024 * 1024);
        let thread_shutdown = shutdown.clone();
        std::thread::Builder::new()
            .name("rlm-sandbox".to_owned())
            .stack_size(stack)
            .spawn(move || {
                let globals = Globals {
                    recursive: config.recursive_functions,
                    tools: config.tools,
                };
                let upstream = Box::new(upstream);
                match Worker::new(config.limits, &globals, upstream, thread_shutdown) {
                    Ok(mut worker) => {
                        let _ = ready_tx.send(Ok(()));
                        while let Ok((request, cancel, reply)) = inbox.recv() {
                            if worker.is_shut_down() {
                                break;
                            }
                            let _ = reply.send(worker.handle(request, cancel));
                        }
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(SandboxError::Spawn)?;
        ready_rx.recv().map_err(|_| SandboxError::Closed)??;
        Ok(Self {
            jobs,
            clock,
            unresponsive: AtomicBool::new(false),
            cpu_limit,
            shutdown,
        })
    }

    /// Sends `request` to the thread and waits for its response, giving up on a cell (or a
    /// variable read) that runs past its CPU limit plus a grace period.
    pub(crate) async fn request(
        &self,
        request: Request,
        cancel: Arc<Shutdown>,
    ) -> Result<Response, SandboxError> {
        if self.unresponsive.load(Ordering::SeqCst) {
            return Err(SandboxError::Unresponsive(
                "an earlier cell never came back from a built-in function".to_owned(),
            ));
        }
        let watched = !matches!(request, Request::Load { .. });
        let (reply, mut answer) = oneshot::channel();
        let copy = watched.then(|| request.stripped());
        self.jobs
            .send((request, cancel, reply))
            .map_err(|_| SandboxError::Closed)?;
        let Some(kind) = copy else {
            return answer.await.map_err(|_| SandboxError::Closed);
        };
        let started = Instant::now();
        let spent_before = self.clock.spent();
        loop {
            let spent = self.clock.spent();
            let deadline = started
                .checked_add(overrun_after(self.cpu_limit))
                .and_then(|d| d.checked_add(spent.saturating_sub(spent_before)));
            tokio::select! {
                response = &mut answer => return response.map_err(|_| SandboxError::Closed),
                () = super::sleep_until(deadline) => {
                    if self.clock.in_call.load(Ordering::SeqCst) || self.clock.spent() != spent {
                        continue;
                    }
                    self.unresponsive.store(true, Ordering::SeqCst);
                    self.shutdown.trigger();
                    let message = unresponsive_message(self.cpu_limit);
                    return failed_response(&kind, message, None, started.elapsed());
                }
            }
        }
    }
}

fn unresponsive_message(cpu_limit: Duration) -> String {
    format!(
        "TimeoutError: the cell ran past its CPU time limit of {} s inside a built-in function that \
         cannot be interrupted (a join, sort, search or regular expression over a huge value?). \
         This in-thread sandbox cannot stop it and is unusable from now on (a process sandbox \
         would have been killed and restarted).",
        cpu_limit.as_secs_f64()
    )
}

/// Host calls of the thread driver: the handler's future, run to completion on the caller's
/// runtime from the (non-tokio) sandbox thread.
struct ThreadUpstream {
    handler: Arc<dyn SubcallHandler>,
    handle: Handle,
    shutdown: Arc<Shutdown>,
    limit: Duration,
    clock: Arc<CallClock>,
}

impl Upstream for ThreadUpstream {
    fn call(&self, call: HostCall, cancel: &Shutdown) -> HostReply {
        let started = Instant::now();
        self.clock.in_call.store(true, Ordering::SeqCst);
        let reply = self.handle.block_on(serve(
            self.handler.as_ref(),
            call,
            self.limit,
            &self.shutdown,
            cancel,
        ));
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.clock.spent_nanos.fetch_add(nanos, Ordering::SeqCst);
        self.clock.in_call.store(false, Ordering::SeqCst);
        reply
    }
}
