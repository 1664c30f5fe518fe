//! `rlm demo`: the main job, offline. A seeded haystack with hidden magic numbers, searched by a real
//! RLM (real HTTP provider, sandbox and loop) against the simulated model on loopback, once with
//! sequential `llm_query` calls and once with one `llm_batch`; prints answers, correctness, times,
//! speedup and trajectory paths. With `--model` (and a key) the same task runs on a real model.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rlm::client::{DEFAULT_REQUEST_TIMEOUT, LlmClient, OpenAiCompatible};
use rlm::repl::SandboxLimits;
use rlm::{Limits, PartialRun, Rlm, RlmAnswer};
use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use rlm_sim::{SimServer, SimServerHandle};

use crate::args::DemoArgs;
use crate::commands::sim_server;
use crate::exit::CliError;
use crate::progress::{Progress, ProgressMode};
use crate::provider::{Clients, Endpoint, build_clients};

/// The speedup the batch run must reach with the default settings.
const REQUIRED_SPEEDUP: f64 = 5.0;
/// Default wall-clock limit of each run.
const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_mins(10);
/// HTTP limit of one exchange with the simulator (its replies take at most the configured latency).
const SIM_REQUEST_TIMEOUT: Duration = Duration::from_mins(2);
/// Longest answer text printed.
const ANSWER_PREVIEW_CHARS: usize = 400;

/// How a run queries the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Sequential,
    Batch,
}

impl Strategy {
    fn name(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::Batch => "batch",
        }
    }

    /// The query: the simulator ignores it; a real model is told which strategy to use.
    fn query(self, chunks: u32, max_concurrent: u32) -> String {
        let how = match self {
            Self::Sequential => format!(
                "Split `context` into {chunks} chunks on line boundaries and query them one at a time with llm_query in a for loop (do not use llm_batch)."
            ),
            Self::Batch => format!(
                "Split `context` into {chunks} chunks on line boundaries and query them all with one llm_batch(prompts, {max_concurrent}) call."
            ),
        };
        format!(
            "Find every magic number hidden in the context (sentences like \"The magic number is N.\"). {how} Answer with the numbers only, sorted and comma-separated."
        )
    }
}

/// What one run produced.
#[derive(Debug)]
struct Outcome {
    answer: RlmAnswer,
    wall: Duration,
    correct: bool,
    trajectory: PathBuf,
}

/// Runs `rlm demo`.
pub(crate) async fn run(args: DemoArgs) -> Result<(), CliError> {
    let real = args.provider.model.is_some();
    // A real provider's key problems are usage errors: find them before the haystack is built.
    if real {
        build_clients(&args.provider, DEFAULT_REQUEST_TIMEOUT, env)?;
    }
    let out_dir = prepare_out_dir(args.out_dir.as_deref())?;
    let started = Instant::now();
    let hay = generate(&HaystackConfig {
        size_bytes: usize::try_from(args.size).unwrap_or(usize::MAX),
        needles: args.needles as usize,
        seed: args.seed,
    });
    println!(
        "rlm demo: a {} haystack (seed {}) hides {} magic numbers; generated in {:.2}s",
        human_size(args.size),
        args.seed,
        hay.magic_numbers.len(),
        started.elapsed().as_secs_f64()
    );
    let server = if real {
        println!(
            "model: {} (real provider; the answer is checked all the same)",
            args.provider.model.as_deref().unwrap_or_default()
        );
        None
    } else {
        let server = start_sim(&args).await?;
        println!(
            "model: simulated OpenAI-compatible server at {}\n  (a scripted stand-in, NOT a language model: its root turns write JavaScript that splits `context` into {} chunks and queries them; its sub turns report the magic numbers of their chunk after {} ms)",
            server.base_url(),
            args.sim.chunks,
            args.sim.latency_ms
        );
        Some(server)
    };
    let mut expected = hay.magic_numbers.clone();
    expected.sort_unstable();
    println!("expected: {}\n", join_numbers(&expected));

    let mut outcomes = Vec::new();
    let mut failure = None;
    for strategy in [Strategy::Sequential, Strategy::Batch] {
        match run_once(
            &args,
            server.as_ref(),
            strategy,
            &hay.text,
            &hay.magic_numbers,
            &out_dir,
        )
        .await
        {
            Ok(outcome) => {
                print_outcome(strategy, &args, &outcome);
                outcomes.push(outcome);
            }
            Err(error) => {
                println!("{}: failed: {error}", strategy.name());
                failure = Some(error);
                break;
            }
        }
    }
    if let Some(server) = server {
        server.shutdown().await;
    }
    if let Some(error) = failure {
        return Err(error);
    }
    let speed = match outcomes.as_slice() {
        [sequential, batch] => print_speedup(&args, sequential.wall, batch.wall),
        _ => Ok(()),
    };
    let wrong: Vec<&str> = [Strategy::Sequential, Strategy::Batch]
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.correct)
        .map(|(s, _)| s.name())
        .collect();
    if !wrong.is_empty() {
        return Err(CliError::other(format!(
            "the {} answer is wrong (see above)",
            wrong.join(" and ")
        )));
    }
    speed
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

