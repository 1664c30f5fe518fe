//! A task's context as the run receives it: inline text or JSON, or a file read when the job starts.

use rlm::{Context, ContextFormat};

use crate::task::TaskContext;

/// The context of a task; a file that cannot be read is an error message naming it.
pub(crate) async fn load(context: &TaskContext) -> Result<Context, String> {
    match context {
        TaskContext::Text(text) => Ok(Context::text(text.clone())),
        TaskContext::Json(value) => Ok(Context::json(value.clone())),
        TaskContext::File(path) => {
            let text = tokio::fs::read_to_string(path)
                .await
                .map_err(|e| format!("could not read the context file {}: {e}", path.display()))?;
            Context::parse(text, ContextFormat::Auto).map_err(|e| e.to_string())
        }
    }
}
