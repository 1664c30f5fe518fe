//! Host tool calls (`SubcallHandler::tool`): the registered [`Tool`](crate::Tool) runs under its
//! time limit (enforced with `tokio::time::timeout`), counted against the completion's cap on tool
//! calls (shared by every depth), its result's JSON within the sandbox's result cap. Every call is
//! reported when it ends, also when its future is dropped because the cell was cancelled: a
//! [`Event::ToolCallFinished`] event and a [`ToolCallDetail`] for the cell's record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_repl::{SubcallError, SubcallErrorKind};

use super::Handler;
use crate::Event;
use crate::run::RunShared;
use crate::trajectory::{PROMPT_EXCERPT_CHARS, RESPONSE_EXCERPT_CHARS, ToolCallDetail, excerpt};

/// Reports one tool call when it ends; when dropped unfinished (the cell was cancelled), reports
/// it as cancelled.
struct Report<'a> {
    handler: &'a Handler,
    shared: &'a RunShared,
    name: &'a str,
    arguments: &'a str,
    started: Instant,
    finished: bool,
}

impl Report<'_> {
    fn finish(&mut self, result: &Result<String, SubcallError>) {
        self.finished = true;
        let duration = self.started.elapsed();
        let (output, output_chars, error) = match result {
            Ok(text) => (
                Some(excerpt(text, RESPONSE_EXCERPT_CHARS)),
                text.chars().count(),
                None,
            ),
            Err(e) => (None, 0, Some(e.message().to_owned())),
        };
        let arguments = excerpt(self.arguments, PROMPT_EXCERPT_CHARS);
        self.shared.events.emit(&Event::ToolCallFinished {
            depth: self.handler.depth,
            run_id: self.handler.run_id,
            name: self.name.to_owned(),
            arguments_excerpt: arguments.clone(),
            duration,
            error: error.clone(),
        });
        self.shared.log_tool_call(
            self.handler.run_id,
            ToolCallDetail {
                name: self.name.to_owned(),
                arguments,
                arguments_chars: self.arguments.chars().count(),
                result: output,
                result_chars: output_chars,
                error,
                started_ms: self.shared.offset_ms(self.started),
                duration_ms: crate::engine::millis(duration),
            },
        );
    }
}

impl Drop for Report<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let cancelled = SubcallError::new(
                SubcallErrorKind::Cancelled,
                "the cell was cancelled while the tool ran",
            );
            self.finish(&Err(cancelled));
        }
    }
}

impl Handler {
    /// Runs the tool `name` on `arguments` (the JSON array of the code's arguments) and reports it.
    pub(super) async fn run_tool(
        &self,
        shared: &Arc<RunShared>,
        name: &str,
        arguments: &str,
    ) -> Result<String, SubcallError> {
        shared.events.emit(&Event::ToolCallStarted {
            depth: self.depth,
            run_id: self.run_id,
            name: name.to_owned(),
        });
        let mut report = Report {
            handler: self,
            shared,
            name,
            arguments,
            started: Instant::now(),
            finished: false,
        };
        let span = tracing::info_span!("tool_call", depth = self.depth, tool = name);
        let result = tracing::Instrument::instrument(call(shared, name, arguments), span).await;
        report.finish(&result);
        result
    }
}

/// The call itself: the cap, the arguments, the handler under its time limit, the result's size.
async fn call(shared: &RunShared, name: &str, arguments: &str) -> Result<String, SubcallError> {
    let settings = &shared.settings;
    let Some(tool) = settings.tool(name) else {
        return Err(SubcallError::new(
            SubcallErrorKind::Unavailable,
            format!("there is no tool named {name}"),
        ));
    };
    shared.reserve_tool_call().map_err(|limit| {
        SubcallError::new(
            SubcallErrorKind::Refused,
            format!(
                "the limit of {limit} tool calls per run is reached; no more tool calls in this run"
            ),
        )
    })?;
    let arguments: serde_json::Value = serde_json::from_str(arguments).map_err(|e| {
        SubcallError::new(
            SubcallErrorKind::Other,
            format!("the arguments of {name} are not JSON: {e}"),
        )
    })?;
    let limit = tool.timeout().unwrap_or(settings.tool_timeout);
    let value = match tokio::time::timeout(limit, tool.call(arguments)).await {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => return Err(SubcallError::new(SubcallErrorKind::Other, e.message())),
        Err(_) => return Err(timed_out(name, limit)),
    };
    let text = serde_json::to_string(&value).map_err(|e| {
        SubcallError::new(
            SubcallErrorKind::Other,
            format!("the result of {name} cannot be written as JSON: {e}"),
        )
    })?;
    let cap = settings.sandbox_limits.max_tool_result_bytes;
    if text.len() > cap {
        return Err(SubcallError::new(
            SubcallErrorKind::TooLarge,
            format!(
                "the result of {name} is {} bytes of JSON, more than the {cap} a tool result may hold; ask for less",
                text.len()
            ),
        ));
    }
    Ok(text)
}

fn timed_out(name: &str, limit: Duration) -> SubcallError {
    SubcallError::new(
        SubcallErrorKind::Timeout,
        format!(
            "the tool {name} did not answer within its time limit of {} s",
            limit.as_secs_f64()
        ),
    )
}
