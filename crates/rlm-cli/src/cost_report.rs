//! The cost part of `rlm run`'s report: the total, per model and per depth, each split into input,
//! cache reads, cache writes and output, with what caching saved; as text lines and as JSON.

use std::fmt::Write as _;

use rlm::CostSummary;
use rlm::client::CostBreakdown;
use serde_json::{Value, json};

/// The cost lines of the human report (no trailing newline): `cost: $T (split)`, then one line per
/// model and per depth; or why the cost is unknown, with the priced models' lines.
pub(crate) fn cost_text(cost: &CostSummary) -> String {
    let mut out = match cost.total_usd() {
        Some(_) => format!("cost: {}", breakdown_text(&cost.total)),
        None => format!(
            "cost: unknown: no price for {} (pass --price MODEL=IN/OUT or --prices FILE; the built-in table knows common OpenAI and Anthropic models)",
            cost.unpriced_models.join(", ")
        ),
    };
    for (model, model_cost) in &cost.per_model {
        let _ = write!(out, "\n  {model}: {}", breakdown_text(model_cost));
    }
    // A depth's figure is only complete when every model has a price.
    if cost.unpriced_models.is_empty() {
        for (depth, depth_cost) in cost.per_depth.iter().enumerate() {
            let _ = write!(out, "\n  depth {depth}: {}", breakdown_text(depth_cost));
        }
    }
    out
}

/// `$T (input $a, cached input $b, cache write $c, output $d; caching saved $s)`.
fn breakdown_text(cost: &CostBreakdown) -> String {
    format!(
        "${:.4} (input ${:.4}, cached input ${:.4}, cache write ${:.4}, output ${:.4}; caching saved {})",
        cost.total_usd,
        cost.input_usd,
        cost.cached_input_usd,
        cost.cache_write_usd,
        cost.output_usd,
        signed_usd(cost.saved_by_cache_usd)
    )
}

/// `$0.1200`, or `-$0.0500` for a negative amount (cache writes not yet paid back).
fn signed_usd(usd: f64) -> String {
    if usd < 0.0 {
        format!("-${:.4}", -usd)
    } else {
        format!("${usd:.4}")
    }
}

/// The `cost` object of `--json`: `per_model`, `per_depth`, `total` (each with `input_usd`,
/// `cached_input_usd`, `cache_write_usd`, `output_usd`, `total_usd`, `saved_by_cache_usd`) and
/// `unpriced_models`.
pub(crate) fn cost_json(cost: &CostSummary) -> Value {
    serde_json::to_value(cost).unwrap_or_else(|e| json!({ "error": e.to_string() }))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rlm::UsageSummary;
    use rlm::client::{Price, PriceTable, Usage, UsageMeter};

    use super::*;

    fn summary() -> UsageSummary {
        let d0 = UsageMeter::new();
        let root = Usage::new(1_000_000, 100_000)
            .with_cached_tokens(600_000)
            .with_cache_write_tokens(100_000);
        d0.record_success("root", root, Duration::ZERO, 0);
        let d1 = UsageMeter::new();
        d1.record_success("sub", Usage::new(2_000_000, 0), Duration::ZERO, 0);
        let mut summary = UsageSummary::default();
        for report in [d0.snapshot(), d1.snapshot()] {
            for (model, usage) in &report.per_model {
                summary.per_model.insert(model.clone(), *usage);
            }
            summary.per_depth.push(report);
        }
        summary
    }

    fn prices() -> PriceTable {
        PriceTable::new()
            .with(
                "root",
                Price::new(2.0, 10.0)
                    .with_cached_input(0.2)
                    .with_cache_write(2.5),
            )
            .with("sub", Price::new(0.5, 1.0))
    }

    #[test]
    fn text_splits_per_model_and_per_depth() {
        let text = cost_text(&summary().cost_breakdown(&prices()));
        // root: 0.6 + 0.12 + 0.25 + 1.0; sub: 1.0; saved 1.08 − 0.05.
        assert!(
            text.starts_with("cost: $2.9700 (input $1.6000, cached input $0.1200, cache write $0.2500, output $1.0000; caching saved $1.0300)"),
            "{text}"
        );
        assert!(text.contains("\n  root: $1.9700 (input $0.6000"), "{text}");
        assert!(text.contains("\n  sub: $1.0000"), "{text}");
        assert!(text.contains("\n  depth 0: $1.9700"), "{text}");
        assert!(text.contains("\n  depth 1: $1.0000"), "{text}");
    }

    #[test]
    fn unknown_cost_names_the_models_without_a_price() {
        let only_sub = PriceTable::new().with("sub", Price::new(0.5, 1.0));
        let text = cost_text(&summary().cost_breakdown(&only_sub));
        assert!(
            text.starts_with("cost: unknown: no price for root (pass --price"),
            "{text}"
        );
        assert!(
            text.contains("\n  sub: $1.0000") && !text.contains("depth"),
            "{text}"
        );
        assert_eq!(signed_usd(-0.05), "-$0.0500");
    }

    #[test]
    fn json_has_the_split() {
        let v = cost_json(&summary().cost_breakdown(&prices()));
        let close = |value: &Value, expected: f64| {
            value
                .as_f64()
                .is_some_and(|actual| (actual - expected).abs() < 1e-9)
        };
        assert!(
            close(&v["per_model"]["root"]["cached_input_usd"], 0.12),
            "{v}"
        );
        assert!(
            close(&v["per_model"]["root"]["cache_write_usd"], 0.25),
            "{v}"
        );
        assert!(close(&v["per_depth"][1]["input_usd"], 1.0), "{v}");
        assert!(close(&v["total"]["total_usd"], 2.97), "{v}");
        assert!(close(&v["total"]["saved_by_cache_usd"], 1.03), "{v}");
        assert_eq!(v["unpriced_models"], json!([]));
    }
}
