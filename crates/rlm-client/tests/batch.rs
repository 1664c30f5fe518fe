//! `batch`: order, per-item errors, the concurrency cap, cancellation on drop, empty and invalid batches,
//! progress. Uses tokio paused time, so latencies cost nothing.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_client::testing::{FailurePlan, Latency, Simulated, SimulatedFailure};
use rlm_client::{
    BatchOptions, BatchProgress, ClientError, CompletionRequest, Resilient, RetryPolicy, batch,
};

use crate::support::Gauge;

fn prompts(n: usize) -> Vec<CompletionRequest> {
    (0..n)
        .map(|i| CompletionRequest::prompt(format!("p{i}")))
        .collect()
}

fn echo() -> Simulated {
    Simulated::new("sim", |r: &CompletionRequest| r.messages[0].content.clone())
}

#[tokio::test(start_paused = true)]
async fn order_is_kept_with_per_item_errors() {
    let sim = echo()
        .with_latency(Latency::Jitter {
            min: Duration::from_millis(1),
            max: Duration::from_millis(90),
            seed: 3,
        })
        .with_failures(FailurePlan::EveryKth {
            k: 5,
            error: SimulatedFailure::BadRequest,
        });
    let results = batch(&sim, prompts(40), BatchOptions::new(1))
        .await
        .unwrap();
    assert_eq!(results.len(), 40);
    for (i, result) in results.iter().enumerate() {
        // With max_concurrent 1 the call number is i + 1, so every 5th call fails.
        if (i + 1) % 5 == 0 {
            assert!(
                matches!(result, Err(ClientError::Http { status: 400, .. })),
                "{i}: {result:?}"
            );
        } else {
            assert_eq!(result.as_ref().unwrap().text, format!("p{i}"));
        }
    }

    let sim = echo().with_latency(Latency::Jitter {
        min: Duration::from_millis(1),
        max: Duration::from_millis(90),
        seed: 9,
    });
    let results = batch(&sim, prompts(40), BatchOptions::new(8))
        .await
        .unwrap();
    let texts: Vec<String> = results.into_iter().map(|r| r.unwrap().text).collect();
    assert_eq!(texts, (0..40).map(|i| format!("p{i}")).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn peak_in_flight_never_exceeds_the_cap() {
    for cap in [1, 3, 10] {
        let gauge = Gauge::new(Duration::from_millis(50));
        let results = batch(gauge.as_ref(), prompts(25), BatchOptions::new(cap))
            .await
            .unwrap();
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(gauge.peak.load(Ordering::SeqCst), cap, "cap {cap}");
    }
}

#[tokio::test(start_paused = true)]
async fn batch_runs_in_parallel_through_the_wrapper() {
    let gauge = Gauge::new(Duration::from_millis(50));
    let client = Resilient::new(gauge.clone(), rlm_client::ResiliencePolicy::default()).unwrap();
    let start = tokio::time::Instant::now();
    batch(&client, prompts(16), BatchOptions::new(16))
        .await
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(16 * 50 / 2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.meter().snapshot().total().calls, 16);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_batch_aborts_in_flight_calls_and_starts_nothing_more() {
    let gauge = Gauge::new(Duration::from_millis(10));
    let outcome = tokio::time::timeout(
        Duration::from_millis(25),
        batch(gauge.as_ref(), prompts(100), BatchOptions::new(4)),
    )
    .await;
    assert!(
        outcome.is_err(),
        "the batch should still be running at 25 ms"
    );
    let started = gauge.started.load(Ordering::SeqCst);
    let completed = gauge.completed.load(Ordering::SeqCst);
    assert!((4..=12).contains(&started), "{started}");
    assert!(
        completed < started,
        "some calls must be in flight at the drop: {completed} of {started} completed"
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        gauge.started.load(Ordering::SeqCst),
        started,
        "no request may start after the batch future is dropped"
    );
    assert_eq!(
        gauge.completed.load(Ordering::SeqCst),
        completed,
        "calls in flight at the drop must be aborted, not run to completion"
    );
}

#[tokio::test]
async fn empty_batch_makes_no_call_and_zero_cap_is_an_error() {
    let sim = echo();
    assert!(
        batch(&sim, Vec::new(), BatchOptions::new(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(sim.calls(), 0);
    let err = batch(&sim, prompts(2), BatchOptions::new(0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Configuration { .. })
            && err.to_string().contains("max_concurrent"),
        "{err}"
    );
    assert_eq!(sim.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn progress_reports_done_failed_total() {
    let sim = echo().with_failures(FailurePlan::EveryKth {
        k: 3,
        error: SimulatedFailure::ServerError,
    });
    let seen: Arc<Mutex<Vec<BatchProgress>>> = Arc::default();
    let sink = seen.clone();
    let options = BatchOptions::new(2).with_progress(move |p| sink.lock().unwrap().push(p));
    // No retries, so failures reach the batch.
    let policy = rlm_client::ResiliencePolicy::default().with_retry(RetryPolicy::none());
    let client = Resilient::new(Arc::new(sim), policy).unwrap();
    let results = batch(&client, prompts(9), options).await.unwrap();
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 9);
    assert!(seen.windows(2).all(|w| w[1].done == w[0].done + 1));
    let last = *seen.last().unwrap();
    assert_eq!((last.done, last.failed, last.total), (9, 3, 9));
}
