//! Plain sub-calls: a prompt to a sub-model's stack at the next depth. A prompt estimated over its
//! model's window fails at once, with no provider call and no sub-call counted.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use rlm_client::{Completion, CompletionRequest, Message, Usage, count_tokens, estimate_tokens};
use rlm_repl::{QueryOptions, SubcallError, SubcallErrorKind, SubcallKind};

use super::detail::Answered;
use super::{Handler, client_error, unavailable};
use crate::run::RunShared;
use crate::trace::traced;

/// A checked plain sub-call: the request and the name of the sub-model it goes to.
pub(super) struct Call {
    request: CompletionRequest,
    pub(super) model: String,
}

/// The request for one sub-call: an optional system message, then the prompt. The model is the
/// sub-model's own, so `model` is left to its client.
fn request(prompt: String, options: QueryOptions) -> CompletionRequest {
    let mut messages = Vec::with_capacity(2);
    if let Some(system) = options.system {
        messages.push(Message::system(system));
    }
    messages.push(Message::user(prompt));
    let mut request = CompletionRequest::new(messages);
    request.max_tokens = options.max_tokens;
    request.temperature = options.temperature;
    request
}

impl Handler {
    /// Chooses the sub-model and checks the prompt against its window.
    pub(super) fn prepare(
        shared: &RunShared,
        prompt: String,
        options: QueryOptions,
    ) -> Result<Call, SubcallError> {
        let entry = shared
            .settings
            .subs
            .get(options.model.as_deref())
            .map_err(unavailable)?;
        let request = request(prompt, options);
        if let Some(window) = entry.window {
            let tokens = prompt_tokens(entry.client.model(), &request, window);
            if tokens > window {
                return Err(SubcallError::new(
                    SubcallErrorKind::TooLarge,
                    format!(
                        "prompt of ~{tokens} tokens exceeds {}'s window of {window} tokens; split it",
                        entry.client.model()
                    ),
                ));
            }
        }
        Ok(Call {
            request,
            model: entry.name.clone(),
        })
    }

    pub(super) async fn llm_one(
        &self,
        shared: &RunShared,
        call: Call,
    ) -> Result<Completion, SubcallError> {
        let (client, _) = shared
            .model_client(self.depth + 1, Some(&call.model))
            .map_err(unavailable)?;
        client
            .complete(call.request)
            .await
            .map_err(|e| client_error(shared, &e))
    }

    /// A batch of plain sub-calls with the default options: prompts that do not fit fail in their
    /// slot, the others run at most `max_concurrent` at a time, each item timed and traced (its
    /// retries) on its own.
    pub(super) async fn llm_batch(
        &self,
        shared: &Arc<RunShared>,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Answered> {
        let started = Instant::now();
        let total = prompts.len();
        let model = shared.settings.subs.default.clone();
        let mut results: Vec<Option<Answered>> = Vec::with_capacity(total);
        let mut requests = Vec::new();
        for (index, prompt) in prompts.into_iter().enumerate() {
            match Self::prepare(shared, prompt, QueryOptions::default()) {
                Ok(call) => {
                    requests.push((index, call.request));
                    results.push(None);
                }
                Err(error) => results.push(Some(Answered::refused(&model, started, error))),
            }
        }
        let refuse_all = |error: SubcallError| {
            (0..total)
                .map(|_| Answered::refused(&model, started, error.clone()))
                .collect()
        };
        if let Err(error) = Self::reserve(shared, requests.len()) {
            return refuse_all(error);
        }
        self.emit_started(shared, kind, total);
        let mut tally = self.tally(total);
        for (index, refused) in results.iter().enumerate() {
            if let Some(refused) = refused {
                tally.finished(shared, index, &model, Usage::default(), &refused.result);
            }
        }
        let client = match shared.model_client(self.depth + 1, None) {
            Ok((client, _)) => client,
            Err(message) => return refuse_all(unavailable(message)),
        };
        let origin = shared.started;
        let client = &*client;
        let mut answers = futures::stream::iter(requests)
            .map(|(index, request)| async move {
                let item_started = Instant::now();
                let (answer, retries) = traced(origin, client.complete(request)).await;
                (index, item_started, answer, retries)
            })
            .buffer_unordered(max_concurrent);
        while let Some((index, item_started, answer, retries)) = answers.next().await {
            let usage = answer
                .as_ref()
                .map_or_else(|_| Usage::default(), |c| c.usage);
            let answer = answer.map(|c| c.text).map_err(|e| client_error(shared, &e));
            tally.finished(shared, index, &model, usage, &answer);
            let mut answered = Answered::new(&model, item_started, answer);
            answered.usage = usage;
            answered.retries = retries;
            results[index] = Some(answered);
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Answered::refused(
                        &model,
                        started,
                        SubcallError::new(SubcallErrorKind::Other, "the call was not made"),
                    )
                })
            })
            .collect()
    }
}

/// The input tokens of `request` for the window check: the estimate, or an exact count (for models
/// whose tokenizer is known) when the estimate is within a factor of 3 of `window`, where the
/// estimate could be wrong either way; far from it the estimate decides, without the CPU cost of
/// tokenizing a large prompt.
fn prompt_tokens(model: &str, request: &CompletionRequest, window: u64) -> u64 {
    let estimate = u64::from(estimate_tokens(request));
    if estimate < window / 3 || estimate > window.saturating_mul(3) {
        return estimate;
    }
    count_tokens(model, request).tokens
}
