//! HTTP providers: `OpenAiCompatible` (Chat Completions) and `Anthropic` (Messages), over one shared
//! `reqwest::Client`. Providers make exactly one HTTP exchange per call and never retry.

pub(crate) mod anthropic;
mod anthropic_request;
mod anthropic_stream;
pub(crate) mod http;
pub(crate) mod openai;
mod openai_stream;
mod openai_wire;
pub(crate) mod settings;
mod sse;

/// An environment variable's value, unless unset or blank.
fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
