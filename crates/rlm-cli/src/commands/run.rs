//! `rlm run`: one completion over a context file with a real provider, then the answer and its usage;
//! a run stopped by a limit or a provider failure still writes its trajectory and reports its usage.
//! Everything that can be checked before the first (paid) model call is: flags, keys, prices, the
//! trajectory and events paths, the context. The run is streamed (`drive`): shown live, its events
//! and trajectory written as they happen, Ctrl-C stops it cleanly.

use std::path::Path;
use std::time::Duration;

use rlm::client::{
    ClientError, ContextWindows, DEFAULT_REQUEST_TIMEOUT, Price, PriceTable, RateLimits,
    ResiliencePolicy, RetryPolicy,
};
use rlm::repl::SandboxLimits;
use rlm::{Compaction, ContextFormat, Finish, Limits, Rlm, RlmError, Trajectory};

use std::io::IsTerminal;

use crate::args::RunArgs;
use crate::commands::drive::{Outputs, drive};
use crate::exit::CliError;
use crate::input::read_context;
use crate::live::Live;
use crate::outputs::{EventsFeed, TrajectoryFile};
use crate::progress::{Progress, ProgressMode};
use crate::provider::{Clients, Endpoint, build_clients};
use crate::report;

/// Runs `rlm run`.
pub(crate) async fn run(args: RunArgs) -> Result<(), CliError> {
    let prices = prices(&args);
    check_prices(&args, &prices)?;
    let clients = build_clients(&args.provider, attempt_timeout(args.timeout), |name| {
        std::env::var(name).ok()
    })?;
    let trajectory = args
        .trajectory
        .as_deref()
        .map(TrajectoryFile::create)
        .transpose()?;
    let events = args.events.as_deref().map(EventsFeed::open).transpose()?;
    let format: ContextFormat = args.context_format.parse().map_err(CliError::usage)?;
    let context = read_context(&args.context, format, args.max_context_size)?;
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
    let rlm = build_rlm(&args, &clients, prices)?;
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
                feed.outcome("failed", report::error_json(&error, saved));
            }
            print_failure(&error, &args, saved, events_on_stdout);
            return Err(error);
        }
    };
    if answer.finished == Finish::Forced {
        eprintln!(
            "rlm: note: the model did not finish on its own; this answer came from the final-answer request after --max-iterations ({}) turns",
            args.max_iterations
        );
    }
    let saved = save_trajectory(args.trajectory.as_deref(), &answer.trajectory);
    if let Some(feed) = &mut outputs.events {
        feed.outcome("answer", report::answer_json(&answer, saved));
    }
    if args.json {
        println!("{}", report::answer_json(&answer, saved));
    } else {
        if !events_on_stdout {
            println!("{}", answer.answer);
        }
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

/// The per-attempt HTTP limit: the library default, or the run timeout when shorter.
fn attempt_timeout(run_timeout: Option<Duration>) -> Duration {
    run_timeout.map_or(DEFAULT_REQUEST_TIMEOUT, |t| t.min(DEFAULT_REQUEST_TIMEOUT))
}

/// The model ids the run can reach: the root, the default sub-model, the named ones.
fn models(args: &RunArgs) -> (String, String, Vec<String>) {
    let root = args.provider.model.clone().unwrap_or_default();
    let sub = args
        .provider
        .default_sub_model()
        .map_or_else(|| root.clone(), str::to_owned);
    let named = args
        .provider
        .sub_models
        .iter()
        .filter(|spec| spec.name.is_some())
        .map(|spec| spec.model.clone())
        .collect();
    (root, sub, named)
}

/// The price table: `--price-in/--price-out` for the root model, `--sub-price-*` (default: the root's)
/// for the default sub-model, then every `--price MODEL=IN/OUT`, which wins.
fn prices(args: &RunArgs) -> PriceTable {
    let mut table = PriceTable::new();
    let (root, sub, _) = models(args);
    if let (Some(input), Some(output)) = (args.price_in, args.price_out) {
        let sub_price = Price::new(
            args.sub_price_in.unwrap_or(input),
            args.sub_price_out.unwrap_or(output),
        );
        table.insert(sub, sub_price);
        table.insert(root, Price::new(input, output));
    }
    for (model, input, output) in &args.prices {
        table.insert(model.clone(), Price::new(*input, *output));
    }
    table
}

/// With `--budget-usd`, every model the run can reach needs a price (checked before any key is read).
fn check_prices(args: &RunArgs, prices: &PriceTable) -> Result<(), CliError> {
    if args.budget_usd.is_none() {
        return Ok(());
    }
    let (root, sub, named) = models(args);
    let mut missing: Vec<String> = [root, sub]
        .into_iter()
        .chain(named)
        .filter(|m| prices.get(m).is_none())
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "--budget-usd needs a price for every model the run can reach; none for {}: pass --price-in/--price-out (root), --sub-price-in/--sub-price-out (default sub-model) or --price MODEL=IN/OUT",
        missing.join(", ")
    )))
}

