//! The trajectory of a run: metadata, then one record per root-model iteration, written as JSON Lines.
//!
//! Line 1 is the run metadata (models, limits, context kind and length: never the context itself, never a
//! key). Each following line is a child-run start or an iteration record. Iteration records hold only the
//! messages appended to the request since the previous iteration of the same run, so the file grows
//! linearly; child runs (`rlm_query`) share the file and are told apart by `run_id` / `parent_run_id`.

use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use rlm_client::{Message, Usage};
use serde::{Deserialize, Serialize};

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
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Run(RunMetadata),
    ChildRun(ChildRunRecord),
    Iteration(IterationRecord),
    Compaction(CompactionRecord),
}

/// Why a trajectory file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrajectoryError {
    /// Reading or writing failed.
    #[error("trajectory I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// A line is not a valid record.
    #[error("trajectory line {line} is not a valid record: {source}")]
    Json {
        /// 1-based line number.
        line: usize,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The first line is not the run metadata (or the file is empty).
    #[error("the trajectory does not start with a run metadata line")]
    MissingMetadata,
    /// A second run metadata line was found.
    #[error("trajectory line {line} is a second run metadata line")]
    DuplicateMetadata {
        /// 1-based line number.
        line: usize,
    },
}

/// A whole trajectory: metadata then records in the order they happened.
///
/// ```
/// # fn demo(answer: &rlm_core::RlmAnswer) -> Result<(), rlm_core::TrajectoryError> {
/// let mut buffer = Vec::new();
/// answer.trajectory.write_jsonl(&mut buffer)?;
/// let back = rlm_core::Trajectory::read_jsonl(buffer.as_slice())?;
/// assert_eq!(back, answer.trajectory);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Line 1.
    pub metadata: RunMetadata,
    /// The other lines.
    pub records: Vec<TrajectoryRecord>,
}

impl Trajectory {
    /// The iteration records, in order.
    pub fn iterations(&self) -> impl Iterator<Item = &IterationRecord> {
        self.records.iter().filter_map(|r| match r {
            TrajectoryRecord::Iteration(it) => Some(it),
            TrajectoryRecord::ChildRun(_) | TrajectoryRecord::Compaction(_) => None,
        })
    }

    /// Writes the trajectory as JSON Lines.
    pub fn write_jsonl(&self, out: impl Write) -> Result<(), TrajectoryError> {
        let mut writer = TrajectoryWriter::new(out);
        writer.metadata(&self.metadata)?;
        for record in &self.records {
            writer.record(record)?;
        }
        Ok(())
    }

    /// Writes the trajectory as JSON Lines to a new file at `path` (replacing an existing one).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), TrajectoryError> {
        let file = File::create(path)?;
        self.write_jsonl(BufWriter::new(file))
    }

    /// Reads a trajectory written by [`Self::write_jsonl`]. Blank lines are skipped.
    pub fn read_jsonl(input: impl BufRead) -> Result<Self, TrajectoryError> {
        let mut metadata = None;
        let mut records = Vec::new();
        for (index, line) in input.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Line =
                serde_json::from_str(&line).map_err(|source| TrajectoryError::Json {
                    line: index + 1,
                    source,
                })?;
            match (parsed, &metadata) {
                (Line::Run(m), None) => metadata = Some(m),
                (_, None) => return Err(TrajectoryError::MissingMetadata),
                (Line::Run(_), Some(_)) => {
                    return Err(TrajectoryError::DuplicateMetadata { line: index + 1 });
                }
                (Line::ChildRun(c), Some(_)) => records.push(TrajectoryRecord::ChildRun(c)),
                (Line::Iteration(i), Some(_)) => records.push(TrajectoryRecord::Iteration(i)),
                (Line::Compaction(c), Some(_)) => records.push(TrajectoryRecord::Compaction(c)),
            }
        }
        let metadata = metadata.ok_or(TrajectoryError::MissingMetadata)?;
        Ok(Self { metadata, records })
    }
}

/// Writes a trajectory line by line as a run goes (the [`crate::RunUpdate::Metadata`] and
/// [`crate::RunUpdate::Record`] updates of a streamed run), flushing after each line, so a run that is
/// killed leaves a valid prefix that [`Trajectory::read_jsonl`] reads.
///
/// ```
/// use rlm_core::{RunMetadata, Trajectory, TrajectoryWriter};
/// let mut buffer = Vec::new();
/// TrajectoryWriter::new(&mut buffer).metadata(&RunMetadata::default())?;
/// assert!(Trajectory::read_jsonl(buffer.as_slice())?.records.is_empty());
/// # Ok::<(), rlm_core::TrajectoryError>(())
/// ```
#[derive(Debug)]
pub struct TrajectoryWriter<W: Write> {
    out: W,
}

impl<W: Write> TrajectoryWriter<W> {
    /// A writer to `out` (wrap a file in a `BufWriter`: every line is flushed anyway).
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// Writes line 1, the run metadata.
    pub fn metadata(&mut self, metadata: &RunMetadata) -> Result<(), TrajectoryError> {
        self.line(&Line::Run(metadata.clone()))
    }

    /// Writes the next record.
    pub fn record(&mut self, record: &TrajectoryRecord) -> Result<(), TrajectoryError> {
        let line = match record {
            TrajectoryRecord::ChildRun(c) => Line::ChildRun(c.clone()),
            TrajectoryRecord::Iteration(i) => Line::Iteration(i.clone()),
            TrajectoryRecord::Compaction(c) => Line::Compaction(c.clone()),
        };
        self.line(&line)
    }

    fn line(&mut self, line: &Line) -> Result<(), TrajectoryError> {
        serde_json::to_writer(&mut self.out, line).map_err(|e| TrajectoryError::Io(e.into()))?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(())
    }
}
