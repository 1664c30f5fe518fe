//! 100 prompts through `batch` under a concurrency cap and a requests-per-minute quota, with retries and
//! a progress callback printing done/failed/total.
//!
//! The client is wrapped in `Resilient` (the one retry layer of rlm): its quota is smoothed to one
//! second's worth of burst, so 100 requests at 1,800 per minute start as 30 at once and then about 30 per
//! second, instead of all at once and then nothing for a minute. The same batch runs first without a
//! quota for comparison. Offline (default) the client is a `Simulated` one (not an LLM: 20 ms per call,
//! 5% of calls fail with a retryable HTTP 500); with `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` set, a real
//! model answers small arithmetic prompts under a 600 per minute quota.
//!
//! ```sh
//! cargo run --release --example rate_limit
//! ```

mod common;

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rlm::client::{BatchProgress, Resilient};
use rlm::prelude::*;
use rlm::testing::{FailurePlan, Latency, Simulated, SimulatedFailure};

const PROMPTS: usize = 100;
const MAX_CONCURRENT: usize = 8;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let real = common::provider_from_env()?;
    let offline = real.is_none();
    let (client, requests_per_minute): (Arc<dyn LlmClient>, u32) = match real {
        Some(client) => (client, 600),
        None => (
            Arc::new(
                Simulated::new("sim-arithmetic", answer_offline)
                    .with_latency(Latency::Fixed(Duration::from_millis(20)))
                    .with_failures(FailurePlan::Probability {
                        p: 0.05,
                        seed: 3,
                        error: SimulatedFailure::ServerError,
                    }),
            ),
            1_800,
        ),
    };
    println!("{}", common::describe(client.as_ref(), offline));
    let prompts: Vec<CompletionRequest> = (0..PROMPTS)
        .map(|i| {
            CompletionRequest::prompt(format!(
                "What is {i} + {}? Answer with the number only.",
                i * 3
            ))
            .with_max_tokens(8)
        })
        .collect();
    let retry = RetryPolicy::default()
        .with_initial_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_millis(400));

    // 1. Only the concurrency cap.
    let unlimited = Resilient::new(
        Arc::clone(&client),
        ResiliencePolicy::default().with_retry(retry),
    )?;
    let started = Instant::now();
    let results = batch(
        &unlimited,
        prompts.clone(),
        BatchOptions::new(MAX_CONCURRENT),
    )
    .await?;
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!(
        "no quota: {PROMPTS} prompts, max_concurrent {MAX_CONCURRENT}: {} ({failed} failed)",
        common::secs(started.elapsed())
    );

    // 2. The same batch under a requests-per-minute quota, reporting progress.
    let limited = Resilient::new(
        Arc::clone(&client),
        ResiliencePolicy::default()
            .with_retry(retry)
            .with_rate_limits(RateLimits::default().with_requests_per_minute(requests_per_minute)),
    )?;
    let finished_at = Arc::new(Mutex::new(Vec::with_capacity(PROMPTS)));
    let started = Instant::now();
    let record = Arc::clone(&finished_at);
    let options = BatchOptions::new(MAX_CONCURRENT).with_progress(move |p: BatchProgress| {
        let elapsed = started.elapsed();
        record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(elapsed);
        if p.done.is_multiple_of(10) || p.done == p.total {
            println!(
                "  [{:>5.2} s] done {:>3}/{} failed {}",
                elapsed.as_secs_f64(),
                p.done,
                p.total,
                p.failed
            );
        }
    });
    println!(
        "quota {requests_per_minute}/min (burst {} at once):",
        requests_per_minute / 60
    );
    let results = batch(&limited, prompts, options).await?;
    let elapsed = started.elapsed();
    let usage = limited.meter().snapshot().total();
    println!(
        "quota: {PROMPTS} prompts in {}: {} answered, {} failed after retries, {} retries",
        common::secs(elapsed),
        results.iter().filter(|r| r.is_ok()).count(),
        usage.failures,
        usage.retries
    );
    if let Some(Ok(answer)) = results.get(7) {
        println!(
            "prompt 7 ({:?}) answered {:?}",
            "What is 7 + 21?", answer.text
        );
    }

    // Completions per half second: flat after the first burst, not one spike.
    let times = finished_at
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let slots = (elapsed.as_millis() / 500 + 1) as usize;
    let mut histogram = vec![0usize; slots];
    for t in times {
        histogram[((t.as_millis() / 500) as usize).min(slots - 1)] += 1;
    }
    println!("completions per 0.5 s: {histogram:?}");
    Ok(())
}

/// Offline stand-in (not a language model): adds the two numbers of the prompt.
fn answer_offline(request: &CompletionRequest) -> String {
    let prompt = request.messages.last().map_or("", |m| m.content.as_str());
    let sum: u64 = prompt
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u64>().ok())
        .sum();
    sum.to_string()
}
