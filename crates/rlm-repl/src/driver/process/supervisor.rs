//! The parent's side of one request: send it, serve the child's host calls, and enforce the time
//! limit. A child that overruns, breaks the protocol or dies is killed and replaced, the contexts
//! are reloaded into the new one, and the model is told what was lost.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::connection::Connection;
use crate::driver::failed_response;
use crate::host::Shutdown;
use crate::protocol::{self, ChildInit, Outgoing, ToChild, ToParent, load_time_limit};
use crate::request::{Request, Response};
use crate::upstream::serve;
use crate::{Confinement, ProcessOptions, SandboxError, SandboxLimits, SubcallHandler};

/// Time a cancelled cell has to stop before its child is killed.
const CANCEL_GRACE: Duration = Duration::from_secs(1);

/// Why a request did not get its response.
enum Loss {
    /// It ran past its time limit.
    OverTime,
    /// The child died (how).
    Died(String),
    /// The child sent something the protocol does not allow.
    Broken(String),
    /// The sandbox is shutting down.
    Stopped,
}

/// Owns the child (when one is running) and what is needed to replace it.
pub(super) struct Supervisor {
    pub(super) program: PathBuf,
    pub(super) options: ProcessOptions,
    pub(super) init: ChildInit,
    pub(super) handler: Arc<dyn SubcallHandler>,
    pub(super) shutdown: Arc<Shutdown>,
    /// What the owner may read of the running child (its pid and OS limits).
    pub(super) published: Arc<Mutex<Option<(u32, Confinement)>>>,
    /// Every context loaded so far, as sent, replayed into a new child.
    pub(super) contexts: Vec<Arc<Outgoing>>,
    pub(super) child: Option<Connection>,
    /// Set once a child has run: a later start is a restart that loses state.
    pub(super) started_once: bool,
    /// A restart the model has not been told about yet.
    pub(super) untold_restart: Option<String>,
}

impl Supervisor {
    /// Serves one request, replacing the child when it is lost.
    pub(super) async fn serve(
        &mut self,
        request: Request,
        cancel: &Shutdown,
    ) -> Result<Response, SandboxError> {
        self.ensure_child().await?;
        let summary = request.stripped();
        let outgoing =
            Arc::new(protocol::outgoing(request).map_err(|e| SandboxError::Init(e.to_string()))?);
        let request = summary;
        let limit = match &request {
            Request::Load { .. } => load_time_limit(outgoing_bytes(&outgoing)),
            _ => self.options.kill_after(self.init.limits.cpu_time_per_cell),
        };
        let cancel = matches!(request, Request::Execute { .. }).then_some(cancel);
        let started = Instant::now();
        let loss = match self.exchange(&outgoing, limit, cancel).await {
            Ok(response) => return Ok(self.delivered(response, outgoing)),
            Err(loss) => loss,
        };
        let why = match loss {
            Loss::Stopped => {
                self.child = None;
                return Err(SandboxError::Closed);
            }
            Loss::OverTime => {
                let ended = self.take_child_killed().await;
                over_time(&request, &self.init.limits, &ended)
            }
            Loss::Broken(what) => {
                let ended = self.take_child_killed().await;
                format!("SandboxError: the sandbox process {what} and was killed ({ended})")
            }
            Loss::Died(how) => {
                self.child = None;
                self.publish(None);
                format!(
                    "SandboxError: the sandbox process died ({how}); what the cell had printed is lost"
                )
            }
        };
        let note = self.restart_note().await;
        if let Request::Variables = request {
            self.untold_restart = Some(note);
            return Ok(Response::Variables(Vec::new()));
        }
        if !matches!(request, Request::Execute { .. }) {
            self.untold_restart = Some(note.clone());
        }
        let message = match request {
            Request::Execute { .. } => why,
            _ => format!("{why}. {note}"),
        };
        failed_response(&request, message, Some(note), started.elapsed())
    }

