//! The scripted model and the built-in evaluation suites (`niah`, `multi-niah`, `aggregate`,
//! `pairs`; formats in docs/EVAL.md). Still a scripted stand-in, not a language model: it reads
//! the fixed sentence shapes of the suites, so the scores it gets are plumbing checks of the
//! runner, not a measure of model quality.
//!
//! - **Root turns** whose task query (found in the first user message) is a suite question run a
//!   three-step script: the usual inspect cell; a cell that splits `context` into chunks on line
//!   boundaries, asks every chunk the suite's chunk question ([`SuiteQuery::chunk_question`])
//!   with one `llm_batch` (or a loop of `llm_query`), and combines the replies in JavaScript into
//!   the string `result`, in the suite's expected-answer format; then `FINAL_VAR(result)`.
//! - **Sub turns** whose prompt holds a chunk question reply in the chunk-reply format (`VALUE`,
//!   `KEY=VALUE` lines, a count, `LABEL=COUNT` lines, `NNNN=BBBB` lines, or `NONE`); else, when
//!   it holds a suite question (a `direct` baseline call), they answer it in the expected-answer
//!   format from what is visible in the prompt ([`answer`]).
//!
//! ```
//! use rlm_sim::script::eval::{SuiteQuery, answer};
//! let q = SuiteQuery::Niah { key: "amber-falcon".into() };
//! let text = "Some prose. The secret value for key \"amber-falcon\" is \"copper-4821\". More.";
//! assert_eq!(answer(&format!("{}\n\n{text}", q.chunk_question())).as_deref(), Some("copper-4821"));
//! assert_eq!(answer(&format!("{text}\n\nQuestion: {}", q.question())).as_deref(), Some("copper-4821"));
//! assert_eq!(answer("The magic number is 48213907."), None);
//! ```

mod combine;
mod query;
mod records;
mod root;
mod sub;

pub use query::SuiteQuery;

use super::ChatMessage;

pub(crate) use root::respond as respond_root;

/// The reply of a sub turn to `prompt` when it holds a chunk question (chunk-reply format) or a
/// suite question (expected-answer format, from the text visible in the prompt); `None` when it
/// holds neither, and the magic-number reply applies.
pub fn answer(prompt: &str) -> Option<String> {
    sub::answer(prompt)
}

/// The suite question a root conversation works on: the first one in its first user message
/// (the RLM writes the query there, e.g. after `Question: `).
pub(crate) fn root_query(messages: &[ChatMessage]) -> Option<SuiteQuery> {
    let first_user = messages.iter().find(|m| m.role == "user")?;
    SuiteQuery::find(&first_user.content)
}
