//! Command-line flags of `rlm` (clap derive): `run`, `demo` and `sim-server`, with value checks.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// Recursive Language Models: a root model answers a query about a huge context by writing JavaScript
/// that runs in a sandbox holding the context and calls sub-models with llm_query / llm_batch.
#[derive(Debug, Parser)]
#[command(name = "rlm", version, after_help = EXIT_CODES_HELP, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Answer a query about a context file with a real model.
    #[command(after_help = EXIT_CODES_HELP)]
    Run(RunArgs),
    /// Offline demo: the sequential vs batch haystack search against a simulated model (no key needed).
    #[command(after_help = EXIT_CODES_HELP)]
    Demo(DemoArgs),
    /// Serve the simulated model (a scripted stand-in, not an LLM) on loopback until Ctrl-C.
    #[command(name = "sim-server", after_help = EXIT_CODES_HELP)]
    SimServer(SimServerArgs),
}

/// Model providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderKind {
    /// OpenAI Chat Completions, or any compatible server with --base-url (Ollama, vLLM, llama.cpp,
    /// LiteLLM, OpenRouter).
    Openai,
    /// Anthropic Messages API.
    Anthropic,
}

/// Which provider and model to use, and how to reach it.
#[derive(Debug, Clone, Args)]
pub(crate) struct ProviderArgs {
    /// Provider API.
    #[arg(long, value_enum, default_value_t = ProviderKind::Openai)]
    pub(crate) provider: ProviderKind,
    /// Root model (the one that writes code), e.g. gpt-4o-mini or claude-sonnet-4-5.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Sub model answering llm_query / llm_batch (default: the root model).
    #[arg(long)]
    pub(crate) sub_model: Option<String>,
    /// Base URL up to /v1, for OpenAI-compatible servers: http://localhost:11434/v1 (Ollama),
    /// http://localhost:8000/v1 (vLLM), https://openrouter.ai/api/v1, ... (default OPENAI_BASE_URL /
    /// ANTHROPIC_BASE_URL, else the provider's API). The default key variable is sent only to
    /// https://api.openai.com or https://api.anthropic.com: a custom server gets no key unless you
    /// name one with --api-key-env (OpenRouter, LiteLLM); Ollama/vLLM need none.
    #[arg(long)]
    pub(crate) base_url: Option<String>,
    /// Read the API key from this environment variable and send it to the base URL, whatever it is
    /// (default: OPENAI_API_KEY or ANTHROPIC_API_KEY, sent only to the provider's own API).
    #[arg(long, value_name = "NAME", value_parser = parse_env_name)]
    pub(crate) api_key_env: Option<String>,
}

