//! The user message after an iteration without an answer: each block's output (or the nudge after a
//! reply without code), the turn prompt with what is left of the budgets, and the count of
//! iterations whose cells all failed.

use rlm_repl::CellResult;

use super::Engine;
use crate::budget::Remaining;
use crate::{PartialRun, RlmError};

impl Engine<'_> {
    /// The next user message.
    pub(super) fn next_turn(
        &self,
        iteration: usize,
        no_code: bool,
        mut feedback: Vec<String>,
    ) -> String {
        let prompts = &self.shared.settings.prompts;
        if no_code {
            feedback.push(prompts.no_code_nudge());
            return feedback.join("\n\n");
        }
        let budget = budget_line(&self.shared.budget.remaining());
        feedback.push(prompts.turn(self.spec.query, iteration + 1, &self.params, &budget));
        feedback.join("\n\n")
    }

    /// Counts iterations whose cells all failed; stops the run at the limit.
    pub(super) fn count_errors(&mut self, cells: &[CellResult]) -> Result<(), RlmError> {
        if cells.is_empty() {
            return Ok(());
        }
        let last_error = cells.iter().rev().find_map(|c| c.error.clone());
        match last_error {
            Some(last_error) if cells.iter().all(|c| c.error.is_some()) => {
                self.consecutive_errors += 1;
                match self.shared.settings.limits.max_consecutive_errors {
                    Some(limit) if self.consecutive_errors >= limit => {
                        Err(RlmError::ConsecutiveErrors {
                            count: self.consecutive_errors,
                            last_error,
                            partial: PartialRun::boxed(self.shared.budget.partial()),
                        })
                    }
                    _ => Ok(()),
                }
            }
            _ => {
                self.consecutive_errors = 0;
                Ok(())
            }
        }
    }
}

/// What is left of the budgets, as one sentence (empty when no budget is set).
pub(super) fn budget_line(remaining: &Remaining) -> String {
    let mut parts = Vec::new();
    if let Some((left, cap)) = remaining.subcalls {
        parts.push(format!(
            "{} of {} sub-calls",
            rlm_prompts::thousands(left as usize),
            rlm_prompts::thousands(cap as usize)
        ));
    }
    if let Some((left, budget)) = remaining.tokens {
        parts.push(format!(
            "{} of {} tokens",
            rlm_prompts::thousands(left as usize),
            rlm_prompts::thousands(budget as usize)
        ));
    }
    if let Some((left, budget)) = remaining.cost_usd {
        parts.push(format!("${left:.2} of ${budget:.2}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("Budget left: {}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_line_names_what_is_set() {
        let all = Remaining {
            subcalls: Some((968, 1000)),
            tokens: Some((1_204_332, 2_000_000)),
            cost_usd: Some((0.431, 1.0)),
        };
        assert_eq!(
            budget_line(&all),
            "Budget left: 968 of 1,000 sub-calls, 1,204,332 of 2,000,000 tokens, $0.43 of $1.00."
        );
        let none = Remaining {
            subcalls: None,
            tokens: None,
            cost_usd: None,
        };
        assert_eq!(budget_line(&none), "");
    }
}
