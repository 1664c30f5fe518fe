//! The typed parameters every prompt is rendered from, and the facts derived from them.

use serde::{Deserialize, Serialize};

/// What a prompt needs to know about the run and the place of this model in it.
///
/// Depth 0 is the root. Sub-calls (`llm_query`, `llm_batch`) exist when `depth < max_depth`;
/// recursive calls (`rlm_query`, `rlm_batch`) when `depth + 1 < max_depth`. So with `max_depth` 1 the
/// root has `llm_*` but no `rlm_*`, and with `max_depth` 0 it has no sub-calls at all.
///
/// The struct is `#[non_exhaustive]`, so fields can be added without breaking callers: build it with
/// [`PromptParams::new`] (the defaults) and the `with_*` setters.
///
/// ```
/// use rlm_prompts::PromptParams;
///
/// let p = PromptParams::new().with_max_depth(2).with_max_iterations(12);
/// assert!(p.subcalls_available() && p.recursion_available());
/// assert_eq!((p.depth, p.max_iterations), (0, 12));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
    /// The defaults, the same as [`PromptParams::default`]: the root (depth 0) of a run with
    /// `max_depth` 1, 30 iterations, 16 concurrent sub-calls, `llm_batch` at 10, sub-models of
    /// 500,000 characters and 20,000 characters of output kept per cell.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`depth`](Self::depth): the depth of the model being prompted (0 = root).
    #[must_use]
    pub fn with_depth(mut self, depth: usize) -> Self {
        self.depth = depth;
        self
    }

    /// Sets [`max_depth`](Self::max_depth): the maximum recursion depth of the run.
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets [`max_iterations`](Self::max_iterations): the number of turns the model gets.
    #[must_use]
    pub fn with_max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Sets [`max_concurrent`](Self::max_concurrent): the global cap on concurrent sub-calls.
    #[must_use]
    pub fn with_max_concurrent(mut self, max_concurrent: usize) -> Self {
        self.max_concurrent = max_concurrent;
        self
    }

    /// Sets [`batch_concurrency`](Self::batch_concurrency): `llm_batch`'s concurrency when the
    /// code passes none (clamped to `max_concurrent` in the prompt).
    #[must_use]
    pub fn with_batch_concurrency(mut self, batch_concurrency: usize) -> Self {
        self.batch_concurrency = batch_concurrency;
        self
    }

    /// Sets [`sub_model_chars`](Self::sub_model_chars): how many characters a sub-model can take
    /// in one prompt.
    #[must_use]
    pub fn with_sub_model_chars(mut self, sub_model_chars: usize) -> Self {
        self.sub_model_chars = sub_model_chars;
        self
    }

    /// Sets [`output_cap_chars`](Self::output_cap_chars): the output kept per cell, in characters.
    #[must_use]
    pub fn with_output_cap_chars(mut self, output_cap_chars: usize) -> Self {
        self.output_cap_chars = output_cap_chars;
        self
    }

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
        PromptParams::new()
            .with_depth(depth)
            .with_max_depth(max_depth)
    }

    #[test]
    fn setters_set_one_field_each() {
        assert_eq!(PromptParams::new(), PromptParams::default());
        let p = PromptParams::new()
            .with_depth(1)
            .with_max_depth(3)
            .with_max_iterations(7)
            .with_max_concurrent(5)
            .with_batch_concurrency(4)
            .with_sub_model_chars(1_000)
            .with_output_cap_chars(2_000);
        assert_eq!(
            p,
            PromptParams {
                depth: 1,
                max_depth: 3,
                max_iterations: 7,
                max_concurrent: 5,
                batch_concurrency: 4,
                sub_model_chars: 1_000,
                output_cap_chars: 2_000,
            }
        );
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
        let p = PromptParams::new().with_max_concurrent(4);
        assert_eq!(p.effective_batch_concurrency(), 4);
        assert_eq!(PromptParams::default().effective_batch_concurrency(), 10);
        let zero = PromptParams::new().with_batch_concurrency(0);
        assert_eq!(zero.effective_batch_concurrency(), 1);
    }
}
