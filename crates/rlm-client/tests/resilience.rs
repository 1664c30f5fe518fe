//! `Resilient` with `Simulated` under tokio paused time: retry counts, retry-after as minimum wait,
//! too-long retry-after, deadline, metering.

use std::sync::Arc;
use std::time::Duration;

use rlm_client::testing::{FailurePlan, Latency, Simulated, SimulatedFailure};
use rlm_client::{
    ClientError, CompletionRequest, LlmClient, Price, PriceTable, ResiliencePolicy, Resilient,
    RetryPolicy, UsageMeter,
};
use tokio::time::Instant;

fn failing(k: u64, error: SimulatedFailure) -> Simulated {
    Simulated::new("sim", |_: &CompletionRequest| "ok".to_string())
        .with_failures(FailurePlan::EveryKth { k, error })
}

#[tokio::test(start_paused = true)]
async fn retries_stop_after_max_retries_and_are_metered() {
    let sim = failing(1, SimulatedFailure::ServerError);
    let meter = UsageMeter::new();
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default())
        .unwrap()
        .with_meter(meter.clone());
    let start = Instant::now();
    let err = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Http { status: 500, .. }));
    assert_eq!(sim.calls(), 11, "1 attempt + 10 retries");
    // Backoff 0.5, 1, 2, 4, then 8 s six times: 55.5 s, of which jitter may take up to a quarter.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs_f64(55.5 * 0.75) && waited <= Duration::from_secs_f64(55.5),
        "{waited:?}"
    );
    let m = meter.snapshot().per_model["sim"];
    assert_eq!((m.calls, m.failures, m.retries), (1, 1, 10));
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_retry_deadline() {
    let sim = failing(1, SimulatedFailure::ServerError);
    let policy = ResiliencePolicy::default().with_retry(
        RetryPolicy::default()
            .with_max_retries(1000)
            .with_retry_deadline(Duration::from_secs(30)),
    );
    let client = Resilient::new(Arc::new(sim.clone()), policy).unwrap();
    let start = Instant::now();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    // No wait may end after the deadline, and giving up happens at most one backoff (8 s) early.
    let waited = start.elapsed();
    assert!(
        waited <= Duration::from_secs(30) && waited >= Duration::from_secs(22),
        "{waited:?}"
    );
    assert!((6..=10).contains(&sim.calls()), "{}", sim.calls());
}

