//! The adaptive limiter over the real stack (`Resilient(OpenAiCompatible)` over loopback HTTP) against
//! the simulated server's hidden concurrency limit: it settles near the limit with few 429s (loose
//! bounds, not timing-sensitive), while a fixed cap far above the limit is refused again and again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use rlm::client::{
    AdaptiveLimiter, BatchOptions, CompletionRequest, ConcurrencyGate, OpenAiCompatible,
    ResiliencePolicy, Resilient, batch,
};
use rlm_sim::server::{SimServer, SimServerConfig, SimStats};

const K: usize = 5;
const N: usize = 80;

/// Runs the batch; returns the server's counts and the calls lost (out of retries).
async fn run(gate: ConcurrencyGate) -> (SimStats, usize) {
    let server = SimServer::start(SimServerConfig {
        sub_latency: Duration::from_millis(40),
        max_in_flight: Some(K),
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let provider = OpenAiCompatible::builder("sim-sub")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let client = Resilient::new(Arc::new(provider), ResiliencePolicy::default())
        .unwrap()
        .with_concurrency_gate(gate);
    let prompts = (0..N)
        .map(|i| CompletionRequest::prompt(format!("item {i}")))
        .collect();
    let results = batch(&client, prompts, BatchOptions::new(32))
        .await
        .unwrap();
    let lost = results.iter().filter(|r| r.is_err()).count();
    let stats = server.stats();
    server.shutdown().await;
    (stats, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adaptive_limiter_settles_near_the_hidden_limit() {
    let limiter = AdaptiveLimiter::new(32);
    let (adaptive, lost) = run(limiter.clone().into()).await;
    assert_eq!(lost, 0, "the adaptive batch lost calls");
    let limit = limiter.limit();
    assert!((2..=2 * K).contains(&limit), "settled at {limit}, K = {K}");
    assert!(
        adaptive.rate_limited < N as u64 / 2,
        "{} 429s for {N} calls",
        adaptive.rate_limited
    );
    // A fixed cap of 32 is refused far more often (and may run some calls out of retries).
    let (fixed, _) = run(ConcurrencyGate::fixed(32)).await;
    assert!(
        fixed.rate_limited > adaptive.rate_limited,
        "fixed {} vs adaptive {}",
        fixed.rate_limited,
        adaptive.rate_limited
    );
}
