//! The models a run can reach: the root model, the default sub-model and the named sub-models code
//! may choose with `llm_query(prompt, { model: "name" })`, each with its resilient layer, the
//! description the prompt shows, its context window and its per-prompt budget.

use std::collections::BTreeMap;
use std::sync::Arc;

use rlm_client::{LlmClient, Resilient};

/// Characters per sub-prompt the prompt states when a model's window is unknown.
pub const DEFAULT_SUB_PROMPT_CHARS: usize = 500_000;

/// Share of a known window the prompt offers per sub-prompt (the rest is left for the instructions
/// and the answer), at 4 characters per token.
const WINDOW_SHARE_FOR_PROMPT: f64 = 0.75;

/// One model of the run.
pub(crate) struct ModelEntry {
    /// The name code uses (for the root and the default sub-model: the client's model id).
    pub(crate) name: String,
    /// What the prompt says about it.
    pub(crate) description: String,
    /// The client without any layer.
    pub(crate) client: Arc<dyn LlmClient>,
    /// The resilient layer around the client, built once per `Rlm` (its rate limiter is shared).
    pub(crate) resilient: Resilient,
    /// Input tokens the model accepts, when known.
    pub(crate) window: Option<u64>,
    /// Characters per prompt the system prompt states for it.
    pub(crate) prompt_chars: usize,
}

impl ModelEntry {
    /// The per-prompt characters for a model with `window` tokens: 3 characters per token of the
    /// window, or `fallback` when the window is unknown.
    pub(crate) fn prompt_chars_for(window: Option<u64>, fallback: usize) -> usize {
        window.map_or(fallback, |tokens| {
            (tokens as f64 * 4.0 * WINDOW_SHARE_FOR_PROMPT) as usize
        })
    }
}

impl std::fmt::Debug for ModelEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelEntry")
            .field("name", &self.name)
            .field("model", &self.client.model())
            .field("window", &self.window)
            .field("prompt_chars", &self.prompt_chars)
            .finish_non_exhaustive()
    }
}

/// The sub-models: the default one and the named ones, by name.
#[derive(Debug)]
pub(crate) struct SubModels {
    /// Name of the default sub-model.
    pub(crate) default: String,
    /// Every sub-model by name, the default included.
    pub(crate) by_name: BTreeMap<String, ModelEntry>,
}

impl SubModels {
    /// The sub-model called `name`, or the default one for `None`.
    pub(crate) fn get(&self, name: Option<&str>) -> Result<&ModelEntry, String> {
        let name = name.unwrap_or(&self.default);
        self.by_name.get(name).ok_or_else(|| self.unknown(name))
    }

    /// The default sub-model.
    pub(crate) fn default_entry(&self) -> Option<&ModelEntry> {
        self.by_name.get(&self.default)
    }

    /// The message for a model name code may not use.
    fn unknown(&self, name: &str) -> String {
        let names: Vec<String> = self.by_name.keys().map(|n| format!("\"{n}\"")).collect();
        format!(
            "unknown sub-model \"{name}\"; the sub-models of this run are {} (leave `model` out for the default, \"{}\")",
            names.join(", "),
            self.default
        )
    }
}

/// Checks a sub-model name given by the user.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(format!(
            "sub-model name {name:?} must be 1 to 100 characters, with no control characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_budget_follows_the_window() {
        assert_eq!(ModelEntry::prompt_chars_for(None, 500_000), 500_000);
        assert_eq!(
            ModelEntry::prompt_chars_for(Some(128_000), 500_000),
            384_000
        );
        assert!(check_name("fast").is_ok());
        assert!(check_name(" ").is_err() && check_name("a\nb").is_err());
    }
}
