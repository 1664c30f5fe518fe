//! The public `Sandbox` handle: sends requests to its driver (thread or process) and awaits the
//! responses.

use std::sync::Arc;

use tokio::runtime::Handle;

use crate::driver::Driver;
use crate::host::Shutdown;
use crate::request::{Request, Response};
use crate::{
    CellResult, Confinement, ContextValue, FinalVarError, LoadedContext, SandboxConfig,
    SandboxError, SubcallHandler,
};

/// Item lengths [`Sandbox::load_context`] reports.
pub const DEFAULT_REPORTED_ITEMS: usize = 100;

/// A QuickJS sandbox, where model-written JavaScript runs with `context`, `llm_query`,
/// `llm_batch`, `print`, `FINAL`, `FINAL_VAR` and `SHOW_VARS`: on its own OS thread, or in a child
/// process ([`Isolation`](crate::Isolation)).
///
/// Cells run one at a time. Dropping the sandbox stops its thread (or kills its process) promptly,
/// even while a cell loops or waits on the handler.
pub struct Sandbox {
    driver: Driver,
    shutdown: Arc<Shutdown>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("stopped", &self.shutdown.is_triggered())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox. Call it inside a tokio runtime: host calls run the handler's
    /// futures on that runtime (`Handle::current()`). Unusable limits (see
    /// [`SandboxLimits::validate`](crate::SandboxLimits::validate)) give
    /// [`SandboxError::InvalidLimits`], unusable tool names [`SandboxError::InvalidTool`]. A process sandbox starts its child in the background; a
    /// child that cannot start fails the first request with [`SandboxError::Init`].
    pub fn new(
        config: SandboxConfig,
        handler: Arc<dyn SubcallHandler>,
    ) -> Result<Self, SandboxError> {
        config.validate()?;
        let handle = Handle::try_current().map_err(|_| {
            SandboxError::Init("Sandbox::new must be called inside a tokio runtime".to_owned())
        })?;
        let shutdown = Arc::new(Shutdown::new());
        let driver = Driver::start(config, handler, &handle, shutdown.clone())?;
        Ok(Self { driver, shutdown })
    }

    /// The OS limits the child of a process sandbox runs under, once it is ready; `None` for a
    /// thread sandbox.
    pub fn confinement(&self) -> Option<Confinement> {
        self.driver.confinement()
    }

    /// The process id of a process sandbox's child, while one runs (to watch it, or to place it in
    /// a cgroup); `None` for a thread sandbox. It changes when the child is restarted.
    pub fn process_id(&self) -> Option<u32> {
        self.driver.process_id()
    }

    async fn ask(&self, request: Request) -> Result<Response, SandboxError> {
        self.driver
            .request(request, Arc::new(Shutdown::new()))
            .await
    }

    /// Loads a context: defines `context_N` (N = 0, 1, ...) and sets `context` to it.
    /// Returns N and the context's facts as JavaScript sees them, with the lengths of the first
    /// [`DEFAULT_REPORTED_ITEMS`] items. With no explicit memory limit, the heap limit grows with the
    /// context.
    pub async fn load_context(&self, value: ContextValue) -> Result<LoadedContext, SandboxError> {
        self.load_context_reporting(value, DEFAULT_REPORTED_ITEMS)
            .await
    }

    /// [`Self::load_context`], reporting the lengths of the first `items` items.
    pub async fn load_context_reporting(
        &self,
        value: ContextValue,
        items: usize,
    ) -> Result<LoadedContext, SandboxError> {
        match self
            .ask(Request::Load {
                context: value,
                items,
            })
            .await?
        {
            Response::Loaded(loaded) => loaded.map_err(SandboxError::ContextLoad),
            _ => Err(mismatched()),
        }
    }

    /// Runs one cell. JavaScript errors and exceeded limits are reported in
    /// [`CellResult::error`]; `Err` only means the sandbox itself has stopped.
    ///
    /// Dropping the returned future before it completes cancels the cell: it is
    /// interrupted, a blocked `llm_query` / `llm_batch` is cancelled (the handler's future is
    /// dropped), and the next cell starts promptly.
    pub async fn execute(&self, code: &str) -> Result<CellResult, SandboxError> {
        let code = code.to_owned();
        let signal = Arc::new(Shutdown::new());
        let mut cancel = CancelOnDrop(Some(signal.clone()));
        let result = self.driver.request(Request::Execute { code }, signal).await;
        cancel.0 = None;
        match result? {
            Response::Cell(cell) => Ok(cell),
            _ => Err(mismatched()),
        }
    }

    /// The value of a variable as the run's answer (strings as-is, other values as JSON), or why
    /// there is none (its `Display` is the message for the model).
    pub async fn final_var(&self, name: &str) -> Result<String, FinalVarError> {
        let name = name.to_owned();
        match self.ask(Request::FinalVar { name }).await {
            Ok(Response::FinalVar(answer)) => answer,
            Ok(_) => Err(FinalVarError::Unreadable(mismatched().to_string())),
            Err(e) => Err(FinalVarError::Unreadable(e.to_string())),
        }
    }

    /// Names of the user's variables, in definition order.
    pub async fn variables(&self) -> Result<Vec<String>, SandboxError> {
        match self.ask(Request::Variables).await? {
            Response::Variables(names) => Ok(names),
            _ => Err(mismatched()),
        }
    }
}

/// Cancels a cell when the future of [`Sandbox::execute`] is dropped before it completes
/// (on completion the guard is disarmed by taking the signal out).
struct CancelOnDrop(Option<Arc<Shutdown>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(signal) = &self.0 {
            signal.trigger();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// The error of a response that does not answer its request (a broken driver).
fn mismatched() -> SandboxError {
    SandboxError::Init("the sandbox answered a different request".to_owned())
}
