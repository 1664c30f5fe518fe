//! `Rlm::direct_completion`: the baseline every RLM claim must beat. One call of the root model with
//! the context and the query in its prompt, the context cut from the middle (with a marker saying how
//! much) when it would not fit the model's window. No sandbox, no sub-calls; the same client stack as
//! the root model of a run (budget, retries, rate limiter, meter), the same limits, usage, cost and
//! trajectory shape.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{CompletionRequest, Message};
use rlm_repl::ContextValue;

use crate::engine::millis;
use crate::rlm::{Done, run_metadata};
use crate::run::RunShared;
use crate::trajectory::{IterationRecord, OutcomeRecord, TrajectoryRecord};
use crate::{Context, Finish, PartialRun, Rlm, RlmAnswer, RlmError};

/// Characters assumed per token when fitting the context to a window: fewer than English prose
/// averages, so a cut context fits also for code, numbers and non-English text.
pub const DIRECT_CHARS_PER_TOKEN: f64 = 3.0;

/// Share of the window kept for the prompt; the rest is left for the answer.
const WINDOW_SHARE_FOR_PROMPT: f64 = 0.9;

/// Text before the context in a direct prompt.
const HEAD: &str = "Answer the question at the end about the document below.\n\n<document>\n";

impl Rlm {
    /// Answers `query` about `context` with one call of the root model, the context in the prompt:
    /// the plain model call an RLM is compared with (`rlm eval --method direct`).
    ///
    /// The context is cut from the middle when the prompt would pass `window_tokens` (default: the
    /// root model's window from the builder's `context_windows`; unknown: no cut), at
    /// [`DIRECT_CHARS_PER_TOKEN`] characters per token with a tenth of the window left for the answer.
    /// A marker in its place says how many characters were left out. The reply is the answer, as it
    /// is. Limits (timeout, token and cost budgets), retries, rate limits, prices and the `on_event`
    /// callback apply as to a run's root model; the trajectory has the metadata and one iteration.
    ///
    /// The budgets are checked also after the call, since the one call is the whole run: a reply
    /// whose call took the tokens or the cost above a budget ends in [`RlmError::TokenBudget`] or
    /// [`RlmError::CostBudget`], the reply kept as the partial answer.
    pub async fn direct_completion(
        &self,
        context: impl Into<Context>,
        query: &str,
        window_tokens: Option<u64>,
    ) -> Result<RlmAnswer, RlmError> {
        let started = Instant::now();
        let settings = self.settings();
        let context = context.into();
        let bytes = context.bytes();
        if let Some(limit) = settings.limits.max_context_bytes
            && bytes > limit
        {
            return Err(RlmError::ContextTooLarge { bytes, limit });
        }
        let window = window_tokens.or(settings.root.window);
        let text = context_text(context)?;
        let context_chars = text.encode_utf16().count();
        let prompt = direct_prompt(&text, query, window);
        drop(text);
        let shared = RunShared::new(Arc::clone(settings), None);
        let messages = vec![Message::user(prompt)];
        let call = ask(&shared, messages.clone());
        let outcome = match settings.limits.timeout {
            Some(after) => tokio::time::timeout(after, call)
                .await
                .unwrap_or_else(|_| Err(timeout_error(after, &shared))),
            None => call.await,
        };
        let reply = outcome.map_err(|e| with_run(e, &shared, started, 0))?;
        shared.record(TrajectoryRecord::Iteration(IterationRecord {
            run_id: 0,
            parent_run_id: None,
            depth: 0,
            iteration: 1,
            final_request: false,
            messages,
            reply: reply.text.clone(),
            code_blocks: Vec::new(),
            cells: Vec::new(),
            answer: Some(reply.text.clone()),
            model_ms: millis(started.elapsed()),
            cells_ms: 0,
            usage: reply.usage,
            started_ms: Some(0),
            retries: Vec::new(),
        }));
        if let Err(limit) = shared.budget.check_spent() {
            let error = limit.into_error(Some(reply.text.trim().to_owned()));
            return Err(with_run(error, &shared, started, 1));
        }
        let mut metadata = run_metadata(settings, None);
        metadata.context_chars = context_chars;
        metadata.started_unix_ms = Some(shared.started_unix_ms);
        let mut done = Done::collect(&shared, settings, metadata, started);
        done.push_outcome(
            &shared,
            OutcomeRecord::answered(reply.text.trim(), Finish::Final, 1),
        );
        Ok(RlmAnswer {
            answer: reply.text.trim().to_owned(),
            finished: Finish::Final,
            iterations: 1,
            usage: done.usage,
            cost_usd: done.cost_usd,
            duration: done.duration,
            trajectory: done.trajectory,
        })
    }
}

