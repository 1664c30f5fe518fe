//! `ContextWindows`: how many input tokens a model accepts, from a small built-in table of common model
//! families and the user's own entries. Unknown models are unchecked.

use std::collections::BTreeMap;

/// Input-token limits of common model families, matched by the longest prefix of the model name (after
/// any `provider/` routing prefix, as LiteLLM and OpenRouter write them). Taken from the providers' model
/// documentation (OpenAI, Anthropic, Meta, Alibaba, Mistral, Google) in 2025; where a model's total
/// window is shared with the output, the documented maximum input is used (gpt-5: 400K total, 272K in).
const BUILT_IN: &[(&str, u64)] = &[
    ("gpt-5", 272_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4o", 128_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo", 16_385),
    ("o1-mini", 128_000),
    ("o1", 200_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("claude-", 200_000),
    ("gemini-1.5-pro", 2_097_152),
    ("gemini-", 1_048_576),
    ("llama3.1", 131_072),
    ("llama3.2", 131_072),
    ("llama3.3", 131_072),
    ("llama-3.1", 131_072),
    ("llama-3.3", 131_072),
    ("qwen2.5", 32_768),
    ("qwen3", 32_768),
    ("mistral", 32_768),
];

/// Input-token limits per model: the built-in table plus entries of your own (which win).
///
/// ```
/// use rlm_client::ContextWindows;
/// let windows = ContextWindows::built_in().with("my-local-model", 8_192);
/// assert_eq!(windows.window("gpt-4o-mini"), Some(128_000));
/// assert_eq!(windows.window("openai/gpt-4.1-mini"), Some(1_047_576));
/// assert_eq!(windows.window("my-local-model"), Some(8_192));
/// assert_eq!(windows.window("something-unknown"), None);
/// assert_eq!(ContextWindows::none().window("gpt-4o"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextWindows {
    use_built_in: bool,
    entries: BTreeMap<String, u64>,
}

impl Default for ContextWindows {
    fn default() -> Self {
        Self::built_in()
    }
}

impl ContextWindows {
    /// The built-in table of common model families.
    pub fn built_in() -> Self {
        Self {
            use_built_in: true,
            entries: BTreeMap::new(),
        }
    }

    /// No known windows: nothing is checked until entries are added.
    pub fn none() -> Self {
        Self {
            use_built_in: false,
            entries: BTreeMap::new(),
        }
    }

    /// Adds or replaces the window of exactly `model` (a model name or a name prefix ending in `*`).
    #[must_use]
    pub fn with(mut self, model: impl Into<String>, tokens: u64) -> Self {
        self.entries.insert(model.into(), tokens);
        self
    }

    /// The input-token limit of `model`, when known: an exact entry, else the longest matching prefix
    /// (`name*` entries, then the built-in table), else `None`.
    pub fn window(&self, model: &str) -> Option<u64> {
        if let Some(tokens) = self.entries.get(model) {
            return Some(*tokens);
        }
        let name = model.rsplit('/').next().unwrap_or(model);
        let own = self
            .entries
            .iter()
            .filter_map(|(key, tokens)| key.strip_suffix('*').map(|prefix| (prefix, *tokens)));
        let built_in = BUILT_IN
            .iter()
            .filter(|_| self.use_built_in)
            .map(|(prefix, tokens)| (*prefix, *tokens));
        let longest = |entries: &mut dyn Iterator<Item = (&str, u64)>| {
            entries
                .filter(|(prefix, _)| name.starts_with(prefix))
                .max_by_key(|(prefix, _)| prefix.len())
                .map(|(_, tokens)| tokens)
        };
        longest(&mut own.into_iter()).or_else(|| longest(&mut built_in.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_own_entries_come_first() {
        let w = ContextWindows::built_in();
        assert_eq!(w.window("gpt-4"), Some(8_192));
        assert_eq!(w.window("gpt-4o-2024-08-06"), Some(128_000));
        assert_eq!(w.window("o1-mini"), Some(128_000));
        assert_eq!(w.window("o1-preview"), Some(200_000));
        assert_eq!(w.window("claude-sonnet-4-5"), Some(200_000));
        assert_eq!(w.window("anthropic/claude-haiku-4-5"), Some(200_000));
        let own = w.with("claude-*", 1_000_000).with("gpt-4o", 64_000);
        assert_eq!(own.window("claude-sonnet-4-5"), Some(1_000_000));
        assert_eq!(own.window("gpt-4o"), Some(64_000));
        assert_eq!(own.window("gpt-4o-mini"), Some(128_000));
    }
}
