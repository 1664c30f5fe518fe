//! `Session`: several completions in one sandbox, so variables survive from one to the next.

use std::fmt;
use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::Mutex;

use crate::rlm::{SandboxSlot, complete};
use crate::settings::Settings;
use crate::{Context, RlmAnswer, RlmError, RunStream};

/// Several completions sharing one sandbox.
///
/// The first completion's context is `context_0`, the next `context_1`, and so on; `context` is always the
/// latest. Variables defined by earlier completions survive. Each completion starts a fresh message
/// history and a fresh budget. Completions on one session run one at a time. If a completion times out,
/// the sandbox is discarded (a cell may still be running in it) and the next completion starts a new one.
///
/// ```no_run
/// # async fn demo(rlm: rlm_core::Rlm) -> Result<(), rlm_core::RlmError> {
/// let session = rlm.session();
/// let first = session.completion("chapter one ...", "Summarise this chapter into `summary1`.").await?;
/// let second = session.completion("chapter two ...", "Compare with `summary1`.").await?;
/// # let _ = (first, second); Ok(()) }
/// ```
pub struct Session {
    settings: Arc<Settings>,
    slot: Arc<Mutex<SandboxSlot>>,
}

impl Session {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            slot: Arc::new(Mutex::new(SandboxSlot::new())),
        }
    }

    /// Answers `query` about `context`, loaded as the next `context_N` of the session's sandbox.
    pub async fn completion(
        &self,
        context: impl Into<Context>,
        query: &str,
    ) -> Result<RlmAnswer, RlmError> {
        let mut slot = self.slot.lock().await;
        complete(&self.settings, &mut slot, context.into(), query, None).await
    }

    /// [`Self::completion`] as a stream of updates (see [`crate::Rlm::stream`]); it waits for the
    /// session's previous completion to end before it starts.
    pub fn stream(&self, context: impl Into<Context>, query: &str) -> RunStream {
        let settings = Arc::clone(&self.settings);
        let slot = Arc::clone(&self.slot);
        let context = context.into();
        let query = query.to_owned();
        RunStream::new(move |wiring| {
            async move {
                let mut slot = slot.lock().await;
                complete(&settings, &mut slot, context, &query, Some(wiring)).await
            }
            .boxed()
        })
    }

    /// Names of the variables defined in the session's sandbox so far.
    pub async fn variables(&self) -> Result<Vec<String>, RlmError> {
        self.slot.lock().await.variables().await
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
