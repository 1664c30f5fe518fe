//! Result files: one [`ResultLine`] per task and method, appended and flushed as each task finishes,
//! so a crash or Ctrl-C loses at most the tasks in flight (schema in docs/EVAL.md).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the result line schema, written as `v`.
pub const RESULT_SCHEMA_VERSION: u32 = 1;

/// How a task was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A recursive language model run: the context lives in the sandbox.
    Rlm,
    /// One call of the root model with the context (cut to its window) in the prompt: the baseline.
    Direct,
}

impl Method {
    /// `rlm` or `direct`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rlm => "rlm",
            Self::Direct => "direct",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rlm" => Ok(Self::Rlm),
            "direct" => Ok(Self::Direct),
            other => Err(format!("unknown method {other:?}: use rlm or direct")),
        }
    }
}

/// How a task's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finished {
    /// The model answered on its own (for `direct`: the one call answered).
    Final,
    /// The answer came from the final-answer request after the iterations ran out.
    Forced,
    /// The run failed; see [`ResultLine::error_class`].
    Error,
}

/// Tokens and calls of one model in one task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelTokens {
    /// Input tokens (cached ones included).
    pub input: u64,
    /// Output tokens (reasoning ones included).
    pub output: u64,
    /// Calls made.
    pub calls: u64,
}

/// The outcome of one task with one method: one line of a result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResultLine {
    /// Schema version ([`RESULT_SCHEMA_VERSION`]).
    pub v: u32,
    /// The task's id.
    pub id: String,
    /// The task's suite (its `metadata.suite`, or the task file's name).
    pub suite: String,
    /// How it was answered.
    pub method: Method,
    /// What the run is called in reports (`--label`; default: the root model).
    pub label: String,
    /// The answer (`None` when the run failed).
    pub answer: Option<String>,
    /// The best partial answer of a failed run, kept for reading (never scored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_answer: Option<String>,
    /// The task's expected answer, copied for reading.
    pub expected: Value,
    /// The scorer used.
    pub scorer: String,
    /// From 0 (wrong) to 1 (right); 0 for a failed run.
    pub score: f64,
    /// How the run ended.
    pub finished: Finished,
    /// Why a failed run failed: `timeout`, `token_budget`, `cost_budget`, `subcall_limit`,
    /// `consecutive_errors`, `no_answer`, `provider`, `context`, `sandbox`, `config`, `task` or
    /// `scorer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    /// The failure's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Root iterations.
    pub iterations: usize,
    /// Sub-model calls (every depth below the root).
    pub subcalls: u64,
    /// Tokens and calls per model.
    pub tokens: BTreeMap<String, ModelTokens>,
    /// Cost in USD, when every model used has a price.
    pub cost_usd: Option<f64>,
    /// Wall-clock milliseconds of the task.
    pub wall_ms: u64,
    /// Where the task's trajectory was written (`--trajectories DIR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<String>,
}

impl ResultLine {
    /// Input and output tokens of every model together.
    pub fn total_tokens(&self) -> ModelTokens {
        self.tokens
            .values()
            .fold(ModelTokens::default(), |sum, t| ModelTokens {
                input: sum.input + t.input,
                output: sum.output + t.output,
                calls: sum.calls + t.calls,
            })
    }

    /// Whether the run failed.
    pub fn is_error(&self) -> bool {
        self.finished == Finished::Error
    }
}

/// A line of a result file that is not a valid result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// The results of a file and its lines that could not be read. The last line of a file written
/// by a process that was killed may be cut short: it is reported as a problem, never fatal.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ResultFile {
    /// Valid lines, in file order.
    pub results: Vec<ResultLine>,
    /// Invalid lines.
    pub problems: Vec<ResultProblem>,
}

impl ResultFile {
    /// Reads a result file; a missing file is an empty one.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        match std::fs::File::open(path) {
            Ok(file) => Self::read(BufReader::new(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e),
        }
    }

    /// Reads result lines from `reader`.
    pub fn read(reader: impl BufRead) -> std::io::Result<Self> {
        let mut file = Self::default();
        for (index, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<ResultLine>(&line) {
                Ok(result) => file.results.push(result),
                Err(e) => file.problems.push(ResultProblem {
                    line: index + 1,
                    message: format!("not a valid result line: {e}"),
                }),
            }
        }
        Ok(file)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A result line for tests.
    pub(crate) fn line(id: &str, method: Method, score: f64) -> ResultLine {
        ResultLine {
            v: RESULT_SCHEMA_VERSION,
            id: id.to_owned(),
            suite: "niah".to_owned(),
            method,
            label: "model".to_owned(),
            answer: Some("a".to_owned()),
            partial_answer: None,
            expected: Value::String("a".to_owned()),
            scorer: "exact".to_owned(),
            score,
            finished: Finished::Final,
            error_class: None,
            error: None,
            iterations: 1,
            subcalls: 0,
            tokens: BTreeMap::from([(
                "model".to_owned(),
                ModelTokens {
                    input: 10,
                    output: 2,
                    calls: 1,
                },
            )]),
            cost_usd: None,
            wall_ms: 5,
            trajectory: None,
        }
    }

    #[test]
    fn lines_round_trip_and_a_cut_last_line_is_a_problem() -> std::io::Result<()> {
        let a = line("a", Method::Rlm, 1.0);
        let b = line("b", Method::Direct, 0.0);
        let mut text = String::new();
        for l in [&a, &b] {
            text.push_str(&serde_json::to_string(l).unwrap_or_default());
            text.push('\n');
        }
        text.push_str(r#"{"v": 1, "id": "c", "sui"#);
        let file = ResultFile::read(text.as_bytes())?;
        assert_eq!(file.results, [a, b]);
        assert_eq!(file.problems.len(), 1);
        assert_eq!(file.problems[0].line, 3);
        assert_eq!(file.results[0].total_tokens().input, 10);
        Ok(())
    }

    #[test]
    fn methods_parse() {
        assert_eq!("rlm".parse::<Method>(), Ok(Method::Rlm));
        assert!("plain".parse::<Method>().is_err());
    }
}