/// Flags of `rlm run`.
#[derive(Debug, Clone, Args)]
pub(crate) struct RunArgs {
    /// Context file (text, or JSON when the whole file is a JSON array or object); `-` reads stdin.
    #[arg(long, value_name = "FILE|-")]
    pub(crate) context: String,
    /// The question to answer about the context (not empty).
    #[arg(long, value_name = "TEXT", value_parser = parse_query)]
    pub(crate) query: String,
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// Global cap on concurrent sub-model calls (llm_batch's own value is clamped to it).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) max_concurrent: u32,
    /// Root-model iterations before the final-answer request.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) max_iterations: u32,
    /// Recursion depth: 0 disables sub-calls, 1 allows llm_query/llm_batch, 2+ allows child RLMs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=8))]
    pub(crate) max_depth: u32,
    /// Client-side requests per minute, per model (retries count).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rpm: Option<u32>,
    /// Client-side tokens per minute, per model (estimated: the prompt plus max_tokens when set).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) tpm: Option<u32>,
    /// Wall-clock limit of the whole run (e.g. 90s, 500ms, 10m; a bare number is seconds); also caps
    /// each HTTP attempt.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Retries of a failed model call (connection errors, timeouts, 429, 5xx).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub(crate) retries: u32,
    /// Stop when the run's cost reaches this many USD. Needs --price-in and --price-out: cost is only
    /// known from prices.
    #[arg(long, value_name = "USD", value_parser = parse_positive_f64, requires_all = ["price_in", "price_out"])]
    pub(crate) budget_usd: Option<f64>,
    /// Stop when the run has used this many tokens (all models, all depths).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) token_budget: Option<u64>,
    /// Price of input tokens in USD per million, for the cost report and --budget-usd.
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price, requires = "price_out")]
    pub(crate) price_in: Option<f64>,
    /// Price of output tokens in USD per million.
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price, requires = "price_in")]
    pub(crate) price_out: Option<f64>,
    /// Input price of the sub model when it differs (default --price-in).
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price)]
    pub(crate) sub_price_in: Option<f64>,
    /// Output price of the sub model when it differs (default --price-out).
    #[arg(long, value_name = "USD_PER_MTOK", value_parser = parse_price)]
    pub(crate) sub_price_out: Option<f64>,
    /// Write the run's trajectory (JSON Lines) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    pub(crate) trajectory: Option<PathBuf>,
    /// Print one JSON object on stdout (answer, iterations, usage, cost, duration, trajectory) and no
    /// progress.
    #[arg(long)]
    pub(crate) json: bool,
    /// No progress and no usage report on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Flags of `rlm demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    /// Haystack size in bytes (suffixes KiB/MiB/KB/MB accepted, e.g. 1MiB).
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    pub(crate) size: u64,
    /// Haystack seed (same seed, same haystack and magic numbers).
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Magic numbers hidden in the haystack.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) needles: u32,
    #[command(flatten)]
    pub(crate) sim: SimArgs,
    /// Sub-calls in flight at once in the batch run.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) max_concurrent: u32,
    /// Where to write the trajectories (default: a new folder under the system temp dir).
    #[arg(long)]
    pub(crate) out_dir: Option<PathBuf>,
    /// Run the task on a real model instead of the simulator (needs --model and a key).
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// Wall-clock limit of each run (e.g. 10m).
    #[arg(long, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

impl DemoArgs {
    /// Whether the flags that shape the timing are the defaults the ≥ 5× speedup promise is made for:
    /// the simulator (no `--model`), an 8 MiB haystack, 32 chunks, 200 ms sub and 20 ms root latency,
    /// 16 sub-calls at a time.
    pub(crate) fn speed_defaults(&self) -> bool {
        self.size == 8 * 1024 * 1024
            && self.sim.latency_ms == 200
            && self.sim.root_latency_ms == 20
            && self.sim.chunks == 32
            && self.max_concurrent == 16
            && self.provider.model.is_none()
    }
}

/// Flags of `rlm sim-server`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SimServerArgs {
    /// Loopback port to listen on (0 picks a free one; the base URL is printed on stdout).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    #[command(flatten)]
    pub(crate) sim: SimArgs,
}

/// The simulated model's flags, shared by `rlm demo` and `rlm sim-server`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SimArgs {
    /// Latency of each simulated sub-model reply, in milliseconds (at most 10 minutes).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub(crate) latency_ms: u64,
    /// Latency of each simulated root-model reply, in milliseconds (at most 10 minutes).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub(crate) root_latency_ms: u64,
    /// Chunks the scripted root model splits the context into, one sub-call each (model names like
    /// sim-root-c64 override it).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) chunks: u32,
}

