//! Running an iteration's code blocks in the sandbox: in order, each under the wall-clock cell limit,
//! stopping at the first that gives an answer, with the text the model sees for each.

use std::time::{Duration, Instant};

use rlm_repl::{CellResult, truncate_middle};

use super::Engine;
use crate::RlmError;
use crate::trajectory::{SubcallDetail, ToolCallDetail};

/// What the model is told when `FINAL` / `FINAL_VAR` from code gave an empty answer.
const EMPTY_FROM_CODE: &str = "FINAL / FINAL_VAR was called from code with an empty value, so it is \
not an answer. Compute the answer first, then finish with it.";

/// Whether an answer is empty or whitespace only: such an answer does not end the run.
pub(super) fn is_blank(answer: &str) -> bool {
    answer.trim().is_empty()
}

/// What one iteration's cells and reply produced.
#[derive(Default)]
pub(super) struct CellsOutcome {
    pub(super) cells: Vec<CellResult>,
    /// For each cell: when it started and the details of its sub-calls.
    pub(super) traces: Vec<CellTrace>,
    /// One text per block for the next user turn, plus notes (undefined `FINAL_VAR`).
    pub(super) feedback: Vec<String>,
    pub(super) answer: Option<String>,
    pub(super) duration: Duration,
}

/// When a cell started (milliseconds from the completion's start), the sub-calls and the tool calls
/// it made.
pub(super) struct CellTrace {
    pub(super) started_ms: u64,
    pub(super) subcalls: Vec<SubcallDetail>,
    pub(super) tool_calls: Vec<ToolCallDetail>,
}

impl Engine<'_> {
    /// Runs the blocks in order, stopping at the first one that gives an answer.
    pub(super) async fn run_cells(&mut self, blocks: &[String]) -> Result<CellsOutcome, RlmError> {
        let started = Instant::now();
        let mut outcome = CellsOutcome::default();
        let cap = self.shared.settings.sandbox_limits.output_cap_chars;
        for (index, code) in blocks.iter().enumerate() {
            let cell_started = Instant::now();
            let cell = self.execute(code).await?;
            // Sub-calls still running when a cell passed its wall-clock limit land in the next cell.
            outcome.traces.push(CellTrace {
                started_ms: self.shared.offset_ms(cell_started),
                subcalls: self.shared.take_subcalls(self.spec.run_id),
                tool_calls: self.shared.take_tool_calls(self.spec.run_id),
            });
            if let Some(note) = &cell.restart {
                tracing::warn!(depth = self.spec.depth, "the sandbox process was restarted");
                self.shared.events.emit(&crate::Event::SandboxRestarted {
                    depth: self.spec.depth,
                    note: note.clone(),
                });
            }
            let rendered = model_view(&cell, cap);
            self.shared.events.emit(&crate::Event::CellFinished {
                depth: self.spec.depth,
                run_id: self.spec.run_id,
                iteration: self.iteration,
                index,
                output: rendered.clone(),
                error: cell.error.clone(),
                final_answer: cell.final_answer.clone(),
                duration: cell.duration,
            });
            if self.is_root()
                && cell.error.is_none()
                && (!cell.stdout.trim().is_empty() || cell.value.is_some())
            {
                self.shared.budget.set_partial_output(&rendered);
            }
            outcome.feedback.push(format!(
                "Code block {} of {}:\n```repl\n{code}\n```\nOutput:\n{rendered}",
                index + 1,
                blocks.len()
            ));
            let answer = cell.final_answer.clone();
            outcome.cells.push(cell);
            match answer {
                Some(answer) if is_blank(&answer) => outcome.feedback.push(EMPTY_FROM_CODE.into()),
                Some(answer) => {
                    outcome.answer = Some(answer);
                    break;
                }
                None => {}
            }
        }
        outcome.duration = started.elapsed();
        Ok(outcome)
    }

    /// Runs one cell under the wall-clock cell limit; a cell that passes it becomes a cell error.
    async fn execute(&self, code: &str) -> Result<CellResult, RlmError> {
        let limit = self.shared.settings.cell_timeout;
        if let Ok(cell) = tokio::time::timeout(limit, self.sandbox.execute(code)).await {
            return Ok(cell?);
        }
        tracing::warn!(?limit, "a cell passed its wall-clock limit");
        let mut cell = CellResult::default();
        cell.error = Some(cell_timeout_message(limit));
        cell.duration = limit;
        Ok(cell)
    }
}

/// The text the model sees for a cell, cut from the middle to `cap` characters. When the sandbox has
/// already cut the printed output (to the same cap, with its own `[... N characters omitted ...]`
/// marker), that output is kept as it is, and only the echoed value and error after it are cut, so the
/// model never sees a second cut through the first one's marker.
fn model_view(cell: &CellResult, cap: usize) -> String {
    if cell.truncated_chars == 0 {
        return truncate_middle(&cell.render(), cap);
    }
    let stdout = cell.stdout.trim_end_matches('\n');
    if cell.value.is_none() && cell.error.is_none() {
        return stdout.to_owned();
    }
    let mut rest = cell.clone();
    rest.stdout = String::new();
    format!("{stdout}\n{}", truncate_middle(&rest.render(), cap))
}

/// The error a cell that passed the wall-clock cell limit shows the model.
fn cell_timeout_message(limit: Duration) -> String {
    format!(
        "Error: the cell ran longer than its wall-clock limit of {limit:?} and was stopped; \
         split the work into smaller cells, prefer llm_batch over many sequential llm_query calls"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_view_cuts_once() {
        let mut short = CellResult::default();
        short.stdout = "abc\n".into();
        short.error = Some("E".repeat(50));
        assert_eq!(model_view(&short, 10), truncate_middle(&short.render(), 10));
        let mut cut = CellResult::default();
        cut.stdout = "hhhhh\n[... 90 characters omitted ...]\nttttt\n".into();
        cut.error = Some("E".repeat(50));
        cut.truncated_chars = 90;
        let view = model_view(&cut, 10);
        assert!(
            view.starts_with("hhhhh\n[... 90 characters omitted ...]\nttttt\nEEEEE\n"),
            "{view}"
        );
        assert!(
            view.ends_with("[... 40 characters omitted ...]\nEEEEE"),
            "{view}"
        );
    }
}
