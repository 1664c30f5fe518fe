//! `rlm eval run`: every task of a task file with each `--method`, `--jobs` at a time, one result
//! line per job appended as it finishes; rerunning with the same `-o` resumes. Invalid task lines
//! are reported by line number and skipped (the others run; the exit code is then 3). Ctrl-C stops
//! at once, keeping every finished result (exit 130).

use std::path::Path;
use std::sync::Arc;

use rlm_eval::report::Report;
use rlm_eval::score::Scorers;
use rlm_eval::{EvalOptions, ResultFile, ResultWriter, Runner, TaskSet};

use crate::args::EvalRunArgs;
use crate::commands::engine::{attempt_timeout, build_rlm, check_prices, prices, shared_quota};
use crate::exit::{CliError, ExitClass};
use crate::progress::ProgressMode;
use crate::provider::build_clients;

use super::progress::EvalProgress;

/// Runs `rlm eval run`.
pub(crate) async fn run(args: EvalRunArgs) -> Result<(), CliError> {
    let scorers = Scorers::new();
    let (tasks, bad_lines) = load_tasks(&args.tasks, &scorers)?;
    let prices = prices(&args.engine)?;
    check_prices(&args.engine, &prices)?;
    let clients = build_clients(
        &args.engine.provider,
        attempt_timeout(args.engine.timeout),
        |name| std::env::var(name).ok(),
    )?;
    let quota = shared_quota(&args.engine, &clients).await?;
    let rlm = build_rlm(&args.engine, &clients, prices, quota)?;
    let existing = ResultFile::load(&args.output).map_err(|e| {
        CliError::input(format!(
            "could not read the result file {}: {e}",
            args.output.display()
        ))
    })?;
    let mut writer = ResultWriter::open(&args.output).map_err(|e| {
        CliError::usage(format!(
            "-o {}: cannot write the result file: {e}",
            args.output.display()
        ))
    })?;
    let label = args
        .label
        .clone()
        .or_else(|| args.engine.provider.model.clone())
        .unwrap_or_else(|| "default".to_owned());
    let mut options = EvalOptions::new(args.methods[0], label);
    options.methods.clone_from(&args.methods);
    options.jobs = args.jobs as usize;
    options.direct_window = args.window;
    options.trajectories.clone_from(&args.trajectories);
    options.retry_errors = args.retry_errors;
    options.shard = args.shard;
    options.default_suite = file_stem(&args.tasks);
    let runner = Runner::new(rlm, scorers, options);
    let plan = runner.plan(&tasks, &existing);
    if !args.quiet {
        eprintln!(
            "rlm eval: {} job(s) to run{}, {} already in {}",
            plan.jobs.len(),
            args.shard
                .map(|shard| format!(" (shard {shard})"))
                .unwrap_or_default(),
            plan.skipped,
            args.output.display()
        );
    }
    let progress = EvalProgress::new(ProgressMode::detect(args.quiet), plan.jobs.len());
    let outcome = tokio::select! {
        outcome = runner.run(plan, &mut writer, |line, p| progress.on_result(line, p)) => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    progress.finish();
    let Some(outcome) = outcome else {
        return Err(CliError::new(
            ExitClass::Interrupted,
            format!(
                "interrupted; the finished tasks are in {} (rerun the same command to resume)",
                args.output.display()
            ),
        ));
    };
    let done = outcome.map_err(|e| CliError::other(e.to_string()))?;
    let results = ResultFile::load(&args.output).map_err(|e| {
        CliError::other(format!(
            "could not read back {}: {e}",
            args.output.display()
        ))
    })?;
    let report = Report::build(&[(args.output.display().to_string(), results)]);
    println!("{}", report.to_text());
    if !args.quiet {
        eprintln!("rlm eval: {}", done.summary_line());
    }
    if bad_lines > 0 {
        return Err(CliError::input(format!(
            "{bad_lines} line(s) of {} are not valid tasks and did not run (see above)",
            args.tasks.display()
        )));
    }
    Ok(())
}

/// The valid tasks of the file and how many lines were not (each reported on stderr). A task whose
/// scorer is unknown counts as invalid.
fn load_tasks(
    path: &Path,
    scorers: &Scorers,
) -> Result<(Vec<Arc<rlm_eval::Task>>, usize), CliError> {
    let mut set = TaskSet::load(path).map_err(|e| {
        CliError::input(format!(
            "could not read the task file {}: {e}",
            path.display()
        ))
    })?;
    set.check_scorers(scorers);
    let bad = set.problems.len();
    for problem in &set.problems {
        eprintln!("rlm: error: {}: {problem}", path.display());
    }
    let tasks: Vec<_> = set.tasks.into_iter().map(Arc::new).collect();
    if tasks.is_empty() {
        return Err(CliError::input(format!(
            "{} holds no valid task",
            path.display()
        )));
    }
    Ok((tasks, bad))
}

/// The file name without its extension (the suite of tasks that name none).
fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "tasks".to_owned(), |s| s.to_string_lossy().into_owned())
}
