//! Parsing of root-model replies: the code blocks to run and the final answer.
//!
//! Usable on its own, with no sandbox or client:
//!
//! ```
//! use rlm_core::parse::{code_blocks, final_answer, Final};
//!
//! let reply = "Let me look.\n```repl\nprint(context.length)\n```\nFINAL(f(a, b)) done";
//! assert_eq!(code_blocks(reply), vec!["print(context.length)".to_string()]);
//! assert_eq!(final_answer(reply), Some(Final::Text("f(a, b)".to_string())));
//! ```
//!
//! The rules, in short (each one has a unit test):
//! - A code block opens with a fence line that is exactly `` ```repl ``, `` ```js `` or
//!   `` ```javascript `` (tag case-insensitive), with nothing but trailing whitespace after the tag,
//!   and closes at the next line that starts with `` ``` ``. Its contents are trimmed. A fence that
//!   never closes yields no block.
//! - Other fences (`` ```text ``, a bare `` ``` ``, ...) are code blocks too: they are never run, but
//!   what they contain is not searched for `FINAL`. A fence that never closes runs to the end of the
//!   text (as in CommonMark).
//! - `FINAL(...)` / `FINAL_VAR(...)` count only outside code blocks and only at the start of a line
//!   (leading spaces and tabs allowed). The argument ends at the balancing `)`, so parentheses inside
//!   it are kept; whatever follows on that line is ignored; the first answer wins; `FINAL_VAR` wins
//!   over `FINAL`; quotes around a `FINAL_VAR` name are stripped, those in `FINAL` text kept; an empty
//!   argument is not an answer.

mod fences;
mod final_answer;

#[cfg(test)]
mod fuzz_tests;

pub use fences::code_blocks;
pub use final_answer::{Final, final_answer};
