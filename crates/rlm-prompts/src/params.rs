//! The typed parameters every prompt is rendered from, and the facts derived from them.

use serde::{Deserialize, Serialize};

/// What a prompt needs to know about the run and the place of this model in it.
///
/// Depth 0 is the root. Sub-calls (`llm_query`, `llm_batch`) exist when `depth < max_depth`;
/// recursive calls (`rlm_query`, `rlm_batch`) when `depth + 1 < max_depth`. So with `max_depth` 1 the
/// root has `llm_*` but no `rlm_*`, and with `max_depth` 0 it has no sub-calls at all.
///
/// ```
/// let p = rlm_prompts::PromptParams { max_depth: 2, ..Default::default() };
/// assert!(p.subcalls_available() && p.recursion_available());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptParams {
    /// Depth of the model being prompted (0 = root).
    pub depth: usize,
    /// Maximum recursion depth of the run.
    pub max_depth: usize,
    /// Number of iterations (turns) the model gets.
    pub max_iterations: usize,
    /// Global cap on concurrent sub-calls; `llm_batch` never runs more at once.
    pub max_concurrent: usize,
    /// Concurrency of `llm_batch` when the code does not pass one.
    pub batch_concurrency: usize,
    /// How many characters a sub-model can take in one prompt (about 500K by default).
    pub sub_model_chars: usize,
    /// Output kept per cell, in characters, before head + tail truncation.
    pub output_cap_chars: usize,
}

impl Default for PromptParams {
    fn default() -> Self {
        Self {
            depth: 0,
            max_depth: 1,
            max_iterations: 30,
            max_concurrent: 16,
            batch_concurrency: 10,
            sub_model_chars: 500_000,
            output_cap_chars: 20_000,
        }
    }
}

impl PromptParams {
    /// Whether `llm_query` / `llm_batch` exist at this depth.
    pub fn subcalls_available(&self) -> bool {
        self.depth < self.max_depth
    }

    /// Whether `rlm_query` / `rlm_batch` exist at this depth.
    pub fn recursion_available(&self) -> bool {
        self.depth + 1 < self.max_depth
    }

    /// The concurrency `llm_batch` uses by default: `batch_concurrency` clamped to the global cap.
    pub fn effective_batch_concurrency(&self) -> usize {
        self.batch_concurrency.min(self.max_concurrent).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(depth: usize, max_depth: usize) -> PromptParams {
        PromptParams {
            depth,
            max_depth,
            ..PromptParams::default()
        }
    }

    #[test]
    fn availability_follows_depth() {
        assert!(!at(0, 0).subcalls_available());
        assert!(!at(0, 0).recursion_available());
        assert!(at(0, 1).subcalls_available());
        assert!(!at(0, 1).recursion_available());
        assert!(at(0, 2).recursion_available());
        assert!(at(1, 2).subcalls_available());
        assert!(!at(1, 2).recursion_available());
        assert!(!at(2, 2).subcalls_available());
    }

    #[test]
    fn batch_concurrency_is_clamped() {
        let p = PromptParams {
            max_concurrent: 4,
            ..PromptParams::default()
        };
        assert_eq!(p.effective_batch_concurrency(), 4);
        assert_eq!(PromptParams::default().effective_batch_concurrency(), 10);
        let zero = PromptParams {
            batch_concurrency: 0,
            ..PromptParams::default()
        };
        assert_eq!(zero.effective_batch_concurrency(), 1);
    }
}
