//! The scripted model: a pure function from a chat history to the next reply, with no HTTP.
//!
//! A request is a **root turn** when its first message is a system message that reads like the
//! RLM system prompt (it mentions `FINAL`, `llm_query` or the REPL); anything else is a **sub
//! turn** (a prompt sent by `llm_query` / `llm_batch`).
//!
//! Root turns follow a fixed three-step script, chosen by counting assistant messages:
//! 1. a short reasoning text and a ```` ```repl ```` block that prints the type, length and first
//!    200 characters of `context`;
//! 2. a block that splits `context` into [`ScriptConfig::chunks`] pieces on line boundaries, asks
//!    for the magic numbers of each piece with one `llm_batch(prompts, k)` ([`Mode::Batch`]) or a
//!    `for` loop of `llm_query` ([`Mode::Sequential`]), and stores the sorted unique numbers as the
//!    string `result`;
//! 3. a text ending with the line `FINAL_VAR(result)`.
//!
//! If the output of the previous cell shows it did not finish, the script answers
//! `FINAL(could not compute: <reason>)` instead, so a broken sandbox never makes a run loop.
//!
//! The query is read only to recognise the questions of the built-in evaluation suites
//! (`niah`, `multi-niah`, `aggregate`, `pairs`; docs/EVAL.md) in the first user message: for
//! those, step 2 asks every chunk the suite's chunk question instead and combines the replies
//! into the suite's answer format ([`eval`]). Any other query gets the magic-number script.
//!
//! Sub turns answer the suites' chunk questions and suite questions from the needles and records
//! of the prompt ([`eval::answer`]); any other prompt gets `"MAGIC: n1, n2"` (sorted, unique) or
//! `"NONE"` from the "The magic number is N" sentences of the prompt.
//!
//! This is a scripted stand-in: the scores it gets on the suites are plumbing checks of the
//! runner, not a measure of model quality.
//!
//! ```
//! use rlm_sim::script::{respond, ChatMessage};
//! let root = [
//!     ChatMessage::system("You have a REPL with `context`, llm_query, llm_batch; end with FINAL."),
//!     ChatMessage::user("Query: find the magic numbers"),
//! ];
//! assert!(respond("sim-root", &root).contains("```repl"));
//! let sub = [ChatMessage::user("chunk...\nThe magic number is 48213907.\n")];
//! assert_eq!(respond("sim-sub", &sub), "MAGIC: 48213907");
//! ```

pub mod eval;
mod message;
mod replay;
mod root;
mod sub;

pub use message::ChatMessage;
pub use replay::{CELL_SEPARATOR, REPLY_MARKER, split_cells};

/// How the root script queries the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One `llm_batch(prompts, k)` call.
    Batch,
    /// A `for` loop of `llm_query` calls, one after the other.
    Sequential,
}

impl Mode {
    /// [`Mode::Sequential`] when `model` contains "sequential" (any case), else [`Mode::Batch`].
    pub fn from_model(model: &str) -> Self {
        if model.to_lowercase().contains("sequential") {
            Self::Sequential
        } else {
            Self::Batch
        }
    }
}

/// Which kind of request the script is answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnKind {
    /// A turn of the root model (first message is the RLM system prompt).
    Root,
    /// A sub-call from `llm_query` / `llm_batch`.
    Sub,
}

impl TurnKind {
    /// Classifies a request by its messages (see the module doc).
    pub fn of(messages: &[ChatMessage]) -> Self {
        match messages.first() {
            Some(first) if first.role == "system" && looks_like_rlm_prompt(&first.content) => {
                Self::Root
            }
            _ => Self::Sub,
        }
    }
}

fn looks_like_rlm_prompt(system: &str) -> bool {
    system.contains("FINAL")
        || system.contains("llm_query")
        || system.to_lowercase().contains("repl")
}

/// Settings of the root script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptConfig {
    /// Number of chunks the context is split into. Default 32.
    pub chunks: usize,
    /// `max_concurrent` passed to `llm_batch` in batch mode. Default 16.
    pub batch_concurrency: usize,
    /// Never finish: every root turn is a cell that prints and gives no answer (model-name token
    /// `never`), to exercise what happens when a model runs out of turns. Default `false`.
    pub never_finish: bool,
    /// Cells to replay instead of the magic-number script (see [`split_cells`]): root turn N runs
    /// cell N, then the model answers `FINAL(replayed N cells)`. Default none.
    pub cells: Vec<String>,
}

impl Default for ScriptConfig {
    fn default() -> Self {
        Self {
            chunks: 32,
            batch_concurrency: 16,
            never_finish: false,
            cells: Vec::new(),
        }
    }
}

impl ScriptConfig {
    /// This config with overrides read from the model name: a `-` separated token `c<N>` sets
    /// `chunks`, `p<N>` sets `batch_concurrency` (N ≥ 1), e.g. `sim-root-batch-c64-p8`; the token
    /// `never` sets `never_finish`.
    ///
    /// ```
    /// use rlm_sim::script::ScriptConfig;
    /// let c = ScriptConfig::default().with_model_overrides("sim-root-sequential-c64");
    /// assert_eq!((c.chunks, c.batch_concurrency), (64, 16));
    /// ```
    #[must_use]
    pub fn with_model_overrides(mut self, model: &str) -> Self {
        for token in model.split(['-', '_', ':', '/']) {
            if token == "never" {
                self.never_finish = true;
                continue;
            }
            let Some(first) = token.chars().next() else {
                continue;
            };
            let Ok(n) = token[first.len_utf8()..].parse::<usize>() else {
                continue;
            };
            if n == 0 {
                continue;
            }
            match first {
                'c' => self.chunks = n,
                'p' => self.batch_concurrency = n,
                _ => {}
            }
        }
        self
    }
}

/// The scripted reply to `messages` sent to `model`, with the default [`ScriptConfig`] (and the
/// overrides in the model name).
pub fn respond(model: &str, messages: &[ChatMessage]) -> String {
    respond_with(&ScriptConfig::default(), model, messages)
}

/// The scripted reply to `messages` sent to `model`, starting from `config` (model-name
/// overrides, see [`ScriptConfig::with_model_overrides`], win).
pub fn respond_with(config: &ScriptConfig, model: &str, messages: &[ChatMessage]) -> String {
    match TurnKind::of(messages) {
        TurnKind::Root => {
            if !config.cells.is_empty() {
                return replay::respond(config, messages);
            }
            let config = config.clone().with_model_overrides(model);
            let mode = Mode::from_model(model);
            match eval::root_query(messages) {
                Some(query) if !config.never_finish => {
                    eval::respond_root(&config, mode, &query, messages)
                }
                _ => root::respond(&config, mode, messages),
            }
        }
        TurnKind::Sub => sub::respond(messages),
    }
}
