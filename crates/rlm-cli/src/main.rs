//! The `rlm` command: run Recursive Language Models over huge contexts, or try them offline.
//!
//! - `rlm run --context FILE|- --query TEXT --model M [...]`: one completion with a real provider
//!   (`--provider openai|anthropic`, `--base-url` for Ollama, vLLM, llama.cpp, LiteLLM, OpenRouter).
//!   The answer goes to stdout; progress and the usage report (per model, cost, time) go to stderr, so
//!   `rlm run ... > answer.txt` keeps just the answer. `--json` prints one object on stdout instead
//!   (answer, iterations, usage, cost_usd, duration_ms, trajectory) and no progress. A context file that
//!   is entirely a JSON array or object is passed to the sandbox as JSON.
//! - `rlm demo`: the sequential vs `llm_batch` haystack search against the simulated model (a scripted
//!   stand-in, not an LLM) on loopback, with answers checked, times, the speedup and trajectories.
//! - `rlm eval gen|run|report`: generated long-context suites, task files run with an RLM and/or a plain
//!   model call (`--method rlm|direct`, `--jobs`, resumable), and reports with confidence intervals
//!   (docs/EVAL.md).
//! - `rlm view run.jsonl [-o run.html] [--open]`: a trajectory as one self-contained HTML page (no
//!   network needed), also for a killed run's file; `rlm run --view FILE.html` writes it at the end of a
//!   run. `rlm trajectory export run.jsonl --format rlms -o out.jsonl`: the reference Python library's
//!   log format (docs/VIEWER.md).
//! - `rlm sim-server --port P`: serves that simulated model until Ctrl-C; prints its base URL first.
//!
//! Keys come from `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`, or the variable named by `--api-key-env`;
//! they are never printed. The default variables' keys are sent only to the providers' own APIs
//! (`https://api.openai.com`, `https://api.anthropic.com`): a custom `--base-url` / `OPENAI_BASE_URL`
//! gets no key (Ollama, vLLM, llama.cpp need none) unless `--api-key-env NAME` names one (OpenRouter,
//! LiteLLM); a custom Anthropic base URL needs `--api-key-env`.
//!
//! Cost: the cost report and `--budget-usd` use prices (USD per million tokens; input, cache reads,
//! cache writes, output): the built-in table of common OpenAI and Anthropic models, then a price file
//! (`--prices FILE`, TOML or JSON), then `--price-in` / `--price-out` (root), `--sub-price-in` /
//! `--sub-price-out` (default sub-model) and `--price MODEL=IN/OUT[/CACHED[/WRITE]]`, later winning.
//! `--budget-usd` with a model the run can reach and no price for it is a usage error, as is a bad
//! price file; without prices the report says the cost is unknown. The report and `--json` (`cost`)
//! split the cost per model and per depth and say what caching saved.
//!
//! Exit codes (also in `rlm --help`): 0 success; 1 other failure (sandbox, unwritable trajectory,
//! wrong demo answer, demo speedup below 5x with the default settings); 2 usage error (bad flag values, unknown provider, missing API key — the message
//! names the variable); 3 input error (unreadable context file, invalid UTF-8 with its byte offset, line
//! and column); 4 provider error (the API failed after every retry or could not be reached); 5 limit
//! reached (timeout, budgets, sub-call or consecutive-error limit; the best partial answer, if any, is
//! printed on stdout); 130 interrupted (Ctrl-C stops the run cleanly; a second Ctrl-C exits at once).
//! Every error is one line `rlm: error: ...` on stderr. A run stopped by a limit or
//! a provider failure still writes its trajectory so far (`--trajectory`; the demo writes it to its
//! folder) and reports its usage and cost (on stderr, or in the `--json` error object: iterations,
//! usage, cost_usd, duration_ms, trajectory).
//!
//! Live view and events: on a terminal `rlm run` shows the run as it happens (`--stream` / `--no-stream`),
//! `--events FILE|-` writes every run event as JSON Lines (docs/EVENTS.md), and the trajectory file is
//! written line by line as the run goes.
//!
//! `RUST_LOG` controls tracing output on stderr (default `warn`).
//!
//! Modules: `args` (clap), `exit` (error classes and codes), `input` (reading the context), `provider`
//! (clients from flags and environment), `live` (the live view), `outputs` (the events feed and the
//! trajectory file), `progress` (events to a bar or lines), `report` (human and
//! JSON output), `viewer` (the HTML page of a trajectory, from the assets in `assets/viewer/`),
//! `commands::{run, view, trajectory, eval, demo, sim_server}` (`commands::engine` builds the `Rlm` of
//! `run` and `eval run`).
#![forbid(unsafe_code)]

mod args;
mod commands;
mod cost_report;
mod exit;
mod input;
mod live;
mod outputs;
mod progress;
mod provider;
mod report;
mod viewer;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::args::{Cli, Command};
use crate::exit::{CliError, ExitClass};

fn main() -> ExitCode {
    // A process sandbox re-enters this executable as its child: that must happen before anything else.
    rlm::repl::run_sandbox_child_if_requested();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_failure(&error),
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(&CliError::other(format!(
                "could not start the async runtime: {e}"
            )));
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => commands::run::run(*args).await,
            Command::View(args) => commands::view::run(&args),
            Command::Trajectory(command) => commands::trajectory::run(command),
            Command::Eval(command) => commands::eval::run(command).await,
            Command::Demo(args) => commands::demo::run(*args).await,
            Command::SimServer(args) => commands::sim_server::run(args).await,
        }
    });
    // Sandbox threads may still be winding down; do not wait for them forever.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Prints the one-line error and returns its exit code.
fn fail(error: &CliError) -> ExitCode {
    eprintln!("rlm: error: {error}");
    error.class.into()
}

/// `--help` / `--version` print normally; every other parse error is one usage line (exit 2).
fn clap_failure(error: &clap::Error) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitClass::Usage.into()
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            // clap's message: "error: ..." then details (missing flags, possible values, tips), a
            // blank line and the usage; keep the message and its details on one line.
            let rendered = error.to_string();
            let message = rendered
                .lines()
                .map(str::trim)
                .take_while(|line| !line.starts_with("Usage:"))
                .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
                .collect::<Vec<_>>()
                .join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            let message = if message.is_empty() {
                "invalid arguments"
            } else {
                message
            };
            fail(&CliError::usage(format!("{message} (see rlm --help)")))
        }
    }
}

/// Tracing to stderr, filtered by `RUST_LOG` (default `warn`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
