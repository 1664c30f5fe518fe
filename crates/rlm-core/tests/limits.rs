//! Each limit stops the run with its own error and the best partial answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{ClientError, Price, PriceTable, ResiliencePolicy, Usage};
use rlm_core::{Limits, Rlm, RlmError};

use crate::support::{Scripted, repl};

fn looping_root() -> Scripted {
    Scripted::new("root", |_, n| Ok(repl(&format!("print('step {n}')"))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_budget_stops_the_run() {
    let root = Arc::new(looping_root().with_usage(Usage::new(600, 400)));
    let limits = Limits::default().with_token_budget(1_500);
    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(limits)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    match &err {
        RlmError::TokenBudget {
            budget: 1_500,
            used: 2_000,
            ..
        } => {}
        other => panic!("expected TokenBudget, got {other:?}"),
    }
    assert_eq!(root.calls(), 2, "no call starts once the budget is used up");
    assert_eq!(err.partial_answer(), Some("step 1"));
    // The stopped run keeps what it did: both iterations, their usage, and a trajectory that round-trips.
    let partial = err
        .partial_run()
        .expect("a limit error carries the partial run");
    assert_eq!(partial.answer.as_deref(), Some("step 1"));
    assert_eq!(partial.iterations, 2);
    assert_eq!(partial.trajectory.iterations().count(), 2);
    assert_eq!(partial.trajectory.metadata.root_model, "root");
    assert_eq!(partial.trajectory.metadata.limits.token_budget, Some(1_500));
    assert_eq!(partial.usage.total.usage.total_tokens(), 2_000);
    assert_eq!(partial.usage.total.calls, 2);
    assert!(partial.duration > Duration::ZERO);
    let mut buffer = Vec::new();
    partial.trajectory.write_jsonl(&mut buffer).unwrap();
    let back = rlm_core::Trajectory::read_jsonl(buffer.as_slice()).unwrap();
    assert_eq!(&back, &partial.trajectory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_budget_refuses_sub_calls_and_ends_after_the_cell() {
    let code = repl("var a = llm_query('one'); var b = llm_query('two'); print(a); print(b)");
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(never)"]));
    let sub = Arc::new(Scripted::echo("sub").with_usage(Usage::new(100, 0)));
    let limits = Limits::default().with_token_budget(105);
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .limits(limits)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(matches!(err, RlmError::TokenBudget { .. }), "{err:?}");
    assert_eq!(sub.calls(), 1, "the second sub-call is refused");
    assert_eq!(root.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_budget_stops_the_run() {
    let root = Arc::new(looping_root().with_usage(Usage::new(1_000, 0)));
    let prices = PriceTable::new().with("root", Price::new(1_000.0, 1_000.0));
    let limits = Limits::default().with_cost_budget_usd(2.5);
    let rlm = Rlm::builder()
        .root(root.clone())
        .prices(prices)
        .limits(limits)
        .build()
        .unwrap();
    match rlm.completion("c", "q").await.unwrap_err() {
        RlmError::CostBudget {
            budget_usd,
            spent_usd,
            partial,
        } => {
            assert!((budget_usd - 2.5).abs() < 1e-9);
            assert!((spent_usd - 3.0).abs() < 1e-9, "{spent_usd}");
            assert_eq!(partial.answer.as_deref(), Some("step 2"));
        }
        other => panic!("expected CostBudget, got {other:?}"),
    }
    assert_eq!(root.calls(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_is_reported_when_prices_are_known() {
    let root =
        Arc::new(Scripted::replies("root", &["FINAL(x)"]).with_usage(Usage::new(2_000_000, 0)));
    let prices = PriceTable::new().with("root", Price::new(0.5, 2.0));
    let answer = Rlm::builder()
        .root(root)
        .prices(prices)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.cost_usd, Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_stops_the_run_with_the_partial_answer() {
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("print('half done: 21')"), "FINAL(too late)"],
    ));
    let slow_root = Arc::new(SlowAfterFirst {
        inner: root.clone(),
    });
    let limits = Limits::default().with_timeout(Duration::from_millis(500));
    let rlm = Rlm::builder()
        .root(slow_root)
        .limits(limits)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(matches!(err, RlmError::Timeout { .. }), "{err:?}");
    assert_eq!(err.partial_answer(), Some("half done: 21"));
    // The timed-out run keeps its first iteration (the second was cut short while waiting for the model).
    let partial = err
        .partial_run()
        .expect("a timeout carries the partial run");
    assert_eq!(partial.iterations, 1);
    let first = partial.trajectory.iterations().next().expect("one record");
    assert_eq!(first.cells[0].stdout.trim(), "half done: 21");
    // The first root call finished; the second was dropped by the timeout and counts as a failure.
    let root_usage = partial.usage.per_depth[0].total();
    assert_eq!((root_usage.calls, root_usage.failures), (2, 1));
    assert!(partial.usage.total.usage.total_tokens() > 0);
    assert!(partial.duration >= Duration::from_millis(500));
    // Generous bound: the run must not wait for the 60 s reply.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

/// Answers the first call at once, then takes a minute.
struct SlowAfterFirst {
    inner: Arc<Scripted>,
}

#[async_trait::async_trait]
impl rlm_client::LlmClient for SlowAfterFirst {
    async fn complete(
        &self,
        request: rlm_client::CompletionRequest,
    ) -> Result<rlm_client::Completion, ClientError> {
        if self.inner.calls() > 0 {
            tokio::time::sleep(Duration::from_mins(1)).await;
        }
        self.inner.complete(request).await
    }
    fn model(&self) -> &'static str {
        "root"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consecutive_cell_errors_stop_the_run() {
    let root = Arc::new(Scripted::new("root", |_, _| {
        Ok(repl("throw new Error('boom')"))
    }));
    let limits = Limits::default().with_max_consecutive_errors(Some(3));
    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(limits)
        .build()
        .unwrap();
    match rlm.completion("c", "q").await.unwrap_err() {
        RlmError::ConsecutiveErrors {
            count, last_error, ..
        } => {
            assert_eq!(count, 3);
            assert!(last_error.contains("boom"), "{last_error}");
        }
        other => panic!("expected ConsecutiveErrors, got {other:?}"),
    }
    assert_eq!(root.calls(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_cell_resets_the_error_count() {
    let root = Arc::new(Scripted::new("root", |_, n| {
        Ok(match n {
            0 | 1 | 3 | 4 => repl("throw new Error('boom')"),
            2 => repl("print('fine')"),
            _ => "FINAL(ok)".to_owned(),
        })
    }));
    let limits = Limits::default().with_max_consecutive_errors(Some(3));
    let answer = Rlm::builder()
        .root(root)
        .limits(limits)
        .build()
        .unwrap()
        .completion("c", "q")
        .await
        .unwrap();
    assert_eq!(answer.answer, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subcall_limit_refuses_the_batch_and_stops_the_run() {
    let code = repl("var r = llm_batch(['a', 'b', 'c']); print(r[0])");
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("print('before')"), &code, "FINAL(never)"],
    ));
    let sub = Arc::new(Scripted::echo("sub"));
    let limits = Limits::default().with_max_subcalls(Some(2));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .limits(limits)
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(
        matches!(err, RlmError::SubcallLimit { limit: 2, .. }),
        "{err:?}"
    );
    assert_eq!(sub.calls(), 0);
    // The refused batch printed its refusal; that output is the latest successful cell.
    let partial = err.partial_answer().unwrap();
    assert!(
        partial.starts_with("Error:") && partial.contains("2 sub-calls"),
        "{partial}"
    );
}

/// Root and sub given as the same `Arc` share one rate limiter: 4 calls (root, 2 sub-calls, root) under
/// 60 requests per minute (one per second, burst 1) take at least 3 s. With one limiter per role they
/// would take about 1 s (2 calls each). Lower bound only: a loaded machine makes it slower, never faster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_client_as_root_and_sub_shares_one_rate_limiter() {
    let code = repl("var a = llm_query('one'); var b = llm_query('two'); print(a + b)");
    let client: Arc<dyn rlm_client::LlmClient> = Arc::new(Scripted::new("m", move |request, _| {
        if crate::support::is_root_turn(request) {
            Ok(
                if crate::support::last_user(request).contains("Code block") {
                    "FINAL(done)".to_owned()
                } else {
                    code.clone()
                },
            )
        } else {
            Ok("sub".to_owned())
        }
    }));
    let policy = ResiliencePolicy::default()
        .with_rate_limits(rlm_client::RateLimits::default().with_requests_per_minute(60));
    let rlm = Rlm::builder()
        .root(Arc::clone(&client))
        .sub_client(Arc::clone(&client))
        .resilience(policy)
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "done");
    assert_eq!(answer.usage.total.calls, 4);
    assert!(
        started.elapsed() >= Duration::from_millis(2_500),
        "4 calls at 1 per second through one limiter take >= 3 s, took {:?}",
        started.elapsed()
    );
}

/// A cell looping over `llm_query` spends almost no CPU time (the sandbox's CPU limit does not count
/// time in host calls); the wall-clock cell limit ends it, the model sees why, and the run goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cell_wall_clock_limit_ends_a_cell_looping_over_sub_calls() {
    let root = Arc::new(Scripted::replies(
        "root",
        &[
            &repl("var before = 'kept'; while (true) { llm_query('x') }"),
            &format!(
                "{}FINAL_VAR(z)",
                repl("var z = before + ' after'; print(z)")
            ),
        ],
    ));
    let sub = Arc::new(
        rlm_client::testing::Simulated::new("sub", |_: &rlm_client::CompletionRequest| {
            "y".to_owned()
        })
        .with_latency(rlm_client::testing::Latency::Fixed(Duration::from_millis(
            50,
        ))),
    );
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .cell_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    // Without the cell limit this run would not end: fail instead of hanging the test binary.
    let answer = tokio::time::timeout(Duration::from_mins(2), rlm.completion("c", "q"))
        .await
        .expect("the cell limit must end the cell")
        .unwrap();
    // The timed-out cell was cancelled: the sandbox is free for the next cell and keeps its variables.
    assert_eq!(answer.answer, "kept after");
    assert_eq!(answer.iterations, 2);
    assert!(sub.calls() >= 2, "the loop made sub-calls: {}", sub.calls());
    let second = answer.trajectory.iterations().nth(1).unwrap();
    // Had it waited behind the abandoned cell, it would have passed the 1 s limit too.
    assert_eq!(second.cells[0].error, None);
    let first = answer.trajectory.iterations().next().unwrap();
    let error = first.cells[0].error.as_deref().unwrap();
    assert!(
        error.contains("the cell ran longer than its wall-clock limit of 1s"),
        "{error}"
    );
    let seen = crate::support::last_user(&root.requests()[1]);
    assert!(seen.contains("wall-clock limit of 1s"), "{seen}");
}

#[test]
fn cell_timeout_must_be_positive() {
    let root = Arc::new(Scripted::replies("root", &[]));
    let err = Rlm::builder()
        .root(root)
        .cell_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(err, RlmError::Config(_)), "{err:?}");
}

/// The token budget is soft (see `Limits::token_budget`): in an `llm_batch`, only the items already in
/// flight when it is reached (at most the batch's `max_concurrent`) finish; the rest are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_budget_overshoot_in_a_batch_is_bounded_by_its_concurrency() {
    let code = repl(
        "var ps = []; for (var i = 0; i < 8; i++) ps.push('p' + i); var rs = llm_batch(ps, 2); print(rs.join('|'))",
    );
    let root =
        Arc::new(Scripted::replies("root", &[&code, "FINAL(never)"]).with_usage(Usage::new(1, 0)));
    let sub = Arc::new(
        Scripted::echo("sub")
            .with_usage(Usage::new(100, 0))
            .with_delay(Duration::from_millis(20)),
    );
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(sub.clone())
        .limits(Limits::default().with_token_budget(150))
        .build()
        .unwrap();
    let err = rlm.completion("c", "q").await.unwrap_err();
    assert!(matches!(err, RlmError::TokenBudget { .. }), "{err:?}");
    assert!(
        (2..=3).contains(&sub.calls()),
        "the 2 first items run; at most one more starts before the first finishes: {}",
        sub.calls()
    );
}
