//! Finishing a run: the answer written in a reply's text (`FINAL(...)` / `FINAL_VAR(name)`), and the
//! final-answer request after the last iteration, whose reply must hold such an answer or the run
//! ends with [`RlmError::NoAnswer`].

use rlm_client::Message;
use rlm_repl::FinalVarError;

use super::cells::is_blank;
use super::{Engine, RunOutcome};
use crate::answer::Finish;
use crate::parse::{self, Final};
use crate::{PartialRun, RlmError};

/// What the model is told when `FINAL(...)` in its reply holds only spaces.
const EMPTY_FINAL: &str = "FINAL(...) holds no text, so it is not an answer. Give the answer inside \
the parentheses.";

impl Engine<'_> {
    /// The answer written in the reply text, if any; an undefined `FINAL_VAR` adds a note for the model.
    pub(super) async fn answer_from_text(
        &self,
        reply: &str,
        feedback: &mut Vec<String>,
    ) -> Option<String> {
        match parse::final_answer(reply)? {
            Final::Text(text) if is_blank(&text) => {
                feedback.push(EMPTY_FINAL.into());
                None
            }
            Final::Text(text) => Some(text),
            Final::Var(name) => match self.bounded(self.sandbox.final_var(&name)).await {
                Some(Ok(value)) if is_blank(&value) => {
                    feedback.push(format!(
                        "FINAL_VAR({name}) names a variable whose value is empty, so it is not an \
                         answer. Store the answer in it (or give it with FINAL(...)) and finish again."
                    ));
                    None
                }
                Some(Ok(value)) => Some(value),
                Some(Err(FinalVarError::Undefined { variables, .. })) => {
                    tracing::debug!(%name, "FINAL_VAR names no variable; the run continues");
                    let prompts = &self.shared.settings.prompts;
                    feedback.push(prompts.undefined_final_var(&name, &variables));
                    None
                }
                // A getter that threw or ran past the CPU limit, an answer over the cap, a restart:
                // the sandbox's own message says which.
                Some(Err(why)) => {
                    tracing::debug!(%name, %why, "FINAL_VAR could not be read; the run continues");
                    feedback.push(why.to_string());
                    None
                }
                None => {
                    feedback.push(format!(
                        "FINAL_VAR({name}) could not be read: the sandbox is still busy with a cell \
                         that passed its wall-clock limit of {:?}.",
                        self.shared.settings.cell_timeout
                    ));
                    None
                }
            },
        }
    }

    /// Waits for a sandbox request at most the cell limit (the sandbox may still be busy with a cell
    /// that passed its limit); `None` when it took longer.
    pub(super) async fn bounded<T>(&self, request: impl Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.shared.settings.cell_timeout, request)
            .await
            .ok()
    }

    /// After `max_iterations`: one last call asking for the answer. A reply with `FINAL(...)` or a
    /// `FINAL_VAR` naming a non-empty variable is a forced answer; anything else (code, prose, an empty
    /// or missing variable) is no answer at all.
    pub(super) async fn final_request(&mut self, iteration: usize) -> Result<RunOutcome, RlmError> {
        self.iteration = iteration;
        self.iteration_started = std::time::Instant::now();
        self.shared.events.emit(&crate::Event::IterationStarted {
            depth: self.spec.depth,
            run_id: self.spec.run_id,
            iteration,
            max: self.shared.settings.max_iterations,
        });
        let prompt = self.shared.settings.prompts.final_request(self.spec.query);
        self.history.push(Message::user(prompt));
        let messages = self.history.take_new();
        let reply = self.call_model().await?;
        let mut notes = Vec::new();
        let answer = self.answer_from_text(&reply.text, &mut notes).await;
        self.shared
            .record(self.final_request_record(iteration, messages, &reply, answer.clone()));
        let iterations = self.shared.settings.max_iterations;
        match answer {
            Some(answer) => Ok(RunOutcome {
                answer,
                iterations,
                finished: Finish::Forced,
            }),
            None => Err(RlmError::NoAnswer {
                iterations,
                partial: PartialRun::boxed(self.shared.budget.partial()),
            }),
        }
    }
}
