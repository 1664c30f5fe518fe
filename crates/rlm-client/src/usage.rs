//! Usage accounting: a shareable `UsageMeter` per model (calls, failures, retries, tokens, time), and
//! the cost of a report at a [`PriceTable`].

use std::collections::BTreeMap;
use std::ops::AddAssign;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{CostBreakdown, PriceTable, Usage};

/// What one model consumed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelUsage {
    /// Calls made (successful or not; retries of one call count once).
    pub calls: u64,
    /// Calls that ended in an error after every retry, or were dropped (cancelled) before finishing.
    pub failures: u64,
    /// Extra attempts made by the retry layer.
    pub retries: u64,
    /// Tokens of the successful calls (unknown, so not counted, for failed and dropped ones).
    pub usage: Usage,
    /// Wall time spent in calls, retries and waits included.
    pub elapsed: Duration,
}

impl AddAssign for ModelUsage {
    fn add_assign(&mut self, rhs: ModelUsage) {
        self.calls = self.calls.saturating_add(rhs.calls);
        self.failures = self.failures.saturating_add(rhs.failures);
        self.retries = self.retries.saturating_add(rhs.retries);
        self.usage += rhs.usage;
        self.elapsed = self.elapsed.saturating_add(rhs.elapsed);
    }
}

/// A point-in-time copy of a [`UsageMeter`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageReport {
    /// Usage per model name.
    pub per_model: BTreeMap<String, ModelUsage>,
}

impl UsageReport {
    /// Sum over all models.
    pub fn total(&self) -> ModelUsage {
        let mut total = ModelUsage::default();
        for usage in self.per_model.values() {
            total += *usage;
        }
        total
    }

    /// Cost in USD, or `None` when a model that used tokens has no price in `prices`.
    pub fn cost_usd(&self, prices: &PriceTable) -> Option<f64> {
        self.cost_breakdown(prices).map(|cost| cost.total_usd)
    }

    /// Cost of every model together, split by kind of token, or `None` when a model that used tokens
    /// has no price in `prices`.
    pub fn cost_breakdown(&self, prices: &PriceTable) -> Option<CostBreakdown> {
        let mut cost = CostBreakdown::default();
        for (model, usage) in &self.per_model {
            if usage.usage.total_tokens() == 0 {
                continue;
            }
            cost += prices.cost(model, &usage.usage)?;
        }
        Some(cost)
    }
}

/// A shareable usage counter: clones share the same totals.
///
/// [`crate::Resilient`] records every call into its meter; other layers (rlm-core) may record or merge
/// into the same meter.
///
/// ```
/// use std::time::Duration;
/// use rlm_client::{Usage, UsageMeter};
/// let meter = UsageMeter::new();
/// meter.record_success("m", Usage::new(3, 0), Duration::from_millis(5), 1);
/// meter.clone().record_failure("m", Duration::from_millis(1), 2);
/// let m = &meter.snapshot().per_model["m"];
/// assert_eq!((m.calls, m.failures, m.retries, m.usage.prompt_tokens), (2, 1, 3, 3));
/// ```
#[derive(Debug, Clone, Default)]
pub struct UsageMeter {
    inner: Arc<Mutex<BTreeMap<String, ModelUsage>>>,
}

impl UsageMeter {
    /// An empty meter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a successful call of `model`.
    pub fn record_success(&self, model: &str, usage: Usage, elapsed: Duration, retries: u64) {
        self.record(
            model,
            ModelUsage {
                calls: 1,
                failures: 0,
                retries,
                usage,
                elapsed,
            },
        );
    }

    /// Records a call of `model` that failed after every retry.
    pub fn record_failure(&self, model: &str, elapsed: Duration, retries: u64) {
        self.record(
            model,
            ModelUsage {
                calls: 1,
                failures: 1,
                retries,
                usage: Usage::default(),
                elapsed,
            },
        );
    }

    /// Adds `usage` to the totals of `model`.
    pub fn record(&self, model: &str, usage: ModelUsage) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry(model.to_string()).or_default() += usage;
    }

    /// Adds every model of `report` (for example another meter's snapshot).
    pub fn merge(&self, report: &UsageReport) {
        for (model, usage) in &report.per_model {
            self.record(model, *usage);
        }
    }

    /// A copy of the current totals.
    pub fn snapshot(&self) -> UsageReport {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        UsageReport {
            per_model: map.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Price;

    fn usage(p: u64, c: u64) -> Usage {
        Usage {
            prompt_tokens: p,
            completion_tokens: c,
            ..Usage::default()
        }
    }

    #[test]
    fn totals_and_cost() {
        let meter = UsageMeter::new();
        meter.record_success("a", usage(1_000_000, 0), Duration::from_secs(1), 0);
        meter.record_success("b", usage(0, 2_000_000), Duration::from_secs(2), 1);
        let report = meter.snapshot();
        let total = report.total();
        assert_eq!(total.calls, 2);
        assert_eq!(total.retries, 1);
        assert_eq!(total.elapsed, Duration::from_secs(3));
        let prices = PriceTable::new()
            .with("a", Price::new(1.0, 100.0))
            .with("b", Price::new(100.0, 3.0));
        let cost = report.cost_usd(&prices).unwrap();
        assert!((cost - 7.0).abs() < 1e-9, "{cost}");
        assert_eq!(
            report.cost_usd(&PriceTable::new().with("a", Price::new(1.0, 1.0))),
            None
        );
    }

    #[test]
    fn merge_adds_reports() {
        let a = UsageMeter::new();
        a.record_failure("x", Duration::from_millis(3), 2);
        let b = UsageMeter::new();
        b.merge(&a.snapshot());
        b.merge(&a.snapshot());
        let x = b.snapshot().per_model["x"];
        assert_eq!((x.calls, x.failures, x.retries), (2, 2, 4));
    }
}
