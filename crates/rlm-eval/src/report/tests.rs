//! Tests of reports on hand-made result lines: grouping and order, duplicates across files,
//! summaries, comparisons (baseline, paired or unpaired) and the three renderings.

use serde_json::Value;

use super::stats::CiMethod;
use super::{ComparisonKind, Pairing, Report};
use crate::result::tests::line;
use crate::result::{Finished, Method, ResultFile, ResultLine, ResultProblem};

fn file(lines: Vec<ResultLine>) -> ResultFile {
    ResultFile {
        results: lines,
        problems: Vec::new(),
    }
}

fn labelled(id: &str, method: Method, label: &str, score: f64) -> ResultLine {
    let mut l = line(id, method, score);
    l.label = label.to_owned();
    l
}

/// Ten tasks, eight right, for `method` with `label`.
fn eight_of_ten(method: Method, label: &str) -> Vec<ResultLine> {
    (0..10)
        .map(|i| {
            labelled(
                &format!("t{i}"),
                method,
                label,
                if i < 8 { 1.0 } else { 0.0 },
            )
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn groups_are_sorted_and_summarised() {
    let mut lines = eight_of_ten(Method::Rlm, "m");
    for (i, l) in lines.iter_mut().enumerate() {
        l.wall_ms = 1000 * (i as u64 + 1);
        l.cost_usd = (i < 4).then_some(0.01 * (i as f64 + 1.0));
        l.subcalls = 2;
    }
    lines[8].finished = Finished::Error;
    lines[8].error_class = Some("timeout".into());
    lines[9].finished = Finished::Error;
    lines[7].finished = Finished::Forced;
    let mut other = line("x", Method::Direct, 1.0);
    other.suite = "aggregate".into();
    let mut direct = eight_of_ten(Method::Direct, "m");
    direct.push(other);
    let report = Report::build(&[
        ("a.jsonl".into(), file(lines)),
        ("b.jsonl".into(), file(direct)),
    ]);
    let keys: Vec<(&str, Method, &str)> = report
        .groups
        .iter()
        .map(|g| (g.suite.as_str(), g.method, g.label.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("aggregate", Method::Direct, "model"),
            ("niah", Method::Direct, "m"),
            ("niah", Method::Rlm, "m")
        ]
    );
    let g = &report.groups[2];
    assert_eq!(g.n, 10);
    assert!(close(g.accuracy, 0.8));
    assert_eq!(g.ci_method, CiMethod::Wilson);
    assert!(
        (g.ci.low - 0.490).abs() < 5e-4 && (g.ci.high - 0.943).abs() < 5e-4,
        "{:?}",
        g.ci
    );
    assert_eq!(g.error_count(), 2);
    assert_eq!(g.errors.get("timeout"), Some(&1));
    assert_eq!(g.errors.get("unknown"), Some(&1));
    assert_eq!(g.forced, 1);
    assert_eq!((g.cost.known, g.cost.unknown), (4, 6));
    let Some(cost) = g.cost.spread else {
        panic!("no cost spread");
    };
    assert!(close(cost.mean, 0.025) && close(cost.p50, 0.02) && close(cost.p95, 0.04));
    assert!(g.cost.total.is_some_and(|t| close(t, 0.1)));
    assert!(close(g.tokens_in.mean, 10.0) && close(g.tokens_out.p95, 2.0));
    assert!(close(g.subcalls_mean, 2.0));
    let w = g.wall_seconds;
    assert!(
        close(w.mean, 5.5) && close(w.p50, 5.0) && close(w.p95, 10.0),
        "{w:?}"
    );
    assert!(report.groups[1].cost.spread.is_none() && report.groups[1].cost.total.is_none());
    // aggregate has one group: no comparison; niah: rlm m against direct m.
    assert_eq!(report.comparisons.len(), 1);
}

#[test]
fn duplicates_across_files_keep_the_last_and_are_warned_about() {
    let first = file(vec![
        line("a", Method::Rlm, 0.0),
        line("b", Method::Rlm, 0.0),
        line("b", Method::Rlm, 0.5),
        line("a", Method::Direct, 0.0),
    ]);
    let mut second = file(vec![
        line("a", Method::Rlm, 1.0),
        line("c", Method::Rlm, 1.0),
    ]);
    second.problems.push(ResultProblem {
        line: 3,
        message: "not a valid result line: EOF".into(),
    });
    let report = Report::build(&[("one.jsonl".into(), first), ("two.jsonl".into(), second)]);
    let rlm = &report.groups[1];
    assert_eq!((rlm.method, rlm.n), (Method::Rlm, 3));
    // a: 1 (from two.jsonl), b: 0.5 (the later line of one.jsonl), c: 1
    assert!(close(rlm.accuracy, 2.5 / 3.0), "{}", rlm.accuracy);
    assert_eq!(rlm.ci_method, CiMethod::Normal);
    let found: Vec<(&str, Method, Vec<&str>)> = report
        .duplicates
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.method,
                d.files.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("a", Method::Rlm, vec!["one.jsonl", "two.jsonl"]),
            ("b", Method::Rlm, vec!["one.jsonl", "one.jsonl"])
        ]
    );
    assert_eq!(
        report.problems,
        ["two.jsonl: line 3: not a valid result line: EOF"]
    );
    let text = report.to_text();
    let markdown = report.to_markdown();
    let json = report.to_json().to_string();
    for rendering in [&text, &markdown, &json] {
        assert!(
            rendering
                .contains("duplicate: task a (rlm model) appears 2 times (one.jsonl, two.jsonl)"),
            "{rendering}"
        );
        assert!(rendering.contains("two.jsonl: line 3"), "{rendering}");
    }
}

#[test]
fn baselines_and_paired_or_unpaired_intervals() {
    let mut lines = Vec::new();
    // direct m: 1 1 0 0; rlm m: 1 1 1 0 on the same ids -> paired, differences 0 0 1 0
    for (id, d, r) in [
        ("a", 1.0, 1.0),
        ("b", 1.0, 1.0),
        ("c", 0.0, 1.0),
        ("d", 0.0, 0.0),
    ] {
        lines.push(labelled(id, Method::Direct, "m", d));
        lines.push(labelled(id, Method::Rlm, "m", r));
    }
    // rlm z: other tasks, no direct z -> a run comparison with rlm m, one shared task: unpaired
    lines.push(labelled("p", Method::Rlm, "z", 1.0));
    lines.push(labelled("q", Method::Rlm, "z", 1.0));
    lines.push(labelled("a", Method::Rlm, "z", 1.0));
    for l in &mut lines {
        l.cost_usd = Some(if l.method == Method::Rlm { 0.03 } else { 0.01 });
    }
    let report = Report::build(&[("r.jsonl".into(), file(lines))]);
    assert_eq!(report.comparisons.len(), 2);
    let paired = &report.comparisons[0];
    assert_eq!(
        (paired.baseline_method, paired.method),
        (Method::Direct, Method::Rlm)
    );
    assert_eq!(paired.label, "m");
    assert_eq!(paired.pairing, Pairing::Paired { pairs: 4 });
    assert!(close(paired.delta_accuracy, 0.25));
    // Binary scores: Agresti-Min, one gain and no loss in four, (1.5 - 0.5) / 6 ± 0.4423.
    assert!(
        (paired.interval.low + 0.2756).abs() < 5e-4 && (paired.interval.high - 0.6090).abs() < 5e-4,
        "{:?}",
        paired.interval
    );
    assert!(paired.delta_cost_mean.is_some_and(|d| close(d, 0.02)));
    assert!(paired.cost_ratio.is_some_and(|r| close(r, 3.0)));
    assert_eq!(paired.kind, ComparisonKind::Methods);
    let unpaired = &report.comparisons[1];
    assert_eq!(unpaired.kind, ComparisonKind::Runs);
    assert_eq!(
        (
            unpaired.baseline_method,
            unpaired.baseline_label.as_str(),
            unpaired.label.as_str()
        ),
        (Method::Rlm, "m", "z")
    );
    assert_eq!(
        unpaired.pairing,
        Pairing::Unpaired {
            baseline_n: 4,
            other_n: 3
        }
    );
    assert!(close(unpaired.delta_accuracy, 0.25));
    let text = report.to_text();
    assert!(
        text.contains("paired, n=4") && text.contains("unpaired, n=4 vs 3"),
        "{text}"
    );
    assert!(text.contains("+0.250 [-0.276, +0.609]"), "{text}");
    assert!(
        text.contains("3.00x") && text.contains("+$0.0200"),
        "{text}"
    );
}

#[test]
fn renderings_show_the_numbers() {
    let mut lines = eight_of_ten(Method::Rlm, "m");
    lines.extend(eight_of_ten(Method::Direct, "m"));
    for l in &mut lines {
        l.wall_ms = 1500;
    }
    let report = Report::build(&[("r.jsonl".into(), file(lines))]);
    let text = report.to_text();
    assert!(text.contains("0.800 [0.490, 0.943]"), "{text}");
    assert!(
        text.contains("1.50s / 1.50s / 1.50s")
            && text.contains("10 / 10 / 10")
            && text.contains("2 / 2 / 2"),
        "{text}"
    );
    assert!(text.contains("n/a") && !text.contains('|'), "{text}");
    let rows: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 4, "{text}");
    // Numeric columns are right-aligned: every accuracy cell ends under the end of its header.
    let end = |row: &str, cell: &str| row.find(cell).map(|i| i + cell.len());
    let header_end = end(rows[0], "accuracy [95% CI]");
    assert!(header_end.is_some(), "{text}");
    assert_eq!(end(rows[2], "0.943]"), header_end, "{text}");
    assert_eq!(end(rows[3], "0.943]"), header_end, "{text}");
    assert!(rows[2].starts_with("niah   direct  m"), "{text}");
    let markdown = report.to_markdown();
    assert!(
        markdown.contains("| niah | direct | m | 10 | 0.800 [0.490, 0.943] |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| --- | --- | --- | ---: |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| +0.000 [-0.163, +0.163] | paired, n=10 |"),
        "{markdown}"
    );
    let json = report.to_json();
    assert_eq!(json["groups"][0]["n"], 10);
    assert_eq!(json["groups"][0]["method"], "direct");
    assert_eq!(json["groups"][0]["cost"]["spread"], Value::Null);
    assert_eq!(json["comparisons"][0]["pairing"]["kind"], "paired");
    assert!(
        json["groups"][0]["ci"]["low"]
            .as_f64()
            .is_some_and(|x| (x - 0.490).abs() < 5e-4)
    );
}

