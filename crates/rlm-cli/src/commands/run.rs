//! `rlm run`: one completion over a context file with a real provider, then the answer and its usage;
//! a run stopped by a limit or a provider failure still writes its trajectory and reports its usage.

use std::path::Path;
use std::time::Duration;

use rlm::client::{
    DEFAULT_REQUEST_TIMEOUT, Price, PriceTable, RateLimits, ResiliencePolicy, RetryPolicy,
};
use rlm::core::{Limits, Rlm, Trajectory};

use crate::args::RunArgs;
use crate::exit::CliError;
use crate::input::read_context;
use crate::progress::{Progress, ProgressMode};
use crate::provider::{Clients, build_clients};
use crate::report;

/// Runs `rlm run`.
pub(crate) async fn run(args: RunArgs) -> Result<(), CliError> {
    let request_timeout = attempt_timeout(args.timeout);
    let clients = build_clients(&args.provider, request_timeout, |name| {
        std::env::var(name).ok()
    })?;
    let context = read_context(&args.context)?;
    let mode = ProgressMode::detect(args.quiet || args.json);
    let progress = Progress::new(mode, "rlm");
    let rlm = build_rlm(&args, &clients, progress.clone())?;
    let result = rlm.completion(context, &args.query).await;
    progress.finish();
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => {
            let error = CliError::from(error);
            // A stopped run keeps what it did: its trajectory so far, its usage and cost.
            let saved = error
                .run
                .as_ref()
                .and_then(|run| save_trajectory(args.trajectory.as_deref(), &run.trajectory));
            print_failure(&error, &args, saved);
            return Err(error);
        }
    };
    let saved = save_trajectory(args.trajectory.as_deref(), &answer.trajectory);
    if args.json {
        println!("{}", report::answer_json(&answer, saved));
    } else {
        println!("{}", answer.answer);
        if !args.quiet {
            eprintln!("{}", report::usage_text((&answer).into(), saved));
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

/// The per-attempt HTTP limit: the library default, or the run timeout when shorter.
fn attempt_timeout(run_timeout: Option<Duration>) -> Duration {
    run_timeout.map_or(DEFAULT_REQUEST_TIMEOUT, |t| t.min(DEFAULT_REQUEST_TIMEOUT))
}

/// The price table from `--price-in/--price-out` (and the sub model's own prices when given).
fn prices(args: &RunArgs, clients: &Clients) -> PriceTable {
    let mut table = PriceTable::new();
    if let (Some(input), Some(output)) = (args.price_in, args.price_out) {
        let sub = Price::new(
            args.sub_price_in.unwrap_or(input),
            args.sub_price_out.unwrap_or(output),
        );
        table.insert(clients.sub.model(), sub);
        table.insert(clients.root.model(), Price::new(input, output));
    }
    table
}

fn build_rlm(args: &RunArgs, clients: &Clients, progress: Progress) -> Result<Rlm, CliError> {
    let policy = ResiliencePolicy {
        retry: RetryPolicy {
            max_retries: args.retries,
            ..RetryPolicy::default()
        },
        attempt_timeout: attempt_timeout(args.timeout),
        deadline: None,
        rate_limits: RateLimits {
            requests_per_minute: args.rpm,
            tokens_per_minute: args.tpm,
        },
    };
    let limits = Limits {
        token_budget: args.token_budget,
        cost_budget_usd: args.budget_usd,
        timeout: args.timeout,
        ..Limits::default()
    };
    Ok(Rlm::builder()
        .root(clients.root.clone())
        .sub(clients.sub.clone())
        .max_iterations(args.max_iterations as usize)
        .max_depth(args.max_depth as usize)
        .max_concurrent(args.max_concurrent as usize)
        .limits(limits)
        .resilience(policy)
        .prices(prices(args, clients))
        .on_event(move |event| progress.on_event(event))
        .build()?)
}

/// Shows what a failed run leaves: the partial answer (stdout) and the usage report up to the stop
/// (stderr, unless quiet), or the JSON error object with the same facts.
fn print_failure(error: &CliError, args: &RunArgs, trajectory: Option<&Path>) {
    if args.json {
        println!("{}", report::error_json(error, trajectory));
        return;
    }
    if let Some(partial) = error.partial_answer() {
        eprintln!("rlm: the run stopped early; best partial answer so far follows on stdout");
        println!("{partial}");
    }
    if let (Some(run), false) = (&error.run, args.quiet) {
        eprintln!("{}", report::usage_text(run.as_ref().into(), trajectory));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_timeout_is_capped_by_the_run_timeout() {
        assert_eq!(attempt_timeout(None), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(
            attempt_timeout(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }
}
