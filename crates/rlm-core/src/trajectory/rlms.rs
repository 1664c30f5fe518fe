//! Export to the log format of the reference Python library (alexzhang13/rlm, `rlm/logger/`), which its
//! visualizer reads (`visualizer/src/lib/types.ts`): a `metadata` line, then one `iteration` line per
//! root-model turn of the top-level run. The mapping, and what has no counterpart, is in
//! docs/VIEWER.md.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{CellRecord, IterationRecord, SubcallDetail, Trajectory, TrajectoryRecord};

/// What the top-level run's earlier turns became after a compaction, in the exported prompt.
const COMPACTED_NOTE: &str = "[rlm: the earlier turns were compacted; the model's summary follows]";

impl Trajectory {
    /// The trajectory as the lines the reference Python library's `RLMLogger` writes: a
    /// `{"type": "metadata", ...}` line, then one `{"type": "iteration", ...}` line per turn of the
    /// top-level run. A child run's turns are attached to the sub-call that started it, as the
    /// `metadata` (`{"run_metadata", "iterations"}`) of that `rlm_calls` item.
    pub fn to_rlms_lines(&self) -> Vec<Value> {
        let mut lines = vec![self.rlms_metadata()];
        lines.extend(self.rlms_iterations(0));
        lines
    }

    /// The `metadata` line.
    fn rlms_metadata(&self) -> Value {
        let mut line = json!({
            "type": "metadata",
            "timestamp": self.timestamp(Some(0)),
        });
        if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), self.run_metadata()) {
            line.extend(fields);
        }
        line
    }

    /// The configuration, as `RLMMetadata.to_dict()` spells it.
    fn run_metadata(&self) -> Value {
        let m = &self.metadata;
        let mut others: Vec<&str> = Vec::new();
        if !m.sub_model.is_empty() {
            others.push(&m.sub_model);
        }
        others.extend(m.named_sub_models.iter().map(String::as_str));
        json!({
            "root_model": m.root_model,
            "max_depth": m.max_depth,
            "max_iterations": m.max_iterations,
            "backend": "rlm",
            "backend_kwargs": {
                "model_name": m.root_model,
                "sub_model": m.sub_model,
                "named_sub_models": m.named_sub_models,
                "max_concurrent": m.max_concurrent,
                "rlm_version": m.rlm_version,
            },
            "environment_type": "quickjs",
            "environment_kwargs": {
                "context_kind": m.context_kind,
                "context_chars": m.context_chars,
                "context_index": m.context_index,
                "limits": m.limits,
            },
            "other_backends": if others.is_empty() { Value::Null } else { json!(others) },
        })
    }

    /// The `iteration` lines of run `run_id`, with the whole prompt of each turn rebuilt from the
    /// messages the records add.
    fn rlms_iterations(&self, run_id: u64) -> Vec<Value> {
        let mut prompt: Vec<Value> = Vec::new();
        let mut lines = Vec::new();
        for record in &self.records {
            match record {
                TrajectoryRecord::Iteration(it) if it.run_id == run_id => {
                    prompt.extend(it.messages.iter().map(|message| {
                        json!({"role": message.role.as_str(), "content": message.content})
                    }));
                    lines.push(self.rlms_iteration(it, &prompt));
                }
                TrajectoryRecord::Compaction(c) if c.run_id == run_id => {
                    prompt.truncate(2);
                    if let Some(first) = prompt.get_mut(1) {
                        let content = first["content"].as_str().unwrap_or_default();
                        first["content"] =
                            json!(format!("{content}\n\n{COMPACTED_NOTE}\n{}", c.summary));
                    }
                }
                _ => {}
            }
        }
        lines
    }

    fn rlms_iteration(&self, it: &IterationRecord, prompt: &[Value]) -> Value {
        let blocks: Vec<Value> = it
            .code_blocks
            .iter()
            .enumerate()
            .map(|(index, code)| {
                json!({"code": code, "result": self.repl_result(it.cells.get(index))})
            })
            .collect();
        json!({
            "type": "iteration",
            "iteration": it.iteration,
            "timestamp": self.timestamp(it.started_ms),
            "prompt": prompt,
            "response": it.reply,
            "code_blocks": blocks,
            "final_answer": it.answer,
            "iteration_time": seconds(it.model_ms.saturating_add(it.cells_ms)),
        })
    }

    /// A `REPLResult`; a block that did not run (an earlier one gave the answer) has an empty one.
    fn repl_result(&self, cell: Option<&CellRecord>) -> Value {
        let Some(cell) = cell else {
            return json!({
                "stdout": "", "stderr": "", "locals": {}, "execution_time": 0.0,
                "rlm_calls": [], "final_answer": null,
            });
        };
        let mut stdout = cell.stdout.clone();
        if let Some(value) = &cell.value {
            if !stdout.is_empty() && !stdout.ends_with('\n') {
                stdout.push('\n');
            }
            stdout.push_str(value);
        }
        let stderr: Vec<&str> = cell
            .error
            .iter()
            .chain(cell.restart.iter())
            .map(String::as_str)
            .collect();
        json!({
            "stdout": stdout,
            "stderr": stderr.join("\n"),
            "locals": {},
            "execution_time": seconds(cell.duration_ms),
            "rlm_calls": cell.subcall_details.iter().map(|d| self.rlm_call(d)).collect::<Vec<_>>(),
            "final_answer": cell.final_answer,
        })
    }

    /// One `RLMChatCompletion`: the fields the visualizer reads (`prompt`, `response`,
    /// `prompt_tokens`, `completion_tokens`, `execution_time`) and those the logger writes
    /// (`root_model`, `usage_summary`, `error`, `metadata` for a child run).
    fn rlm_call(&self, detail: &SubcallDetail) -> Value {
        let usage = detail.usage;
        let mut summaries = BTreeMap::new();
        summaries.insert(
            detail.model.clone(),
            json!({
                "total_calls": 1,
                "total_input_tokens": usage.prompt_tokens,
                "total_output_tokens": usage.completion_tokens,
            }),
        );
        let mut call = json!({
            "root_model": detail.model,
            "prompt": detail.prompt,
            "response": detail.response.clone().unwrap_or_default(),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "usage_summary": {"model_usage_summaries": summaries},
            "execution_time": seconds(detail.duration_ms),
        });
        if let Some(error) = &detail.error {
            call["error"] = json!(error);
        }
        if let Some(child) = detail.child_run_id {
            call["metadata"] = json!({
                "run_metadata": self.run_metadata(),
                "iterations": self.rlms_iterations(child),
            });
        }
        call
    }

    /// The time `offset_ms` after the completion's start, as Python's `isoformat()` writes an aware
    /// UTC time; empty when the start is unknown (older files).
    fn timestamp(&self, offset_ms: Option<u64>) -> String {
        match (self.metadata.started_unix_ms, offset_ms) {
            (Some(start), Some(offset)) => iso_utc(start.saturating_add(offset)),
            (Some(start), None) => iso_utc(start),
            (None, _) => String::new(),
        }
    }
}

/// Milliseconds as seconds.
#[allow(
    clippy::cast_precision_loss,
    reason = "durations far below 2^52 ms are exact"
)]
fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// `unix_ms` as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` (UTC).
pub(crate) fn iso_utc(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        (unix_ms % 1000) * 1000
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[path = "rlms_tests.rs"]
mod tests;
