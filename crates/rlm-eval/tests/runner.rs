//! The runner with scripted clients (not language models): both methods, scores, resume, failures
//! recorded per task with their class, and trajectories written per job.

use std::sync::Arc;
use std::time::Duration;

use rlm::client::testing::{FailurePlan, Latency, SimulatedFailure};
use rlm::client::{ResiliencePolicy, RetryPolicy};
use rlm::{Limits, Rlm};
use rlm_eval::score::Scorers;
use rlm_eval::{
    EvalOptions, Finished, Method, ResultFile, ResultWriter, Runner, Task, TaskContext,
};
use serde_json::json;

mod support;

use support::{root, tasks, temp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_methods_score_resume_and_write_trajectories() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = temp("both");
    let out = dir.join("results.jsonl");
    let rlm = Rlm::builder().root(root()).build()?;
    let mut options = EvalOptions::new(Method::Rlm, "scripted");
    options.methods = vec![Method::Rlm, Method::Direct, Method::Rlm];
    options.jobs = 3;
    options.trajectories = Some(dir.join("traj"));
    let runner = Runner::new(rlm, Scorers::new(), options);

    // First only three tasks, as if the run had been stopped.
    let plan = runner.plan(&tasks(3), &ResultFile::load(&out)?);
    assert_eq!((plan.jobs.len(), plan.skipped), (6, 0));
    let mut writer = ResultWriter::open(&out)?;
    let mut seen = 0;
    let progress = runner.run(plan, &mut writer, |_, p| seen = p.done).await?;
    assert_eq!((progress.done, seen), (6, 6));

    // The rerun skips what is recorded and runs the rest.
    let plan = runner.plan(&tasks(5), &ResultFile::load(&out)?);
    assert_eq!((plan.jobs.len(), plan.skipped), (4, 6));
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;

    let file = ResultFile::load(&out)?;
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.results.len(), 10);
    for line in &file.results {
        let right = line.id != "t2";
        let want = if right { 1.0 } else { 0.0 };
        assert!((line.score - want).abs() < 1e-9, "{line:?}");
        assert_eq!(line.finished, Finished::Final);
        assert_eq!(line.suite, "unit");
        assert_eq!(line.label, "scripted");
        assert_eq!(line.iterations, 1);
        assert!(line.tokens["scripted-root"].calls >= 1);
        let path = line.trajectory.as_deref().unwrap_or_default();
        assert!(
            path.ends_with(&format!("{}.{}.jsonl", line.id, line.method)),
            "{path}"
        );
        let trajectory =
            rlm::Trajectory::read_jsonl(std::io::BufReader::new(std::fs::File::open(path)?))?;
        assert_eq!(trajectory.iterations().count(), 1);
    }
    let direct = file
        .results
        .iter()
        .filter(|l| l.method == Method::Direct)
        .count();
    assert_eq!(direct, 5);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_and_a_timeout_are_recorded_per_task()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = temp("fail");
    let out = dir.join("results.jsonl");
    let failing = root().with_failures(FailurePlan::EveryKth {
        k: 1,
        error: SimulatedFailure::ServerError,
    });
    let no_retry =
        ResiliencePolicy::default().with_retry(RetryPolicy::default().with_max_retries(0));
    let rlm = Rlm::builder().root(failing).resilience(no_retry).build()?;
    let mut options = EvalOptions::new(Method::Rlm, "down");
    options.methods.push(Method::Direct);
    options.jobs = 4;
    let runner = Runner::new(rlm, Scorers::new(), options);
    let plan = runner.plan(&tasks(3), &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let file = ResultFile::load(&out)?;
    assert_eq!(file.results.len(), 6);
    for line in &file.results {
        assert_eq!(line.finished, Finished::Error, "{line:?}");
        assert_eq!(line.error_class.as_deref(), Some("provider"), "{line:?}");
        assert!(line.score.abs() < 1e-9, "{line:?}");
        assert!(
            line.error.as_deref().is_some_and(|e| !e.is_empty()),
            "{line:?}"
        );
    }

    // A slow model past the per-task timeout: class `timeout`; rerun with --retry-errors reruns them.
    let slow = root().with_latency(Latency::Fixed(Duration::from_secs(30)));
    let limits = Limits::default().with_timeout(Duration::from_millis(200));
    let rlm = Rlm::builder().root(slow).limits(limits).build()?;
    let mut options = EvalOptions::new(Method::Rlm, "slow");
    options.jobs = 2;
    let runner = Runner::new(rlm.clone(), Scorers::new(), options.clone());
    let plan = runner.plan(&tasks(2), &ResultFile::default());
    let slow_out = dir.join("slow.jsonl");
    runner
        .run(plan, &mut ResultWriter::open(&slow_out)?, |_, _| {})
        .await?;
    let file = ResultFile::load(&slow_out)?;
    assert!(
        file.results
            .iter()
            .all(|l| l.error_class.as_deref() == Some("timeout")),
        "{file:?}"
    );
    assert_eq!(runner.plan(&tasks(2), &file).jobs.len(), 0);
    options.retry_errors = true;
    let retrying = Runner::new(rlm, Scorers::new(), options);
    assert_eq!(retrying.plan(&tasks(2), &file).jobs.len(), 2);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn a_missing_context_file_is_a_task_error() -> Result<(), Box<dyn std::error::Error>> {
    let dir = temp("missing");
    let out = dir.join("results.jsonl");
    let rlm = Rlm::builder().root(root()).build()?;
    let runner = Runner::new(rlm, Scorers::new(), EvalOptions::new(Method::Rlm, "x"));
    let mut task = Task::new("gone", "task 1", TaskContext::File(dir.join("gone.txt")));
    task.expected = json!("ans-1");
    let plan = runner.plan(&[Arc::new(task)], &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let file = ResultFile::load(&out)?;
    assert_eq!(file.results[0].error_class.as_deref(), Some("task"));
    assert!(
        file.results[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("gone.txt"),
        "{:?}",
        file.results[0]
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A custom scorer: half a point per expected word found in the answer.
#[derive(Debug)]
struct WordsFound;

impl rlm_eval::Scorer for WordsFound {
    fn score(
        &self,
        answer: &str,
        expected: &serde_json::Value,
        params: &serde_json::Value,
    ) -> rlm_eval::Score {
        let weight = params["weight"].as_f64().unwrap_or(0.5);
        let words = expected.as_str().unwrap_or_default().split_whitespace();
        let found = words.filter(|w| answer.contains(w)).count();
        rlm_eval::Score::new(found as f64 * weight)
    }
}

#[tokio::test]
async fn a_custom_scorer_grades_the_answers() -> Result<(), Box<dyn std::error::Error>> {
    let dir = temp("custom");
    let out = dir.join("results.jsonl");
    let rlm = Rlm::builder().root(root()).build()?;
    let scorers = Scorers::new().with("words_found", WordsFound);
    let runner = Runner::new(rlm, scorers, EvalOptions::new(Method::Direct, "x"));
    let mut task = Task::new("c", "task 7", TaskContext::Text("ctx".into()));
    task.expected = json!("ans-7 missing");
    task.scorer = serde_json::from_value(
        json!({"kind": "custom", "name": "words_found", "params": {"weight": 0.25}}),
    )?;
    let plan = runner.plan(&[Arc::new(task)], &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let line = &ResultFile::load(&out)?.results[0];
    assert_eq!(line.scorer, "words_found");
    assert!((line.score - 0.25).abs() < 1e-9, "{line:?}");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
