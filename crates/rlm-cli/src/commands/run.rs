//! `rlm run`: one completion over a context file with a real provider, then the answer and its usage;
//! a run stopped by a limit or a provider failure still writes its trajectory and reports its usage.
//! Everything that can be checked before the first (paid) model call is: flags, keys, prices, the
//! trajectory and events paths, the context. The run is streamed (`drive`): shown live, its events
//! and trajectory written as they happen, Ctrl-C stops it cleanly. `--view` writes the trajectory as an
//! HTML page at the end, also for a run that stopped.

use std::path::Path;

use rlm::client::PriceTable;
use rlm::{ContextFormat, Finish, Trajectory};

use std::io::IsTerminal;

use crate::args::RunArgs;
use crate::commands::drive::{Outputs, drive};
use crate::commands::engine::{
    attempt_timeout, build_rlm, check_prices, missing_key_hint, prices, shared_quota,
};
use crate::commands::view;
use crate::exit::CliError;
use crate::input::read_context;
use crate::live::Live;
use crate::outputs::{EventsFeed, TrajectoryFile};
use crate::progress::{Progress, ProgressMode};
use crate::provider::build_clients;
use crate::report;

/// Runs `rlm run`.
pub(crate) async fn run(args: RunArgs) -> Result<(), CliError> {
    let prices = prices(&args.engine)?;
    check_prices(&args.engine, &prices)?;
    let clients = build_clients(
        &args.engine.provider,
        attempt_timeout(args.engine.timeout),
        |name| std::env::var(name).ok(),
    )?;
    let trajectory = args
        .trajectory
        .as_deref()
        .map(TrajectoryFile::create)
        .transpose()?;
    let events = args.events.as_deref().map(EventsFeed::open).transpose()?;
    let view = args.view.as_deref().map(view::check_writable).transpose()?;
    let format: ContextFormat = args.context_format.parse().map_err(CliError::usage)?;
    let context = read_context(&args.context, format, args.engine.max_context_size)?;
    if context.bytes() == 0 {
        eprintln!("rlm: warning: the context is empty; the model has nothing to work on");
    }
    let live = live_view(&args);
    let mode = if live {
        ProgressMode::Quiet
    } else {
        ProgressMode::detect(args.quiet || args.json)
    };
    let mut outputs = Outputs {
        live: live.then(Live::new),
        progress: Progress::new(mode, "rlm"),
        events,
        trajectory,
    };
    let quota = shared_quota(&args.engine, &clients).await?;
    let rlm = build_rlm(&args.engine, &clients, prices.clone(), quota)?;
    let result = drive(rlm.stream(context, &args.query), &mut outputs).await;
    outputs.progress.finish();
    if outputs.live.is_some() {
        eprintln!();
    }
    let events_on_stdout = outputs.events.as_ref().is_some_and(|feed| feed.on_stdout);
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => {
            let hint = missing_key_hint(&error, &clients.root_endpoint);
            let mut error = CliError::from(error);
            if let Some(hint) = hint {
                error.message = hint;
            }
            // A stopped run keeps what it did: its trajectory so far, its usage and cost.
            let saved = error
                .run
                .as_ref()
                .and_then(|run| save_trajectory(args.trajectory.as_deref(), &run.trajectory));
            if let Some(feed) = &mut outputs.events {
                feed.outcome("failed", report::error_json(&error, &prices, saved));
            }
            if let Some(path) = &view {
                let trajectory = error.run.as_ref().map(|run| &run.trajectory);
                view::write_run_view(path, trajectory, saved, args.quiet);
            }
            print_failure(&error, &args, &prices, saved, events_on_stdout);
            return Err(error);
        }
    };
    if answer.finished == Finish::Forced {
        eprintln!(
            "rlm: note: the model did not finish on its own; this answer came from the final-answer request after --max-iterations ({}) turns",
            args.engine.max_iterations
        );
    }
    let saved = save_trajectory(args.trajectory.as_deref(), &answer.trajectory);
    if let Some(feed) = &mut outputs.events {
        feed.outcome("answer", report::answer_json(&answer, &prices, saved));
    }
    if let Some(path) = &view {
        view::write_run_view(path, Some(&answer.trajectory), saved, args.quiet);
    }
    if args.json {
        println!("{}", report::answer_json(&answer, &prices, saved));
    } else {
        if !events_on_stdout {
            println!("{}", answer.answer);
        }
        if !args.quiet {
            eprintln!("{}", report::usage_text((&answer).into(), &prices, saved));
        }
    }
    match (&args.trajectory, saved) {
        (Some(path), None) => Err(CliError::other(format!(
            "the answer was printed but the trajectory could not be written to {}",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Whether the run is shown live: `--stream`, or by default on a terminal unless `--quiet`,
/// `--json` or `--no-stream`.
fn live_view(args: &RunArgs) -> bool {
    args.stream || (!args.quiet && !args.json && !args.no_stream && std::io::stderr().is_terminal())
}

/// Writes `trajectory` to `path` when one was asked for; returns the path when it was written (a
/// failure is a warning on stderr).
fn save_trajectory<'a>(path: Option<&'a Path>, trajectory: &Trajectory) -> Option<&'a Path> {
    let path = path?;
    match trajectory.save(path) {
        Ok(()) => Some(path),
        Err(e) => {
            eprintln!(
                "rlm: warning: could not write the trajectory to {}: {e}",
                path.display()
            );
            None
        }
    }
}

/// Shows what a failed run leaves: the partial answer (stdout, except for a run that gave no answer)
/// and the usage report up to the stop (stderr, unless quiet), or the JSON error object with the same
/// facts.
fn print_failure(
    error: &CliError,
    args: &RunArgs,
    prices: &PriceTable,
    trajectory: Option<&Path>,
    events_on_stdout: bool,
) {
    if args.json {
        println!("{}", report::error_json(error, prices, trajectory));
        return;
    }
    if let (Some(partial), true, false) = (
        error.partial_answer(),
        error.partial_on_stdout,
        events_on_stdout,
    ) {
        eprintln!("rlm: the run stopped early; best partial answer so far follows on stdout");
        println!("{partial}");
    }
    if let (Some(run), false) = (&error.run, args.quiet) {
        eprintln!(
            "{}",
            report::usage_text(run.as_ref().into(), prices, trajectory)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trajectory_in_a_missing_folder_is_refused_before_the_run() {
        let Err(error) = TrajectoryFile::create(Path::new("/definitely/not/here/run.jsonl")) else {
            panic!("a missing folder is refused");
        };
        assert_eq!(error.class, crate::exit::ExitClass::Usage);
        assert!(error.to_string().starts_with("--trajectory"), "{error}");
    }
}