/// The one model call, through the root model's stack.
async fn ask(
    shared: &RunShared,
    messages: Vec<Message>,
) -> Result<rlm_client::Completion, RlmError> {
    let budget = &shared.budget;
    if let Err(limit) = budget.check_call() {
        return Err(limit.into_error(None));
    }
    let (client, _) = shared.model_client(0, None).map_err(RlmError::Config)?;
    client
        .complete(CompletionRequest::new(messages))
        .await
        .map_err(|source| {
            budget.limit_error().unwrap_or(RlmError::Provider {
                source,
                partial: PartialRun::boxed(None),
            })
        })
}

fn timeout_error(after: Duration, shared: &RunShared) -> RlmError {
    RlmError::Timeout {
        after,
        partial: PartialRun::boxed(shared.budget.partial()),
    }
}

/// Fills in the usage, cost, duration and trajectory of a failed direct call.
fn with_run(
    mut error: RlmError,
    shared: &RunShared,
    started: Instant,
    iterations: usize,
) -> RlmError {
    let settings = &shared.settings;
    let mut metadata = run_metadata(settings, None);
    metadata.started_unix_ms = Some(shared.started_unix_ms);
    let mut done = Done::collect(shared, settings, metadata, started);
    done.push_outcome(shared, OutcomeRecord::failed(&error, iterations));
    if let Some(partial) = error.partial_run_mut() {
        partial.iterations = iterations;
        partial.usage = done.usage;
        partial.cost_usd = done.cost_usd;
        partial.duration = done.duration;
        partial.trajectory = done.trajectory;
    }
    error
}

/// The context as the text put in the prompt (JSON as compact JSON text).
fn context_text(context: Context) -> Result<String, RlmError> {
    match context.into_value() {
        ContextValue::Text(text) | ContextValue::JsonText(text) => Ok(text),
        ContextValue::Json(value) => serde_json::to_string(&value)
            .map_err(|e| RlmError::InvalidContext(format!("the context is not valid JSON: {e}"))),
        _ => Err(RlmError::InvalidContext(
            "this kind of context cannot be put in a prompt".to_owned(),
        )),
    }
}

/// The direct prompt: instructions, the (cut) document, the question.
pub(crate) fn direct_prompt(context: &str, query: &str, window_tokens: Option<u64>) -> String {
    let tail = format!("\n</document>\n\nQuestion: {query}\n");
    let fixed = HEAD.chars().count() + tail.chars().count();
    let document = match window_tokens {
        Some(tokens) => {
            let budget =
                (tokens as f64 * DIRECT_CHARS_PER_TOKEN * WINDOW_SHARE_FOR_PROMPT) as usize;
            cut_middle(context, budget.saturating_sub(fixed))
        }
        None => context.to_owned(),
    };
    format!("{HEAD}{document}{tail}")
}

/// `text` with its middle replaced by a marker when it has more than `max_chars` characters; the
/// result (marker included) has at most `max_chars` characters, or is only the marker when even
/// that does not fit.
pub(crate) fn cut_middle(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text.to_owned();
    }
    let marker =
        |cut: usize| format!("\n[... {cut} characters cut to fit the model's window ...]\n");
    let room = max_chars.saturating_sub(marker(total).chars().count());
    let head = room.div_ceil(2);
    let tail = room - head;
    let cut = total - head - tail;
    let mut out = String::with_capacity(max_chars * 4);
    out.extend(text.chars().take(head));
    out.push_str(&marker(cut));
    out.extend(text.chars().skip(total - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::{cut_middle, direct_prompt};

    #[test]
    fn a_long_text_is_cut_from_the_middle_with_a_marker() {
        let text: String = "αβγδεζηθ".repeat(100);
        let cut = cut_middle(&text, 200);
        assert!(cut.chars().count() <= 200, "{}", cut.chars().count());
        assert!(cut.starts_with("αβγ"), "{cut}");
        assert!(cut.ends_with("ηθ"), "{cut}");
        let left_out: usize = cut
            .split("[... ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let kept = cut.chars().count() - cut.lines().nth(1).map_or(0, |m| m.chars().count() + 2);
        assert_eq!(left_out + kept, 800);
        assert_eq!(cut_middle("short", 200), "short");
    }

    #[test]
    fn the_prompt_fits_the_window_and_ends_with_the_question() {
        let context = "x".repeat(10_000);
        let prompt = direct_prompt(&context, "What?", Some(1_000));
        assert!(
            prompt.chars().count() <= 2_700,
            "{}",
            prompt.chars().count()
        );
        assert!(prompt.contains("characters cut to fit"));
        assert!(prompt.ends_with("Question: What?\n"));
        let whole = direct_prompt(&context, "What?", None);
        assert!(whole.contains(&context));
    }
}