#[test]
fn json_has_no_nan_even_for_odd_input() {
    let mut odd = line("a", Method::Rlm, f64::NAN);
    odd.cost_usd = Some(f64::INFINITY);
    odd.wall_ms = 2_000;
    let single = line("b", Method::Direct, 0.5);
    let report = Report::build(&[("r.jsonl".into(), file(vec![odd, single]))]);
    let text = report.to_json().to_string();
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    // The text parses back as JSON, and the odd values became what the report says they are.
    let json: Value = serde_json::from_str(&text).unwrap_or_default();
    let rlm = &json["groups"][1];
    assert_eq!(rlm["method"], "rlm");
    assert_eq!(rlm["accuracy"], 0.0, "a NaN score counts as 0");
    assert_eq!(rlm["ci"]["low"], 0.0);
    assert!(
        rlm["ci"]["high"]
            .as_f64()
            .is_some_and(|h| h > 0.5 && h < 1.0),
        "{rlm}"
    );
    assert_eq!(rlm["cost"]["known"], 0, "an infinite cost is no cost");
    assert_eq!(rlm["cost"]["unknown"], 1);
    assert_eq!(rlm["cost"]["total"], Value::Null);
    assert_eq!(rlm["wall_seconds"]["p95"], 2.0);
    assert_eq!(json["groups"][0]["ci_method"], "single_task");
    let comparison = &json["comparisons"][0];
    assert_eq!(comparison["pairing"]["kind"], "unpaired");
    assert_eq!(comparison["kind"], "methods");
    assert_eq!(comparison["delta_accuracy"], -0.5);
    assert_eq!(comparison["delta_cost_mean"], Value::Null);
    assert_eq!(json["v"], 1);
    let rendered = report.to_text() + &report.to_markdown();
    assert!(
        !rendered.contains("NaN") && !rendered.contains("inf"),
        "{rendered}"
    );
    assert!(rendered.contains("one task with a partial score"));
    let empty = Report::build(&[]);
    assert!(empty.to_text().contains("No results."));
    assert_eq!(empty.to_json()["groups"], Value::Array(Vec::new()));
}

