//! Flags shared by several subcommands: the provider and models (`ProviderArgs`, with the
//! `--sub-model` spec), and the simulated model's settings (`SimArgs`).

use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse::{parse_duration, parse_env_name};

/// Model providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderKind {
    /// OpenAI Chat Completions, or any compatible server with --base-url (Ollama, vLLM, llama.cpp,
    /// LiteLLM, OpenRouter).
    Openai,
    /// Anthropic Messages API.
    Anthropic,
}

/// One `--sub-model` value: `MODEL` (the default sub-model) or `NAME=[PROVIDER:]MODEL[=DESCRIPTION]`
/// (a named sub-model code may choose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubModelSpec {
    /// `None` for the default sub-model.
    pub(crate) name: Option<String>,
    /// `openai` / `anthropic` when the spec says so, else the run's `--provider`.
    pub(crate) provider: Option<ProviderKind>,
    /// The model id.
    pub(crate) model: String,
    /// What the prompt says about it.
    pub(crate) description: String,
}

impl FromStr for SubModelSpec {
    type Err = String;

    /// A provider prefix is recognised only when it is exactly `openai:` or `anthropic:`, so model ids
    /// with a colon (Ollama's `llama3.1:8b`) stay whole.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.splitn(3, '=');
        let first = parts.next().unwrap_or_default().trim();
        let (name, spec, description) = match (parts.next(), parts.next()) {
            (None, _) => (None, first, ""),
            (Some(spec), description) => (Some(first), spec.trim(), description.unwrap_or("")),
        };
        let (provider, model) = match spec.split_once(':') {
            Some(("openai", model)) => (Some(ProviderKind::Openai), model),
            Some(("anthropic", model)) => (Some(ProviderKind::Anthropic), model),
            _ => (None, spec),
        };
        if model.trim().is_empty() || name.is_some_and(str::is_empty) {
            return Err(format!(
                "{text:?} is not a sub-model; write MODEL, or NAME=[openai:|anthropic:]MODEL[=DESCRIPTION], e.g. fast=openai:gpt-4.1-mini=\"cheap, for extraction\""
            ));
        }
        Ok(Self {
            name: name.map(str::to_owned),
            provider,
            model: model.trim().to_owned(),
            description: description.trim().to_owned(),
        })
    }
}

/// Which provider and models to use, and how to reach them.
#[derive(Debug, Clone, Args)]
pub(crate) struct ProviderArgs {
    /// Provider API.
    #[arg(long, value_enum, default_value_t = ProviderKind::Openai)]
    pub(crate) provider: ProviderKind,
    /// Root model (the one that writes code), e.g. gpt-4o-mini or claude-sonnet-4-5.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// A sub-model: MODEL sets the default one (answering llm_query / llm_batch; default: the root
    /// model); NAME=[openai:|anthropic:]MODEL[=DESCRIPTION] adds a named one that code may choose with
    /// llm_query(p, {model: "NAME"}) (repeatable; the prompt lists each with its description). A
    /// provider prefix puts it on that provider with its default URL and key variable.
    #[arg(long = "sub-model", value_name = "SPEC")]
    pub(crate) sub_models: Vec<SubModelSpec>,
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
    /// reasoning_effort for OpenAI reasoning models (o-series, gpt-5): minimal, low, medium or high
    /// (default: not sent).
    #[arg(long, value_parser = ["minimal", "low", "medium", "high"])]
    pub(crate) reasoning_effort: Option<String>,
    /// Field of the output-token limit for OpenAI-compatible servers: max_completion_tokens (what
    /// OpenAI's API wants), max_tokens (vLLM, llama.cpp, Ollama, LiteLLM pass-through), or auto
    /// (max_completion_tokens for https://api.openai.com, max_tokens elsewhere).
    #[arg(long, default_value = "auto", value_parser = ["auto", "max_tokens", "max_completion_tokens"])]
    pub(crate) token_limit_field: String,
    /// A streamed reply that sends nothing (not even a keep-alive) for this long fails as stalled
    /// and is retried if no text had arrived; raise it for models that think silently for long.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub(crate) stream_idle_timeout: Duration,
}

impl ProviderArgs {
    /// The default sub-model's id, when `--sub-model MODEL` gave one (the last one wins).
    pub(crate) fn default_sub_model(&self) -> Option<&str> {
        self.sub_models
            .iter()
            .rev()
            .find(|s| s.name.is_none())
            .map(|s| s.model.as_str())
    }
}

/// Where the sandbox's interpreter runs (`--sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SandboxMode {
    /// A child process, killed and restarted when a cell overruns its CPU limit (the default).
    Process,
    /// A thread of the rlm process: starts faster, but a cell stuck in a native built-in cannot be
    /// stopped.
    Thread,
}

/// The sandbox's flags, shared by `rlm run` and `rlm demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SandboxArgs {
    /// Where model code runs: process (killed and restarted when a cell overruns its CPU limit) or
    /// thread (faster to start, no hard kill).
    #[arg(long, value_enum, default_value_t = SandboxMode::Process)]
    pub(crate) sandbox: SandboxMode,
    /// CPU time one code cell may use (time waiting for sub-calls does not count), e.g. 30s.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub(crate) cell_cpu_limit: std::time::Duration,
}

impl SandboxArgs {
    /// The isolation these flags ask for; the process child is this executable, re-entered.
    pub(crate) fn isolation(&self) -> rlm::repl::Isolation {
        match self.sandbox {
            SandboxMode::Process => {
                rlm::repl::Isolation::Process(rlm::repl::ProcessOptions::default())
            }
            SandboxMode::Thread => rlm::repl::Isolation::Thread,
        }
    }
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
    /// Inject a fault: every EVERY-th sub request answers STATUS (optionally with Retry-After
    /// seconds), e.g. --fault 3:500 --fault 5:429:1 (repeatable; the first matching rule wins).
    #[arg(long = "fault", value_name = "EVERY:STATUS[:RETRY_AFTER]")]
    pub(crate) faults: Vec<rlm_sim::server::Fault>,
    /// Characters of reply per chunk when a request asks for `"stream": true` (server-sent events).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) stream_chunk_chars: u64,
    /// Pause between the events of a streamed reply, in milliseconds (at most 1 minute; 0 sends the
    /// whole stream at once).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub(crate) stream_chunk_delay_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_model_specs() {
        let spec = |s: &str| s.parse::<SubModelSpec>();
        assert_eq!(
            spec("gpt-4.1-mini").unwrap(),
            SubModelSpec {
                name: None,
                provider: None,
                model: "gpt-4.1-mini".into(),
                description: String::new()
            }
        );
        let named = spec("fast=anthropic:claude-haiku-4-5=cheap, quick = good").unwrap();
        assert_eq!(named.name.as_deref(), Some("fast"));
        assert_eq!(named.provider, Some(ProviderKind::Anthropic));
        assert_eq!(named.model, "claude-haiku-4-5");
        assert_eq!(named.description, "cheap, quick = good");
        let ollama = spec("local=llama3.1:8b").unwrap();
        assert_eq!(
            (ollama.provider, ollama.model.as_str()),
            (None, "llama3.1:8b")
        );
        for bad in ["", "=gpt-4o", "fast=", "fast=openai:"] {
            assert!(spec(bad).is_err(), "{bad:?}");
        }
    }
}
