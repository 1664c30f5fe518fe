//! The result file of a run: what it already holds (for resume), and appending one line per
//! finished job, flushed at once.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::result::{Method, ResultFile, ResultLine};

/// The (id, method, label) of the jobs a result file already holds.
pub(crate) type Recorded = HashSet<(String, Method, String)>;

/// Appends result lines to a file, one `write` and `flush` per line.
#[derive(Debug)]
pub struct ResultWriter {
    path: PathBuf,
    file: File,
}

impl ResultWriter {
    /// Opens `path` for appending (creating it). A last line cut short by a crash (no newline at
    /// the end, not valid JSON) is removed first, so the file stays valid JSON Lines.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        drop_cut_last_line(&mut file)?;
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// Appends one line and flushes it.
    pub fn append(&mut self, line: &ResultLine) -> std::io::Result<()> {
        let mut text = serde_json::to_string(line).map_err(std::io::Error::other)?;
        text.push('\n');
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn drop_cut_last_line(file: &mut File) -> std::io::Result<()> {
    let mut text = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut text)?;
    if text.is_empty() || text.ends_with(b"\n") {
        return Ok(());
    }
    let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let last = &text[keep..];
    if serde_json::from_slice::<serde_json::Value>(last).is_ok() {
        return file.write_all(b"\n");
    }
    file.set_len(keep as u64)
}

/// The jobs `results` holds; with `retry_errors`, failed ones are left out (they run again).
pub(crate) fn recorded(results: &ResultFile, retry_errors: bool) -> Recorded {
    let mut done = Recorded::new();
    for line in &results.results {
        let key = (line.id.clone(), line.method, line.label.clone());
        if retry_errors && line.is_error() {
            done.remove(&key);
        } else {
            done.insert(key);
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::tests::line;

    #[test]
    fn a_cut_last_line_is_removed_and_appends_stay_valid() -> std::io::Result<()> {
        let path = std::env::temp_dir().join(format!("rlm-eval-out-{}.jsonl", std::process::id()));
        let good = serde_json::to_string(&line("a", Method::Rlm, 1.0))?;
        std::fs::write(&path, format!("{good}\n{{\"v\": 1, \"id\": \"b\""))?;
        let mut writer = ResultWriter::open(&path)?;
        writer.append(&line("c", Method::Direct, 0.0))?;
        let file = ResultFile::load(&path)?;
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let ids: Vec<&str> = file.results.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        // A complete last line without its newline is kept.
        std::fs::write(&path, &good)?;
        ResultWriter::open(&path)?.append(&line("d", Method::Rlm, 1.0))?;
        assert_eq!(ResultFile::load(&path)?.results.len(), 2);
        std::fs::remove_file(&path)
    }

    #[test]
    fn errors_run_again_only_when_asked() {
        let mut failed = line("x", Method::Rlm, 0.0);
        failed.finished = crate::result::Finished::Error;
        let file = ResultFile {
            results: vec![line("a", Method::Rlm, 1.0), failed],
            problems: Vec::new(),
        };
        assert_eq!(recorded(&file, false).len(), 2);
        let again = recorded(&file, true);
        assert_eq!(again.len(), 1);
        assert!(again.contains(&("a".to_owned(), Method::Rlm, "model".to_owned())));
    }
}