/// Two runs of each method over partly different tasks: the runs are compared with each other,
/// paired over the shared tasks only, and `--baseline` picks the run the others are compared with.
#[test]
fn runs_are_compared_with_each_other_over_their_shared_tasks() {
    let mut lines = Vec::new();
    // rlm a: t0..t3 all right; rlm b: t1..t4, right on t1 t2 only -> shared t1 t2 t3: 1 1 0 vs 1 1 1
    for i in 0..4 {
        lines.push(labelled(&format!("t{i}"), Method::Rlm, "a", 1.0));
        lines.push(labelled(&format!("t{i}"), Method::Direct, "a", 0.0));
    }
    for i in 1..5 {
        let score = if i <= 2 { 1.0 } else { 0.0 };
        lines.push(labelled(&format!("t{i}"), Method::Rlm, "b", score));
    }
    let mut other_suite = labelled("x", Method::Rlm, "a", 1.0);
    other_suite.suite = "pairs".into();
    lines.push(other_suite);
    // pairs: direct c and rlm a, neither a method nor a run comparison: rlm a against direct c.
    let mut other_label = labelled("x", Method::Direct, "c", 0.0);
    other_label.suite = "pairs".into();
    lines.push(other_label);
    let files = [("r.jsonl".into(), file(lines))];
    let report = Report::build(&files);
    let shown: Vec<(ComparisonKind, &str, &str)> = report
        .comparisons
        .iter()
        .map(|c| (c.kind, c.baseline_label.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (ComparisonKind::Methods, "a", "a"),
            (ComparisonKind::Runs, "a", "b"),
            (ComparisonKind::Other, "c", "a")
        ]
    );
    assert_eq!(report.comparisons[2].suite, "pairs");
    let runs = &report.comparisons[1];
    assert_eq!(runs.pairing, Pairing::Paired { pairs: 3 });
    // Over t1 t2 t3 only: (0 + 0 - 1) / 3, not 0.5 - 1.
    assert!(
        close(runs.delta_accuracy, -1.0 / 3.0),
        "{}",
        runs.delta_accuracy
    );
    assert!(report.warnings().is_empty(), "{:?}", report.warnings());

    let against_b = Report::build_against(&files, Some("b"));
    let runs = &against_b.comparisons[1];
    assert_eq!(
        (runs.baseline_label.as_str(), runs.label.as_str()),
        ("b", "a")
    );
    assert!(
        close(runs.delta_accuracy, 1.0 / 3.0),
        "{}",
        runs.delta_accuracy
    );
    let warnings = against_b.warnings();
    assert_eq!(
        warnings,
        ["suite pairs has no run labelled b: its runs are compared with its first label"]
    );
    let text = against_b.to_text();
    assert!(text.contains("runs") && text.contains("methods"), "{text}");
}
