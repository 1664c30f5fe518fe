//! Task files: one JSON object per line, `{id, query, context | context_file, expected, scorer?,
//! metadata?}` (schema in docs/EVAL.md). Loading never stops at a bad line: every line that is not a
//! valid task becomes a [`TaskProblem`] naming the line, and every other task still loads.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::score::{ScorerSpec, Scorers};

/// One evaluation task.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Task {
    /// Unique within its file.
    pub id: String,
    /// The question.
    pub query: String,
    /// What the question is about.
    pub context: TaskContext,
    /// The reference answer the scorer compares with (a string, a number, an array or an object).
    pub expected: Value,
    /// How the answer is graded (default: exact match).
    pub scorer: ScorerSpec,
    /// Free-form facts about the task; `suite` names the suite it belongs to in reports.
    pub metadata: Map<String, Value>,
}

/// Where a task's context comes from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TaskContext {
    /// Text given inline.
    Text(String),
    /// JSON given inline (an array or an object, for example).
    Json(Value),
    /// A file read when the task runs: text, or JSON when the whole file is a JSON array or object.
    /// Relative paths in a task file are relative to the task file's folder; this path is resolved.
    File(PathBuf),
}

impl Task {
    /// A task with a text context, scored by exact match, without metadata.
    pub fn new(id: impl Into<String>, query: impl Into<String>, context: TaskContext) -> Self {
        Self {
            id: id.into(),
            query: query.into(),
            context,
            expected: Value::Null,
            scorer: ScorerSpec::Exact,
            metadata: Map::new(),
        }
    }

    /// The suite the task belongs to: its `metadata.suite`, or `fallback`.
    pub fn suite_or<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.metadata
            .get("suite")
            .and_then(Value::as_str)
            .unwrap_or(fallback)
    }

    /// The task as one line of a task file (no newline); a file context is written relative to
    /// `base` when it lies under it.
    pub fn to_line(&self, base: &Path) -> String {
        let (context, context_file) = match &self.context {
            TaskContext::Text(text) => (Some(Value::String(text.clone())), None),
            TaskContext::Json(value) => (Some(value.clone()), None),
            TaskContext::File(path) => (
                None,
                Some(path.strip_prefix(base).unwrap_or(path).to_path_buf()),
            ),
        };
        let line = TaskLine {
            id: self.id.clone(),
            query: self.query.clone(),
            context,
            context_file,
            expected: Some(self.expected.clone()),
            scorer: Some(self.scorer.clone()),
            metadata: self.metadata.clone(),
        };
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// A line of a task file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskLine {
    id: String,
    query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context_file: Option<PathBuf>,
    /// `Some(Value::Null)` for `"expected": null`; `None` when the field is missing.
    #[serde(default, deserialize_with = "present")]
    expected: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scorer: Option<ScorerSpec>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    metadata: Map<String, Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// A line of a task file that is not a valid task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for TaskProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The tasks of a file, and its lines that are not valid tasks.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TaskSet {
    /// Valid tasks, in file order.
    pub tasks: Vec<Task>,
    /// Invalid lines, in file order.
    pub problems: Vec<TaskProblem>,
    /// The line of each task in `tasks`, when it was read from a file.
    lines: Vec<usize>,
}

