//! Flags of `rlm eval`: `gen` (write a generated suite as a task file), `run` (run a task file with
//! one or both methods, resumable) and `report` (accuracy, cost and time per suite and method).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use rlm_eval::Method;
use rlm_eval::Suite;

use super::engine::EngineArgs;

/// The `rlm eval` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum EvalCommand {
    /// Write a generated suite (niah, multi-niah, aggregate, pairs) as a task file.
    Gen(EvalGenArgs),
    /// Run a task file with `--method rlm` and/or `--method direct`, one result line per task.
    Run(Box<EvalRunArgs>),
    /// Accuracy (95% interval), cost, tokens and time per suite and method; differences between
    /// methods or runs.
    Report(EvalReportArgs),
}

/// Flags of `rlm eval gen`.
#[derive(Debug, Clone, Args)]
pub(crate) struct EvalGenArgs {
    /// The suite: niah, multi-niah, aggregate or pairs.
    #[arg(value_parser = parse_suite)]
    pub(crate) suite: Suite,
    /// Number of tasks.
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) n: u32,
    /// Context size of each task, in characters (e.g. 100000, 2MB: suffixes count 1000s).
    #[arg(long, default_value = "100000", value_parser = parse_chars)]
    pub(crate) size: usize,
    /// Seed: the same seed and flags give the same tasks.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// niah: where the needle sits, from 0 (start) to 1 (end); default: drawn per task.
    #[arg(long, value_parser = parse_depth)]
    pub(crate) depth: Option<f64>,
    /// multi-niah: needles per context.
    #[arg(long, default_value_t = 4)]
    pub(crate) needles: usize,
    /// aggregate: number of labels.
    #[arg(long, default_value_t = 6)]
    pub(crate) labels: usize,
    /// pairs: planted pairs per context.
    #[arg(long, default_value_t = 5)]
    pub(crate) pairs: usize,
    /// Take filler sentences from the *.txt files of this folder instead of generated prose.
    #[arg(long, value_name = "DIR")]
    pub(crate) filler: Option<PathBuf>,
    /// Write each context to DIR/<id>.txt and reference it with `context_file` instead of inline.
    #[arg(long, value_name = "DIR")]
    pub(crate) context_dir: Option<PathBuf>,
    /// The task file to write (`-`: stdout).
    #[arg(long, short = 'o', value_name = "FILE.jsonl|-", default_value = "-")]
    pub(crate) output: PathBuf,
}

/// Flags of `rlm eval run`.
#[derive(Debug, Clone, Args)]
pub(crate) struct EvalRunArgs {
    /// The task file (JSON Lines; schema in docs/EVAL.md).
    pub(crate) tasks: PathBuf,
    /// How each task is answered: `rlm` (the context in the sandbox) or `direct` (one call with the
    /// context in the prompt, cut to the window). Give it twice to run both.
    #[arg(long = "method", value_name = "rlm|direct", default_value = "rlm", value_parser = parse_method)]
    pub(crate) methods: Vec<Method>,
    /// The result file; rerunning with the same file skips the tasks it already holds.
    #[arg(long, short = 'o', value_name = "FILE.jsonl")]
    pub(crate) output: PathBuf,
    /// Tasks running at once. They share one rate limiter and the --max-concurrent sub-call cap.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) jobs: u32,
    /// The name of this run in reports (default: the root model).
    #[arg(long)]
    pub(crate) label: Option<String>,
    /// Input-token window `direct` cuts the context to (default: the root model's window from the
    /// built-in table or --context-window; unknown: not cut).
    #[arg(long, value_name = "TOKENS", value_parser = clap::value_parser!(u64).range(64..))]
    pub(crate) window: Option<u64>,
    /// Write one trajectory per task and method into this folder (`<id>.<method>.jsonl`).
    #[arg(long, value_name = "DIR")]
    pub(crate) trajectories: Option<PathBuf>,
    /// Run again the tasks the result file records as failed.
    #[arg(long)]
    pub(crate) retry_errors: bool,
    /// Run only shard I of N (e.g. 2/4): the tasks whose id hashes to it, the same on every machine
    /// and for every order of the file. Give each worker its own -o; `rlm eval report` merges the
    /// files (docs/SCALING.md).
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<rlm_eval::Shard>,
    /// No progress on stderr (the summary still prints).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    #[command(flatten)]
    pub(crate) engine: EngineArgs,
}

/// Flags of `rlm eval report`.
#[derive(Debug, Clone, Args)]
pub(crate) struct EvalReportArgs {
    /// Result files (several runs, methods or shards are compared or merged).
    #[arg(required = true, value_name = "RESULTS.jsonl")]
    pub(crate) results: Vec<PathBuf>,
    /// GitHub-flavoured Markdown tables.
    #[arg(long, conflicts_with = "json")]
    pub(crate) markdown: bool,
    /// One JSON object.
    #[arg(long)]
    pub(crate) json: bool,
    /// The label (run) the other runs of each method are compared with (default: the first
    /// label of each suite, alphabetically).
    #[arg(long, value_name = "LABEL")]
    pub(crate) baseline: Option<String>,
}

fn parse_suite(text: &str) -> Result<Suite, String> {
    text.parse::<Suite>().map_err(|e| e.to_string())
}

fn parse_method(text: &str) -> Result<Method, String> {
    text.parse::<Method>()
}

fn parse_depth(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(depth) if (0.0..=1.0).contains(&depth) => Ok(depth),
        _ => Err(format!("{text:?} is not a depth between 0 and 1")),
    }
}

/// Characters: a number with an optional `K`/`KB` or `M`/`MB` suffix (powers of 1000).
fn parse_chars(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, factor) = if let Some(n) = lower.strip_suffix("mb").or(lower.strip_suffix('m')) {
        (n, 1_000_000)
    } else if let Some(n) = lower.strip_suffix("kb").or(lower.strip_suffix('k')) {
        (n, 1_000)
    } else {
        (lower.as_str(), 1)
    };
    match digits.trim().parse::<usize>() {
        Ok(n) if n > 0 && n.checked_mul(factor).is_some_and(|c| c <= 1_000_000_000) => {
            Ok(n * factor)
        }
        _ => Err(format!(
            "{text:?} is not a size in characters between 1 and 1G (e.g. 100000, 500K, 2M)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_depths_parse() {
        assert_eq!(parse_chars("500K"), Ok(500_000));
        assert_eq!(parse_chars("2mb"), Ok(2_000_000));
        assert_eq!(parse_chars("1234"), Ok(1234));
        assert!(parse_chars("0").is_err());
        assert!(parse_chars("5G").is_err());
        assert_eq!(parse_depth("0.5"), Ok(0.5));
        assert!(parse_depth("1.5").is_err());
    }
}
