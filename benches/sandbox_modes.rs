//! The two sandbox isolations side by side (issue 10): time to a first cell, one `llm_query` round
//! trip, a 100-item `llm_batch`, and handing over a 50 MB context, each for the thread and the
//! process sandbox, with a zero-latency handler. The bench binary is its own sandbox child: `main`
//! calls `run_sandbox_child_if_requested` first, as any program using the process sandbox does.
//!
//! Run with `cargo bench --bench sandbox_modes`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use rlm::repl::{
    ContextValue, Isolation, ProcessOptions, QueryOptions, Sandbox, SandboxConfig, SubcallError,
    SubcallHandler, SubcallKind,
};

/// Answers immediately.
struct Instant0;

#[async_trait::async_trait]
impl SubcallHandler for Instant0 {
    async fn query(
        &self,
        _: SubcallKind,
        prompt: String,
        _: QueryOptions,
    ) -> Result<String, SubcallError> {
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

fn modes() -> [(&'static str, Isolation); 2] {
    [
        ("thread", Isolation::Thread),
        ("process", Isolation::Process(ProcessOptions::default())),
    ]
}

/// A sandbox of `isolation` that has run its first cell (so a process child is ready).
fn ready(rt: &tokio::runtime::Runtime, isolation: &Isolation) -> Sandbox {
    let config = SandboxConfig::default().with_isolation(isolation.clone());
    let sandbox = Sandbox::new(config, Arc::new(Instant0)).unwrap();
    let cell = rt.block_on(sandbox.execute("1")).unwrap();
    assert_eq!(cell.value.as_deref(), Some("1"));
    sandbox
}

fn sandbox_modes(c: &mut Criterion) {
    let rt = runtime();
    let _guard = rt.enter();
    let mut group = c.benchmark_group("sandbox_modes");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    let context = "0123456789abcdef".repeat(50 * 1000 * 1000 / 16);
    for (name, isolation) in modes() {
        group.bench_function(format!("{name}/start_to_first_cell"), |b| {
            b.iter_batched(|| (), |()| ready(&rt, &isolation), BatchSize::PerIteration);
        });
        let sandbox = ready(&rt, &isolation);
        group.bench_function(format!("{name}/llm_query_round_trip"), |b| {
            b.iter_custom(|iters| {
                let code = format!("for (let i = 0; i < {iters}; i++) llm_query('ping')");
                let started = Instant::now();
                let cell = rt.block_on(sandbox.execute(&code)).unwrap();
                let elapsed = started.elapsed();
                assert!(cell.error.is_none(), "{:?}", cell.error);
                elapsed
            });
        });
        group.bench_function(format!("{name}/batch_of_100"), |b| {
            b.iter_custom(|iters| {
                let code = format!(
                    "const prompts = Array.from({{ length: 100 }}, (_, i) => 'prompt ' + i);\n\
                     for (let i = 0; i < {iters}; i++) llm_batch(prompts, 16)"
                );
                let started = Instant::now();
                let cell = rt.block_on(sandbox.execute(&code)).unwrap();
                let elapsed = started.elapsed();
                assert!(cell.error.is_none(), "{:?}", cell.error);
                elapsed
            });
        });
        drop(sandbox);
        group.bench_function(format!("{name}/hand_over_50mb_context"), |b| {
            b.iter_batched(
                || (ready(&rt, &isolation), ContextValue::Text(context.clone())),
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

fn main() {
    // The process sandbox re-enters this executable as its child.
    rlm::repl::run_sandbox_child_if_requested();
    let mut criterion = Criterion::default().configure_from_args();
    sandbox_modes(&mut criterion);
    criterion.final_summary();
}
