//! Reading a trajectory whose run was killed: the file may end in the middle of a line (the writer
//! flushes whole lines, so only the last one can be cut). That last line is dropped and reported; a
//! bad line anywhere else is still an error.

use std::io::BufRead;

use super::{LineReader, Trajectory, TrajectoryError};

/// A trajectory read from a file that may have been cut short.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PartialTrajectory {
    /// Every whole record.
    pub trajectory: Trajectory,
    /// The 1-based number of the last line, when it was cut in the middle (no newline at its end and
    /// not a valid record) and so dropped.
    pub cut_line: Option<usize>,
    /// Lines in the file, the cut one included.
    pub lines: usize,
}

impl PartialTrajectory {
    /// Whether the trajectory ends with its outcome record (its run was not killed).
    pub fn is_complete(&self) -> bool {
        self.trajectory.outcome().is_some()
    }
}

impl From<Trajectory> for PartialTrajectory {
    /// A trajectory held in memory (a run's own): nothing cut, one line per record plus the metadata.
    fn from(trajectory: Trajectory) -> Self {
        Self {
            lines: trajectory.records.len() + 1,
            trajectory,
            cut_line: None,
        }
    }
}

impl Trajectory {
    /// Reads a trajectory that may be cut short: like [`Self::read_jsonl`], except that a last line
    /// without a newline that is not a valid record (a run killed while writing it) is dropped and
    /// reported in [`PartialTrajectory::cut_line`]. Whether the run ended is
    /// [`PartialTrajectory::is_complete`].
    ///
    /// ```
    /// let text = "{\"type\":\"run\",\"rlm_version\":\"0\",\"root_model\":\"r\",\"sub_model\":\"s\",\
    ///     \"max_iterations\":3,\"max_depth\":1,\"max_concurrent\":4,\"limits\":{\"token_budget\":null,\
    ///     \"cost_budget_usd\":null,\"timeout_ms\":null,\"max_consecutive_errors\":null,\
    ///     \"max_subcalls\":null},\"context_kind\":\"text\",\"context_chars\":5,\"context_index\":0}\n\
    ///     {\"type\":\"iteration\",\"run_id\":0,\"par";
    /// let read = rlm_core::Trajectory::read_partial(text.as_bytes())?;
    /// assert_eq!((read.cut_line, read.lines, read.is_complete()), (Some(2), 2, false));
    /// assert_eq!(read.trajectory.metadata.root_model, "r");
    /// # Ok::<(), rlm_core::TrajectoryError>(())
    /// ```
    pub fn read_partial(mut input: impl BufRead) -> Result<PartialTrajectory, TrajectoryError> {
        let mut reader = LineReader::default();
        let mut buffer = Vec::new();
        let mut number = 0;
        let mut cut_line = None;
        loop {
            buffer.clear();
            if input.read_until(b'\n', &mut buffer)? == 0 {
                break;
            }
            number += 1;
            let whole = buffer.ends_with(b"\n");
            let parsed = match std::str::from_utf8(&buffer) {
                Ok(text) => reader.line(number, text.trim_end_matches(['\n', '\r'])),
                Err(e) => Err(TrajectoryError::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("trajectory line {number} is not UTF-8: {e}"),
                ))),
            };
            match parsed {
                Ok(()) => {}
                // Only the last line can lack its newline: this is where the file was cut.
                Err(TrajectoryError::Json { .. } | TrajectoryError::Io(_)) if !whole => {
                    cut_line = Some(number);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(PartialTrajectory {
            trajectory: reader.finish()?,
            cut_line,
            lines: number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RunMetadata, TrajectoryRecord, TrajectoryWriter};

    fn file_of(records: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = TrajectoryWriter::new(&mut out);
        let _ = writer.metadata(&RunMetadata::default());
        for run_id in 0..records {
            let record = TrajectoryRecord::ChildRun(crate::ChildRunRecord {
                run_id: run_id as u64 + 1,
                parent_run_id: 0,
                depth: 1,
                context_chars: 7,
                model: "é-sub".into(),
                started_ms: Some(3),
            });
            let _ = writer.record(&record);
        }
        out
    }

    #[test]
    fn a_whole_file_reads_like_read_jsonl() -> Result<(), TrajectoryError> {
        let bytes = file_of(2);
        let read = Trajectory::read_partial(bytes.as_slice())?;
        assert_eq!(read.trajectory, Trajectory::read_jsonl(bytes.as_slice())?);
        assert_eq!(
            (read.cut_line, read.lines, read.is_complete()),
            (None, 3, false)
        );
        Ok(())
    }

    #[test]
    fn a_file_cut_anywhere_in_its_last_line_keeps_the_whole_lines() -> Result<(), TrajectoryError> {
        let bytes = file_of(2);
        let last_start = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        // Every cut inside the last line, including through the two bytes of `é`.
        for end in last_start + 1..bytes.len() - 1 {
            let read = Trajectory::read_partial(&bytes[..end])?;
            assert_eq!(read.trajectory.records.len(), 1, "cut at {end}");
            assert_eq!((read.cut_line, read.lines), (Some(3), 3), "cut at {end}");
        }
        // Cut right after a newline: nothing is lost.
        let read = Trajectory::read_partial(&bytes[..last_start])?;
        assert_eq!((read.trajectory.records.len(), read.cut_line), (1, None));
        // The last line whole but without its newline still counts.
        let read = Trajectory::read_partial(&bytes[..bytes.len() - 1])?;
        assert_eq!((read.trajectory.records.len(), read.cut_line), (2, None));
        Ok(())
    }

    #[test]
    fn a_bad_line_before_the_end_is_still_an_error() {
        let mut bytes = file_of(1);
        bytes.extend_from_slice(b"{\"type\":\"nonsense\"}\n");
        bytes.extend_from_slice(&file_of(1)[..10]);
        let result = Trajectory::read_partial(bytes.as_slice());
        assert!(
            matches!(result, Err(TrajectoryError::Json { line: 3, .. })),
            "{result:?}"
        );
        let cut_metadata = &file_of(0)[..20];
        assert!(matches!(
            Trajectory::read_partial(cut_metadata),
            Err(TrajectoryError::MissingMetadata)
        ));
    }
}
