//! The public `Sandbox` handle: sends commands to the sandbox thread and awaits the answers.

use std::sync::{Arc, mpsc};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::host::Shutdown;
use crate::worker::{Command, spawn};
use crate::{CellResult, ContextValue, LoadedContext, SandboxConfig, SandboxError, SubcallHandler};

/// Item lengths [`Sandbox::load_context`] reports.
pub const DEFAULT_REPORTED_ITEMS: usize = 100;

/// A QuickJS sandbox on its own OS thread, where model-written JavaScript runs with
/// `context`, `llm_query`, `llm_batch`, `print`, `FINAL`, `FINAL_VAR` and `SHOW_VARS`.
///
/// Cells run one at a time. Dropping the sandbox stops its thread promptly, even while a
/// cell loops or waits on the handler.
pub struct Sandbox {
    commands: mpsc::Sender<Command>,
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
    /// [`SandboxError::InvalidLimits`].
    pub fn new(
        config: SandboxConfig,
        handler: Arc<dyn SubcallHandler>,
    ) -> Result<Self, SandboxError> {
        config.limits.validate()?;
        let handle = Handle::try_current().map_err(|_| {
            SandboxError::Init("Sandbox::new must be called inside a tokio runtime".to_owned())
        })?;
        let shutdown = Arc::new(Shutdown::new());
        let commands = spawn(config, handler, handle, shutdown.clone())?;
        Ok(Self { commands, shutdown })
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, SandboxError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .map_err(|_| SandboxError::Closed)?;
        answer.await.map_err(|_| SandboxError::Closed)
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
        self.ask(|reply| Command::Load(value, items, reply)).await?
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
        let result = self
            .ask(|reply| Command::Execute(code, signal, reply))
            .await;
        cancel.0 = None;
        result
    }

    /// The value of a variable as the run's answer (strings as-is, other values as JSON).
    /// `Err` is a message for the model listing the defined variables.
    pub async fn final_var(&self, name: &str) -> Result<String, String> {
        let name = name.to_owned();
        self.ask(|reply| Command::FinalVar(name, reply))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Names of the user's variables, in definition order.
    pub async fn variables(&self) -> Result<Vec<String>, SandboxError> {
        self.ask(Command::Variables).await
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
