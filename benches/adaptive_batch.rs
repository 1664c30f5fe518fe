//! Benchmark `adaptive_batch` (issue 13, section 3): a batch of N = 200 sub-calls through the real
//! client stack (`Resilient(OpenAiCompatible)`, default retry policy) over loopback HTTP against the
//! simulated server, which takes 100 ms per sub request and enforces a hidden concurrency limit K
//! (a request arriving while K are in flight gets 429 with `Retry-After: 0` at once). The batch may
//! run 64 calls at a time; the gate is either a fixed cap of 64 or the adaptive limiter under 64.
//!
//! Targets for K = 12: the adaptive batch finishes within 15 % of the ideal `ceil(200 / K) · 100 ms`
//! and gets fewer than 10 % 429s (counted at the server). K = 40 shows it finds a higher limit.
//! A bench binary, not criterion: each case runs `RUNS` times; the median run is printed.
//!
//! Run: `cargo bench --bench adaptive_batch` (a filter argument runs only the cases whose name holds
//! it, e.g. `cargo bench --bench adaptive_batch -- K=12`). See docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm::client::{
    AdaptiveLimiter, BatchOptions, CompletionRequest, ConcurrencyGate, OpenAiCompatible,
    ResiliencePolicy, Resilient, UsageMeter, batch,
};
use rlm_sim::server::{SimServer, SimServerConfig};

const RUNS: usize = 5;
const N: usize = 200;
const CAP: usize = 64;
const LATENCY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
struct Outcome {
    wall: Duration,
    rate_limited: u64,
    retries: u64,
    failed: usize,
    peak: usize,
    final_limit: Option<usize>,
}

async fn run(k: usize, adaptive: bool) -> Outcome {
    let server = SimServer::start(SimServerConfig {
        sub_latency: LATENCY,
        max_in_flight: Some(k),
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let provider = OpenAiCompatible::builder("sim-sub")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let limiter = AdaptiveLimiter::new(CAP);
    let gate = if adaptive {
        ConcurrencyGate::from(limiter.clone())
    } else {
        ConcurrencyGate::fixed(CAP)
    };
    let meter = UsageMeter::new();
    let client = Resilient::new(Arc::new(provider), ResiliencePolicy::default())
        .unwrap()
        .with_meter(meter.clone())
        .with_concurrency_gate(gate);
    let prompts = (0..N)
        .map(|i| CompletionRequest::prompt(format!("item {i}: The magic number is 1234567.")))
        .collect();
    let started = Instant::now();
    let results = batch(&client, prompts, BatchOptions::new(CAP))
        .await
        .unwrap();
    let wall = started.elapsed();
    let stats = server.stats();
    server.shutdown().await;
    Outcome {
        wall,
        rate_limited: stats.rate_limited,
        retries: meter.snapshot().total().retries,
        failed: results.iter().filter(|r| r.is_err()).count(),
        peak: stats.peak_concurrent_sub,
        final_limit: adaptive.then(|| limiter.limit()),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument runs only the cases whose name contains it.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!(
        "N = {N} sub-calls, {} ms each, cap {CAP}, hidden limit K; median of {RUNS} runs",
        LATENCY.as_millis()
    );
    println!(
        "| case | wall (s) | ideal (s) | vs ideal | 429s | 429s / N | retries | lost | peak at server | final limit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for k in [12, 40] {
        let ideal = LATENCY * u32::try_from(N.div_ceil(k)).unwrap();
        for adaptive in [false, true] {
            let name = format!("K={k} {}", if adaptive { "adaptive" } else { "fixed" });
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            let mut outcomes: Vec<Outcome> = (0..RUNS)
                .map(|_| runtime.block_on(run(k, adaptive)))
                .collect();
            outcomes.sort_by_key(|o| o.wall);
            let median = outcomes[RUNS / 2];
            println!(
                "| {name} | {:.3} | {:.3} | {:+.1} % | {} | {:.1} % | {} | {} | {} | {} |",
                median.wall.as_secs_f64(),
                ideal.as_secs_f64(),
                (median.wall.as_secs_f64() / ideal.as_secs_f64() - 1.0) * 100.0,
                median.rate_limited,
                median.rate_limited as f64 / N as f64 * 100.0,
                median.retries,
                median.failed,
                median.peak,
                median
                    .final_limit
                    .map_or_else(|| "-".to_owned(), |l| l.to_string()),
            );
            let walls: Vec<String> = outcomes
                .iter()
                .map(|o| format!("{:.3}", o.wall.as_secs_f64()))
                .collect();
            let refusals: Vec<u64> = outcomes.iter().map(|o| o.rate_limited).collect();
            eprintln!("  {name}: walls {walls:?}, 429s {refusals:?}");
        }
    }
}
