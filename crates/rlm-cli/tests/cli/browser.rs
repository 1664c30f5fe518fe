//! The viewer in a real headless browser (Chromium; skipped with a printed reason when none is
//! installed, a failure when `RLM_BROWSER_TESTS` is set, as in `.ci/run`): pages of a `sim-server` run
//! with retries and failures, of the demo's trajectories, of a run with child runs, of a killed run
//! cut mid-line, and of a big trajectory (30 iterations, 1,000 sub-calls, ~5 MB) whose load time is
//! printed (the figure is recorded in docs/BENCHMARKS.md, not asserted). Each renders with no console
//! message, shows the trajectory's counts and answer, and expands; screenshots go to `target/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::browser_support::{Loaded, browser, load, records, screenshot, sim_run, synthetic};
use crate::support::{RLM, SimServerProcess, assert_success, rlm, scratch_dir};

/// `target/` of the workspace (screenshots are kept there as artifacts).
fn target_dir() -> PathBuf {
    let exe = PathBuf::from(RLM);
    // .../target/debug/rlm -> .../target
    exe.parent()
        .and_then(Path::parent)
        .map_or_else(std::env::temp_dir, Path::to_owned)
}

/// Writes the page of `trajectory` with `rlm view`.
pub(crate) fn view(trajectory: &Path) -> PathBuf {
    let page = trajectory.with_extension("html");
    let output = rlm()
        .arg("view")
        .arg(trajectory)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert_success(&output);
    page
}

/// The counts the page must show, from the file itself.
struct Expected {
    root_iterations: u64,
    subcalls: u64,
    details: u64,
    cells: u64,
    answer: Option<String>,
}

fn expected(trajectory: &Path) -> Expected {
    let lines = records(trajectory);
    let iterations: Vec<&Value> = lines.iter().filter(|l| l["type"] == "iteration").collect();
    let cells: Vec<&Value> = iterations
        .iter()
        .flat_map(|it| it["cells"].as_array().unwrap())
        .collect();
    Expected {
        root_iterations: iterations.iter().filter(|it| it["run_id"] == 0).count() as u64,
        subcalls: cells.iter().map(|c| c["subcalls"].as_u64().unwrap()).sum(),
        details: cells
            .iter()
            .map(|c| c["subcall_details"].as_array().map_or(0, Vec::len) as u64)
            .sum(),
        cells: cells.len() as u64,
        answer: lines
            .iter()
            .find(|l| l["type"] == "outcome")
            .and_then(|o| o["answer"].as_str())
            .map(str::to_owned),
    }
}

/// Loads the page collapsed and expanded and checks it against the file.
pub(crate) fn check_page(browser: &Path, trajectory: &Path, page: &Path) -> (Loaded, Loaded) {
    let want = expected(trajectory);
    let collapsed = load(browser, page, "");
    assert!(
        collapsed.console.is_empty(),
        "console: {:?}",
        collapsed.console
    );
    assert_eq!(
        collapsed.app_attr("data-state").as_deref(),
        Some("ready"),
        "{:.2000}",
        collapsed.dom
    );
    assert_eq!(
        collapsed.app_number("data-iterations"),
        want.root_iterations
    );
    assert_eq!(
        collapsed
            .dom
            .matches("data-run=\"0\" data-iteration=")
            .count() as u64,
        want.root_iterations,
        "one rendered iteration per record of the top-level run"
    );
    assert_eq!(collapsed.app_number("data-subcalls"), want.subcalls);
    assert_eq!(collapsed.app_number("data-subcall-details"), want.details);
    assert_eq!(
        collapsed.dom.matches("class=\"subcall ").count()
            + collapsed.dom.matches("class=\"subcall\"").count(),
        0,
        "sub-calls are built only when opened"
    );
    if let Some(answer) = &want.answer {
        assert_eq!(
            collapsed.text_of("answer").as_deref().map(str::trim),
            Some(answer.trim())
        );
    }
    let expanded = load(browser, page, "expand=all");
    assert!(
        expanded.console.is_empty(),
        "console: {:?}",
        expanded.console
    );
    assert_eq!(expanded.app_attr("data-state").as_deref(), Some("ready"));
    assert_eq!(
        expanded.app_number("data-rendered-subcalls"),
        want.details,
        "every sub-call row shown"
    );
    assert!(
        expanded.app_number("data-rendered-cells") >= want.cells,
        "every cell opened"
    );
    (collapsed, expanded)
}

