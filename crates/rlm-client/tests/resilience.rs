//! `Resilient` with `Simulated` under tokio paused time: retry counts, retry-after as minimum wait,
//! too-long retry-after, deadline, metering.

use std::sync::Arc;
use std::time::Duration;

use rlm_client::{
    ClientError, CompletionRequest, FailurePlan, Latency, LlmClient, Price, PriceTable,
    ResiliencePolicy, Resilient, RetryPolicy, Simulated, SimulatedFailure, UsageMeter,
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
    assert_eq!(sim.calls(), 3, "1 attempt + 2 retries");
    // Default backoff: 0.5 s then 1 s before jitter (at most double), each capped at 8 s.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1500) && waited <= Duration::from_secs(3),
        "{waited:?}"
    );
    let m = meter.snapshot().per_model["sim"];
    assert_eq!((m.calls, m.failures, m.retries), (1, 1, 2));
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
    let policy = ResiliencePolicy {
        attempt_timeout: Duration::from_secs(40),
        deadline: Some(Duration::from_secs(90)),
        retry: RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        },
        ..ResiliencePolicy::default()
    };
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
