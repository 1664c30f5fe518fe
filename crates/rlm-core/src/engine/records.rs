//! The trajectory records of a run's iterations: what was sent, what came back, what each cell did
//! (with the detail of its sub-calls), and when.

use rlm_client::Message;
use rlm_repl::CellResult;

use super::cells::{CellTrace, CellsOutcome};
use super::{Engine, Reply};
use crate::trajectory::{CellRecord, IterationRecord, TrajectoryRecord};

impl Engine<'_> {
    /// The record of a normal iteration.
    pub(super) fn iteration_record(
        &self,
        iteration: usize,
        messages: Vec<Message>,
        reply: &Reply,
        blocks: &[String],
        outcome: &mut CellsOutcome,
    ) -> TrajectoryRecord {
        let mut record = self.record(iteration, messages, reply, outcome.answer.clone());
        record.code_blocks = blocks.to_vec();
        let traces = std::mem::take(&mut outcome.traces);
        record.cells = outcome
            .cells
            .iter()
            .zip(traces)
            .map(|(cell, trace)| cell_record(cell, trace))
            .collect();
        record.cells_ms = millis(outcome.duration);
        TrajectoryRecord::Iteration(record)
    }

    /// The record of the final-answer request (no code runs in it).
    pub(super) fn final_request_record(
        &self,
        iteration: usize,
        messages: Vec<Message>,
        reply: &Reply,
        answer: Option<String>,
    ) -> TrajectoryRecord {
        let mut record = self.record(iteration, messages, reply, answer);
        record.final_request = true;
        TrajectoryRecord::Iteration(record)
    }

    /// An iteration record of this run with the model's side filled in and no cells.
    fn record(
        &self,
        iteration: usize,
        messages: Vec<Message>,
        reply: &Reply,
        answer: Option<String>,
    ) -> IterationRecord {
        IterationRecord {
            run_id: self.spec.run_id,
            parent_run_id: self.spec.parent_run_id,
            depth: self.spec.depth,
            iteration,
            final_request: false,
            messages,
            reply: reply.text.clone(),
            code_blocks: Vec::new(),
            cells: Vec::new(),
            answer,
            model_ms: millis(reply.elapsed),
            cells_ms: 0,
            usage: reply.usage,
            started_ms: Some(self.shared.offset_ms(self.iteration_started)),
            retries: reply.retries.clone(),
        }
    }
}

fn cell_record(cell: &CellResult, trace: CellTrace) -> CellRecord {
    CellRecord {
        stdout: cell.stdout.clone(),
        error: cell.error.clone(),
        value: cell.value.clone(),
        final_answer: cell.final_answer.clone(),
        duration_ms: millis(cell.duration),
        subcalls: cell.subcalls.len(),
        failed_subcalls: cell.subcalls.iter().filter(|s| s.error).count(),
        restart: cell.restart.clone(),
        started_ms: Some(trace.started_ms),
        subcall_details: trace.subcalls,
        tool_calls: trace.tool_calls,
    }
}

/// Milliseconds of a duration, saturating.
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
