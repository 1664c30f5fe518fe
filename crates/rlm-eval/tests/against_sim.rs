//! The runner over generated suites against the simulated model on loopback (a scripted stand-in,
//! not an LLM): every suite scores 1 with the RLM, and concurrent tasks share the global sub-call
//! cap, so `jobs` never raises the sub-calls in flight at the server above `max_concurrent`; on
//! `aggregate`, a `direct` call that sees a fifth of the context answers neither question; and
//! concurrent tasks share one request-rate limiter, so `jobs` never raises the request rate.

use std::sync::Arc;
use std::time::Duration;

use rlm::Rlm;
use rlm::client::{OpenAiCompatible, RateLimits, ResiliencePolicy};
use rlm_eval::score::Scorers;
use rlm_eval::{
    EvalOptions, GenConfig, Method, ResultFile, ResultLine, ResultWriter, Runner, Suite, generate,
};
use rlm_sim::{SimServer, SimServerConfig, SimServerHandle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_share_the_sub_call_cap_and_every_suite_scores()
-> Result<(), Box<dyn std::error::Error>> {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(1),
        sub_latency: Duration::from_millis(30),
        ..SimServerConfig::default()
    })
    .await?;
    let client = |model: &str| {
        OpenAiCompatible::builder(model)
            .base_url(server.base_url())
            .build()
    };
    let rlm = Rlm::builder()
        .root(client("sim-root-c8-p8")?)
        .sub_client(client("sim-sub")?)
        .max_concurrent(3)
        .build()?;
    let mut tasks = Vec::new();
    for suite in Suite::ALL {
        let mut config = GenConfig::new(suite);
        config.n = 2;
        config.size = 8_000;
        config.seed = 5;
        tasks.extend(generate(&config)?.into_iter().map(Arc::new));
    }
    let mut options = EvalOptions::new(Method::Rlm, "sim");
    options.jobs = 4;
    let runner = Runner::new(rlm, Scorers::new(), options);
    let out = std::env::temp_dir().join(format!("rlm-eval-sim-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let plan = runner.plan(&tasks, &ResultFile::default());
    let progress = runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    assert_eq!(progress.done, 8);
    let file = ResultFile::load(&out)?;
    for line in &file.results {
        assert!((line.score - 1.0).abs() < 1e-9, "{line:?}");
        assert!((4..=8).contains(&line.subcalls), "{line:?}");
    }
    let peak = server.peak_concurrent_sub();
    assert!(
        peak <= 3,
        "{peak} sub-calls in flight at once, over the cap of 3"
    );
    assert!(peak >= 2, "the tasks ran one sub-call at a time ({peak})");
    std::fs::remove_file(&out)?;
    server.shutdown().await;
    Ok(())
}

/// Runs the aggregate suite with both methods, `direct` cut to a fifth of each context, and returns
/// the result lines.
async fn aggregate_both_ways(
    server: &SimServerHandle,
) -> Result<Vec<ResultLine>, Box<dyn std::error::Error>> {
    let client = |model: &str| {
        OpenAiCompatible::builder(model)
            .base_url(server.base_url())
            .build()
    };
    let rlm = Rlm::builder()
        .root(client("sim-root-c8-p8")?)
        .sub_client(client("sim-sub")?)
        .build()?;
    let mut config = GenConfig::new(Suite::Aggregate);
    config.n = 16;
    config.size = 30_000;
    config.seed = 3;
    let tasks: Vec<_> = generate(&config)?.into_iter().map(Arc::new).collect();
    let mut options = EvalOptions::new(Method::Rlm, "sim");
    options.methods.push(Method::Direct);
    options.jobs = 4;
    // 2,000 tokens at 3 characters each, 90% for the prompt: about 5,400 of 30,000 characters.
    options.direct_window = Some(2_000);
    let runner = Runner::new(rlm, Scorers::new(), options);
    let out = std::env::temp_dir().join(format!("rlm-eval-agg-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let plan = runner.plan(&tasks, &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let lines = ResultFile::load(&out)?.results;
    std::fs::remove_file(&out)?;
    Ok(lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_cut_to_a_fifth_fails_aggregate_where_the_rlm_counts_every_record()
-> Result<(), Box<dyn std::error::Error>> {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(1),
        sub_latency: Duration::from_millis(1),
        ..SimServerConfig::default()
    })
    .await?;
    let lines = aggregate_both_ways(&server).await?;
    server.shutdown().await;
    assert_eq!(lines.len(), 32);
    let mut direct_right = Vec::new();
    for line in &lines {
        match line.method {
            Method::Rlm => assert!((line.score - 1.0).abs() < 1e-9, "{line:?}"),
            Method::Direct => {
                assert_eq!(line.finished, rlm_eval::Finished::Final, "{line:?}");
                if line.score > 0.0 {
                    direct_right.push(line.id.clone());
                }
            }
        }
    }
    // Counts from a fifth of the records are off; the most frequent label of the start and the end
    // is the runner-up. One lucky task in sixteen is allowed.
    assert!(direct_right.len() <= 1, "direct right on {direct_right:?}");
    Ok(())
}

/// Runs 8 `niah` tasks, 4 at a time, with one client for every call (so one limiter) under
/// `policy`; returns the most requests the server saw in any `window`.
async fn niah_under(
    policy: ResiliencePolicy,
    window: Duration,
) -> Result<usize, Box<dyn std::error::Error>> {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        sub_latency: Duration::ZERO,
        ..SimServerConfig::default()
    })
    .await?;
    let client = OpenAiCompatible::builder("sim-root-c2")
        .base_url(server.base_url())
        .build()?;
    let rlm = Rlm::builder().root(client).resilience(policy).build()?;
    let mut config = GenConfig::new(Suite::Niah);
    config.n = 8;
    config.size = 4_000;
    let tasks: Vec<_> = generate(&config)?.into_iter().map(Arc::new).collect();
    let mut options = EvalOptions::new(Method::Rlm, "rate");
    options.jobs = 4;
    let runner = Runner::new(rlm, Scorers::new(), options);
    let out = std::env::temp_dir().join(format!("rlm-eval-rate-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let plan = runner.plan(&tasks, &ResultFile::default());
    runner
        .run(plan, &mut ResultWriter::open(&out)?, |_, _| {})
        .await?;
    let lines = ResultFile::load(&out)?.results;
    std::fs::remove_file(&out)?;
    assert_eq!(lines.len(), 8);
    assert!(
        lines.iter().all(|l| (l.score - 1.0).abs() < 1e-9),
        "{lines:?}"
    );
    let most = server.most_requests_in_window(window);
    server.shutdown().await;
    Ok(most)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_share_one_request_rate_limit() -> Result<(), Box<dyn std::error::Error>> {
    // 600 a minute is 10 a second with a burst of 10: at most 10 + 10 + 1 (clock jitter) in any
    // second. The 8 tasks make about 40 requests.
    const MOST_IN_A_SECOND: usize = 21;
    let window = Duration::from_secs(1);
    let unlimited = niah_under(ResiliencePolicy::default(), window).await?;
    assert!(
        unlimited > MOST_IN_A_SECOND,
        "the control sent only {unlimited} requests in a second: the test shows nothing"
    );
    let limits = RateLimits::default().with_requests_per_minute(600);
    let limited = niah_under(ResiliencePolicy::default().with_rate_limits(limits), window).await?;
    assert!(
        limited <= MOST_IN_A_SECOND,
        "{limited} requests in a second with 4 jobs under 600 a minute"
    );
    Ok(())
}
