//! Scorers: how an answer is graded against a task's expected value.

mod spec;

pub use spec::ScorerSpec;
