//! The records of a trajectory: the run metadata (line 1), child-run starts, iterations with their
//! cells, compactions. Fields added after the first release are optional (`serde(default)`), so older
//! files still load.

use rlm_client::{Message, Usage};
use serde::{Deserialize, Serialize};

use super::detail::{RetryRecord, SubcallDetail, ToolCallDetail};
use super::outcome::OutcomeRecord;

/// Everything about a run except its context: line 1 of the JSON Lines file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunMetadata {
    /// Version of rlm-core that wrote the file.
    pub rlm_version: String,
    /// Default model of the root client.
    pub root_model: String,
    /// Default model of the sub client.
    pub sub_model: String,
    /// Names of the named sub-models code may choose (the default one not included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_sub_models: Vec<String>,
    /// Names of the host tools code may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Iteration limit of each run.
    pub max_iterations: usize,
    /// Recursion depth limit.
    pub max_depth: usize,
    /// Global cap on concurrent sub-calls.
    pub max_concurrent: usize,
    /// The limits of the run.
    pub limits: LimitsRecord,
    /// Kind of the context: `text`, `json_array`, `json_object` or `json_scalar`.
    pub context_kind: String,
    /// Length of the context as JavaScript measures it (UTF-16 code units): `context.length` for
    /// text, the sum of the items' lengths for JSON.
    pub context_chars: usize,
    /// Index `N` of the context in its sandbox (`context_N`; always 0 outside a session).
    pub context_index: usize,
    /// When the completion started, in milliseconds since the Unix epoch (UTC). Every `started_ms`
    /// of the other records is an offset from this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_ms: Option<u64>,
}

/// The limits of a run, in plain numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LimitsRecord {
    /// Token budget.
    pub token_budget: Option<u64>,
    /// Cost budget in USD.
    pub cost_budget_usd: Option<f64>,
    /// Timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Consecutive-error limit.
    pub max_consecutive_errors: Option<usize>,
    /// Sub-call limit.
    pub max_subcalls: Option<u64>,
    /// Tool-call limit (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_calls: Option<u64>,
}

/// A child run (`rlm_query` / `rlm_batch`) started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChildRunRecord {
    /// Id of the child run.
    pub run_id: u64,
    /// Id of the run whose code started it.
    pub parent_run_id: u64,
    /// Depth of the child.
    pub depth: usize,
    /// Characters of its context (the prompt).
    pub context_chars: usize,
    /// Name of the sub-model the child's loop calls (empty in older files).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// Milliseconds from the completion's start to the child's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
}

/// What one code cell did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CellRecord {
    /// Printed output (already cut to the output cap by the sandbox).
    pub stdout: String,
    /// The error that ended the cell.
    pub error: Option<String>,
    /// Echoed value of the last expression.
    pub value: Option<String>,
    /// Answer given with `FINAL` / `FINAL_VAR` from code.
    pub final_answer: Option<String>,
    /// Wall-clock milliseconds.
    pub duration_ms: u64,
    /// Sub-calls made.
    pub subcalls: usize,
    /// Sub-calls that failed.
    pub failed_subcalls: usize,
    /// Set when a process sandbox was restarted during or just before the cell: what was lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    /// Milliseconds from the completion's start to the cell's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    /// Each sub-call the cell's code made that reached the sub-call handler, in the order they
    /// finished: prompt and reply excerpts, model, timing, tokens, error, retries (see
    /// [`SubcallDetail`]). Empty in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcall_details: Vec<SubcallDetail>,
    /// Each host tool call the cell's code made, in the order they finished (see
    /// [`ToolCallDetail`]). Empty in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallDetail>,
}

/// The older turns of a run were replaced by a summary the root model wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompactionRecord {
    /// Id of the run.
    pub run_id: u64,
    /// Depth of the run.
    pub depth: usize,
    /// The iteration about to call the model when the history was compacted.
    pub iteration: usize,
    /// Messages of the history before.
    pub messages_before: usize,
    /// Estimated tokens of the history before.
    pub tokens_before: u64,
    /// Estimated tokens of the history after.
    pub tokens_after: u64,
    /// The summary the model wrote.
    pub summary: String,
    /// Tokens of the summary call.
    pub usage: Usage,
}

/// One root-model iteration of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IterationRecord {
    /// Id of the run (0 = the top-level run).
    pub run_id: u64,
    /// Id of the parent run, for child runs.
    pub parent_run_id: Option<u64>,
    /// Depth of the run.
    pub depth: usize,
    /// Iteration number, from 1. The final-answer request after `max_iterations` is `max_iterations + 1`.
    pub iteration: usize,
    /// Whether this is the final-answer request made after the last iteration.
    pub final_request: bool,
    /// Messages appended to the request since the previous iteration of this run.
    pub messages: Vec<Message>,
    /// The model's reply.
    pub reply: String,
    /// Code blocks found in the reply.
    pub code_blocks: Vec<String>,
    /// Results of the blocks that ran, in order.
    pub cells: Vec<CellRecord>,
    /// The answer, when this iteration ended the run.
    pub answer: Option<String>,
    /// Milliseconds spent in the root-model call.
    pub model_ms: u64,
    /// Milliseconds spent running cells (sub-calls included).
    pub cells_ms: u64,
    /// Tokens of this iteration's root-model call (sub-calls are in the run's usage summary).
    pub usage: Usage,
    /// Milliseconds from the completion's start to the iteration's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    /// Retries of this iteration's root-model call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryRecord>,
}

/// One line after the metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrajectoryRecord {
    /// A child run started.
    ChildRun(ChildRunRecord),
    /// An iteration finished.
    Iteration(IterationRecord),
    /// A history was compacted.
    Compaction(CompactionRecord),
    /// The completion ended: the last line of a trajectory whose run was not killed.
    Outcome(OutcomeRecord),
}
