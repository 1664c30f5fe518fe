//! Prices on the command line, against `rlm sim-server` (which answers under any model name): a cost
//! budget with built-in models and no price flag, a `--prices` file for the simulator's own models, the
//! cost split in `--json` and in the human report, and the usage errors (exit 2) before any call.

use std::path::Path;

use rlm_sim::haystack::{HaystackConfig, check_answer, generate};
use serde_json::Value;

use crate::support::{SimServerProcess, assert_one_error_line, assert_success, rlm, scratch_dir};

const QUERY: &str = "What are the magic numbers?";

/// A small haystack file in `dir`; returns its path and magic numbers.
fn haystack(dir: &Path) -> (String, Vec<u64>) {
    let hay = generate(&HaystackConfig {
        size_bytes: 64 * 1024,
        needles: 3,
        seed: 5,
    });
    let path = dir.join("haystack.txt");
    std::fs::write(&path, &hay.text).unwrap();
    (path.display().to_string(), hay.magic_numbers)
}

/// Checks one `cost` breakdown of `--json` against the token counts of the same model and its price
/// (input, cached input, cache write, output; USD per million).
fn assert_split(cost: &Value, usage: &Value, price: [f64; 4]) {
    let tokens = |key: &str| usage[key].as_u64().unwrap() as f64;
    let usd = |key: &str| cost[key].as_f64().unwrap();
    let expected = [
        ("input_usd", tokens("uncached_input_tokens") * price[0]),
        ("cached_input_usd", tokens("cached_tokens") * price[1]),
        ("cache_write_usd", tokens("cache_write_tokens") * price[2]),
        ("output_usd", tokens("completion_tokens") * price[3]),
    ];
    let mut total = 0.0;
    for (key, per_million) in expected {
        let want = per_million / 1e6;
        assert!((usd(key) - want).abs() < 1e-9, "{key}: {cost} vs {usage}");
        total += want;
    }
    assert!((usd("total_usd") - total).abs() < 1e-9, "{cost}");
    assert!(total > 0.0, "the model was used: {usage}");
    let saved = tokens("cached_tokens") * (price[0] - price[1]) / 1e6
        - tokens("cache_write_tokens") * (price[2] - price[0]) / 1e6;
    assert!((usd("saved_by_cache_usd") - saved).abs() < 1e-9, "{cost}");
}

