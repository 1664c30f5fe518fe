//! `rlm view` and `rlm run --view` on real trajectories of runs against `sim-server` (no browser
//! needed: the page's embedded data is checked; `browser.rs` loads the pages in a browser).

use std::path::Path;

use serde_json::Value;

use crate::browser_support::{records, sim_run};
use crate::support::{SimServerProcess, assert_one_error_line, rlm, scratch_dir};

/// The JSON embedded in a viewer page.
fn page_data(page: &Path) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    let open = r#"<script type="application/json" id="rlm-data">"#;
    let start = html.find(open).expect("a data block") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn view_writes_a_page_next_to_the_trajectory_holding_all_of_it() {
    let dir = scratch_dir("view-page");
    let server = SimServerProcess::start(&["--latency-ms", "2", "--chunks", "6"]);
    let trajectory = sim_run(&dir, &server, "sim-root-batch", &[]);
    let output = rlm().arg("view").arg(&trajectory).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let page = trajectory.with_extension("html");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        page.display().to_string()
    );
    assert!(
        stderr.contains("3 iteration(s) of the top-level run, 6 sub-call(s)"),
        "{stderr}"
    );
    let data = page_data(&page);
    let lines = records(&trajectory);
    assert_eq!(data["complete"], true);
    assert_eq!(data["lines"], lines.len());
    assert_eq!(
        data["trajectory"]["metadata"]["root_model"],
        "sim-root-batch"
    );
    let embedded = data["trajectory"]["records"].as_array().unwrap();
    assert_eq!(
        embedded.len(),
        lines.len() - 1,
        "every record after the metadata"
    );
    for (embedded, line) in embedded.iter().zip(&lines[1..]) {
        assert_eq!(embedded, line, "records are embedded as written");
    }
    let details: usize = embedded
        .iter()
        .filter_map(|r| r["cells"].as_array())
        .flatten()
        .map(|c| c["subcall_details"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(details, 6, "one detail per sub-call");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from the network"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn view_reads_a_trajectory_cut_mid_line_and_refuses_a_broken_one() {
    let dir = scratch_dir("view-cut");
    let server = SimServerProcess::start(&["--latency-ms", "2", "--chunks", "3"]);
    let trajectory = sim_run(&dir, &server, "sim-root-batch", &[]);
    let text = std::fs::read_to_string(&trajectory).unwrap();
    let whole: Vec<&str> = text.lines().collect();
    // Killed while writing the fourth line (the last iteration), 40 characters in.
    let cut = format!("{}\n{}", whole[..3].join("\n"), &whole[3][..40]);
    let cut_path = dir.join("cut.jsonl");
    std::fs::write(&cut_path, cut).unwrap();
    let page = dir.join("out").join("cut.html");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let output = rlm()
        .arg("view")
        .arg(&cut_path)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("partial: the run did not finish, line 4 was cut"),
        "{stderr}"
    );
    let data = page_data(&page);
    assert_eq!(
        (data["complete"].as_bool(), data["cut_line"].as_u64()),
        (Some(false), Some(4))
    );
    assert_eq!(data["trajectory"]["records"].as_array().unwrap().len(), 2);

    let broken = dir.join("broken.jsonl");
    std::fs::write(&broken, format!("{}\nnot json\n{}\n", whole[0], whole[1])).unwrap();
    let output = rlm().arg("view").arg(&broken).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "an invalid trajectory is an input error"
    );
    assert!(assert_one_error_line(&output.stderr).contains("line 2"));
    let output = rlm()
        .arg("view")
        .arg(dir.join("missing.jsonl"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn run_view_writes_the_page_for_an_answer_and_for_a_stopped_run() {
    let dir = scratch_dir("run-view");
    let server = SimServerProcess::start(&["--latency-ms", "2", "--chunks", "4"]);
    let page = dir.join("answered.html");
    let trajectory = sim_run(
        &dir,
        &server,
        "sim-root-batch",
        &["--view", page.to_str().unwrap()],
    );
    let data = page_data(&page);
    assert_eq!(data["complete"], true);
    let outcome = data["trajectory"]["records"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(outcome["type"], "outcome");
    assert_eq!(outcome["answer"], "48213907");
    assert_eq!(
        data["source"],
        trajectory.file_name().unwrap().to_str().unwrap()
    );

    // A token budget stops the run after its first turn: the page still comes, with the error.
    let stopped = dir.join("stopped.html");
    let context = dir.join("context.txt");
    let output = rlm()
        .args([
            "run",
            "--model",
            "sim-root-batch",
            "--base-url",
            &server.url,
            "--query",
            "q",
        ])
        .arg("--context")
        .arg(&context)
        .args(["--token-budget", "100", "--quiet", "--view"])
        .arg(&stopped)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let data = page_data(&stopped);
    let outcome = data["trajectory"]["records"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (outcome["type"].as_str(), outcome["answer"].is_null()),
        (Some("outcome"), true)
    );
    assert!(
        outcome["error"].as_str().unwrap().contains("token"),
        "{outcome}"
    );

    // An unwritable --view is refused before the run.
    let output = rlm()
        .args([
            "run",
            "--model",
            "sim-root-batch",
            "--base-url",
            &server.url,
            "--query",
            "q",
        ])
        .arg("--context")
        .arg(&context)
        .args(["--view", "/definitely/not/here/x.html"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(assert_one_error_line(&output.stderr).contains("--view"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn run_view_writes_the_page_of_a_run_stopped_with_ctrl_c() {
    let dir = scratch_dir("run-view-sigint");
    // Sub-calls take ten minutes: only Ctrl-C ends this run in time.
    let server = SimServerProcess::start(&["--latency-ms", "600000", "--chunks", "3"]);
    let context = dir.join("context.txt");
    std::fs::write(&context, "The magic number is 7654321.\n".repeat(100)).unwrap();
    let (events, page) = (dir.join("events.jsonl"), dir.join("stopped.html"));
    let child = std::process::Command::new(crate::support::RLM)
        .args([
            "run",
            "--model",
            "sim-root-batch",
            "--base-url",
            &server.url,
            "--query",
            "q",
        ])
        .arg("--context")
        .arg(&context)
        .arg("--events")
        .arg(&events)
        .arg("--view")
        .arg(&page)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&events)
        .unwrap_or_default()
        .contains("\"subcall_started\"")
    {
        assert!(
            started.elapsed() < std::time::Duration::from_mins(1),
            "the batch never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!("wrote {}", page.display())),
        "{stderr}"
    );
    let data = page_data(&page);
    let records = data["trajectory"]["records"].as_array().unwrap();
    let outcome = records.last().unwrap();
    assert_eq!(
        outcome["type"], "outcome",
        "the stopped run still ends with its outcome"
    );
    assert!(
        outcome["error"].as_str().unwrap().contains("cancel"),
        "{outcome}"
    );
    assert_eq!(
        outcome["iterations"], 1,
        "the first turn finished before the batch began"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
