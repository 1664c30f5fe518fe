//! Benchmark `eval_runner` (issue 12, section 5): the runner's own overhead per task and how
//! `--jobs` scales, against the simulated server on loopback (a scripted stand-in, not an LLM).
//! A bench binary, not criterion: each configuration runs `RUNS` times; the median is printed.
//!
//! - Overhead: 60 `niah` tasks (20,000 characters) with zero server latency, `rlm` (3 root turns,
//!   4 sub-calls, a fresh sandbox per task) and `direct` (one call), at 1 and 2 jobs: tasks/s is
//!   everything rlm does per task (sandbox, loop, HTTP, scoring, the result line), no model time.
//! - Scaling: 24 `aggregate` tasks, 10 ms per root turn and 100 ms per sub-call, 4 sub-calls per
//!   task, the global sub-call cap (`max_concurrent`, standing for the provider's limit) at 8:
//!   jobs 1, 2, 4, 8, 16. Throughput grows with jobs until the cap is full (about 2 tasks' batches
//!   at once), then stays flat: jobs never push more sub-calls at the provider than the cap.
//!
//! Run: `cargo bench -p rlm-eval --bench eval_runner`; see docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm::Rlm;
use rlm::client::OpenAiCompatible;
use rlm_eval::score::Scorers;
use rlm_eval::{
    EvalOptions, GenConfig, Method, ResultFile, ResultWriter, Runner, Suite, Task, generate,
};
use rlm_sim::{SimServer, SimServerConfig, SimServerHandle};

const RUNS: usize = 3;

fn tasks(suite: Suite, n: usize, size: usize) -> Vec<Arc<Task>> {
    let mut config = GenConfig::new(suite);
    config.n = n;
    config.size = size;
    config.seed = 1;
    generate(&config)
        .unwrap()
        .into_iter()
        .map(Arc::new)
        .collect()
}

fn rlm(server: &SimServerHandle, root: &str, max_concurrent: usize) -> Rlm {
    let client = |model: &str| {
        OpenAiCompatible::builder(model)
            .base_url(server.base_url())
            .build()
            .unwrap()
    };
    Rlm::builder()
        .root(client(root))
        .sub_client(client("sim-sub"))
        .max_concurrent(max_concurrent)
        .build()
        .unwrap()
}

/// Median wall time of running every task with `method` at `jobs`; asserts every score is 1.
async fn time_runs(rlm: &Rlm, tasks: &[Arc<Task>], method: Method, jobs: usize) -> Duration {
    let mut times = Vec::new();
    for run in 0..RUNS {
        let out = std::env::temp_dir().join(format!(
            "rlm-eval-bench-{}-{method}-{jobs}-{run}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&out);
        let mut options = EvalOptions::new(method, "bench");
        options.jobs = jobs;
        let runner = Runner::new(rlm.clone(), Scorers::new(), options);
        let plan = runner.plan(tasks, &ResultFile::default());
        let mut writer = ResultWriter::open(&out).unwrap();
        let started = Instant::now();
        let progress = runner.run(plan, &mut writer, |_, _| {}).await.unwrap();
        times.push(started.elapsed());
        assert_eq!(progress.done, tasks.len());
        if method == Method::Rlm {
            let file = ResultFile::load(&out).unwrap();
            assert!(file.results.iter().all(|l| (l.score - 1.0).abs() < 1e-9));
        }
        let _ = std::fs::remove_file(&out);
    }
    times.sort();
    times[times.len() / 2]
}

async fn overhead() {
    println!("overhead: 60 niah tasks of 20,000 characters, zero latency");
    println!(
        "{:<8} {:>5} {:>10} {:>8} {:>10}",
        "method", "jobs", "wall", "tasks/s", "ms/task"
    );
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        sub_latency: Duration::ZERO,
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let rlm = rlm(&server, "sim-root-c4", 16);
    let tasks = tasks(Suite::Niah, 60, 20_000);
    for method in [Method::Rlm, Method::Direct] {
        for jobs in [1, 2] {
            let wall = time_runs(&rlm, &tasks, method, jobs).await;
            let per_task = wall.as_secs_f64() * 1000.0 / tasks.len() as f64;
            println!(
                "{:<8} {:>5} {:>9.0}ms {:>8.1} {:>10.2}",
                method.as_str(),
                jobs,
                wall.as_secs_f64() * 1000.0,
                tasks.len() as f64 / wall.as_secs_f64(),
                per_task
            );
        }
    }
    server.shutdown().await;
}

async fn scaling() {
    println!();
    println!("scaling: 24 aggregate tasks, root 10 ms, sub 100 ms, 4 sub-calls per task, cap 8");
    println!(
        "{:>5} {:>10} {:>8} {:>12} {:>9}",
        "jobs", "wall", "tasks/s", "speedup", "peak sub"
    );
    let mut base = None;
    for jobs in [1, 2, 4, 8, 16] {
        let server = SimServer::start(SimServerConfig {
            root_latency: Duration::from_millis(10),
            sub_latency: Duration::from_millis(100),
            ..SimServerConfig::default()
        })
        .await
        .unwrap();
        let rlm = rlm(&server, "sim-root-c4-p4", 8);
        let tasks = tasks(Suite::Aggregate, 24, 8_000);
        let wall = time_runs(&rlm, &tasks, Method::Rlm, jobs).await;
        let base = *base.get_or_insert(wall);
        println!(
            "{:>5} {:>9.0}ms {:>8.2} {:>11.2}x {:>9}",
            jobs,
            wall.as_secs_f64() * 1000.0,
            tasks.len() as f64 / wall.as_secs_f64(),
            base.as_secs_f64() / wall.as_secs_f64(),
            server.peak_concurrent_sub()
        );
        server.shutdown().await;
    }
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        if filter.as_deref().is_none_or(|f| "overhead".contains(f)) {
            overhead().await;
        }
        if filter.as_deref().is_none_or(|f| "scaling".contains(f)) {
            scaling().await;
        }
    });
}
