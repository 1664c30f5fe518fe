//! Command-line flags of `rlm` (clap derive): the subcommands (`run`, `view`, `trajectory`, `eval`,
//! `demo`, `sim-server`), their flags (`run`, `engine` (shared by `run` and `eval run`), `view` (`view`
//! and `trajectory export`), `eval`, `demo`, `shared`) and the value parsers (`parse`).

mod demo;
mod engine;
mod eval;
pub(crate) mod parse;
mod run;
mod shared;
mod view;

use clap::{Parser, Subcommand};

pub(crate) use demo::{DemoArgs, SimServerArgs};
pub(crate) use engine::EngineArgs;
pub(crate) use eval::{EvalCommand, EvalGenArgs, EvalReportArgs, EvalRunArgs};
pub(crate) use run::RunArgs;
pub(crate) use shared::{ProviderArgs, ProviderKind, SimArgs, SubModelSpec};
pub(crate) use view::{ExportArgs, ExportFormat, TrajectoryCommand, ViewArgs};

use crate::exit::EXIT_CODES_HELP;

/// Recursive Language Models: a root model answers a query about a huge context by writing JavaScript
/// that runs in a sandbox holding the context and calls sub-models with llm_query / llm_batch.
#[derive(Debug, Parser)]
#[command(name = "rlm", version, after_help = EXIT_CODES_HELP, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Answer a query about a context file with a real model.
    #[command(after_help = EXIT_CODES_HELP)]
    Run(Box<RunArgs>),
    /// Write a trajectory as one self-contained HTML page (no network needed to read it).
    #[command(after_help = EXIT_CODES_HELP)]
    View(ViewArgs),
    /// Work with trajectory files: export them to other tools' formats.
    #[command(subcommand)]
    Trajectory(TrajectoryCommand),
    /// Offline demo: the sequential vs batch haystack search against a simulated model (no key needed).
    #[command(after_help = EXIT_CODES_HELP)]
    Demo(Box<DemoArgs>),
    /// Evaluate: generate benchmark suites, run them with an RLM and/or a plain model call, report
    /// accuracy, cost and time.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Serve the simulated model (a scripted stand-in, not an LLM) on loopback until Ctrl-C.
    #[command(name = "sim-server", after_help = EXIT_CODES_HELP)]
    SimServer(SimServerArgs),
}
