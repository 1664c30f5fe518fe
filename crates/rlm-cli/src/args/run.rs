//! Flags of `rlm run`: the context, the query, where the results go; the models and limits are
//! [`EngineArgs`], shared with `rlm eval run`.

use std::path::PathBuf;

use clap::Args;

use super::engine::EngineArgs;
use super::parse::parse_query;

/// Flags of `rlm run`.
#[derive(Debug, Clone, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is an on/off command-line flag"
)]
pub(crate) struct RunArgs {
    /// Context file (see --context-format); `-` reads stdin.
    #[arg(long, value_name = "FILE|-")]
    pub(crate) context: String,
    /// How to read the context: text, json (invalid JSON is an error), or auto (JSON when the whole
    /// file is a JSON array or object).
    #[arg(long, default_value = "auto", value_parser = ["text", "json", "auto"])]
    pub(crate) context_format: String,
    /// The question to answer about the context (not empty).
    #[arg(long, value_name = "TEXT", value_parser = parse_query)]
    pub(crate) query: String,
    #[command(flatten)]
    pub(crate) engine: EngineArgs,
    /// Write the run's trajectory (JSON Lines) to this file (checked before the first model call).
    #[arg(long, value_name = "FILE.jsonl")]
    pub(crate) trajectory: Option<PathBuf>,
    /// At the end of the run (also a failed or interrupted one), write the trajectory as a
    /// self-contained HTML page to this file (see `rlm view`).
    #[arg(long, value_name = "FILE.html")]
    pub(crate) view: Option<PathBuf>,
    /// Print one JSON object on stdout (answer, how it was reached, iterations, usage, cost,
    /// duration, trajectory) and no progress.
    #[arg(long)]
    pub(crate) json: bool,
    /// No progress, retry lines and usage report on stderr (warnings and errors still show).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Show the run live on stderr: the root model's text as it arrives, each code block's output,
    /// sub-call results as they land. The default when stderr is a terminal (unless --quiet or
    /// --json); with this flag also when it is not (plain text).
    #[arg(long, conflicts_with_all = ["no_stream", "quiet", "json"])]
    pub(crate) stream: bool,
    /// Show the progress bar / progress lines instead of the live view.
    #[arg(long)]
    pub(crate) no_stream: bool,
    /// Write the run events as JSON Lines to FILE (`-`: stdout, which then carries only JSON Lines,
    /// ending with an `answer` or `failed` line), one event per line, flushed as it happens. Schema:
    /// docs/EVENTS.md.
    #[arg(long, value_name = "FILE|-", conflicts_with = "json")]
    pub(crate) events: Option<PathBuf>,
}
