//! Test doubles: a scripted root/sub client that replays replies and records every request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use rlm_client::{ClientError, Completion, CompletionRequest, LlmClient, Usage};

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