async fn start_sim(args: &DemoArgs) -> Result<SimServerHandle, CliError> {
    let mut config = sim_server::sim_config(&args.sim);
    config.script.batch_concurrency = args.max_concurrent as usize;
    SimServer::start(config)
        .await
        .map_err(|e| CliError::other(format!("could not start the simulated model: {e}")))
}

/// The clients of one run: the simulator's (model names pick the script's strategy) or the real ones.
fn clients_for(
    args: &DemoArgs,
    server: Option<&SimServerHandle>,
    strategy: Strategy,
) -> Result<Clients, CliError> {
    let Some(server) = server else {
        return build_clients(&args.provider, DEFAULT_REQUEST_TIMEOUT, env);
    };
    let sim = |model: String| -> Result<Arc<dyn LlmClient>, CliError> {
        let client = OpenAiCompatible::builder(model)
            .base_url(server.base_url())
            .request_timeout(SIM_REQUEST_TIMEOUT)
            .build()?;
        Ok(Arc::new(client))
    };
    Ok(Clients {
        root: sim(format!("sim-root-{}", strategy.name()))?,
        sub: sim("sim-sub".to_owned())?,
        named: Vec::new(),
        root_endpoint: Endpoint {
            base_url: server.base_url(),
            keyed: false,
            quota_account: ("openai".into(), None),
        },
    })
}

async fn run_once(
    args: &DemoArgs,
    server: Option<&SimServerHandle>,
    strategy: Strategy,
    text: &str,
    expected: &[u64],
    out_dir: &Path,
) -> Result<Outcome, CliError> {
    let clients = clients_for(args, server, strategy)?;
    let progress = Progress::new(ProgressMode::detect(args.quiet), strategy.name());
    let sink = progress.clone();
    let rlm = Rlm::builder()
        .root(clients.root)
        .sub_client(clients.sub)
        .max_concurrent(args.max_concurrent as usize)
        .limits(Limits::default().with_timeout(args.timeout.unwrap_or(DEFAULT_RUN_TIMEOUT)))
        .sandbox_limits(
            SandboxLimits::default().with_cpu_time_per_cell(args.sandbox.cell_cpu_limit),
        )
        .sandbox_isolation(args.sandbox.isolation())
        .on_event(move |event| sink.on_event(event))
        .build()?;
    let started = Instant::now();
    let result = rlm
        .completion(text, &strategy.query(args.sim.chunks, args.max_concurrent))
        .await;
    let wall = started.elapsed();
    progress.finish();
    let trajectory = out_dir.join(format!("{}.jsonl", strategy.name()));
    let answer = match result {
        Ok(answer) => answer,
        Err(error) => {
            let error = CliError::from(error);
            if let Some(run) = &error.run {
                print_stopped(strategy, run, &trajectory);
            }
            return Err(error);
        }
    };
    answer.trajectory.save(&trajectory).map_err(|e| {
        CliError::other(format!(
            "could not write the trajectory {}: {e}",
            trajectory.display()
        ))
    })?;
    Ok(Outcome {
        correct: check_answer(&answer.answer, expected),
        answer,
        wall,
        trajectory,
    })
}

/// A run stopped by a limit or a provider failure: saves its trajectory so far and prints its usage.
fn print_stopped(strategy: Strategy, run: &PartialRun, trajectory: &Path) {
    let total = &run.usage.total;
    println!(
        "{} stopped after {:.2}s: {} model calls ({} tokens), iterations: {}",
        strategy.name(),
        run.duration.as_secs_f64(),
        total.calls,
        total.usage.total_tokens(),
        run.iterations
    );
    match run.trajectory.save(trajectory) {
        Ok(()) => println!("  trajectory so far: {}", trajectory.display()),
        Err(e) => eprintln!(
            "rlm: warning: could not write the trajectory to {}: {e}",
            trajectory.display()
        ),
    }
}

