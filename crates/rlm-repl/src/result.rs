//! What one cell produced: `CellResult`, and the record of each sub-call it made.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::SubcallKind;

/// One sub-call made by a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubcallRecord {
    /// Which function family made it.
    pub kind: SubcallKind,
    /// Characters in the prompt.
    pub prompt_chars: usize,
    /// Characters in the response (or in the error message).
    pub response_chars: usize,
    /// Time the call took (for a batch item: the time of the whole batch).
    pub duration: Duration,
    /// Whether the call failed.
    pub error: bool,
}

/// The outcome of running one cell.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CellResult {
    /// Captured `print` / `console.*` output, cut from the middle to the output cap.
    pub stdout: String,
    /// The error that ended the cell (`Name: message (line N)`), or a limit that stopped it.
    pub error: Option<String>,
    /// The value of a bare last expression, shown like Node's REPL, when not `undefined`.
    pub value: Option<String>,
    /// The answer recorded with `FINAL` / `FINAL_VAR`, if any.
    pub final_answer: Option<String>,
    /// Wall-clock time of the cell.
    pub duration: Duration,
    /// Sub-calls the cell made, in order.
    pub subcalls: Vec<SubcallRecord>,
    /// Names of the user's variables after the cell.
    pub variables: Vec<String>,
    /// Characters of output cut from the middle of `stdout`.
    pub truncated_chars: usize,
    /// Set when a process sandbox was restarted during or just before this cell: what the
    /// restart cost (the variables of earlier cells) and what was reloaded (the contexts).
    pub restart: Option<String>,
}

impl CellResult {
    /// The text the model sees for this cell: output, echoed value, error, the restart note, and
    /// a note when the cell produced nothing.
    pub fn render(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.stdout.is_empty() {
            parts.push(self.stdout.trim_end_matches('\n').to_owned());
        }
        if let Some(value) = &self.value {
            parts.push(value.clone());
        }
        if let Some(error) = &self.error {
            parts.push(error.clone());
        }
        if let Some(restart) = &self.restart {
            parts.push(restart.clone());
        }
        if parts.is_empty() {
            parts.push("(no output)".to_owned());
        }
        parts.join("\n")
    }
}

impl fmt::Display for CellResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}