/// Parses `90`, `90s`, `500ms`, `10m`, `1h` (a bare number is seconds); zero is refused.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write e.g. 90s, 500ms or 10m"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" | "mins" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?}; use ms, s, m or h"
            ));
        }
    };
    if !(seconds.is_finite() && seconds > 0.0) || seconds > 7.0 * 86_400.0 {
        return Err(format!(
            "duration {text:?} must be longer than zero and at most a week"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a byte size: `1048576`, `512KiB`, `8MiB`, `1MB`, `64k`.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size; write e.g. 1048576, 512KiB or 8MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1024,
        "kb" => 1000,
        "m" | "mib" => 1024 * 1024,
        "mb" => 1_000_000,
        "g" | "gib" => 1024 * 1024 * 1024,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit {other:?}; use KiB, MiB or GiB")),
    };
    let bytes = value
        .checked_mul(factor)
        .ok_or_else(|| format!("size {text:?} is too large"))?;
    if bytes == 0 || bytes > 1024 * 1024 * 1024 {
        return Err(format!("size {text:?} must be between 1 byte and 1 GiB"));
    }
    Ok(bytes)
}

/// Accepts a query with at least one non-blank character.
fn parse_query(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("the query is empty; write the question to answer about the context".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// Accepts an environment variable name: not empty, no `=`, no NUL, no whitespace.
fn parse_env_name(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("the variable name is empty; write the name of the variable holding the key, e.g. OPENROUTER_API_KEY".to_owned())
    } else if text.contains(['=', '\0']) || text.chars().any(char::is_whitespace) {
        Err(format!(
            "{text:?} is not an environment variable name (no '=', spaces or NUL); write e.g. OPENROUTER_API_KEY"
        ))
    } else {
        Ok(text.to_owned())
    }
}

/// Parses a price in USD per million tokens (zero allowed, negative refused).
fn parse_price(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a price; write USD per million tokens, e.g. 0.15"
        )),
    }
}

/// Parses a positive amount of USD.
fn parse_positive_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{text:?} is not a positive amount of USD, e.g. 0.50"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_mins(10)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("2TiB").is_err());
    }

    #[test]
    fn budget_needs_prices() {
        let base = [
            "rlm",
            "run",
            "--context",
            "f",
            "--query",
            "q",
            "--model",
            "m",
        ];
        let without = Cli::try_parse_from(base.iter().chain(&["--budget-usd", "1"]));
        assert!(without.is_err());
        let with = Cli::try_parse_from(base.iter().chain(&[
            "--budget-usd",
            "1",
            "--price-in",
            "0.1",
            "--price-out",
            "0.4",
        ]));
        assert!(with.is_ok(), "{with:?}");
    }

    #[test]
    fn speed_defaults_cover_every_timing_flag() {
        let demo = |extra: &[&str]| match Cli::try_parse_from(["rlm", "demo"].iter().chain(extra)) {
            Ok(Cli {
                command: Command::Demo(args),
            }) => args,
            other => panic!("{other:?}"),
        };
        assert!(demo(&[]).speed_defaults());
        assert!(demo(&["--seed", "7", "--quiet"]).speed_defaults());
        for changed in [
            ["--size", "1MiB"],
            ["--latency-ms", "20"],
            ["--root-latency-ms", "300"],
            ["--chunks", "8"],
            ["--max-concurrent", "4"],
            ["--model", "gpt-4o-mini"],
        ] {
            assert!(!demo(&changed).speed_defaults(), "{changed:?}");
        }
    }

    #[test]
    fn empty_query_and_key_variable_are_refused() {
        let run = |extra: &[&str]| {
            let base = ["rlm", "run", "--context", "f", "--model", "m"];
            Cli::try_parse_from(base.iter().chain(extra))
        };
        for query in ["", "   "] {
            let error = run(&["--query", query]).unwrap_err().to_string();
            assert!(error.contains("the query is empty"), "{error}");
        }
        let error = run(&["--query", "q", "--api-key-env", ""])
            .unwrap_err()
            .to_string();
        assert!(error.contains("the variable name is empty"), "{error}");
        let error = run(&["--query", "q", "--api-key-env", "A=B"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("not an environment variable name"),
            "{error}"
        );
        assert!(run(&["--query", "q", "--api-key-env", "MY_KEY"]).is_ok());
    }

    #[test]
    fn max_concurrent_zero_is_refused() {
        let parsed = Cli::try_parse_from([
            "rlm",
            "run",
            "--context",
            "f",
            "--query",
            "q",
            "--max-concurrent",
            "0",
        ]);
        assert!(parsed.is_err());
    }
}
