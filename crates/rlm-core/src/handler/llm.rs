//! Plain sub-calls: a prompt to a sub-model's stack at the next depth. A prompt estimated over its
//! model's window fails at once, with no provider call and no sub-call counted.

use std::sync::Arc;

use futures::StreamExt;
use rlm_client::{
    BatchOptions, Completion, CompletionRequest, Message, Usage, count_tokens, estimate_tokens,
};
use rlm_repl::{QueryOptions, SubcallError, SubcallErrorKind, SubcallKind};

use super::{Handler, client_error, unavailable};
use crate::run::RunShared;

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
    /// slot, the others run at most `max_concurrent` at a time.
    pub(super) async fn llm_batch(
        &self,
        shared: &Arc<RunShared>,
        kind: SubcallKind,
        prompts: Vec<String>,
        max_concurrent: usize,
    ) -> Vec<Result<String, SubcallError>> {
        let total = prompts.len();
        let mut results: Vec<Option<Result<String, SubcallError>>> = Vec::with_capacity(total);
        let mut requests = Vec::new();
        let mut slots = Vec::new();
        for (index, prompt) in prompts.into_iter().enumerate() {
            match Self::prepare(shared, prompt, QueryOptions::default()) {
                Ok(call) => {
                    requests.push(call.request);
                    slots.push(index);
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        if let Err(error) = Self::reserve(shared, requests.len()) {
            return vec![Err(error); total];
        }
        self.emit_started(shared, kind, total);
        let mut tally = self.tally(total);
        let model = shared.settings.subs.default.clone();
        for (index, refused) in results.iter().enumerate() {
            if let Some(refused) = refused {
                tally.finished(shared, index, &model, Usage::default(), refused);
            }
        }
        let client = match shared.model_client(self.depth + 1, None) {
            Ok((client, _)) => client,
            Err(message) => return vec![Err(unavailable(message)); total],
        };
        let mut answers =
            match rlm_client::batch_stream(&*client, requests, BatchOptions::new(max_concurrent)) {
                Ok(answers) => answers,
                Err(e) => return vec![Err(client_error(shared, &e)); total],
            };
        while let Some((position, answer)) = answers.next().await {
            let index = slots[position];
            let usage = answer
                .as_ref()
                .map_or_else(|_| Usage::default(), |c| c.usage);
            let answer = answer.map(|c| c.text).map_err(|e| client_error(shared, &e));
            tally.finished(shared, index, &model, usage, &answer);
            results[index] = Some(answer);
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(SubcallError::new(
                        SubcallErrorKind::Other,
                        "the call was not made",
                    ))
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