fn print_outcome(strategy: Strategy, args: &DemoArgs, outcome: &Outcome) {
    let how = match strategy {
        Strategy::Sequential => format!("{} llm_query calls, one after another", args.sim.chunks),
        Strategy::Batch => format!(
            "one llm_batch over {} chunks, {} at a time",
            args.sim.chunks, args.max_concurrent
        ),
    };
    let total = &outcome.answer.usage.total;
    println!("{} ({how}):", strategy.name());
    println!("  answer:     {}", preview(&outcome.answer.answer));
    println!(
        "  correct:    {}",
        if outcome.correct { "yes" } else { "NO" }
    );
    println!("  time:       {:.2}s", outcome.wall.as_secs_f64());
    println!(
        "  model calls: {} ({} tokens), iterations: {}",
        total.calls,
        total.usage.total_tokens(),
        outcome.answer.iterations
    );
    println!("  trajectory: {}", outcome.trajectory.display());
}

/// Prints the speedup and its check; a FAIL with the default settings is an error (exit 1).
fn print_speedup(args: &DemoArgs, sequential: Duration, batch: Duration) -> Result<(), CliError> {
    let speedup = sequential.as_secs_f64() / batch.as_secs_f64().max(1e-9);
    println!("\nspeedup: {speedup:.1}x (batch vs sequential)");
    let verdict = if speedup >= REQUIRED_SPEEDUP {
        "PASS"
    } else {
        "FAIL"
    };
    let defaults = args.speed_defaults();
    if defaults {
        println!(
            "speedup check (batch at least {REQUIRED_SPEEDUP:.0}x faster with the default settings): {verdict}"
        );
    } else {
        println!(
            "speedup check (at least {REQUIRED_SPEEDUP:.0}x): {verdict} (the promise holds for the default settings; these are not the defaults)"
        );
    }
    speed_check(speedup, defaults)
}

/// The ≥ 5× promise is enforced only for the default settings (other settings just report it).
fn speed_check(speedup: f64, defaults: bool) -> Result<(), CliError> {
    if defaults && speedup < REQUIRED_SPEEDUP {
        Err(CliError::other(format!(
            "the batch run was only {speedup:.1}x faster than the sequential one; with the default settings it must be at least {REQUIRED_SPEEDUP:.0}x (is the machine overloaded?)"
        )))
    } else {
        Ok(())
    }
}

/// The trajectory folder: `dir` (created if needed) or a new folder under the system temp dir.
fn prepare_out_dir(dir: Option<&Path>) -> Result<PathBuf, CliError> {
    let dir = dir.map_or_else(
        || {
            let stamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            std::env::temp_dir().join(format!("rlm-demo-{}-{stamp}", std::process::id()))
        },
        Path::to_path_buf,
    );
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::other(format!(
            "could not create the trajectory folder {}: {e}; choose another with --out-dir",
            dir.display()
        ))
    })?;
    Ok(dir)
}

fn join_numbers(numbers: &[u64]) -> String {
    numbers
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn preview(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(ANSWER_PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_previews() {
        assert_eq!(human_size(8 * 1024 * 1024), "8.0 MiB");
        assert_eq!(human_size(2048), "2.0 KiB");
        assert_eq!(human_size(10), "10 B");
        assert_eq!(preview("a\n b"), "a b");
        assert_eq!(
            preview(&"x".repeat(1000)).chars().count(),
            ANSWER_PREVIEW_CHARS + 1
        );
    }

    #[test]
    fn slow_batch_fails_only_with_the_defaults() {
        let error = speed_check(3.2, true).unwrap_err();
        assert_eq!(error.class, crate::exit::ExitClass::Other);
        assert!(
            error.to_string().contains("only 3.2x faster")
                && error.to_string().contains("at least 5x"),
            "{error}"
        );
        assert!(speed_check(5.0, true).is_ok());
        assert!(speed_check(11.7, true).is_ok());
        assert!(speed_check(1.1, false).is_ok());
    }

    #[test]
    fn queries_name_the_strategy() {
        assert!(
            Strategy::Batch
                .query(32, 16)
                .contains("llm_batch(prompts, 16)")
        );
        assert!(
            Strategy::Sequential
                .query(32, 16)
                .contains("do not use llm_batch")
        );
    }

    #[test]
    fn out_dir_is_created() {
        let dir = std::env::temp_dir().join(format!("rlm-cli-test-{}", std::process::id()));
        let made = prepare_out_dir(Some(&dir)).unwrap();
        assert!(made.is_dir());
        std::fs::remove_dir_all(made).unwrap();
        let fresh = prepare_out_dir(None).unwrap();
        assert!(fresh.starts_with(std::env::temp_dir()));
        std::fs::remove_dir_all(fresh).unwrap();
    }
}
