//! Benchmarks of the rlm-repl sandbox: the `llm_query` round trip through the JS ↔ Rust
//! bridge (zero-latency handler), sandbox start-up, and loading 10 MB / 100 MB contexts.
//!
//! Run with `cargo bench --bench repl_bridge`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rlm::repl::{ContextValue, QueryOptions, Sandbox, SandboxConfig, SubcallHandler, SubcallKind};

/// Answers immediately.
struct Instant0;

#[async_trait::async_trait]
impl SubcallHandler for Instant0 {
    async fn query(
        &self,
        _: SubcallKind,
        prompt: String,
        _: QueryOptions,
    ) -> Result<String, rlm::repl::SubcallError> {
        Ok(prompt)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn new_sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig::default(), Arc::new(Instant0)).unwrap()
}

fn bridge(c: &mut Criterion) {
    let rt = runtime();
    let _guard = rt.enter();
    let mut group = c.benchmark_group("repl_bridge");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2));

    let sandbox = new_sandbox();
    group.bench_function("llm_query_round_trip", |b| {
        b.iter_custom(|iters| {
            let code = format!("for (let i = 0; i < {iters}; i++) llm_query('ping')");
            let started = Instant::now();
            let cell = rt.block_on(sandbox.execute(&code)).unwrap();
            let elapsed = started.elapsed();
            assert!(cell.error.is_none(), "{:?}", cell.error);
            elapsed
        });
    });

    group.bench_function("sandbox_start_up", |b| {
        b.iter_batched(|| (), |()| new_sandbox(), BatchSize::PerIteration);
    });

    for mb in [10usize, 100] {
        if mb == 100 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(5));
        }
        let text = "0123456789abcdef".repeat(mb * 1024 * 1024 / 16);
        group.bench_function(format!("load_context_{mb}mb"), |b| {
            b.iter_batched(
                || (new_sandbox(), ContextValue::Text(text.clone())),
                |(sandbox, value)| {
                    rt.block_on(sandbox.load_context(value)).unwrap();
                    sandbox
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bridge);
criterion_main!(benches);
