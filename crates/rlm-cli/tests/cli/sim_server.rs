//! `rlm sim-server`: prints its URL, serves chat completions, stops cleanly and promptly on SIGTERM and
//! SIGINT (Ctrl-C), even with a request in progress.

use crate::support::SimServerProcess;

/// Sends `signal` (e.g. "-INT") to the server with `kill` and waits (at most a minute) for it to exit;
/// returns its exit status and how long it took to exit.
#[cfg(unix)]
fn stop_with(
    server: &mut SimServerProcess,
    signal: &str,
) -> (std::process::ExitStatus, std::time::Duration) {
    use std::time::{Duration, Instant};

    let pid = server.child.id().to_string();
    let started = Instant::now();
    let status = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = started + Duration::from_mins(1);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        assert!(Instant::now() < deadline, "sim-server did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(unix)]
#[test]
fn sim_server_stops_cleanly_on_sigterm() {
    let mut server = SimServerProcess::start(&["--latency-ms", "1"]);
    let (status, _) = stop_with(&mut server, "-TERM");
    assert!(status.success(), "sim-server exited with {status}");
}

#[cfg(unix)]
#[test]
fn sim_server_stops_promptly_on_sigint() {
    // Signalled right after it printed its URL: the handlers are already installed.
    let mut server = SimServerProcess::start(&["--latency-ms", "1"]);
    let (status, took) = stop_with(&mut server, "-INT");
    assert!(status.success(), "sim-server exited with {status}");
    // Idle: nothing to wait for (a generous bound; it takes milliseconds).
    assert!(took < std::time::Duration::from_millis(1500), "{took:?}");
}

#[cfg(unix)]
#[test]
fn sim_server_does_not_wait_long_for_requests_in_progress() {
    use std::io::Write;

    // A sub request that would take 30 s is in progress when Ctrl-C comes: it gets a short grace
    // (0.5 s), not the library's 5 s.
    let mut server = SimServerProcess::start(&["--latency-ms", "30000"]);
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/v1");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let body = r#"{"model":"sim-sub","messages":[{"role":"user","content":"chunk"}]}"#;
    write!(
        stream,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, took) = stop_with(&mut server, "-INT");
    assert!(status.success(), "sim-server exited with {status}");
    assert!(took < std::time::Duration::from_secs(4), "{took:?}");
    drop(stream);
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
