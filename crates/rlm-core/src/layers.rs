//! The client stack every model call of a completion goes through, built in this one place. Read it
//! top to bottom, the way a request travels:
//!
//! ```text
//! Accounted              refuses the call once a token or cost budget is used up;
//!   │                    adds the finished call's tokens and cost to the budget
//!   │                    (reported as `Event::UsageUpdated`); streams pass through
//! Resilient              overall deadline (when set), then for each attempt:
//!   ├─ rate limiter      requests and tokens per minute, shared by every depth and completion
//!   ├─ concurrency permit one slot of the global cap (sub-models and child runs only), taken
//!   │                    per attempt and given back before any wait, so backoff holds no slot
//!   ├─ attempt timeout
//!   └─ provider          one HTTP exchange (never retries)
//!                        → retry decision (transient failures until the retry deadline);
//!                          the call is recorded in the meter of its depth; waits are reported
//!                          as `Event::RateLimitWait` / `Event::Retrying`
//! ```
//!
//! The `Resilient` of each model is built once per `Rlm` (so its rate limiter is shared); each
//! completion gets clones bound to its own meters, budget and the shared permits.

use std::sync::Arc;

use rlm_client::{CallEvent, CallObserver, LlmClient, Resilient, UsageMeter};
use tokio::sync::Semaphore;

use crate::accounting::Accounted;
use crate::budget::Budget;
use crate::events::{Event, EventSink};

/// What a stack is built for.
pub(crate) struct StackFor<'a> {
    /// Depth whose meter records the calls.
    pub(crate) depth: usize,
    /// The meter of that depth.
    pub(crate) meter: &'a UsageMeter,
    /// The completion's budget.
    pub(crate) budget: &'a Arc<Budget>,
    /// The global cap's permits, for sub-models and child runs; `None` for the root model.
    pub(crate) permits: Option<&'a Arc<Semaphore>>,
    /// Where waits are reported.
    pub(crate) events: &'a EventSink,
}

/// The full stack around one model's resilient layer (see the module documentation).
pub(crate) fn stack(resilient: &Resilient, at: &StackFor<'_>) -> Arc<dyn LlmClient> {
    let mut layer = resilient
        .clone()
        .with_meter(at.meter.clone())
        .with_observer(observer(at.events, at.depth));
    if let Some(permits) = at.permits {
        layer = layer.with_concurrency_limit(Arc::clone(permits));
    }
    Arc::new(Accounted::new(
        Arc::new(layer),
        Arc::clone(at.budget),
        at.events.clone(),
    ))
}

/// Turns the resilient layer's waits into run events of `depth`.
fn observer(events: &EventSink, depth: usize) -> CallObserver {
    let events = events.clone();
    CallObserver::new(move |event| match event {
        CallEvent::RateLimitWait { model } => events.emit(&Event::RateLimitWait {
            depth,
            model: model.clone(),
        }),
        CallEvent::Retrying {
            model,
            attempt,
            wait,
            error,
        } => {
            // The retry also goes to the trajectory record of the call being made, if any.
            crate::trace::note_retry(*attempt, *wait, error);
            events.emit(&Event::Retrying {
                depth,
                model: model.clone(),
                attempt: *attempt,
                wait: *wait,
                error: error.clone(),
            });
        }
        _ => {}
    })
}
