//! The process driver: the interpreter in a child process. A task of the caller's runtime owns the
//! child and serves one request at a time ([`supervisor`]); `connection` holds the pipes.

mod connection;
mod supervisor;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

use crate::host::Shutdown;
use crate::protocol::ChildInit;
use crate::request::{Request, Response};
use crate::{Confinement, ProcessOptions, SandboxConfig, SandboxError, SubcallHandler};
use supervisor::Supervisor;

/// The process id and OS limits of the running child, for the sandbox's owner to read.
type ChildSlot = Arc<Mutex<Option<(u32, Confinement)>>>;

type Job = (
    Request,
    Arc<Shutdown>,
    oneshot::Sender<Result<Response, SandboxError>>,
);

/// The handle of a process sandbox's supervising task.
pub(crate) struct ProcessDriver {
    jobs: mpsc::UnboundedSender<Job>,
    child: ChildSlot,
}

impl ProcessDriver {
    /// Starts the supervising task, which starts the child at once (so the first request does
    /// not wait for it).
    pub(crate) fn start(
        config: SandboxConfig,
        options: ProcessOptions,
        handler: Arc<dyn SubcallHandler>,
        handle: &Handle,
        shutdown: Arc<Shutdown>,
    ) -> Result<Self, SandboxError> {
        let program = child_program(&options).map_err(|e| {
            SandboxError::Init(format!("no program to run as the sandbox child: {e}"))
        })?;
        let init = ChildInit {
            cpu_budget: options.kill_after(config.limits.cpu_time_per_cell),
            limits: config.limits,
            recursive_functions: config.recursive_functions,
            tools: config.tools,
            confine: options.os_limits,
        };
        let child: ChildSlot = Arc::new(Mutex::new(None));
        let supervisor = Supervisor {
            program,
            options,
            init,
            handler,
            shutdown,
            published: child.clone(),
            contexts: Vec::new(),
            child: None,
            started_once: false,
            untold_restart: None,
        };
        let (jobs, inbox) = mpsc::unbounded_channel();
        handle.spawn(supervise(supervisor, inbox));
        Ok(Self { jobs, child })
    }

    /// Queues `request` and waits for its response.
    pub(crate) async fn request(
        &self,
        request: Request,
        cancel: Arc<Shutdown>,
    ) -> Result<Response, SandboxError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((request, cancel, reply))
            .map_err(|_| SandboxError::Closed)?;
        answer.await.map_err(|_| SandboxError::Closed)?
    }

    /// The OS limits of the current child, once one is ready.
    pub(crate) fn confinement(&self) -> Option<Confinement> {
        self.child.lock().ok().and_then(|c| *c).map(|(_, c)| c)
    }

    /// The process id of the current child, while one runs.
    pub(crate) fn process_id(&self) -> Option<u32> {
        self.child.lock().ok().and_then(|c| *c).map(|(pid, _)| pid)
    }
}

/// The supervising task: starts the child, then serves jobs until the sandbox is dropped.
async fn supervise(mut supervisor: Supervisor, mut inbox: mpsc::UnboundedReceiver<Job>) {
    let mut stopped = supervisor.shutdown.subscribe();
    // A child that fails to start now is tried again (and its error reported) by the first job.
    tokio::select! {
        _ = supervisor.ensure_child() => {}
        _ = stopped.wait_for(|on| *on) => return,
    }
    loop {
        let job = tokio::select! {
            job = inbox.recv() => job,
            _ = stopped.wait_for(|on| *on) => None,
        };
        let Some((request, cancel, reply)) = job else {
            break;
        };
        // A caller that already gave up does not get its cell run.
        if cancel.is_triggered() {
            continue;
        }
        let response = supervisor.serve(request, &cancel).await;
        if let Err(unsent) = reply.send(response) {
            supervisor.undelivered(unsent);
        }
    }
}

/// The program that runs a sandbox child: `options.program`, or the current executable.
fn child_program(options: &ProcessOptions) -> std::io::Result<PathBuf> {
    match &options.program {
        Some(program) => std::path::absolute(program),
        None => std::env::current_exe(),
    }
}
