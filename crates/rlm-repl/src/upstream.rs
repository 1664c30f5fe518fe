//! Where the interpreter's sub-calls go. The interpreter sees one synchronous [`Upstream`]: in the
//! thread driver it blocks on the [`SubcallHandler`]'s future in this process, in a child process
//! it sends the call to the parent over the pipe and blocks on the reply. Either way the call is
//! served by [`serve`], bounded by the host-call timeout and stopped by shutdown or cancellation.

use std::time::Duration;

use crate::host::Shutdown;
use crate::request::{HostCall, HostReply};
use crate::{SubcallError, SubcallErrorKind, SubcallHandler};

/// Makes a host call for the interpreter and blocks until its reply.
pub(crate) trait Upstream {
    /// Serves `call`; `cancel` is the running cell's cancel signal.
    fn call(&self, call: HostCall, cancel: &Shutdown) -> HostReply;
}

/// The error of a call stopped because the sandbox is shutting down.
pub(crate) fn stopping() -> SubcallError {
    SubcallError::new(SubcallErrorKind::Cancelled, "the sandbox is shutting down")
}

/// The error of a call stopped because its cell was cancelled.
pub(crate) fn cancelled() -> SubcallError {
    SubcallError::new(SubcallErrorKind::Cancelled, "the cell was cancelled")
}

/// Serves one host call with `handler`: at most `limit`, stopped at once by `stop` (the sandbox
/// shuts down) or `cancel` (the cell is cancelled), which drops the handler's future.
pub(crate) async fn serve(
    handler: &dyn SubcallHandler,
    call: HostCall,
    limit: Duration,
    stop: &Shutdown,
    cancel: &Shutdown,
) -> HostReply {
    let mut stop = stop.subscribe();
    let mut cancel = cancel.subscribe();
    let work = async {
        match call {
            HostCall::Query {
                kind,
                prompt,
                options,
            } => HostReply::Answer(handler.query(kind, prompt, options).await),
            HostCall::Batch {
                kind,
                prompts,
                max_concurrent,
            } => HostReply::Answers(handler.batch(kind, prompts, max_concurrent).await),
            HostCall::Tool { name, arguments } => {
                HostReply::Answer(handler.tool(name, arguments).await)
            }
        }
    };
    tokio::select! {
        reply = tokio::time::timeout(limit, work) => reply.unwrap_or_else(|_| {
            HostReply::Failed(SubcallError::new(
                SubcallErrorKind::Timeout,
                format!("the call timed out after {} s", limit.as_secs_f64()),
            ))
        }),
        _ = stop.wait_for(|stopped| *stopped) => HostReply::Failed(stopping()),
        _ = cancel.wait_for(|cancelled| *cancelled) => HostReply::Failed(cancelled()),
    }
}