/// A clearer message for a 401/403 from a server that was sent no key.
fn missing_key_hint(error: &RlmError, endpoint: &Endpoint) -> Option<String> {
    let RlmError::Provider {
        source:
            ClientError::Http {
                status: status @ (401 | 403),
                message,
                ..
            },
        ..
    } = error
    else {
        return None;
    };
    if endpoint.keyed {
        return None;
    }
    Some(format!(
        "the root model call failed: {} answered HTTP {status} ({}); no API key was sent to it, since OPENAI_API_KEY goes only to https://api.openai.com: pass --api-key-env OPENAI_API_KEY (or the variable that holds this server's key) to send one",
        endpoint.base_url,
        message.split_whitespace().collect::<Vec<_>>().join(" ")
    ))
}

fn build_rlm(args: &RunArgs, clients: &Clients, prices: PriceTable) -> Result<Rlm, CliError> {
    let mut rate_limits = RateLimits::default();
    rate_limits.requests_per_minute = args.rpm;
    rate_limits.tokens_per_minute = args.tpm;
    let policy = ResiliencePolicy::default()
        .with_retry(
            RetryPolicy::default()
                .with_max_retries(args.retries)
                .with_retry_deadline(args.retry_deadline)
                .with_max_retry_after(args.max_retry_after),
        )
        .with_attempt_timeout(attempt_timeout(args.timeout))
        .with_rate_limits(rate_limits);
    let mut limits = Limits::default()
        .with_max_subcalls(args.max_subcalls.0)
        .with_max_context_bytes(Some(
            usize::try_from(args.max_context_size).unwrap_or(usize::MAX),
        ));
    limits.token_budget = args.token_budget;
    limits.cost_budget_usd = args.budget_usd;
    limits.timeout = args.timeout;
    let windows = args
        .context_window
        .iter()
        .fold(ContextWindows::built_in(), |windows, (model, tokens)| {
            windows.with(model.clone(), *tokens)
        });
    let mut builder = Rlm::builder()
        .root(clients.root.clone())
        .sub_client(clients.sub.clone())
        .max_iterations(args.max_iterations as usize)
        .max_depth(args.max_depth as usize)
        .max_concurrent(args.max_concurrent as usize)
        .max_live_sandboxes(args.max_live_sandboxes as usize)
        .limits(limits)
        .resilience(policy)
        .prices(prices)
        .context_windows(windows)
        .sandbox_limits(
            SandboxLimits::default()
                .with_max_batch_bytes(usize::try_from(args.max_batch_bytes).unwrap_or(usize::MAX))
                .with_cpu_time_per_cell(args.sandbox.cell_cpu_limit),
        )
        .sandbox_isolation(args.sandbox.isolation());
    for (name, description, client) in &clients.named {
        builder = builder.sub_model(name.clone(), description.clone(), client.clone());
    }
    if let Some(chars) = args.sub_prompt_chars {
        builder = builder.sub_prompt_chars(usize::try_from(chars).unwrap_or(usize::MAX));
    }
    if args.no_compaction {
        builder = builder.compaction(Compaction::disabled());
    }
    Ok(builder.build()?)
}

/// Shows what a failed run leaves: the partial answer (stdout, except for a run that gave no answer)
/// and the usage report up to the stop (stderr, unless quiet), or the JSON error object with the same
/// facts.
fn print_failure(
    error: &CliError,
    args: &RunArgs,
    trajectory: Option<&Path>,
    events_on_stdout: bool,
) {
    if args.json {
        println!("{}", report::error_json(error, trajectory));
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

    #[test]
    fn a_trajectory_in_a_missing_folder_is_refused_before_the_run() {
        let Err(error) = TrajectoryFile::create(Path::new("/definitely/not/here/run.jsonl")) else {
            panic!("a missing folder is refused");
        };
        assert_eq!(error.class, crate::exit::ExitClass::Usage);
        assert!(error.to_string().starts_with("--trajectory"), "{error}");
    }
}