impl TaskSet {
    /// Reads a task file. Only failing to read the file is an error; bad lines are
    /// [`TaskSet::problems`].
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Self::read(BufReader::new(file), base)
    }

    /// Reads task lines from `reader`; relative `context_file` paths are resolved against `base`.
    /// A line that is not UTF-8 is a problem of its own; only failing to read is an error.
    pub fn read(mut reader: impl BufRead, base: &Path) -> std::io::Result<Self> {
        let mut set = Self::default();
        let mut ids = HashSet::new();
        let mut bytes = Vec::new();
        for number in 1.. {
            bytes.clear();
            if reader.read_until(b'\n', &mut bytes)? == 0 {
                break;
            }
            let line = match std::str::from_utf8(&bytes) {
                Ok(line) => line.trim_end_matches(['\n', '\r']),
                Err(e) => {
                    set.problems.push(TaskProblem {
                        line: number,
                        message: format!(
                            "not UTF-8 text (byte {} of the line is invalid)",
                            e.valid_up_to() + 1
                        ),
                    });
                    continue;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(line, base) {
                Ok(task) if !ids.insert(task.id.clone()) => set.problems.push(TaskProblem {
                    line: number,
                    message: format!("the id {:?} is used by an earlier line", task.id),
                }),
                Ok(task) => {
                    set.tasks.push(task);
                    set.lines.push(number);
                }
                Err(message) => set.problems.push(TaskProblem {
                    line: number,
                    message,
                }),
            }
        }
        Ok(set)
    }

    /// Moves every task `scorers` cannot score (an unknown scorer, an `expected` value a built-in
    /// scorer cannot use) to the problems, under its line.
    pub fn check_scorers(&mut self, scorers: &Scorers) {
        let tasks = std::mem::take(&mut self.tasks);
        let lines = std::mem::take(&mut self.lines);
        for (index, task) in tasks.into_iter().enumerate() {
            let line = lines.get(index).copied();
            match scorers.check(&task.scorer, &task.expected) {
                Ok(()) => {
                    self.tasks.push(task);
                    self.lines.extend(line);
                }
                Err(e) => self.problems.push(TaskProblem {
                    line: line.unwrap_or(0),
                    message: format!("task {:?}: {e}", task.id),
                }),
            }
        }
        self.problems.sort_by_key(|problem| problem.line);
    }

    /// Writes the tasks as a task file; file contexts are written relative to `base`.
    pub fn write(&self, out: &mut impl Write, base: &Path) -> std::io::Result<()> {
        for task in &self.tasks {
            writeln!(out, "{}", task.to_line(base))?;
        }
        Ok(())
    }
}

fn parse_line(line: &str, base: &Path) -> Result<Task, String> {
    let raw: TaskLine = serde_json::from_str(line).map_err(|e| format!("not a valid task: {e}"))?;
    if raw.id.trim().is_empty() {
        return Err("the id is empty".into());
    }
    if raw.query.trim().is_empty() {
        return Err(format!("task {:?}: the query is empty", raw.id));
    }
    let Some(expected) = raw.expected else {
        return Err(format!("task {:?}: `expected` is missing", raw.id));
    };
    let context = match (raw.context, raw.context_file) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "task {:?}: give either `context` or `context_file`, not both",
                raw.id
            ));
        }
        (None, None) => {
            return Err(format!(
                "task {:?}: `context` or `context_file` is missing",
                raw.id
            ));
        }
        (Some(Value::String(text)), None) => TaskContext::Text(text),
        (Some(value), None) => TaskContext::Json(value),
        (None, Some(file)) => {
            let path = base.join(&file);
            if !path.is_file() {
                return Err(format!(
                    "task {:?}: the context file {} does not exist",
                    raw.id,
                    path.display()
                ));
            }
            TaskContext::File(path)
        }
    };
    Ok(Task {
        id: raw.id,
        query: raw.query,
        context,
        expected,
        scorer: raw.scorer.unwrap_or_default(),
        metadata: raw.metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, base: &Path) -> TaskSet {
        TaskSet::read(text.as_bytes(), base).unwrap_or_default()
    }

    #[test]
    fn good_lines_load_and_each_bad_line_is_named() {
        let text = concat!(
            r#"{"id": "a", "query": "q?", "context": "text", "expected": "x"}"#,
            "\n\n",
            r#"{"id": "b", "query": "q?", "context": [1, 2], "expected": 3, "scorer": "numeric"}"#,
            "\n",
            "not json\n",
            r#"{"id": "a", "query": "again", "context": "t", "expected": "y"}"#,
            "\n",
            r#"{"id": "c", "query": "q?", "context": "t"}"#,
            "\n",
            r#"{"id": "d", "query": " ", "context": "t", "expected": 1}"#,
            "\n",
            r#"{"id": "e", "query": "q", "context": "t", "context_file": "f", "expected": 1}"#,
            "\n",
            r#"{"id": "f", "query": "q", "context_file": "missing.txt", "expected": 1}"#,
            "\n",
            r#"{"id": "g", "query": "q", "context": "t", "expected": null, "extra": 1}"#,
            "\n",
        );
        let set = read(text, Path::new("/nonexistent"));
        let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            set.tasks[1].context,
            TaskContext::Json(serde_json::json!([1, 2]))
        );
        assert_eq!(set.tasks[1].scorer.name(), "numeric");
        let lines: Vec<usize> = set.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 5, 6, 7, 8, 9, 10]);
        let messages: Vec<String> = set.problems.iter().map(ToString::to_string).collect();
        assert!(
            messages[0].starts_with("line 4: not a valid task"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("used by an earlier line"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("`expected` is missing"),
            "{messages:?}"
        );
        assert!(messages[3].contains("query is empty"), "{messages:?}");
        assert!(messages[4].contains("not both"), "{messages:?}");
        assert!(messages[5].contains("does not exist"), "{messages:?}");
        assert!(messages[6].contains("unknown field"), "{messages:?}");
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named_and_the_others_load() {
        let mut bytes = br#"{"id": "a", "query": "q", "context": "t", "expected": "x"}"#.to_vec();
        bytes.extend_from_slice(b"\r\n{\"id\": \"b\", \"query\": \"caf\xe9\"}\n");
        bytes.extend_from_slice(br#"{"id": "c", "query": "q", "context": "t", "expected": 2}"#);
        let set = TaskSet::read(bytes.as_slice(), Path::new(".")).unwrap_or_default();
        let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
        assert_eq!(
            set.problems[0].to_string(),
            "line 2: not UTF-8 text (byte 26 of the line is invalid)"
        );
    }

    #[test]
    fn tasks_a_scorer_cannot_grade_become_problems_under_their_line() {
        let text = concat!(
            r#"{"id": "a", "query": "q", "context": "t", "expected": "x"}"#,
            "\nnot json\n",
            r#"{"id": "b", "query": "q", "context": "t", "expected": 1, "scorer": "mine"}"#,
            "\n",
            r#"{"id": "c", "query": "q", "context": "t", "expected": "many", "scorer": "numeric"}"#,
            "\n",
            r#"{"id": "d", "query": "q", "context": "t", "expected": 3, "scorer": "numeric"}"#,
            "\n",
        );
        let mut set = read(text, Path::new("."));
        set.check_scorers(&Scorers::new());
        let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
        let messages: Vec<String> = set.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0].starts_with("line 2: not a valid task"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("line 3: task \"b\": unknown scorer \"mine\""),
            "{messages:?}"
        );
        assert!(
            messages[2].starts_with("line 4: task \"c\": the numeric scorer cannot use"),
            "{messages:?}"
        );
        assert_eq!(set.lines, [1, 5]);
    }

    #[test]
    fn context_files_resolve_against_the_task_file_and_round_trip() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("rlm-eval-task-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("ctx"))?;
        std::fs::write(dir.join("ctx/one.txt"), "hello")?;
        let line = r#"{"id": "one", "query": "q", "context_file": "ctx/one.txt", "expected": "h", "metadata": {"suite": "s"}}"#;
        std::fs::write(dir.join("tasks.jsonl"), format!("{line}\n"))?;
        let set = TaskSet::load(&dir.join("tasks.jsonl"))?;
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        assert_eq!(
            set.tasks[0].context,
            TaskContext::File(dir.join("ctx/one.txt"))
        );
        assert_eq!(set.tasks[0].suite_or("x"), "s");
        let mut out = Vec::new();
        set.write(&mut out, &dir)?;
        let again = TaskSet::read(out.as_slice(), &dir)?;
        assert_eq!(again, set);
        std::fs::remove_dir_all(&dir)
    }
}
