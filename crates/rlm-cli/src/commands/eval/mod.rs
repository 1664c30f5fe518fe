//! `rlm eval`: `gen` (generated suites as task files), `run` (task files with an RLM and/or a plain
//! model call, resumable, concurrent) and `report`. The library side is the `rlm-eval` crate.

mod generate;
mod progress;
mod report;
mod run;

use crate::args::EvalCommand;
use crate::exit::CliError;

/// Runs an `rlm eval` subcommand.
pub(crate) async fn run(command: EvalCommand) -> Result<(), CliError> {
    match command {
        EvalCommand::Gen(args) => generate::run(&args),
        EvalCommand::Run(args) => run::run(*args).await,
        EvalCommand::Report(args) => report::run(&args),
    }
}
