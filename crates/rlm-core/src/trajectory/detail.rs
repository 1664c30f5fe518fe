//! The detail of each sub-call in a cell record: what was asked and answered (bounded excerpts with
//! the full lengths), which model, when it started and how long it took (offsets from the
//! completion's start, for a timeline), its tokens, its error and its retries.

use rlm_client::Usage;
use serde::{Deserialize, Serialize};

/// Characters of a sub-call's prompt kept in its [`SubcallDetail`].
pub const PROMPT_EXCERPT_CHARS: usize = 2_000;

/// Characters of a sub-call's reply kept in its [`SubcallDetail`].
pub const RESPONSE_EXCERPT_CHARS: usize = 4_000;

/// Characters of a retry's error message kept in its [`RetryRecord`].
pub const RETRY_ERROR_CHARS: usize = 500;

/// One sub-call (or one item of a batch) made by a cell's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubcallDetail {
    /// The function the code called: `llm_query`, `llm_batch`, `rlm_query` or `rlm_batch`.
    pub function: String,
    /// Id of the batch the item belongs to (unique within the completion), `None` for a single
    /// query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    /// Position of the item in its batch (0 for a single query).
    pub index: usize,
    /// Items in the call (1 for a single query).
    pub of: usize,
    /// Name of the sub-model asked.
    pub model: String,
    /// The first [`PROMPT_EXCERPT_CHARS`] characters of the prompt.
    pub prompt: String,
    /// Characters of the whole prompt.
    pub prompt_chars: usize,
    /// The first [`RESPONSE_EXCERPT_CHARS`] characters of the reply (`None` when the call failed).
    pub response: Option<String>,
    /// Characters of the whole reply.
    pub response_chars: usize,
    /// Why the call failed (the code saw `Error: ...`).
    pub error: Option<String>,
    /// Milliseconds from the completion's start to the item's start (for a batch item: when the
    /// batch's own concurrency let it start).
    pub started_ms: u64,
    /// Milliseconds from the item's start to its result, retries and waits included.
    pub duration_ms: u64,
    /// Tokens of the call (zero for a child run, whose calls are in its own iterations, and for a
    /// refused or failed call).
    pub usage: Usage,
    /// The retries of the call, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryRecord>,
    /// The child run it started (`rlm_query` / `rlm_batch` below the depth limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_run_id: Option<u64>,
}

/// One host tool call made by a cell's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCallDetail {
    /// The tool's name.
    pub name: String,
    /// The first [`PROMPT_EXCERPT_CHARS`] characters of the JSON array of its arguments.
    pub arguments: String,
    /// Characters of the whole arguments' JSON.
    pub arguments_chars: usize,
    /// The first [`RESPONSE_EXCERPT_CHARS`] characters of the result's JSON (`None` when the call
    /// failed).
    pub result: Option<String>,
    /// Characters of the whole result's JSON.
    pub result_chars: usize,
    /// Why the call failed (the code saw `Error: ...`).
    pub error: Option<String>,
    /// Milliseconds from the completion's start to the call's start.
    pub started_ms: u64,
    /// Milliseconds from the call's start to its result.
    pub duration_ms: u64,
}

/// One retry of a model call: an attempt failed with a transient error and the next one waited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetryRecord {
    /// Milliseconds from the completion's start to the failure.
    pub at_ms: u64,
    /// The attempt that failed (1 = the first).
    pub attempt: u32,
    /// Milliseconds waited before the next attempt.
    pub wait_ms: u64,
    /// Why the attempt failed (the first [`RETRY_ERROR_CHARS`] characters).
    pub error: String,
}

impl RetryRecord {
    /// A retry of `attempt` at `at_ms` that waits `wait_ms`, failed with `error` (cut to
    /// [`RETRY_ERROR_CHARS`]).
    pub(crate) fn new(at_ms: u64, attempt: u32, wait_ms: u64, error: &str) -> Self {
        Self {
            at_ms,
            attempt,
            wait_ms,
            error: excerpt(error, RETRY_ERROR_CHARS),
        }
    }
}

/// The first `max` characters of `text` (whole characters; the full length is recorded beside it).
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_whole_characters() {
        assert_eq!(excerpt("héllo", 2), "hé");
        assert_eq!(excerpt("héllo", 5), "héllo");
        assert_eq!(excerpt("héllo", 50), "héllo");
        assert_eq!(excerpt("", 3), "");
        let long = "é".repeat(PROMPT_EXCERPT_CHARS + 10);
        assert_eq!(
            excerpt(&long, PROMPT_EXCERPT_CHARS).chars().count(),
            PROMPT_EXCERPT_CHARS
        );
        let retry = RetryRecord::new(5, 1, 500, &"x".repeat(RETRY_ERROR_CHARS * 2));
        assert_eq!(retry.error.len(), RETRY_ERROR_CHARS);
    }

    #[test]
    fn old_cell_records_load_without_details() {
        let old = r#"{"stdout":"hi","error":null,"value":null,"final_answer":null,"duration_ms":3,"subcalls":2,"failed_subcalls":0}"#;
        let Ok(cell) = serde_json::from_str::<crate::CellRecord>(old) else {
            panic!("an old cell record loads");
        };
        assert!(cell.subcall_details.is_empty());
        assert_eq!((cell.subcalls, cell.started_ms), (2, None));
    }
}
