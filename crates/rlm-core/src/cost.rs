//! `CostSummary`: what a completion cost at a [`PriceTable`], per model and per depth, split into
//! input, cache reads, cache writes and output, with what caching saved.

use std::collections::BTreeMap;

use rlm_client::{CostBreakdown, PriceTable, UsageReport};
use serde::{Deserialize, Serialize};

use crate::UsageSummary;

/// The cost of a completion, from [`UsageSummary::cost_breakdown`].
///
/// Only models with a price are counted; a model that used tokens without one is listed in
/// `unpriced_models`, and the cost is then incomplete ([`Self::total_usd`] is `None`).
///
/// ```
/// use std::time::Duration;
/// use rlm_client::{Price, PriceTable, Usage, UsageMeter};
/// # let mut summary = rlm_core::UsageSummary::default();
/// # let meter = UsageMeter::new();
/// # meter.record_success("root", Usage::new(1_000_000, 0).with_cached_tokens(800_000), Duration::ZERO, 0);
/// # summary.per_model = meter.snapshot().per_model.clone();
/// # summary.per_depth = vec![meter.snapshot()];
/// // `summary` is `answer.usage`: one root call of 1 M input tokens, 800,000 of them cache reads.
/// let prices = PriceTable::new().with("root", Price::new(1.0, 4.0).with_cached_input(0.1));
/// let cost = summary.cost_breakdown(&prices);
/// assert!((cost.total.cached_input_usd - 0.08).abs() < 1e-9);
/// assert!((cost.per_depth[0].saved_by_cache_usd - 0.72).abs() < 1e-9);
/// assert_eq!(cost.total_usd(), Some(cost.total.total_usd));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CostSummary {
    /// Per model with a price, all depths together.
    pub per_model: BTreeMap<String, CostBreakdown>,
    /// Per depth, as [`UsageSummary::per_depth`] (priced models only).
    pub per_depth: Vec<CostBreakdown>,
    /// Every priced model at every depth.
    pub total: CostBreakdown,
    /// Models that used tokens but have no price (not counted above).
    pub unpriced_models: Vec<String>,
}

impl CostSummary {
    /// The total in USD, or `None` when a model that used tokens has no price.
    pub fn total_usd(&self) -> Option<f64> {
        self.unpriced_models
            .is_empty()
            .then_some(self.total.total_usd)
    }
}

/// The cost of the priced models of `report`; adds the others (that used tokens) to `unpriced`.
fn report_cost(
    report: &UsageReport,
    prices: &PriceTable,
    unpriced: &mut Vec<String>,
) -> CostBreakdown {
    let mut cost = CostBreakdown::default();
    for (model, usage) in &report.per_model {
        match prices.cost(model, &usage.usage) {
            Some(model_cost) => cost += model_cost,
            None if usage.usage.total_tokens() > 0 && !unpriced.contains(model) => {
                unpriced.push(model.clone());
            }
            None => {}
        }
    }
    cost
}

impl UsageSummary {
    /// The cost of this usage at `prices`: per model, per depth and in total, each split into input,
    /// cache reads, cache writes and output, with what caching saved (see
    /// [`rlm_client::CostBreakdown`]).
    pub fn cost_breakdown(&self, prices: &PriceTable) -> CostSummary {
        let mut unpriced = Vec::new();
        let per_model = self
            .per_model
            .iter()
            .filter_map(|(model, usage)| Some((model.clone(), prices.cost(model, &usage.usage)?)))
            .collect();
        let per_depth = self
            .per_depth
            .iter()
            .map(|report| report_cost(report, prices, &mut unpriced))
            .collect();
        let mut all = UsageReport::default();
        all.per_model.clone_from(&self.per_model);
        let total = report_cost(&all, prices, &mut unpriced);
        CostSummary {
            per_model,
            per_depth,
            total,
            unpriced_models: unpriced,
        }
    }

    /// Cost in USD at `prices`, or `None` if a model that used tokens has no price.
    pub fn cost_usd(&self, prices: &PriceTable) -> Option<f64> {
        self.cost_breakdown(prices).total_usd()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rlm_client::{Price, Usage, UsageMeter};

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn cost_per_model_and_per_depth() {
        let d0 = UsageMeter::new();
        // 1 M prompt tokens: 600,000 cache reads, 100,000 cache writes; 100,000 output.
        let root = Usage::new(1_000_000, 100_000)
            .with_cached_tokens(600_000)
            .with_cache_write_tokens(100_000);
        d0.record_success("root", root, Duration::ZERO, 0);
        let d1 = UsageMeter::new();
        d1.record_success("sub", Usage::new(2_000_000, 0), Duration::ZERO, 0);
        d1.record_success(
            "sub-2025-01-01",
            Usage::new(1_000_000, 0),
            Duration::ZERO,
            0,
        );
        d1.record_failure("free", Duration::ZERO, 0);
        let summary = UsageSummary::from_depths(vec![d0.snapshot(), d1.snapshot()]);
        let prices = PriceTable::new()
            .with(
                "root",
                Price::new(2.0, 10.0)
                    .with_cached_input(0.2)
                    .with_cache_write(2.5),
            )
            .with("sub", Price::new(0.5, 1.0));
        let cost = summary.cost_breakdown(&prices);
        let root = cost.per_model["root"];
        // 300,000 × 2 + 600,000 × 0.2 + 100,000 × 2.5 + 100,000 × 10, per million.
        assert!(close(root.input_usd, 0.6) && close(root.cached_input_usd, 0.12));
        assert!(close(root.cache_write_usd, 0.25) && close(root.output_usd, 1.0));
        assert!(close(root.total_usd, 1.97), "{root:?}");
        // 600,000 × (2 − 0.2) saved, 100,000 × (2.5 − 2) paid extra.
        assert!(close(root.saved_by_cache_usd, 1.08 - 0.05), "{root:?}");
        assert!(close(cost.per_model["sub-2025-01-01"].total_usd, 0.5));
        assert_eq!(cost.per_depth.len(), 2);
        assert!(close(cost.per_depth[0].total_usd, 1.97));
        assert!(close(cost.per_depth[1].total_usd, 1.5));
        assert!(close(cost.total.total_usd, 3.47));
        assert!(close(cost.total.saved_by_cache_usd, 1.03));
        assert!(
            cost.unpriced_models.is_empty(),
            "a model that used no tokens needs no price"
        );
        assert_eq!(summary.cost_usd(&prices), cost.total_usd());
        let partial = summary.cost_breakdown(&PriceTable::new().with("sub", Price::new(0.5, 1.0)));
        assert_eq!(partial.unpriced_models, ["root"]);
        assert_eq!(partial.total_usd(), None);
        assert!(
            close(partial.total.total_usd, 1.5),
            "the priced models are still counted"
        );
    }
}
