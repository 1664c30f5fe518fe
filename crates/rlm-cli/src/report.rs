//! Output of `rlm run`: the answer on stdout and a usage report (per model, cost per model and per
//! depth split by kind of token, time) on stderr, or one JSON object on stdout with `--json`; the same
//! report for a run stopped by a limit or a provider failure.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use rlm::client::{ModelUsage, PriceTable};
use rlm::{Finish, PartialRun, RlmAnswer, UsageSummary};
use serde_json::{Value, json};

use crate::cost_report::{cost_json, cost_text};
use crate::exit::CliError;

/// What a run did, finished or stopped: the facts the usage report shows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunFacts<'a> {
    /// Root iterations.
    pub(crate) iterations: usize,
    /// Wall-clock time.
    pub(crate) duration: Duration,
    /// Tokens and calls.
    pub(crate) usage: &'a UsageSummary,
    /// Cost, when prices are known.
    pub(crate) cost_usd: Option<f64>,
}

impl<'a> From<&'a RlmAnswer> for RunFacts<'a> {
    fn from(answer: &'a RlmAnswer) -> Self {
        Self {
            iterations: answer.iterations,
            duration: answer.duration,
            usage: &answer.usage,
            cost_usd: answer.cost_usd,
        }
    }
}

impl<'a> From<&'a PartialRun> for RunFacts<'a> {
    fn from(run: &'a PartialRun) -> Self {
        Self {
            iterations: run.iterations,
            duration: run.duration,
            usage: &run.usage,
            cost_usd: run.cost_usd,
        }
    }
}

/// The usage report shown after the answer (several lines, no trailing newline), the cost at `prices`.
pub(crate) fn usage_text(
    facts: RunFacts<'_>,
    prices: &PriceTable,
    trajectory: Option<&Path>,
) -> String {
    let mut out = format!(
        "iterations: {}, duration: {:.2}s\nusage:",
        facts.iterations,
        facts.duration.as_secs_f64()
    );
    for (model, usage) in &facts.usage.per_model {
        let _ = write!(out, "\n  {model}: {}", usage_line(usage));
    }
    let _ = write!(out, "\n  total: {}", usage_line(&facts.usage.total));
    let _ = write!(out, "\n{}", cost_text(&facts.usage.cost_breakdown(prices)));
    if let Some(path) = trajectory {
        let _ = write!(out, "\ntrajectory: {}", path.display());
    }
    out
}

fn usage_line(usage: &ModelUsage) -> String {
    let tokens = &usage.usage;
    let cache = if tokens.cached_tokens > 0 || tokens.cache_write_tokens > 0 {
        format!(
            " ({} cache reads, {} cache writes)",
            tokens.cached_tokens, tokens.cache_write_tokens
        )
    } else {
        String::new()
    };
    format!(
        "{} calls, {} prompt + {} completion tokens{cache}, {} retries, {} failures, {:.2}s in calls",
        usage.calls,
        tokens.prompt_tokens,
        tokens.completion_tokens,
        usage.retries,
        usage.failures,
        usage.elapsed.as_secs_f64()
    )
}

/// One model's usage as JSON.
fn usage_json(usage: &ModelUsage) -> Value {
    json!({
        "calls": usage.calls,
        "failures": usage.failures,
        "retries": usage.retries,
        "prompt_tokens": usage.usage.prompt_tokens,
        "completion_tokens": usage.usage.completion_tokens,
        "cached_tokens": usage.usage.cached_tokens,
        "cache_write_tokens": usage.usage.cache_write_tokens,
        "uncached_input_tokens": usage.usage.uncached_input_tokens(),
        "reasoning_tokens": usage.usage.reasoning_tokens,
        "total_tokens": usage.usage.total_tokens(),
        "elapsed_ms": duration_ms(usage.elapsed),
    })
}

/// The usage summary as JSON: per model, per depth, total.
pub(crate) fn summary_json(summary: &UsageSummary) -> Value {
    let per_model: serde_json::Map<String, Value> = summary
        .per_model
        .iter()
        .map(|(model, usage)| (model.clone(), usage_json(usage)))
        .collect();
    let per_depth: Vec<Value> = summary
        .per_depth
        .iter()
        .map(|report| usage_json(&report.total()))
        .collect();
    json!({
        "per_model": per_model,
        "per_depth": per_depth,
        "total": usage_json(&summary.total),
    })
}

/// The `--json` object of a successful run, the cost at `prices`.
pub(crate) fn answer_json(
    answer: &RlmAnswer,
    prices: &PriceTable,
    trajectory: Option<&Path>,
) -> Value {
    answered_json(
        &answer.answer,
        answer.finished,
        answer.into(),
        prices,
        trajectory,
    )
}

/// [`answer_json`] from its parts.
fn answered_json(
    answer: &str,
    finished: Finish,
    facts: RunFacts<'_>,
    prices: &PriceTable,
    trajectory: Option<&Path>,
) -> Value {
    json!({
        "answer": answer,
        "finished": finished.as_str(),
        "iterations": facts.iterations,
        "usage": summary_json(facts.usage),
        "cost_usd": facts.cost_usd,
        "cost": cost_json(&facts.usage.cost_breakdown(prices)),
        "duration_ms": duration_ms(facts.duration),
        "trajectory": trajectory.map(|p| p.display().to_string()),
    })
}

