//! Benchmark `sequential_vs_batch` (issue 2, section 4): N = 64 prompts through `Simulated` (not an LLM)
//! wrapped in `Resilient`, a sequential loop vs `batch` at max_concurrent 1, 4, 16, 64.
//!
//! Targets: with 20 ms fixed latency, batch wall time within 10% + 2 ms of ceil(N / max_concurrent) × 20 ms;
//! with zero latency, framework overhead under 20 µs per call (reported per element via `Throughput`).
//! Run: `cargo bench --bench sequential_vs_batch`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rlm::client::{BatchOptions, CompletionRequest, LlmClient, ResiliencePolicy, Resilient, batch};
use rlm::testing::{Latency, Simulated};

const N: usize = 64;
const LATENCY: Duration = Duration::from_millis(20);
const CAPS: [usize; 4] = [1, 4, 16, 64];

fn client(latency: Latency) -> Resilient {
    let sim = Simulated::new("sim", |r: &CompletionRequest| {
        format!("answer to {}", r.messages[0].content)
    })
    .with_latency(latency);
    Resilient::new(Arc::new(sim), ResiliencePolicy::default()).unwrap()
}

fn prompts() -> Vec<CompletionRequest> {
    (0..N)
        .map(|i| CompletionRequest::prompt(format!("prompt number {i}")))
        .collect()
}

async fn sequential(client: &Resilient) {
    for request in prompts() {
        black_box(client.complete(request).await.unwrap());
    }
}

async fn batched(client: &Resilient, max_concurrent: usize) {
    let results = batch(client, prompts(), BatchOptions::new(max_concurrent))
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_ok));
    black_box(results);
}

fn with_latency(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = client(Latency::Fixed(LATENCY));
    let mut group = c.benchmark_group("latency_20ms_n64");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(14));
    group.bench_function("sequential", |b| {
        b.to_async(&rt).iter(|| sequential(&client));
    });
    for cap in CAPS {
        if cap >= 16 {
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_with_input(BenchmarkId::new("batch", cap), &cap, |b, &cap| {
            b.to_async(&rt).iter(|| batched(&client, cap));
        });
    }
    group.finish();
}

fn zero_latency(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = client(Latency::None);
    let mut group = c.benchmark_group("zero_latency_n64");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("sequential", |b| {
        b.to_async(&rt).iter(|| sequential(&client));
    });
    for cap in CAPS {
        group.bench_with_input(BenchmarkId::new("batch", cap), &cap, |b, &cap| {
            b.to_async(&rt).iter(|| batched(&client, cap));
        });
    }
    group.finish();
}

criterion_group!(benches, with_latency, zero_latency);
criterion_main!(benches);
