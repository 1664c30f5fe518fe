//! `TrajectoryWriter`: a trajectory written line by line as the run goes.

use std::io::Write;

use serde::Serialize;

use super::{Line, RunMetadata, TrajectoryError, TrajectoryRecord};

/// Writes a trajectory line by line as a run goes (the [`crate::RunUpdate::Metadata`] and
/// [`crate::RunUpdate::Record`] updates of a streamed run), flushing after each line, so a run that is
/// killed leaves a valid prefix that [`super::Trajectory::read_jsonl`] reads (and a run killed in the
/// middle of a line one that [`super::Trajectory::read_partial`] reads).
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
        // Tagged with `type` like the lines the reader parses.
        self.line(record)
    }

    fn line(&mut self, line: &impl Serialize) -> Result<(), TrajectoryError> {
        serde_json::to_writer(&mut self.out, line).map_err(|e| TrajectoryError::Io(e.into()))?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(())
    }
}
