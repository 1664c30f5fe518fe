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
    /// The sub-models code may choose by name (when there is more than one, the system prompt lists
    /// them). Empty: only the default sub-model, unnamed.
    pub sub_models: Vec<SubModelInfo>,
    /// The host tools code may call (the system prompt lists them in a section of their own, present
    /// only when there is one). Empty by default.
    pub tools: Vec<ToolInfo>,
}

/// A host tool as the system prompt lists it: a function the application provides, which runs
/// outside the sandbox.
///
/// ```
/// let search = rlm_prompts::ToolInfo::new("search", "full-text search of the manual")
///     .with_arguments("(query: string, limit?: number) -> [{id, text}]");
/// assert_eq!(search.signature(), "search(query: string, limit?: number) -> [{id, text}]");
/// assert_eq!(rlm_prompts::ToolInfo::new("now", "").signature(), "now(...)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolInfo {
    /// The global function's name.
    pub name: String,
    /// What it does, for the model (may be empty).
    pub description: String,
    /// The shape of its arguments and result, free text (`(query: string) -> [{id, text}]`); empty
    /// when not given.
    pub arguments: String,
}

impl ToolInfo {
    /// A tool without an argument shape.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            arguments: String::new(),
        }
    }

    /// Sets the argument shape.
    #[must_use]
    pub fn with_arguments(mut self, arguments: impl Into<String>) -> Self {
        self.arguments = arguments.into();
        self
    }

    /// How the prompt shows a call: the name followed by the argument shape (wrapped in parentheses
    /// unless it starts with one), or `name(...)` without a shape.
    pub fn signature(&self) -> String {
        let shape = self.arguments.trim();
        if shape.is_empty() {
            format!("{}(...)", self.name)
        } else if shape.starts_with('(') {
            format!("{}{shape}", self.name)
        } else {
            format!("{}({shape})", self.name)
        }
    }
}

/// A sub-model as the system prompt lists it.
///
/// ```
/// let fast = rlm_prompts::SubModelInfo::new("fast", "cheap, for extraction", 100_000);
/// assert!(!fast.default);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubModelInfo {
    /// The name code passes as `model`.
    pub name: String,
    /// What it is good for, in one line (may be empty).
    pub description: String,
    /// Characters it takes per prompt.
    pub prompt_chars: usize,
    /// Whether it is the one used when code names none.
    pub default: bool,
}

impl SubModelInfo {
    /// A sub-model that is not the default.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        prompt_chars: usize,
    ) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            prompt_chars,
            default: false,
        }
    }

    /// Marks it as the default sub-model (or not).
    #[must_use]
    pub fn with_default(mut self, default: bool) -> Self {
        self.default = default;
        self
    }
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
            sub_models: Vec::new(),
            tools: Vec::new(),
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

    /// Sets [`sub_models`](Self::sub_models): the sub-models code may choose by name.
    #[must_use]
    pub fn with_sub_models(mut self, sub_models: Vec<SubModelInfo>) -> Self {
        self.sub_models = sub_models;
        self
    }

    /// Sets [`tools`](Self::tools): the host tools code may call.
    #[must_use]
    pub fn with_tools(mut self, tools: Vec<ToolInfo>) -> Self {
        self.tools = tools;
        self
    }

    /// Whether code can choose between several sub-models.
    pub fn has_named_sub_models(&self) -> bool {
        self.sub_models.len() > 1
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
                sub_models: Vec::new(),
                tools: Vec::new(),
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
