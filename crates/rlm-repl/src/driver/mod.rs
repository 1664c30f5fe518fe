//! The two ways to run the interpreter core, behind one interface: `thread` (on a thread of this
//! process) and `process` (in a child process the host can kill). [`Sandbox`](crate::Sandbox) sends
//! each [`Request`] to its driver and awaits the [`Response`].

mod process;
mod thread;

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;

use crate::host::Shutdown;
use crate::request::{Request, Response};
use crate::{
    CellResult, Confinement, FinalVarError, Isolation, ProcessOptions, SandboxConfig, SandboxError,
    SubcallHandler,
};

/// A running driver.
pub(crate) enum Driver {
    Thread(thread::ThreadDriver),
    Process(process::ProcessDriver),
}

impl Driver {
    /// Starts the driver `config.isolation` asks for.
    pub(crate) fn start(
        config: SandboxConfig,
        handler: Arc<dyn SubcallHandler>,
        handle: &Handle,
        shutdown: Arc<Shutdown>,
    ) -> Result<Self, SandboxError> {
        match config.isolation.clone() {
            Isolation::Thread => {
                thread::ThreadDriver::start(config, handler, handle.clone(), shutdown)
                    .map(Self::Thread)
            }
            Isolation::Process(options) => {
                process::ProcessDriver::start(config, options, handler, handle, shutdown)
                    .map(Self::Process)
            }
        }
    }

    /// Serves one request; `cancel` stops it when it is a cell.
    pub(crate) async fn request(
        &self,
        request: Request,
        cancel: Arc<Shutdown>,
    ) -> Result<Response, SandboxError> {
        match self {
            Self::Thread(driver) => driver.request(request, cancel).await,
            Self::Process(driver) => driver.request(request, cancel).await,
        }
    }

    /// The process id of the current child (process driver, once a child is ready).
    pub(crate) fn process_id(&self) -> Option<u32> {
        match self {
            Self::Thread(_) => None,
            Self::Process(driver) => driver.process_id(),
        }
    }

    /// The OS limits of the current child (process driver, once a child is ready).
    pub(crate) fn confinement(&self) -> Option<Confinement> {
        match self {
            Self::Thread(_) => None,
            Self::Process(driver) => driver.confinement(),
        }
    }
}

/// Sleeps until `deadline`; forever without one (a limit too large to add to `now`).
pub(crate) async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// The time a cell may run in the thread driver before the sandbox is declared unresponsive: the
/// same as the process driver's kill time with default options.
fn overrun_after(cpu_limit: Duration) -> Duration {
    ProcessOptions::default().kill_after(cpu_limit)
}

/// The response to `request` when it could not finish: `message` for the model, a cell that
/// failed with it, or `Err` for requests that have no place for a message.
fn failed_response(
    request: &Request,
    message: String,
    restart: Option<String>,
    duration: Duration,
) -> Result<Response, SandboxError> {
    match request {
        Request::Execute { .. } => Ok(Response::Cell(CellResult {
            error: Some(message),
            restart,
            duration,
            ..CellResult::default()
        })),
        Request::FinalVar { .. } => Ok(Response::FinalVar(Err(FinalVarError::Unreadable(message)))),
        Request::Load { .. } => Err(SandboxError::ContextLoad(message)),
        Request::Variables => Err(SandboxError::Unresponsive(message)),
    }
}