#[tokio::test(start_paused = true)]
async fn retry_after_zero_retries_at_once() {
    let sim = failing(
        2,
        SimulatedFailure::RateLimited {
            retry_after: Some(Duration::ZERO),
        },
    );
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default()).unwrap();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let start = Instant::now();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert!(
        start.elapsed() <= Duration::from_millis(50),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(sim.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_to_retry_holds_no_concurrency_permit() {
    // One permit shared by two clients; the first fails once and then waits ~0.5 s to retry.
    let permits = Arc::new(tokio::sync::Semaphore::new(1));
    let flaky = failing(1, SimulatedFailure::ServerError)
        .with_latency(Latency::Fixed(Duration::from_millis(10)));
    let steady = Simulated::new("steady", |_: &CompletionRequest| "ok".to_string())
        .with_latency(Latency::Fixed(Duration::from_millis(100)));
    let policy = ResiliencePolicy::default().with_retry(RetryPolicy::default().with_max_retries(1));
    let a = Resilient::new(Arc::new(flaky), policy)
        .unwrap()
        .with_concurrency_limit(Arc::clone(&permits));
    let b = Resilient::new(Arc::new(steady), policy)
        .unwrap()
        .with_concurrency_limit(Arc::clone(&permits));
    let start = Instant::now();
    let flaky_call = tokio::spawn(async move { a.complete(CompletionRequest::prompt("x")).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The flaky call has failed and sleeps for its backoff: the steady call gets the permit now.
    b.complete(CompletionRequest::prompt("y")).await.unwrap();
    assert!(
        start.elapsed() <= Duration::from_millis(130),
        "the steady call waited for a sleeping call's permit: {:?}",
        start.elapsed()
    );
    assert!(flaky_call.await.unwrap().is_err());
}

#[tokio::test(start_paused = true)]
async fn the_observer_hears_each_retry_on_one_line() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let sim = Simulated::new("sim", |_: &CompletionRequest| "ok".to_string()).with_failures(
        FailurePlan::EveryKth {
            k: 2,
            error: SimulatedFailure::ServerError,
        },
    );
    let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default())
        .unwrap()
        .with_observer(rlm_client::CallObserver::new(move |e| {
            sink.lock().unwrap().push(e.clone());
        }));
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    match &seen[0] {
        rlm_client::CallEvent::Retrying {
            model,
            attempt,
            error,
            ..
        } => {
            assert_eq!((model.as_str(), *attempt), ("sim", 1));
            assert!(!error.contains('\n') && error.contains("500"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_the_minimum_wait() {
    let sim = failing(
        2,
        SimulatedFailure::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        },
    );
    // Call 1 succeeds, call 2 is rate limited, call 3 (its retry) succeeds.
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default()).unwrap();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    let start = Instant::now();
    client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(7),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(sim.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn too_long_retry_after_fails_at_once() {
    let sim = failing(
        1,
        SimulatedFailure::RateLimited {
            retry_after: Some(Duration::from_hours(1)),
        },
    );
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default()).unwrap();
    let start = Instant::now();
    let err = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::RetryAfterTooLong { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("max_retry_after"), "{err}");
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(sim.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn deadline_bounds_the_whole_call() {
    let sim = Simulated::new("sim", |_: &CompletionRequest| "late".to_string())
        .with_latency(Latency::Fixed(Duration::from_secs(100)));
    let policy = ResiliencePolicy::default()
        .with_attempt_timeout(Duration::from_secs(40))
        .with_deadline(Duration::from_secs(90))
        .with_retry(RetryPolicy::default().with_max_retries(10));
    let client = Resilient::new(Arc::new(sim.clone()), policy).unwrap();
    let start = Instant::now();
    let err = client
        .complete(CompletionRequest::prompt("x"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::DeadlineExceeded {
            deadline: Duration::from_secs(90)
        }
    );
    assert_eq!(start.elapsed(), Duration::from_secs(90));
    assert_eq!(
        sim.calls(),
        3,
        "two 40 s attempts timed out, the third was cut by the deadline"
    );
}

#[tokio::test]
async fn non_retryable_errors_pass_through_once() {
    let sim = failing(1, SimulatedFailure::BadRequest);
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default()).unwrap();
    assert!(
        client
            .complete(CompletionRequest::prompt("x"))
            .await
            .is_err()
    );
    assert_eq!(sim.calls(), 1);
}

#[tokio::test]
async fn meter_reports_tokens_and_cost_per_model() {
    let sim = Simulated::new("sim", |_: &CompletionRequest| "abcdefgh".to_string());
    let meter = UsageMeter::new();
    let client = Resilient::new(Arc::new(sim), ResiliencePolicy::default())
        .unwrap()
        .with_meter(meter.clone());
    client
        .complete(CompletionRequest::prompt("1234"))
        .await
        .unwrap();
    client
        .complete(CompletionRequest::prompt("1234").with_model("big"))
        .await
        .unwrap();
    let report = meter.snapshot();
    assert_eq!(report.per_model.keys().collect::<Vec<_>>(), ["big", "sim"]);
    let total = report.total();
    assert_eq!(
        (
            total.calls,
            total.usage.prompt_tokens,
            total.usage.completion_tokens
        ),
        (2, 10, 4)
    );
    let prices = PriceTable::new()
        .with("sim", Price::new(1_000_000.0, 0.0))
        .with("big", Price::new(0.0, 1_000_000.0));
    assert_eq!(report.cost_usd(&prices), Some(5.0 + 2.0));
}

#[tokio::test]
async fn a_call_dropped_mid_flight_is_metered_as_a_failure() {
    // Real time (lower bounds only): the meter times calls with std's clock.
    let sim = Simulated::new("sim", |_: &CompletionRequest| "ok".to_string())
        .with_latency(Latency::Fixed(Duration::from_secs(30)));
    let meter = UsageMeter::new();
    let client = Resilient::new(Arc::new(sim.clone()), ResiliencePolicy::default())
        .unwrap()
        .with_meter(meter.clone());
    let dropped = tokio::time::timeout(
        Duration::from_millis(50),
        client.complete(CompletionRequest::prompt("x")),
    )
    .await;
    assert!(dropped.is_err(), "the call should still be in flight");
    assert_eq!(sim.calls(), 1);
    let sim_usage = meter.snapshot().per_model["sim"];
    assert_eq!(
        (sim_usage.calls, sim_usage.failures, sim_usage.retries),
        (1, 1, 0)
    );
    assert_eq!(sim_usage.usage, rlm_client::Usage::default());
    assert!(
        sim_usage.elapsed >= Duration::from_millis(40),
        "{:?}",
        sim_usage.elapsed
    );
}
