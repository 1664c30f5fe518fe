//! The runner under limits, with scripted clients (not language models): the token and cost
//! budgets are strict for both methods, `direct` has the per-task timeout, a run that never calls
//! `FINAL` is recorded as `forced`, and a job that panics is a line of class `internal`.

use std::sync::Arc;
use std::time::Duration;

use rlm::client::testing::{Latency, Simulated};
use rlm::client::{CompletionRequest, Price, PriceTable, Role};
use rlm::{Limits, Rlm};
use rlm_eval::score::Scorers;
use rlm_eval::{
    EvalOptions, Finished, Method, ResultFile, ResultLine, ResultWriter, Runner, Task, TaskContext,
};
use serde_json::json;

mod support;

use support::{root, tasks, temp};

/// Runs `tasks` with both methods, two jobs at a time, and returns the lines sorted by id then method.
async fn run_both(
    rlm: Rlm,
    scorers: Scorers,
    tasks: &[Arc<Task>],
    name: &str,
) -> Result<Vec<ResultLine>, Box<dyn std::error::Error>> {
    let dir = temp(name);
    let out = dir.join("results.jsonl");
    let mut options = EvalOptions::new(Method::Rlm, name);
    options.methods.push(Method::Direct);
    options.jobs = 2;
    let runner = Runner::new(rlm, scorers, options);
    let plan = runner.plan(tasks, &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let mut lines = ResultFile::load(&out)?.results;
    lines.sort_by(|a, b| (&a.id, a.method as u8).cmp(&(&b.id, b.method as u8)));
    std::fs::remove_dir_all(&dir)?;
    Ok(lines)
}

fn total_tokens(line: &ResultLine) -> u64 {
    line.tokens.values().map(|t| t.input + t.output).sum()
}

fn assert_over_budget(line: &ResultLine, class: &str) {
    assert_eq!(line.finished, Finished::Error, "{line:?}");
    assert_eq!(line.error_class.as_deref(), Some(class), "{line:?}");
    assert!(line.score.abs() < 1e-9, "{line:?}");
    assert_eq!(line.answer, None, "{line:?}");
    let want = format!("ans-{}", &line.id[1..]);
    assert_eq!(
        line.partial_answer.as_deref(),
        Some(want.as_str()),
        "{line:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_budget_holds_for_both_methods() -> Result<(), Box<dyn std::error::Error>> {
    // Unlimited: both methods answer; the RLM's system prompt makes it cost more than direct.
    let free = run_both(
        Rlm::builder().root(root()).build()?,
        Scorers::new(),
        &tasks(3),
        "free",
    )
    .await?;
    assert_eq!(free.len(), 6);
    let mut most_direct = 0;
    let mut least_rlm = u64::MAX;
    for line in &free {
        assert_eq!(line.finished, Finished::Final, "{line:?}");
        match line.method {
            Method::Direct => most_direct = most_direct.max(total_tokens(line)),
            Method::Rlm => least_rlm = least_rlm.min(total_tokens(line)),
        }
    }
    assert!(most_direct < least_rlm, "{most_direct} vs {least_rlm}");

    // A budget between the two: direct still answers, every RLM run passes it and is a failure.
    let between = Limits::default().with_token_budget(most_direct);
    let rlm = Rlm::builder().root(root()).limits(between).build()?;
    for line in run_both(rlm, Scorers::new(), &tasks(3), "between").await? {
        match line.method {
            Method::Direct => assert_eq!(line.finished, Finished::Final, "{line:?}"),
            Method::Rlm => assert_over_budget(&line, "token_budget"),
        }
        assert!(total_tokens(&line) > 0, "{line:?}");
    }

    // A budget below both: every job is a failure with its answer kept as the partial answer.
    let tight = Limits::default().with_token_budget(5);
    let rlm = Rlm::builder().root(root()).limits(tight).build()?;
    let lines = run_both(rlm, Scorers::new(), &tasks(3), "tight").await?;
    assert_eq!(lines.len(), 6);
    for line in &lines {
        assert_over_budget(line, "token_budget");
        assert!(
            line.error.as_deref().unwrap_or_default().contains('5'),
            "{line:?}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_budget_holds_for_both_methods() -> Result<(), Box<dyn std::error::Error>> {
    let prices = PriceTable::new().with("scripted-root", Price::new(1_000_000.0, 1_000_000.0));
    let rlm = Rlm::builder()
        .root(root())
        .prices(prices.clone())
        .limits(Limits::default().with_cost_budget_usd(4.0))
        .build()?;
    let lines = run_both(rlm, Scorers::new(), &tasks(2), "cost").await?;
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert_over_budget(line, "cost_budget");
        assert!(line.cost_usd.is_some_and(|c| c > 4.0), "{line:?}");
    }
    let rlm = Rlm::builder()
        .root(root())
        .prices(prices)
        .limits(Limits::default().with_cost_budget_usd(1e9))
        .build()?;
    let lines = run_both(rlm, Scorers::new(), &tasks(2), "rich").await?;
    assert!(
        lines.iter().all(|l| l.finished == Finished::Final),
        "{lines:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_has_the_per_task_timeout() -> Result<(), Box<dyn std::error::Error>> {
    let slow = root().with_latency(Latency::Fixed(Duration::from_secs(30)));
    let limits = Limits::default().with_timeout(Duration::from_millis(200));
    let rlm = Rlm::builder().root(slow).limits(limits).build()?;
    let lines = run_both(rlm, Scorers::new(), &tasks(2), "timeout").await?;
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert_eq!(line.error_class.as_deref(), Some("timeout"), "{line:?}");
        assert!(line.wall_ms < 10_000, "{line:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_never_calls_final_is_forced_and_still_scored()
-> Result<(), Box<dyn std::error::Error>> {
    // Thinks aloud without FINAL until it is told its turns are over, then answers with FINAL.
    let chatty = Simulated::new("chatty-root", |request: &CompletionRequest| {
        let users: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .collect();
        let first = users.first().copied().unwrap_or_default();
        let n = first
            .split("task ")
            .nth(1)
            .and_then(|r| r.get(..1))
            .unwrap_or("?");
        let told_to_finish = users
            .last()
            .is_some_and(|last| last.contains("used all your turns"));
        if told_to_finish {
            format!("FINAL(it is ans-{n})")
        } else {
            format!("I think it is ans-{n}")
        }
    });
    let rlm = Rlm::builder().root(chatty).max_iterations(2).build()?;
    let mut scorers_tasks = tasks(3);
    for task in &mut scorers_tasks {
        let mut changed = (**task).clone();
        changed.scorer = serde_json::from_value(json!({"kind": "contains"}))?;
        *task = Arc::new(changed);
    }
    let lines = run_both(rlm, Scorers::new(), &scorers_tasks, "forced").await?;
    for line in lines.iter().filter(|l| l.method == Method::Rlm) {
        assert_eq!(line.finished, Finished::Forced, "{line:?}");
        assert_eq!(line.iterations, 2, "{line:?}");
        let want = if line.id == "t2" { 0.0 } else { 1.0 };
        assert!((line.score - want).abs() < 1e-9, "{line:?}");
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.finished == Finished::Forced)
            .count(),
        3
    );
    Ok(())
}

/// A custom scorer that panics on one answer.
#[derive(Debug)]
struct PanicsOnTask2;

impl rlm_eval::Scorer for PanicsOnTask2 {
    fn score(
        &self,
        answer: &str,
        _expected: &serde_json::Value,
        _params: &serde_json::Value,
    ) -> rlm_eval::Score {
        assert!(!answer.contains("ans-2"), "scorer bug on {answer}");
        rlm_eval::Score::new(1.0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_job_is_an_internal_error_and_the_others_finish()
-> Result<(), Box<dyn std::error::Error>> {
    let mut scored = Vec::new();
    for task in tasks(4) {
        let mut changed = (*task).clone();
        changed.scorer = serde_json::from_value(json!({"kind": "custom", "name": "panics"}))?;
        changed.context = TaskContext::Text(format!("context of {}", changed.id));
        scored.push(Arc::new(changed));
    }
    let scorers = Scorers::new().with("panics", PanicsOnTask2);
    let rlm = Rlm::builder().root(root()).build()?;
    let lines = run_both(rlm, scorers, &scored, "panic").await?;
    assert_eq!(lines.len(), 8);
    for line in &lines {
        if line.id == "t2" {
            assert_eq!(line.error_class.as_deref(), Some("internal"), "{line:?}");
            let error = line.error.as_deref().unwrap_or_default();
            assert!(error.contains("scorer bug on ans-2"), "{error}");
        } else {
            assert_eq!(line.finished, Finished::Final, "{line:?}");
        }
    }
    Ok(())
}
