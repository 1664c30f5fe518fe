//! What [`super::Resilient`] reports while a call waits (for the client-side rate limiter, or before a
//! retry) and when the adaptive concurrency limit changes. Progress displays subscribe with
//! [`super::Resilient::with_observer`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::LimitChange;

/// Something a resilient call is waiting for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// A call cannot start yet: the client-side requests- or tokens-per-minute limit holds it back, or
    /// (with an adaptive concurrency gate) the provider's rate-limit headers say its quota is spent.
    RateLimitWait {
        /// The model the call is for.
        model: String,
    },
    /// An attempt failed with a transient error; the next one starts after `wait`.
    Retrying {
        /// The model the call is for.
        model: String,
        /// The attempt that failed (1 = the first).
        attempt: u32,
        /// How long the call waits before the next attempt.
        wait: Duration,
        /// Why the attempt failed, on one line.
        error: String,
    },
    /// The adaptive concurrency limit this client shares changed after one of its attempts.
    ConcurrencyLimitChanged {
        /// The model of the call whose attempt changed it.
        model: String,
        /// The limit before.
        previous: usize,
        /// The limit now.
        limit: usize,
    },
}

/// The function behind a [`CallObserver`].
type Callback = Arc<dyn Fn(&CallEvent) + Send + Sync>;

/// A callback receiving [`CallEvent`]s. It runs on the task making the call, so it must be quick.
#[derive(Clone, Default)]
pub struct CallObserver(Option<Callback>);

impl CallObserver {
    /// An observer calling `callback` for every event.
    pub fn new(callback: impl Fn(&CallEvent) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(callback)))
    }

    /// Delivers `event`, if anyone listens.
    pub(crate) fn emit(&self, event: impl FnOnce() -> CallEvent) {
        if let Some(callback) = &self.0 {
            callback(&event());
        }
    }
}

impl fmt::Debug for CallObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "CallObserver(callback)"
        } else {
            "CallObserver(none)"
        })
    }
}

/// Reports a change of the adaptive limit, if there was one.
pub(crate) fn limit_changed(observer: &CallObserver, model: &str, change: Option<LimitChange>) {
    if let Some(LimitChange { previous, limit }) = change {
        tracing::debug!(model, previous, limit, "adaptive concurrency limit changed");
        observer.emit(|| CallEvent::ConcurrencyLimitChanged {
            model: model.to_owned(),
            previous,
            limit,
        });
    }
}

/// `text` with every run of whitespace (server messages hold blank lines) folded into one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