    /// Keeps a loaded context for replay; tells the model about an untold restart.
    fn delivered(&mut self, response: Response, outgoing: Arc<Outgoing>) -> Response {
        match response {
            Response::Loaded(Ok(loaded)) => {
                self.contexts.push(outgoing);
                Response::Loaded(Ok(loaded))
            }
            Response::Cell(mut cell) => {
                cell.restart = self.untold_restart.take();
                Response::Cell(cell)
            }
            other => other,
        }
    }

    /// Puts back a restart note whose cell nobody received (its caller gave up).
    pub(super) fn undelivered(&mut self, response: Result<Response, SandboxError>) {
        if let Ok(Response::Cell(cell)) = response
            && cell.restart.is_some()
        {
            self.untold_restart = cell.restart;
        }
    }

    /// Starts a child if none runs (or the one running has exited), replaying the contexts.
    pub(super) async fn ensure_child(&mut self) -> Result<(), SandboxError> {
        if let Some(child) = self.child.as_mut()
            && child.has_exited()
        {
            let how = self.take_child_killed().await;
            self.untold_restart = Some(format!(
                "The sandbox process had died between cells ({how}). {}",
                self.restart_note().await
            ));
        }
        if self.child.is_some() {
            return Ok(());
        }
        let restart = self.started_once;
        self.start_child().await?;
        if restart && self.untold_restart.is_none() {
            self.untold_restart = Some(self.describe_restart(None));
        }
        Ok(())
    }

