//! The trajectory of a run: metadata, then one record per root-model iteration, written as JSON Lines.
//!
//! Line 1 is the run metadata (models, limits, context kind and length: never the context itself, never a
//! key). Each following line is a child-run start, an iteration record or a compaction; the last line is
//! the outcome (answer or error, usage, cost), missing when the run was killed. Iteration records hold
//! only the messages appended to the request since the previous iteration of the same run, so the file
//! grows linearly; child runs (`rlm_query`) share the file and are told apart by `run_id` /
//! `parent_run_id`. Each cell record lists its sub-calls with bounded excerpts (`detail`). The format is
//! documented in docs/VIEWER.md.
//!
//! `records` holds the record types, `detail` the sub-call details, `outcome` the last record,
//! `writer` the line-by-line writer, `partial` the reader of a file cut short, `rlms` the export to the
//! reference Python library's log format.

mod detail;
mod outcome;
mod partial;
mod records;
mod rlms;
mod writer;

use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub(crate) use detail::excerpt;
pub use detail::{
    PROMPT_EXCERPT_CHARS, RESPONSE_EXCERPT_CHARS, RETRY_ERROR_CHARS, RetryRecord, SubcallDetail,
    ToolCallDetail,
};
pub use outcome::OutcomeRecord;
pub use partial::PartialTrajectory;
pub use records::{
    CellRecord, ChildRunRecord, CompactionRecord, IterationRecord, LimitsRecord, RunMetadata,
    TrajectoryRecord,
};
pub use writer::TrajectoryWriter;

/// One line of the file.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Run(RunMetadata),
    ChildRun(ChildRunRecord),
    Iteration(IterationRecord),
    Compaction(CompactionRecord),
    Outcome(OutcomeRecord),
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
            _ => None,
        })
    }

    /// The outcome record (the last line of a run that was not killed), if any.
    pub fn outcome(&self) -> Option<&OutcomeRecord> {
        self.records.iter().rev().find_map(|r| match r {
            TrajectoryRecord::Outcome(outcome) => Some(outcome),
            _ => None,
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

    /// Reads a trajectory written by [`Self::write_jsonl`]. Blank lines are skipped. A file cut short
    /// (a killed run) is read by [`Self::read_partial`].
    pub fn read_jsonl(input: impl BufRead) -> Result<Self, TrajectoryError> {
        let mut reader = LineReader::default();
        for (index, line) in input.lines().enumerate() {
            reader.line(index + 1, &line?)?;
        }
        reader.finish()
    }
}

/// Builds a trajectory line by line.
#[derive(Default)]
struct LineReader {
    metadata: Option<RunMetadata>,
    records: Vec<TrajectoryRecord>,
}

impl LineReader {
    /// Parses line `number` (1-based) and keeps its record; blank lines are skipped.
    fn line(&mut self, number: usize, line: &str) -> Result<(), TrajectoryError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let parsed: Line = serde_json::from_str(line).map_err(|source| TrajectoryError::Json {
            line: number,
            source,
        })?;
        let record = match (parsed, &self.metadata) {
            (Line::Run(m), None) => {
                self.metadata = Some(m);
                return Ok(());
            }
            (_, None) => return Err(TrajectoryError::MissingMetadata),
            (Line::Run(_), Some(_)) => {
                return Err(TrajectoryError::DuplicateMetadata { line: number });
            }
            (Line::ChildRun(c), Some(_)) => TrajectoryRecord::ChildRun(c),
            (Line::Iteration(i), Some(_)) => TrajectoryRecord::Iteration(i),
            (Line::Compaction(c), Some(_)) => TrajectoryRecord::Compaction(c),
            (Line::Outcome(o), Some(_)) => TrajectoryRecord::Outcome(o),
        };
        self.records.push(record);
        Ok(())
    }

    fn finish(self) -> Result<Trajectory, TrajectoryError> {
        let metadata = self.metadata.ok_or(TrajectoryError::MissingMetadata)?;
        Ok(Trajectory {
            metadata,
            records: self.records,
        })
    }
}
