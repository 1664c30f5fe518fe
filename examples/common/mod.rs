//! Helpers shared by the examples: pick a real provider when an API key is set, else stay offline, and
//! adapt the scripted stand-in model of `rlm-sim` (not an LLM) to a `Simulated` client.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use rlm::prelude::*;
use rlm::testing::{Latency, Simulated};
use rlm_sim::script::{ChatMessage, respond};

/// A real provider chosen from the environment, or `None` to run offline.
///
/// `OPENAI_API_KEY` selects OpenAI (or any OpenAI-compatible server through `OPENAI_BASE_URL`),
/// `ANTHROPIC_API_KEY` selects Anthropic; `RLM_MODEL` overrides the model name.
pub(crate) fn provider_from_env() -> Result<Option<Arc<dyn LlmClient>>, ClientError> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let model = |default: &str| std::env::var("RLM_MODEL").unwrap_or_else(|_| default.to_owned());
    if set("OPENAI_API_KEY") {
        let client = OpenAiCompatible::from_env(model("gpt-4o-mini"))?;
        Ok(Some(Arc::new(client)))
    } else if set("ANTHROPIC_API_KEY") {
        let client = Anthropic::from_env(model("claude-haiku-4-5"))?;
        Ok(Some(Arc::new(client)))
    } else {
        Ok(None)
    }
}

/// The root model of an example: a real one when an API key is set, else a scripted closure (not an
/// LLM) that answers its first turn with `cell` and every later turn with `FINAL_VAR(answer)`.
pub(crate) fn root_or_scripted(cell: &'static str) -> Result<Arc<dyn LlmClient>, ClientError> {
    if let Some(real) = provider_from_env()? {
        println!("root: real model {}", real.model());
        return Ok(real);
    }
    println!(
        "root: scripted closure (not an LLM); set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one"
    );
    Ok(Arc::new(Simulated::new(
        "scripted-root",
        move |r: &CompletionRequest| {
            if r.messages.iter().any(|m| m.role == Role::Assistant) {
                "FINAL_VAR(answer)".to_owned()
            } else {
                cell.to_owned()
            }
        },
    )))
}

/// One line saying which sub-model the example talks to.
pub(crate) fn describe(client: &dyn LlmClient, offline: bool) -> String {
    if offline {
        format!(
            "offline: {} is a scripted Simulated client, not an LLM (set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one)",
            client.model()
        )
    } else {
        format!("real provider: model {}", client.model())
    }
}

/// The `rlm-sim` script (root turns write chunk-and-query JavaScript, sub turns report the magic numbers
/// of their prompt) as a `Simulated` client named `model`, answering after `latency`.
///
/// The script reads options from the model name: `sequential` or `batch`, `c<N>` chunks, `p<N>` the
/// `max_concurrent` it passes to `llm_batch`.
pub(crate) fn scripted_sim(model: &str, latency: Duration) -> Simulated {
    let name = model.to_owned();
    Simulated::new(model, move |request: &CompletionRequest| {
        respond(&name, &chat_messages(request))
    })
    .with_latency(Latency::Fixed(latency))
}

/// The messages of `request` in the shape `rlm-sim` reads.
fn chat_messages(request: &CompletionRequest) -> Vec<ChatMessage> {
    request
        .messages
        .iter()
        .map(|m| ChatMessage::new(m.role.as_str(), m.content.clone()))
        .collect()
}

/// Seconds with two decimals.
pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