/// The `--json` object of a failed run (the error line still goes to stderr): the error, and for a run
/// stopped by a limit or a provider failure what it had done (iterations, usage, cost, duration, the
/// trajectory file if one was written), the cost at `prices`.
pub(crate) fn error_json(
    error: &CliError,
    prices: &PriceTable,
    trajectory: Option<&Path>,
) -> Value {
    let mut v = json!({
        "error": error.one_line(),
        "class": error.class.name(),
        "exit_code": error.class.code(),
        "partial_answer": error.partial_answer(),
        "trajectory": trajectory.map(|p| p.display().to_string()),
    });
    if let (Some(run), Some(object)) = (&error.run, v.as_object_mut()) {
        object.insert("iterations".into(), json!(run.iterations));
        object.insert("usage".into(), summary_json(&run.usage));
        object.insert("cost_usd".into(), json!(run.cost_usd));
        object.insert("cost".into(), cost_json(&run.usage.cost_breakdown(prices)));
        object.insert("duration_ms".into(), json!(duration_ms(run.duration)));
    }
    v
}

fn duration_ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use rlm::client::{Price, Usage, UsageReport};

    use super::*;
    use crate::exit::ExitClass;

    fn summary() -> UsageSummary {
        let mut usage = ModelUsage::default();
        usage.calls = 3;
        usage.retries = 1;
        usage.usage = Usage::new(100, 20).with_cached_tokens(60);
        usage.elapsed = Duration::from_millis(1500);
        let mut report = UsageReport::default();
        report.per_model = BTreeMap::from([("m".to_owned(), usage)]);
        let mut summary = UsageSummary::default();
        summary.per_model.clone_from(&report.per_model);
        summary.per_depth = vec![report];
        summary.total = usage;
        summary
    }

    fn facts(usage: &UsageSummary, cost: Option<f64>) -> RunFacts<'_> {
        RunFacts {
            iterations: 2,
            duration: Duration::from_millis(2500),
            usage,
            cost_usd: cost,
        }
    }

    /// `m` at $1000 in, $100 cached in, $500 out per million: 40 × 1000 + 60 × 100 + 20 × 500 per
    /// million = $0.0560; caching saved 60 × 900 per million = $0.0540.
    fn prices() -> PriceTable {
        PriceTable::new().with("m", Price::new(1000.0, 500.0).with_cached_input(100.0))
    }

    #[test]
    fn human_report_has_usage_and_cost() {
        let usage = summary();
        let text = usage_text(
            facts(&usage, Some(0.056)),
            &prices(),
            Some(Path::new("t.jsonl")),
        );
        assert!(
            text.contains(
                "m: 3 calls, 100 prompt + 20 completion tokens (60 cache reads, 0 cache writes)"
            ),
            "{text}"
        );
        assert!(
            text.contains("cost: $0.0560 (input $0.0400, cached input $0.0060, cache write $0.0000, output $0.0100; caching saved $0.0540)"),
            "{text}"
        );
        assert!(text.contains("\n  depth 0: $0.0560"), "{text}");
        assert!(text.contains("trajectory: t.jsonl"), "{text}");
        let unknown = usage_text(facts(&usage, None), &PriceTable::new(), None);
        assert!(
            unknown.contains("cost: unknown: no price for m"),
            "{unknown}"
        );
    }

    #[test]
    fn json_object_has_every_field() {
        let usage = summary();
        let v = answered_json(
            "42",
            Finish::Forced,
            facts(&usage, None),
            &PriceTable::new(),
            None,
        );
        assert_eq!(v["answer"], "42");
        assert_eq!(v["finished"], "forced");
        assert_eq!(v["iterations"], 2);
        assert_eq!(v["usage"]["total"]["total_tokens"], 120);
        assert_eq!(v["usage"]["total"]["cached_tokens"], 60);
        assert_eq!(v["usage"]["per_model"]["m"]["retries"], 1);
        assert_eq!(v["duration_ms"], 2500);
        assert!(v["cost_usd"].is_null() && v["trajectory"].is_null());
        assert_eq!(v["cost"]["unpriced_models"], json!(["m"]));
        assert_eq!(v["usage"]["total"]["uncached_input_tokens"], 40);
        let mut run = PartialRun::new(Some("half".into()));
        run.iterations = 2;
        run.usage = usage.clone();
        run.cost_usd = Some(0.5);
        run.duration = Duration::from_millis(2500);
        let mut e = CliError::new(ExitClass::Limit, "timeout");
        e.run = Some(Box::new(run));
        let v = error_json(&e, &prices(), Some(Path::new("t.jsonl")));
        assert_eq!(
            (v["exit_code"].as_u64(), v["partial_answer"].as_str()),
            (Some(5), Some("half"))
        );
        assert_eq!(
            (v["iterations"].as_u64(), v["duration_ms"].as_u64()),
            (Some(2), Some(2500))
        );
        assert_eq!(v["usage"]["total"]["total_tokens"], 120);
        assert_eq!(
            (v["cost_usd"].as_f64(), v["trajectory"].as_str()),
            (Some(0.5), Some("t.jsonl"))
        );
        let cached = v["cost"]["per_model"]["m"]["cached_input_usd"].as_f64();
        assert!(cached.is_some_and(|c| (c - 0.006).abs() < 1e-12), "{v}");
        let v = error_json(&CliError::usage("bad flag"), &prices(), None);
        assert!(v["usage"].is_null() && v["partial_answer"].is_null(), "{v}");
    }
}
