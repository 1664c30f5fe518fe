//! [`Scorers`]: the built-in scorers and the custom ones a program registers, by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Score, ScoreError, Scorer, ScorerSpec, builtin, json_field};

/// Names of the built-in scorers.
const BUILT_IN: [&str; 5] = ["exact", "contains", "numeric", "set_f1", "json_field"];

/// Every scorer a run can use: the built-in ones and custom ones registered by name.
#[derive(Debug, Clone, Default)]
pub struct Scorers {
    custom: BTreeMap<String, Arc<dyn Scorer>>,
}

impl Scorers {
    /// The built-in scorers only.
    pub fn new() -> Self {
        Self::default()
    }

    /// These scorers and `scorer` under `name` (replacing a custom scorer of that name).
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, scorer: impl Scorer + 'static) -> Self {
        self.custom.insert(name.into(), Arc::new(scorer));
        self
    }

    /// Whether a task with `spec` and `expected` can be scored: the scorer exists and, when it is
    /// built in, can use `expected` (checked before a run starts, so a mistake in a task file is
    /// found before any model call). A custom scorer is not called: only its name is checked.
    pub fn check(&self, spec: &ScorerSpec, expected: &Value) -> Result<(), ScoreError> {
        match spec {
            ScorerSpec::Custom { name, .. } => self.custom_scorer(name).map(|_| ()),
            // A built-in scorer fails only on the expected value, never on the answer.
            builtin => self.score(builtin, "", expected).map(|_| ()),
        }
    }

    /// Grades `answer` against `expected` with the scorer `spec` names. A custom scorer's value is
    /// clamped to `0..=1`, NaN becoming 0.
    pub fn score(
        &self,
        spec: &ScorerSpec,
        answer: &str,
        expected: &Value,
    ) -> Result<Score, ScoreError> {
        match spec {
            ScorerSpec::Exact => builtin::exact(answer, expected),
            ScorerSpec::Contains => builtin::contains(answer, expected),
            ScorerSpec::Numeric {
                tolerance,
                relative,
            } => builtin::numeric(answer, expected, *tolerance, *relative),
            ScorerSpec::SetF1 { separator } => builtin::set_f1(answer, expected, separator),
            ScorerSpec::JsonField { fields } => json_field::json_field(answer, expected, fields),
            ScorerSpec::Custom { name, params } => {
                let mut score = self.custom_scorer(name)?.score(answer, expected, params);
                score.value = if score.value.is_nan() {
                    0.0
                } else {
                    score.value.clamp(0.0, 1.0)
                };
                Ok(score)
            }
        }
    }

    /// The names of every scorer: built-in first, then custom ones alphabetically.
    pub fn names(&self) -> Vec<String> {
        BUILT_IN
            .iter()
            .map(|&name| name.to_owned())
            .chain(self.custom.keys().cloned())
            .collect()
    }

    fn custom_scorer(&self, name: &str) -> Result<&Arc<dyn Scorer>, ScoreError> {
        self.custom
            .get(name)
            .ok_or_else(|| ScoreError::UnknownScorer {
                name: name.to_owned(),
                known: self.names(),
            })
    }
}
