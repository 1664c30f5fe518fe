//! The files `rlm run` writes while the run goes: the `--events` feed (JSON Lines, schema version
//! [`EVENTS_SCHEMA_VERSION`], see docs/EVENTS.md) and the `--trajectory` file, both flushed line by
//! line so a killed run leaves a valid prefix. A write that fails is one warning, then that output
//! stops; the run goes on.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rlm::{Event, RunMetadata, TrajectoryRecord, TrajectoryWriter};
use serde_json::{Value, json};

use crate::exit::CliError;

/// Version of the `--events` line schema; bumped when a field changes meaning or goes away.
pub(crate) const EVENTS_SCHEMA_VERSION: u32 = 1;

/// The `--events` feed.
pub(crate) struct EventsFeed {
    out: Option<Box<dyn Write + Send>>,
    started: Instant,
    /// Where it goes, for the warning.
    target: String,
    /// Whether it goes to stdout (which then carries nothing else).
    pub(crate) on_stdout: bool,
}

impl EventsFeed {
    /// Opens `path` (`-`: stdout) before the run, so a bad path fails before any model call.
    pub(crate) fn open(path: &Path) -> Result<Self, CliError> {
        let on_stdout = path == Path::new("-");
        let out: Box<dyn Write + Send> = if on_stdout {
            Box::new(std::io::stdout())
        } else {
            let file = File::create(path).map_err(|e| {
                CliError::usage(format!(
                    "--events {}: cannot write there ({e}); create the folder or choose another path",
                    path.display()
                ))
            })?;
            Box::new(BufWriter::new(file))
        };
        Ok(Self {
            out: Some(out),
            started: Instant::now(),
            target: path.display().to_string(),
            on_stdout,
        })
    }

    /// Writes one event.
    pub(crate) fn event(&mut self, event: &Event) {
        match serde_json::to_value(event) {
            Ok(value) => self.line(value),
            Err(e) => eprintln!("rlm: warning: an event could not be encoded: {e}"),
        }
    }

    /// Writes the last line: `answer` (`answered` holds the `--json` answer object) or `failed` (the
    /// `--json` error object).
    pub(crate) fn outcome(&mut self, kind: &str, object: Value) {
        let mut line = json!({ "event": kind });
        if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), object) {
            line.extend(fields);
        }
        self.line(line);
    }

    fn line(&mut self, mut value: Value) {
        let Some(out) = &mut self.out else {
            return;
        };
        if let Some(object) = value.as_object_mut() {
            object.insert("v".into(), json!(EVENTS_SCHEMA_VERSION));
            let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            object.insert("t_ms".into(), json!(ms));
        }
        let written = serde_json::to_writer(&mut *out, &value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            eprintln!(
                "rlm: warning: could not write the events to {}: {e}; no more events are written",
                self.target
            );
            self.out = None;
        }
    }
}

/// The `--trajectory` file, written line by line as the run goes (and rewritten whole at the end).
pub(crate) struct TrajectoryFile {
    writer: Option<TrajectoryWriter<BufWriter<File>>>,
    path: PathBuf,
}

impl TrajectoryFile {
    /// Creates (or empties) the file before the run.
    pub(crate) fn create(path: &Path) -> Result<Self, CliError> {
        let file = File::create(path).map_err(|e| {
            CliError::usage(format!(
                "--trajectory {}: cannot write there ({e}); create the folder or choose another path",
                path.display()
            ))
        })?;
        Ok(Self {
            writer: Some(TrajectoryWriter::new(BufWriter::new(file))),
            path: path.to_owned(),
        })
    }

    /// Writes line 1.
    pub(crate) fn metadata(&mut self, metadata: &RunMetadata) {
        self.write(|w| w.metadata(metadata));
    }

    /// Writes the next record.
    pub(crate) fn record(&mut self, record: &TrajectoryRecord) {
        self.write(|w| w.record(record));
    }

    fn write(
        &mut self,
        line: impl FnOnce(&mut TrajectoryWriter<BufWriter<File>>) -> Result<(), rlm::TrajectoryError>,
    ) {
        if let Some(writer) = &mut self.writer
            && let Err(e) = line(writer)
        {
            eprintln!(
                "rlm: warning: could not write the trajectory to {}: {e}; it is written whole at the end",
                self.path.display()
            );
            self.writer = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_line_carries_the_version_and_the_time() {
        let dir = std::env::temp_dir().join(format!("rlm-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        let mut feed = EventsFeed::open(&path).unwrap();
        feed.event(&Event::ContextLoading {
            bytes: 3,
            format: "text",
        });
        feed.outcome("answer", json!({"answer": "42"}));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "context_loading");
        assert_eq!(lines[0]["v"], EVENTS_SCHEMA_VERSION);
        assert!(lines[0]["t_ms"].is_u64());
        assert_eq!(
            (lines[1]["event"].as_str(), lines[1]["answer"].as_str()),
            (Some("answer"), Some("42"))
        );
        assert!(EventsFeed::open(Path::new("/definitely/not/here/e.jsonl")).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
