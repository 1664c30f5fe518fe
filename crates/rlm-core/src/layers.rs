//! The client stack every model call of a completion goes through, built in this one place. Read it
//! top to bottom, the way a request travels:
//!
//! ```text
//! Accounted              refuses the call once a token or cost budget is used up;
//!   │                    adds the finished call's tokens and cost to the budget
//!   │                    (reported as `Event::UsageUpdated`); streams pass through
//! Resilient              overall deadline (when set), then for each attempt:
//!   ├─ rate limiter      requests and tokens per minute, shared by every depth and completion
//!   ├─ concurrency gate  one slot of the global cap (sub-models and child runs only), taken
//!   │                    per attempt and given back before any wait, so backoff holds no slot:
//!   │                    a fixed semaphore of `max_concurrent`, or (`adaptive_concurrency`) the
//!   │                    AIMD limiter under that cap, which may first hold the attempt while the
//!   │                    provider's rate-limit headers say its quota is spent
//!   ├─ attempt timeout
//!   └─ provider          one HTTP exchange (never retries)
//!                        → outcome to the gate (success with the reply's rate-limit headers,
//!                          429/529/overloaded, other); the adaptive limit grows or shrinks
//!                          (`Event::ConcurrencyLimitChanged`)
//!                        → retry decision (transient failures until the retry deadline);
//!                          the call is recorded in the meter of its depth; waits are reported
//!                          as `Event::RateLimitWait` / `Event::Retrying`
//! ```
//!
//! The `Resilient` of each model is built once per `Rlm` (so its rate limiter is shared); each
//! completion gets clones bound to its own meters, budget and the shared gate (one per `Rlm`, so the
//! adaptive limit is learnt by every depth and completion together).

use std::sync::Arc;

use rlm_client::{CallEvent, CallObserver, ConcurrencyGate, LlmClient, Resilient, UsageMeter};

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
    /// The global cap, for sub-models and child runs; `None` for the root model.
    pub(crate) gate: Option<&'a ConcurrencyGate>,
    /// Where waits are reported.
    pub(crate) events: &'a EventSink,
}

/// The full stack around one model's resilient layer (see the module documentation).
pub(crate) fn stack(resilient: &Resilient, at: &StackFor<'_>) -> Arc<dyn LlmClient> {
    let mut layer = resilient
        .clone()
        .with_meter(at.meter.clone())
        .with_observer(observer(at.events, at.depth));
    if let Some(gate) = at.gate {
        layer = layer.with_concurrency_gate(gate.clone());
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
        CallEvent::ConcurrencyLimitChanged {
            model,
            previous,
            limit,
        } => events.emit(&Event::ConcurrencyLimitChanged {
            depth,
            model: model.clone(),
            previous: *previous,
            limit: *limit,
        }),
        _ => {}
    })
}
