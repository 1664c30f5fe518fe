//! Client-side rate limits with small real quotas (governor uses its own clock, not tokio's); only
//! generous lower bounds on time are asserted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::testing::Simulated;
use rlm_client::{
    BatchOptions, ClientError, CompletionRequest, LlmClient, RateLimits, ResiliencePolicy,
    Resilient, batch, estimate_tokens,
};

fn limited(limits: RateLimits) -> (Resilient, Simulated) {
    let sim = Simulated::new("sim", |_: &CompletionRequest| "ok".to_string());
    let policy = ResiliencePolicy::default().with_rate_limits(limits);
    (Resilient::new(Arc::new(sim.clone()), policy).unwrap(), sim)
}

#[tokio::test]
async fn requests_per_minute_spaces_requests() {
    // 600/min = one every 100 ms, burst of one second's worth (10).
    let (client, sim) = limited(RateLimits::default().with_requests_per_minute(600));
    let start = Instant::now();
    let requests = (0..20)
        .map(|i| CompletionRequest::prompt(i.to_string()))
        .collect();
    let results = batch(&client, requests, BatchOptions::new(20))
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(sim.calls(), 20);
    // 10 beyond the burst at 100 ms each: at least ~1 s (lower bound with 10% slack).
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn tokens_per_minute_spaces_large_requests() {
    // 6000/min = 100 tokens/s with a burst of 100.
    let (client, _) = limited(RateLimits::default().with_tokens_per_minute(6000));
    let request = CompletionRequest::prompt("x".repeat(384));
    assert_eq!(estimate_tokens(&request), 100);
    let start = Instant::now();
    for _ in 0..3 {
        client.complete(request.clone()).await.unwrap();
    }
    // 200 tokens beyond the burst at 100 tokens/s.
    assert!(
        start.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_request_larger_than_the_budget_fails_fast() {
    let (client, sim) = limited(RateLimits::default().with_tokens_per_minute(1000));
    let start = Instant::now();
    let err = client
        .complete(CompletionRequest::prompt("y".repeat(8000)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::RequestTooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("tokens-per-minute"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(sim.calls(), 0);
}

#[tokio::test]
async fn zero_quota_is_a_configuration_error() {
    let sim = Simulated::new("sim", |_: &CompletionRequest| String::new());
    let policy = ResiliencePolicy::default()
        .with_rate_limits(RateLimits::default().with_requests_per_minute(0));
    let err = Resilient::new(Arc::new(sim), policy).unwrap_err();
    assert!(err.to_string().contains("requests_per_minute"), "{err}");
}

#[tokio::test]
async fn max_tokens_counts_toward_the_token_budget() {
    let (client, sim) = limited(RateLimits::default().with_tokens_per_minute(1000));
    let request = CompletionRequest::prompt("short");
    let input = estimate_tokens(&request);
    // Input alone fits; input plus max_tokens exceeds the whole minute's budget.
    client.complete(request.clone()).await.unwrap();
    let err = client
        .complete(request.with_max_tokens(1000))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::RequestTooLarge {
            needed: input + 1000,
            limit: 1000
        }
    );
    assert_eq!(sim.calls(), 1);
}
