//! Sequential `llm_query` calls vs one `llm_batch`: the same RLM run over a haystack, twice.
//!
//! The context is a generated haystack with magic numbers hidden in it. The root model is the scripted
//! stand-in from `rlm-sim` (not an LLM): it splits `context` into chunks and asks the sub-model for the
//! magic numbers of each chunk, once with a `for` loop of `llm_query` and once with one
//! `llm_batch(prompts, 16)`. Everything else is real: sandbox, loop, bridge, retries, concurrency cap.
//!
//! Offline (default) the sub-model is a scripted `Simulated` client answering after 50 ms; with
//! `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` set it is a real model, on a smaller haystack.
//!
//! ```sh
//! cargo run --release --example batch
//! ```

mod common;

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use rlm::prelude::*;
use rlm_sim::haystack::{HaystackConfig, check_answer, generate};

/// Latency of the offline sub-model.
const SIM_LATENCY: Duration = Duration::from_millis(50);
/// `max_concurrent` the scripted root passes to `llm_batch` (and the Rlm's global cap).
const CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let real = common::provider_from_env()?;
    let offline = real.is_none();
    // Real models are paid per token: keep the haystack small for them.
    let (size_bytes, chunks) = if offline {
        (4 * 1024 * 1024, 32)
    } else {
        (256 * 1024, 8)
    };
    let haystack = generate(&HaystackConfig {
        size_bytes,
        needles: 6,
        seed: 7,
    });
    let sub: Arc<dyn LlmClient> = match real {
        Some(client) => client,
        None => Arc::new(common::scripted_sim("sim-sub", SIM_LATENCY)),
    };
    println!("{}", common::describe(sub.as_ref(), offline));
    println!(
        "context: {} bytes, {} hidden magic numbers, {chunks} chunks",
        haystack.text.len(),
        haystack.magic_numbers.len()
    );

    let mut timings = Vec::new();
    for mode in ["sequential", "batch"] {
        let root = common::scripted_sim(
            &format!("sim-root-{mode}-c{chunks}-p{CONCURRENCY}"),
            Duration::ZERO,
        );
        let rlm = Rlm::builder()
            .root(Arc::new(root))
            .sub_client(Arc::clone(&sub))
            .max_iterations(6)
            .max_concurrent(CONCURRENCY)
            .limits(Limits::default().with_timeout(Duration::from_mins(10)))
            .build()?;
        let answer = rlm
            .completion(
                haystack.text.as_str(),
                "What are the magic numbers hidden in the context?",
            )
            .await?;
        let correct = check_answer(&answer.answer, &haystack.magic_numbers);
        let sub_calls = answer.usage.per_depth.get(1).map_or(0, |d| d.total().calls);
        println!(
            "{mode:>10}: {} in {} iterations, {sub_calls} sub-calls, {} tokens — answer {:?} ({})",
            common::secs(answer.duration),
            answer.iterations,
            answer.usage.total.usage.total_tokens(),
            answer.answer,
            if correct { "correct" } else { "WRONG" },
        );
        timings.push(answer.duration);
    }
    let (sequential, batch) = (timings[0], timings[1]);
    println!(
        "sequential {} vs batch {}: llm_batch is {:.1}x faster",
        common::secs(sequential),
        common::secs(batch),
        sequential.as_secs_f64() / batch.as_secs_f64().max(1e-9)
    );
    Ok(())
}