#[test]
fn a_cost_budget_with_built_in_models_needs_no_price_flag() {
    let dir = scratch_dir("prices-built-in");
    let (context, expected) = haystack(&dir);
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4"]);
    let output = rlm()
        .args(["run", "--context", &context, "--query", QUERY, "--json"])
        .args([
            "--model",
            "gpt-4.1-mini-2025-04-14",
            "--sub-model",
            "gpt-4.1-nano",
        ])
        .args(["--base-url", &server.url, "--budget-usd", "5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        check_answer(v["answer"].as_str().unwrap(), &expected),
        "{v}"
    );
    // The built-in list prices: gpt-4.1-mini $0.40 / $0.10 cached / $1.60; gpt-4.1-nano $0.10 /
    // $0.025 / $0.40 (a cache write costs the input price at OpenAI).
    let (cost, usage) = (&v["cost"], &v["usage"]);
    let root = "gpt-4.1-mini-2025-04-14";
    assert_split(
        &cost["per_model"][root],
        &usage["per_model"][root],
        [0.4, 0.1, 0.4, 1.6],
    );
    assert_split(
        &cost["per_model"]["gpt-4.1-nano"],
        &usage["per_model"]["gpt-4.1-nano"],
        [0.1, 0.025, 0.1, 0.4],
    );
    let total = cost["total"]["total_usd"].as_f64().unwrap();
    assert!(
        (v["cost_usd"].as_f64().unwrap() - total).abs() < 1e-12,
        "{v}"
    );
    assert_eq!(cost["per_depth"].as_array().map(Vec::len), Some(2), "{v}");
    let depths: f64 = (0..2)
        .map(|d| cost["per_depth"][d]["total_usd"].as_f64().unwrap())
        .sum();
    assert!((depths - total).abs() < 1e-12, "{v}");
    assert_eq!(cost["unpriced_models"], serde_json::json!([]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_price_file_prices_the_simulator_models() {
    let dir = scratch_dir("prices-file");
    let (context, expected) = haystack(&dir);
    let toml = dir.join("prices.toml");
    std::fs::write(
        &toml,
        "[models.sim-root-batch]\ninput = 2\ncached_input = 0.5\noutput = 8\n\n[models.sim-sub]\ninput = 1\noutput = 4\n",
    )
    .unwrap();
    let json = dir.join("prices.json");
    std::fs::write(
        &json,
        r#"{"models": {"sim-root-batch": {"input": 2, "cached_input": 0.5, "cache_write": 2.5, "output": 8},
                       "sim-sub": {"input": 1, "output": 4}}}"#,
    )
    .unwrap();
    let server = SimServerProcess::start(&["--latency-ms", "1", "--chunks", "4"]);
    let run = |prices: &Path, json_output: bool| {
        let mut command = rlm();
        command
            .args(["run", "--context", &context, "--query", QUERY])
            .args(["--model", "sim-root-batch", "--sub-model", "sim-sub"])
            .args([
                "--base-url",
                &server.url,
                "--budget-usd",
                "100",
                "--no-stream",
            ])
            .arg("--prices")
            .arg(prices);
        if json_output {
            command.arg("--json");
        }
        command.output().unwrap()
    };
    // Human report: the answer on stdout, the split per model and per depth on stderr.
    let output = run(&toml, false);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(check_answer(stdout.trim(), &expected), "{stdout}");
    for line in [
        "\ncost: $",
        "\n  sim-root-batch: $",
        "\n  sim-sub: $",
        "\n  depth 0: $",
        "\n  depth 1: $",
    ] {
        assert!(stderr.contains(line), "{line:?} in\n{stderr}");
    }
    assert!(
        stderr.contains("(input $")
            && stderr.contains(", cached input $")
            && stderr.contains("; caching saved $"),
        "{stderr}"
    );
    // --json with the JSON file: the split follows the file's prices.
    let output = run(&json, true);
    assert_success(&output);
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    let (cost, usage) = (&v["cost"], &v["usage"]);
    assert_split(
        &cost["per_model"]["sim-root-batch"],
        &usage["per_model"]["sim-root-batch"],
        [2.0, 0.5, 2.5, 8.0],
    );
    assert_split(
        &cost["per_model"]["sim-sub"],
        &usage["per_model"]["sim-sub"],
        [1.0, 1.0, 1.0, 4.0],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `rlm run` against a dead port (so a usage error is the only way to fail fast) with `extra`.
fn refused(extra: &[&str]) -> (Option<i32>, String) {
    let output = rlm()
        .args(["run", "--context", "x", "--query", "q", "--retries", "0"])
        .args(["--base-url", "http://127.0.0.1:1/v1"])
        .args(extra)
        .output()
        .unwrap();
    (output.status.code(), assert_one_error_line(&output.stderr))
}

#[test]
fn an_unknown_model_or_a_bad_price_file_is_a_usage_error() {
    let (code, line) = refused(&[
        "--model",
        "gpt-4.1-mini",
        "--sub-model",
        "house-model",
        "--budget-usd",
        "1",
    ]);
    assert_eq!(code, Some(2), "{line}");
    assert!(
        line.contains("none for house-model") && line.contains("--prices FILE"),
        "{line}"
    );
    let dir = scratch_dir("prices-bad");
    let bad = dir.join("prices.toml");
    std::fs::write(
        &bad,
        "[models.house-model]\ninput = 1\noutput = \"a lot\"\n",
    )
    .unwrap();
    let path = bad.display().to_string();
    let (code, line) = refused(&[
        "--model",
        "house-model",
        "--prices",
        &path,
        "--budget-usd",
        "1",
    ]);
    assert_eq!(code, Some(2), "{line}");
    assert!(
        line.contains(&format!("--prices: {path}, line 3: "))
            && line.contains("model \"house-model\": `output`"),
        "{line}"
    );
    let (code, line) = refused(&["--model", "m", "--price", "m=1/2/3/4/5"]);
    assert_eq!(code, Some(2), "{line}");
    assert!(line.contains("at most four prices"), "{line}");
    std::fs::remove_dir_all(dir).unwrap();
}
