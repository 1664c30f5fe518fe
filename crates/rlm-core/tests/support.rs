//! Test doubles: a scripted root/sub client that replays replies and records every request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use rlm_client::{
    ClientError, Completion, CompletionRequest, CompletionStream, LlmClient, StreamItem, Usage,
};

type Respond = dyn Fn(&CompletionRequest, usize) -> Result<String, ClientError> + Send + Sync;

/// A client answering with a function of (request, call index), recording requests.
pub struct Scripted {
    model: String,
    respond: Box<Respond>,
    requests: Mutex<Vec<CompletionRequest>>,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    usage: Usage,
    delay: Duration,
    /// Characters per delta of a streamed reply (0: the default one-delta stream).
    chunk_chars: usize,
}

impl Scripted {
    pub fn new(
        model: &str,
        respond: impl Fn(&CompletionRequest, usize) -> Result<String, ClientError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            model: model.to_owned(),
            respond: Box::new(respond),
            requests: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            usage: Usage::new(10, 5),
            delay: Duration::ZERO,
            chunk_chars: 0,
        }
    }

    /// Replays `replies` in order; fails once they are used up.
    pub fn replies(model: &str, replies: &[&str]) -> Self {
        let queue: Mutex<VecDeque<String>> =
            Mutex::new(replies.iter().map(|s| (*s).to_owned()).collect());
        Self::new(model, move |_, _| {
            queue
                .lock()
                .unwrap()
                .pop_front()
                .ok_or_else(|| ClientError::Other {
                    message: "script exhausted".into(),
                    retryable: false,
                })
        })
    }

    /// Answers every request with the last user message prefixed by `echo:`.
    pub fn echo(model: &str) -> Self {
        Self::new(model, |request, _| {
            Ok(format!("echo:{}", last_user(request)))
        })
    }

    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Streams replies in deltas of `chars` characters.
    pub fn with_chunks(mut self, chars: usize) -> Self {
        self.chunk_chars = chars;
        self
    }

    pub fn requests(&self) -> Vec<CompletionRequest> {
        self.requests.lock().unwrap().clone()
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl LlmClient for Scripted {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, ClientError> {
        let index = self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.requests.lock().unwrap().push(request.clone());
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let text = (self.respond)(&request, index)?;
        Ok(Completion::new(text, self.model.clone())
            .with_usage(self.usage)
            .with_finish_reason("stop"))
    }

    async fn complete_stream(
        &self,
        request: CompletionRequest,
    ) -> Result<CompletionStream, ClientError> {
        let completion = self.complete(request).await?;
        if self.chunk_chars == 0 {
            return Ok(rlm_client::single_delta(completion));
        }
        let chars: Vec<char> = completion.text.chars().collect();
        let deltas: Vec<Result<StreamItem, ClientError>> = chars
            .chunks(self.chunk_chars)
            .map(|chunk| Ok(StreamItem::Delta(chunk.iter().collect())))
            .chain([Ok(StreamItem::Done(completion))])
            .collect();
        Ok(futures::stream::iter(deltas).boxed())
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// The text of the last user message of a request.
pub fn last_user(request: &CompletionRequest) -> String {
    request
        .messages
        .iter()
        .rev()
        .find(|m| m.role == rlm_client::Role::User)
        .map(|m| m.content.clone())
        .unwrap_or_default()
}

/// Whether a request is a root-model turn (it starts with the system prompt).
pub fn is_root_turn(request: &CompletionRequest) -> bool {
    request
        .messages
        .first()
        .is_some_and(|m| m.role == rlm_client::Role::System)
}

/// A reply made of one ```repl block.
pub fn repl(code: &str) -> String {
    format!("Let me run some code.\n```repl\n{code}\n```\n")
}
