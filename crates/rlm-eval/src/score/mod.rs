//! Scorers: how an answer is graded against a task's expected value.
//!
//! A score is a number from 0 (wrong) to 1 (right), with an optional detail saying why. The
//! built-in scorers, chosen by a task's [`ScorerSpec`]:
//!
//! - **Normalisation** ([`normalize`]), used by every text comparison: Unicode lowercase; runs of
//!   white space become one space and the ends are trimmed; a leading `answer:` or
//!   `final answer:` is dropped; surrounding quotes (`"…"`, `'…'`, `` `…` ``, `“…”`, `‘…’`,
//!   `«…»`) and trailing `.`, `!`, `?`, `;`, `:` are stripped, repeatedly (so `Answer: "Paris."`
//!   becomes `paris`). An expected string is compared as the string; an expected number or bool
//!   as its JSON text (`42`, `true`).
//! - **`exact`**: 1 when the normalised answer equals the normalised expected value, else 0. An
//!   expected `null`, array or object is an error.
//! - **`contains`**: 1 when the normalised answer contains the normalised expected value (an empty
//!   expected value is contained in everything), else 0. Same expected values as `exact`.
//! - **`numeric`**: the first number in the answer (`-12`, `+3`, `3.5`, `.5`, `1e3`, `1,234,567`;
//!   a comma is a thousands separator only when exactly three digits follow it, so `1,5` reads
//!   as 1; a `-` right after a letter or digit is a hyphen, so `copper-4821` reads as 4821) is
//!   compared with the expected number (a JSON number, or a string that is one number): 1 when
//!   `|answer - expected| <= tolerance`, or `<= tolerance * |expected|` when `relative`, else 0.
//!   An answer without a number scores 0 with the detail "no number in the answer"; an expected
//!   value that is not a number is an error.
//! - **`set_f1`**: the answer is split on `separator`, and so is the expected value when it is a
//!   string (a JSON array gives its items; a number or bool is one item); items are normalised,
//!   empty ones dropped, duplicates merged. With P the share of answer items that are expected and
//!   R the share of expected items that are in the answer, the score is `2PR / (P + R)` (0 when
//!   both are 0); both sets empty scores 1, one empty scores 0. The detail gives P and R.
//! - **`json_field`**: the JSON object in the answer is the whole answer, else the first
//!   ```` ``` ```` fence (with or without a language tag) holding an object, else the first
//!   balanced `{…}` that parses. The expected value must be an object. The fields compared are the
//!   spec's `fields` or, when it lists none, every top-level key of the expected object; a field is
//!   a dotted path (`a.b`, with array indexes: `items.0.name`) and must exist in the expected
//!   object. Strings compare normalised, numbers numerically (within `1e-9 * max(1, |expected|)`;
//!   a string holding a number matches an expected number), arrays item by item, objects key by
//!   key. The score is the share of fields that match; an answer without a JSON object scores 0
//!   with a detail.
//! - **custom**: a [`Scorer`] registered with [`Scorers::with`] under its name, called with the
//!   spec's `params`. Its value is clamped to `0..=1` (NaN becomes 0).
//!
//! Errors ([`ScoreError`]) are mistakes in the task, not in the answer: an unknown scorer name, or
//! an expected value the scorer cannot use.

mod builtin;
mod json_field;
mod normalize;
mod number;
mod registry;
mod spec;

#[cfg(test)]
mod tests;

pub use normalize::normalize;
pub use registry::Scorers;
pub use spec::ScorerSpec;

use serde_json::Value;

/// How well an answer did.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// From 0 (wrong) to 1 (right).
    pub value: f64,
    /// Why, when there is something to say (a partial match, no number found, ...).
    pub detail: Option<String>,
}

impl Score {
    /// A score without detail.
    pub fn new(value: f64) -> Self {
        Self {
            value,
            detail: None,
        }
    }

    /// 1 when `right`, else 0.
    pub fn binary(right: bool) -> Self {
        Self::new(if right { 1.0 } else { 0.0 })
    }

    /// The score with a detail.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// A scorer a program registers under a name (see [`Scorers::with`]); tasks use it with
/// `{"kind": "custom", "name": "...", "params": ...}` or the bare name.
pub trait Scorer: Send + Sync + std::fmt::Debug {
    /// Grades `answer` against the task's `expected` value; `params` are the spec's settings as
    /// written (`null` when there are none). The value should be in `0..=1`.
    fn score(&self, answer: &str, expected: &Value, params: &Value) -> Score;
}

/// A task that cannot be scored as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The spec names a scorer that is neither built in nor registered.
    #[error("unknown scorer {name:?}; known scorers: {}", known.join(", "))]
    UnknownScorer {
        /// The name asked for.
        name: String,
        /// Every name that would work.
        known: Vec<String>,
    },
    /// The task's expected value does not suit the scorer.
    #[error("the {scorer} scorer cannot use the expected value {expected}: {reason}")]
    UnusableExpected {
        /// The scorer's name.
        scorer: String,
        /// The expected value as JSON.
        expected: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ScoreError {
    /// An [`ScoreError::UnusableExpected`] for `expected`.
    pub(crate) fn unusable(scorer: &str, expected: &Value, reason: impl Into<String>) -> Self {
        let mut text = expected.to_string();
        if text.len() > 200 {
            let cut = (0..=200)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text.truncate(cut);
            text.push('…');
        }
        Self::UnusableExpected {
            scorer: scorer.to_owned(),
            expected: text,
            reason: reason.into(),
        }
    }
}
