//! `rlm sim-server`: prints its URL, serves chat completions, stops cleanly on SIGTERM.

use crate::support::SimServerProcess;

#[cfg(unix)]
#[test]
fn sim_server_stops_cleanly_on_sigterm() {
    use std::time::{Duration, Instant};

    let mut server = SimServerProcess::start(&["--latency-ms", "1"]);
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "sim-server exited with {status}");
            break;
        }
        assert!(Instant::now() < deadline, "sim-server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sim_server_refuses_a_busy_port() {
    let first = SimServerProcess::start(&[]);
    let port = first
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/v1");
    let output = crate::support::rlm()
        .args(["sim-server", "--port", port])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let line = crate::support::assert_one_error_line(&output.stderr);
    assert!(line.contains("could not listen"), "{line}");
}
