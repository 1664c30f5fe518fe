//! The viewer's tool calls in a real headless browser: a `sim-server` run whose first cell's record is
//! given two tool calls in the trajectory format (`ToolCallDetail`, docs/VIEWER.md), one answered and
//! one failed (the CLI has no tools; the library writes these records). The page renders with no
//! console message, counts them in the cell's summary and shows each call's arguments, result or error.

use serde_json::{Value, json};

use crate::browser::{check_page, view};
use crate::browser_support::{browser, records, sim_run};
use crate::support::{SimServerProcess, scratch_dir};

#[test]
fn a_cells_tool_calls_are_shown() {
    let Some(browser) = browser("a_cells_tool_calls_are_shown") else {
        return;
    };
    let dir = scratch_dir("browser-tools");
    let server = SimServerProcess::start(&["--latency-ms", "2"]);
    let trajectory = sim_run(&dir, &server, "sim-root", &[]);
    let mut lines = records(&trajectory);
    let Some(cell) = lines
        .iter_mut()
        .find(|l| l["type"] == "iteration" && l["run_id"] == 0)
        .and_then(|it| it["cells"].get_mut(0))
    else {
        panic!("no cell in {}", trajectory.display());
    };
    cell["tool_calls"] = json!([
        {"name": "search", "arguments": "[\"needle-query\",3]", "arguments_chars": 18,
         "result": "[{\"id\":7,\"text\":\"found-it\"}]", "result_chars": 28, "error": null,
         "started_ms": 5, "duration_ms": 2},
        {"name": "lookup", "arguments": "[42]", "arguments_chars": 4, "result": null,
         "result_chars": 0, "error": "the tool lookup did not answer within its time limit of 1 s",
         "started_ms": 9, "duration_ms": 1000}
    ]);
    let text = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&trajectory, text + "\n").unwrap();
    let page = view(&trajectory);
    let (_, expanded) = check_page(&browser, &trajectory, &page);
    assert!(
        expanded.dom.contains("2 tool calls (1 failed)"),
        "the cell's summary counts them"
    );
    assert_eq!(expanded.dom.matches("class=\"tool-call\"").count(), 2);
    for shown in [
        "data-tool=\"search\"",
        "needle-query",
        "found-it",
        "data-tool=\"lookup\"",
        "Error: the tool lookup did not answer within its time limit of 1 s",
    ] {
        assert!(expanded.dom.contains(shown), "{shown} is on the page");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