    /// Starts a child and reloads every context into it.
    async fn start_child(&mut self) -> Result<(), SandboxError> {
        let max_frame = max_frame_from_child(&self.init.limits);
        let (child, confinement) = Connection::start(&self.program, &self.init, max_frame).await?;
        self.started_once = true;
        self.publish(child.process_id().map(|pid| (pid, confinement)));
        self.child = Some(child);
        for load in self.contexts.clone() {
            let limit = load_time_limit(outgoing_bytes(&load));
            match self.exchange(&load, limit, None).await {
                Ok(Response::Loaded(Ok(_))) => {}
                other => {
                    let why = match other {
                        Ok(Response::Loaded(Err(message))) => message,
                        _ => "the process was lost".to_owned(),
                    };
                    self.child = None;
                    return Err(SandboxError::ContextLoad(format!(
                        "a restarted sandbox could not reload its contexts: {why}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Replaces the lost child; the note telling the model what the restart cost.
    async fn restart_note(&mut self) -> String {
        match self.start_child().await {
            Ok(()) => self.describe_restart(None),
            Err(e) => self.describe_restart(Some(&e)),
        }
    }

    fn describe_restart(&self, failure: Option<&SandboxError>) -> String {
        if let Some(e) = failure {
            return format!(
                "The sandbox could not be restarted ({e}); the next cell will try again."
            );
        }
        let contexts = match self.contexts.len() {
            0 => "no context was loaded".to_owned(),
            1 => "`context` (context_0) was reloaded".to_owned(),
            n => format!("`context` and context_0 .. context_{} were reloaded", n - 1),
        };
        format!(
            "The sandbox was restarted: every variable and function defined in earlier cells is \
             lost; {contexts}."
        )
    }

    fn publish(&self, child: Option<(u32, Confinement)>) {
        if let Ok(mut slot) = self.published.lock() {
            *slot = child;
        }
    }

    async fn take_child_killed(&mut self) -> String {
        self.publish(None);
        match self.child.take() {
            Some(child) => child.kill().await,
            None => "it was gone".to_owned(),
        }
    }

    /// Sends `frame` and serves the child's host calls until its response, within `limit` of
    /// running time (time in host calls does not count). `cancel` stops a cell.
    async fn exchange(
        &mut self,
        outgoing: &Outgoing,
        limit: Duration,
        cancel: Option<&Shutdown>,
    ) -> Result<Response, Loss> {
        let Some(child) = self.child.as_mut() else {
            return Err(Loss::Died("it was gone".to_owned()));
        };
        child
            .send_outgoing(outgoing)
            .await
            .map_err(|e| Loss::Died(e.to_string()))?;
        let never = Shutdown::new();
        let cancel = cancel.unwrap_or(&never);
        let mut cancelled = cancel.subscribe();
        let mut stopped = self.shutdown.subscribe();
        let mut deadline = Instant::now().checked_add(limit);
        let mut cancel_sent = false;
        loop {
            tokio::select! {
                frame = child.next() => match frame {
                    Some(Ok(ToParent::Response(response))) => return Ok(response),
                    Some(Ok(ToParent::Call(call))) => {
                        let started = Instant::now();
                        let timeout = self.init.limits.host_call_timeout;
                        let reply =
                            serve(self.handler.as_ref(), call, timeout, &self.shutdown, cancel).await;
                        deadline = deadline.and_then(|d| d.checked_add(started.elapsed()));
                        child
                            .send(&ToChild::Reply(reply))
                            .await
                            .map_err(|e| Loss::Died(e.to_string()))?;
                    }
                    Some(Ok(other)) => {
                        return Err(Loss::Broken(format!("sent {} out of turn", name(&other))));
                    }
                    Some(Err(e)) => return Err(Loss::Broken(format!("sent a bad message ({e})"))),
                    None => return Err(Loss::Died(child.ended().await)),
                },
                () = crate::driver::sleep_until(deadline) => return Err(Loss::OverTime),
                () = triggered(&mut cancelled), if !cancel_sent => {
                    cancel_sent = true;
                    let soon = Instant::now() + CANCEL_GRACE;
                    deadline = Some(deadline.map_or(soon, |d| d.min(soon)));
                    let _ = child.send(&ToChild::Cancel).await;
                }
                () = triggered(&mut stopped) => return Err(Loss::Stopped),
            }
        }
    }
}

async fn triggered(signal: &mut watch::Receiver<bool>) {
    if signal.wait_for(|on| *on).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn name(message: &ToParent) -> &'static str {
    match message {
        ToParent::Ready(_) => "Ready",
        ToParent::Failed(_) => "Failed",
        ToParent::Call(_) => "Call",
        ToParent::Response(_) => "Response",
    }
}

/// Bytes a request puts on the pipe.
fn outgoing_bytes(outgoing: &Outgoing) -> usize {
    outgoing.frame.len() + outgoing.text.as_ref().map_or(0, |text| text.len())
}

/// Largest frame accepted from a child: the largest answer, batch or tool call its limits allow,
/// with room for the rest of a cell's result.
fn max_frame_from_child(limits: &SandboxLimits) -> u64 {
    (limits.max_batch_bytes as u64)
        .saturating_mul(4)
        .saturating_add(limits.max_tool_argument_bytes as u64)
        .saturating_add((limits.output_cap_chars as u64).saturating_mul(16))
        .saturating_add(256 << 20)
}

/// The message for a request whose child was killed for running too long.
fn over_time(request: &Request, limits: &SandboxLimits, ended: &str) -> String {
    let limit = limits.cpu_time_per_cell.as_secs_f64();
    match request {
        Request::Load { .. } => format!(
            "loading the context took too long, and the sandbox process was killed ({ended})"
        ),
        Request::FinalVar { name } => format!(
            "FINAL_VAR: reading \"{name}\" ran past the CPU time limit of {limit} s inside a \
             built-in function that cannot be interrupted, so the sandbox process was killed"
        ),
        _ => format!(
            "TimeoutError: the cell ran past its CPU time limit of {limit} s inside a built-in \
             function that cannot be interrupted (a join, sort, search or regular expression over \
             a huge value?), so the sandbox process was killed, with what the cell had printed. \
             Work on smaller pieces."
        ),
    }
}
