//! Benchmark `fault_storm` (issue 8, section 10): a batch of sub-calls through the real client stack
//! (`Resilient(OpenAiCompatible)` with the default policy) over HTTP against the simulated server with
//! injected faults, as a provider storm looks on the wire. A bench binary, not criterion: each mix is
//! run `RUNS` times and the median, min and max wall times and the items lost are printed.
//!
//! Mixes (sub latency 20 ms, 16 calls at a time):
//! - A: N = 50, every 3rd sub request answers 500 and every 5th 429 with `Retry-After: 1`;
//! - B: N = 100, every 10th answers 500 and every 7th 429 with `Retry-After: 0`.
//!
//! Run: `cargo bench --bench fault_storm`. The Python comparison (the openai SDK's retries, as the
//! reference RLM library uses them) is `benches/python/fault_storm.py`; see docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm::client::{
    BatchOptions, CompletionRequest, OpenAiCompatible, ResiliencePolicy, Resilient, batch,
};
use rlm_sim::server::{Fault, SimServer, SimServerConfig};

const RUNS: usize = 5;
const SUB_LATENCY: Duration = Duration::from_millis(20);
const MAX_CONCURRENT: usize = 16;

struct Mix {
    name: &'static str,
    n: usize,
    faults: Vec<Fault>,
}

async fn run(mix: &Mix) -> (Duration, usize) {
    let server = SimServer::start(SimServerConfig {
        sub_latency: SUB_LATENCY,
        faults: mix.faults.clone(),
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let provider = OpenAiCompatible::builder("sim-sub")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let client = Resilient::new(Arc::new(provider), ResiliencePolicy::default()).unwrap();
    let prompts = (0..mix.n)
        .map(|i| CompletionRequest::prompt(format!("item {i}: The magic number is 1234567.")))
        .collect();
    let started = Instant::now();
    let results = batch(&client, prompts, BatchOptions::new(MAX_CONCURRENT))
        .await
        .unwrap();
    let wall = started.elapsed();
    server.shutdown().await;
    (wall, results.iter().filter(|r| r.is_err()).count())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument runs only the mixes whose name contains it.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mixes = [
        Mix {
            name: "A: n=50, 500 every 3rd, 429 (Retry-After 1) every 5th",
            n: 50,
            faults: vec![
                Fault::new(3, 500),
                Fault::new(5, 429).with_retry_after(Duration::from_secs(1)),
            ],
        },
        Mix {
            name: "B: n=100, 500 every 10th, 429 (Retry-After 0) every 7th",
            n: 100,
            faults: vec![
                Fault::new(10, 500),
                Fault::new(7, 429).with_retry_after(Duration::ZERO),
            ],
        },
    ];
    for mix in mixes
        .iter()
        .filter(|m| filter.as_deref().is_none_or(|f| m.name.contains(f)))
    {
        let mut walls = Vec::new();
        let mut lost = Vec::new();
        for _ in 0..RUNS {
            let (wall, failed) = runtime.block_on(run(mix));
            walls.push(wall);
            lost.push(failed);
        }
        walls.sort();
        println!(
            "{}: median {:.3} s (min {:.3}, max {:.3}) over {RUNS} runs; items lost per run: {lost:?}",
            mix.name,
            walls[RUNS / 2].as_secs_f64(),
            walls[0].as_secs_f64(),
            walls[RUNS - 1].as_secs_f64(),
        );
    }
}