#[test]
fn a_sim_server_run_with_retries_and_failures_renders() {
    let Some(browser) = browser("a_sim_server_run_with_retries_and_failures_renders") else {
        return;
    };
    let dir = scratch_dir("browser-run");
    let server = SimServerProcess::start(&[
        "--latency-ms",
        "20",
        "--chunks",
        "12",
        "--fault",
        "4:500",
        "--fault",
        "11:400",
    ]);
    // Four at a time: the timeline shows the batch in three waves.
    let trajectory = sim_run(&dir, &server, "sim-root-batch-p4", &[]);
    let page = view(&trajectory);
    let (_, expanded) = check_page(&browser, &trajectory, &page);
    assert!(
        expanded.dom.contains("class=\"subcall failed\""),
        "a failed sub-call is shown"
    );
    assert!(
        expanded.dom.contains("4 at once"),
        "the batch's parallelism is on the timeline"
    );
    assert!(
        expanded.dom.contains("class=\"retry-tick\""),
        "retries are on the timeline"
    );
    let failed = expanded.app_number("data-failed-subcalls");
    assert!(failed >= 1);
    assert_eq!(
        expanded.app_number("data-visible-subcalls"),
        expected(&trajectory).details,
        "no filter: all shown"
    );
    let filtered = load(&browser, &page, "failures=only&expand=all");
    assert!(
        filtered.console.is_empty(),
        "console: {:?}",
        filtered.console
    );
    assert_eq!(
        filtered.app_number("data-visible-subcalls"),
        failed,
        "the filter leaves only the failures"
    );
    let shot = target_dir().join("viewer-screenshot.png");
    // As it opens, with the batch's cell open at its fourth sub-call (the README's docs/viewer.png).
    screenshot(&browser, &page, "open=sc-0-2-0-3", &shot, (1400, 2700));
    eprintln!("screenshot: {}", shot.display());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_demo_trajectories_render() {
    let Some(browser) = browser("the_demo_trajectories_render") else {
        return;
    };
    let dir = scratch_dir("browser-demo");
    let output = rlm()
        .args([
            "demo",
            "--size",
            "256KiB",
            "--latency-ms",
            "10",
            "--quiet",
            "--out-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_success(&output);
    for name in ["sequential", "batch"] {
        let trajectory = dir.join(format!("{name}.jsonl"));
        let page = view(&trajectory);
        let (collapsed, _) = check_page(&browser, &trajectory, &page);
        assert_eq!(
            collapsed.app_attr("data-complete").as_deref(),
            Some("true"),
            "{name}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn child_runs_render_as_a_tree() {
    let Some(browser) = browser("child_runs_render_as_a_tree") else {
        return;
    };
    let dir = scratch_dir("browser-children");
    let cells = dir.join("cells.js");
    std::fs::write(&cells, "var a = rlm_batch(['child one', 'child two']); print(a.length)\n---\nprint(llm_query('x'))\n").unwrap();
    let server =
        SimServerProcess::start(&["--latency-ms", "5", "--cells", cells.to_str().unwrap()]);
    let trajectory = sim_run(&dir, &server, "sim-root", &["--max-depth", "2"]);
    let page = view(&trajectory);
    let (collapsed, expanded) = check_page(&browser, &trajectory, &page);
    assert_eq!(
        collapsed.app_number("data-runs"),
        3,
        "the top-level run and two children"
    );
    assert!(collapsed.dom.contains("id=\"run-1\"") && collapsed.dom.contains("id=\"run-2\""));
    assert!(
        expanded.dom.contains("→ child run #1"),
        "the sub-call links to its child"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn text_of_the_run_that_looks_like_html_is_shown_as_text() {
    let Some(browser) = browser("text_of_the_run_that_looks_like_html_is_shown_as_text") else {
        return;
    };
    let dir = scratch_dir("browser-hostile");
    let cells = dir.join("cells.js");
    let evil = r"</script><script>console.error('injected')</script><!-- <img src=x onerror=console.error(2)>";
    std::fs::write(
        &cells,
        format!("print({evil:?}); var r = llm_query({evil:?})\n"),
    )
    .unwrap();
    let server =
        SimServerProcess::start(&["--latency-ms", "2", "--cells", cells.to_str().unwrap()]);
    let trajectory = sim_run(&dir, &server, "sim-root", &[]);
    let page = view(&trajectory);
    let (_, expanded) = check_page(&browser, &trajectory, &page);
    let shown =
        "&lt;/script&gt;&lt;script&gt;console.error('injected')&lt;/script&gt;&lt;!-- &lt;img";
    assert!(
        expanded.dom.matches(shown).count() >= 2,
        "the output and the prompt, as text"
    );
    assert!(
        !expanded.dom.contains("<img src=\"x\""),
        "no element made from the run's text"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_killed_run_renders_and_says_where_it_stops() {
    let Some(browser) = browser("a_killed_run_renders_and_says_where_it_stops") else {
        return;
    };
    let dir = scratch_dir("browser-killed");
    let server = SimServerProcess::start(&["--latency-ms", "5", "--root-latency-ms", "100"]);
    let context = dir.join("context.txt");
    std::fs::write(&context, "The magic number is 1234567.\n".repeat(50)).unwrap();
    let trajectory = dir.join("killed.jsonl");
    let mut child = std::process::Command::new(RLM)
        .args([
            "run",
            "--model",
            "sim-root-never",
            "--base-url",
            &server.url,
            "--query",
            "q",
            "--quiet",
        ])
        .arg("--context")
        .arg(&context)
        .arg("--trajectory")
        .arg(&trajectory)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while records(&trajectory)
        .iter()
        .filter(|l| l["type"] == "iteration")
        .count()
        < 3
    {
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the run never got to 3 iterations"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // As if the process had died in the middle of writing a line.
    let mut bytes = std::fs::read(&trajectory).unwrap();
    bytes.extend_from_slice(b"{\"type\":\"iteration\",\"run_id\":0,\"rep");
    std::fs::write(&trajectory, &bytes).unwrap();
    let lines = String::from_utf8_lossy(&bytes).lines().count();
    let page = view(&trajectory);
    let (collapsed, _) = check_page(&browser, &trajectory, &page);
    assert_eq!(
        collapsed.app_attr("data-complete").as_deref(),
        Some("false")
    );
    let stop = collapsed.text_of("partial").unwrap_or_default();
    let last = records(&trajectory)
        .iter()
        .filter(|l| l["type"] == "iteration")
        .count();
    assert!(
        stop.contains(&format!("iteration {last} of the top-level run")),
        "{stop}"
    );
    assert!(
        stop.contains(&format!("Line {lines} of the file was cut")),
        "{stop}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_big_trajectory_renders_whole() {
    let Some(browser) = browser("a_big_trajectory_renders_whole") else {
        return;
    };
    let dir = scratch_dir("browser-big");
    let trajectory = dir.join("big.jsonl");
    let bytes = synthetic(&trajectory, 30, 1000);
    assert!(bytes > 4_500_000, "about 5 MB: {bytes}");
    let page = view(&trajectory);
    let (collapsed, expanded) = check_page(&browser, &trajectory, &page);
    let ready = collapsed.app_number("data-ready-ms");
    eprintln!(
        "big trajectory ({bytes} bytes, 30 iterations, 1,000 sub-calls): ready in {ready} ms; \
         everything expanded in {} ms",
        expanded.app_number("data-ready-ms")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `value` without the fields added with the viewer (what an older rlm wrote).
fn strip_new_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in [
                "subcall_details",
                "started_ms",
                "started_unix_ms",
                "retries",
            ] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_new_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_new_fields),
        _ => {}
    }
}

#[test]
fn a_trajectory_from_an_older_rlm_renders() {
    let Some(browser) = browser("a_trajectory_from_an_older_rlm_renders") else {
        return;
    };
    let dir = scratch_dir("browser-old");
    let server = SimServerProcess::start(&["--latency-ms", "2", "--chunks", "4"]);
    let trajectory = sim_run(&dir, &server, "sim-root-batch", &[]);
    let mut old = String::new();
    for mut line in records(&trajectory)
        .into_iter()
        .filter(|l| l["type"] != "outcome")
    {
        strip_new_fields(&mut line);
        old.push_str(&line.to_string());
        old.push('\n');
    }
    let old_path = dir.join("old.jsonl");
    std::fs::write(&old_path, old).unwrap();
    let page = view(&old_path);
    let (collapsed, expanded) = check_page(&browser, &old_path, &page);
    assert_eq!(collapsed.app_number("data-subcalls"), 4);
    assert_eq!(collapsed.app_number("data-subcall-details"), 0);
    assert!(
        collapsed.dom.contains("has no timings"),
        "the timeline says why it is empty"
    );
    assert!(
        collapsed
            .text_of("partial")
            .unwrap_or_default()
            .contains("written by an older rlm")
    );
    assert!(
        expanded
            .dom
            .contains("4 sub-calls of this cell have no detail")
    );
    std::fs::remove_dir_all(dir).unwrap();
}
