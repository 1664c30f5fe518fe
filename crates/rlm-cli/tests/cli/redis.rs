//! The shared quota on Redis (`--redis`), for real: `rlm run` worker processes against the simulated
//! server in this process (whose counters are read directly) and a `redis-server` of the test's own.
//! Each test runs a control without the shared quota first where that shows what it prevents.

use std::time::{Duration, Instant};

use crate::redis_support::{MODEL, RedisProcess, Sim, all_succeed, context_file, worker};
use crate::support::{assert_one_error_line, rlm, scratch_dir};

/// The quota: 300 requests per minute, 5 a second, with GCRA's burst of one second's worth (5).
const RPM: &str = "300";
/// The window the server counts requests over, and the most a 300/min quota lets through in it:
/// the burst plus one per 200 ms, plus one for the jitter between Redis's clock (where a request is
/// admitted) and its arrival at the server.
const WINDOW: Duration = Duration::from_secs(10);
const MOST_IN_WINDOW: usize = 5 + 50 + 1;

#[test]
fn an_unreachable_redis_fails_at_start_naming_it_without_the_password() {
    let dir = scratch_dir("redis-unreachable");
    let context = context_file(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = rlm()
        .args([
            "run",
            "--model",
            MODEL,
            "--base-url",
            "http://127.0.0.1:1/v1",
        ])
        .args(["--query", "q", "--context"])
        .arg(&context)
        .arg("--redis")
        .arg(format!("redis://:hunter2@127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = assert_one_error_line(&output.stderr);
    assert!(
        line.contains(&format!(
            "could not reach Redis at redis://127.0.0.1:{port}"
        )),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn four_workers_share_one_request_quota_and_one_alone_gets_all_of_it() {
    let Some(redis) = RedisProcess::start("four_workers_share_one_request_quota") else {
        return;
    };
    let dir = scratch_dir("redis-rpm");
    let context = context_file(&dir);
    let url = redis.url();
    // Control: --rpm per process lets 4 processes send 4 times the quota.
    let sim = Sim::start(Duration::from_millis(5), 13);
    let base = sim.server.base_url();
    all_succeed(
        (0..4)
            .map(|_| worker(&base, &context, &["--rpm", RPM]))
            .collect(),
    );
    let total = sim.server.requests_served() as usize;
    assert!(total >= 4 * 14, "{total} requests");
    let per_process = sim.server.most_requests_in_window(WINDOW);
    assert!(
        per_process > MOST_IN_WINDOW,
        "4 unshared limiters sent only {per_process} in {WINDOW:?}"
    );
    // Shared: the same work through one quota on Redis.
    let sim = Sim::start(Duration::from_millis(5), 13);
    let base = sim.server.base_url();
    let shared = ["--rpm", RPM, "--redis", &url, "--redis-prefix", "rpm-4"];
    all_succeed((0..4).map(|_| worker(&base, &context, &shared)).collect());
    let most = sim.server.most_requests_in_window(WINDOW);
    assert_eq!(sim.server.requests_served() as usize, total);
    assert!(most <= MOST_IN_WINDOW, "{most} requests in {WINDOW:?}");
    // Alone: one worker with as much work gets the whole quota (a window nearly full).
    let sim = Sim::start(Duration::from_millis(5), 4 * 14);
    let base = sim.server.base_url();
    let alone = ["--rpm", RPM, "--redis", &url, "--redis-prefix", "rpm-1"];
    all_succeed(vec![worker(&base, &context, &alone)]);
    let most = sim.server.most_requests_in_window(WINDOW);
    assert!(
        (40..=MOST_IN_WINDOW).contains(&most),
        "one worker alone sent {most} requests in {WINDOW:?}"
    );
}

#[test]
fn a_shared_concurrency_cap_of_8_holds_across_4_workers() {
    let Some(redis) = RedisProcess::start("a_shared_concurrency_cap_of_8_holds") else {
        return;
    };
    let dir = scratch_dir("redis-cap");
    let context = context_file(&dir);
    let url = redis.url();
    let sim = Sim::start(Duration::from_millis(150), 24);
    let base = sim.server.base_url();
    all_succeed((0..4).map(|_| worker(&base, &context, &[])).collect());
    let unshared = sim.server.stats().peak_concurrent;
    assert!(unshared > 8, "without the cap the peak was only {unshared}");
    let sim = Sim::start(Duration::from_millis(150), 24);
    let base = sim.server.base_url();
    let capped = ["--redis", &url, "--redis-max-concurrent", "8"];
    all_succeed((0..4).map(|_| worker(&base, &context, &capped)).collect());
    let stats = sim.server.stats();
    assert!(stats.peak_concurrent <= 8, "{stats:?}");
    assert!(stats.sub_requests >= 4 * 24, "{stats:?}");
}

#[test]
fn a_killed_workers_slots_come_back_within_the_lease_time() {
    let Some(redis) = RedisProcess::start("a_killed_workers_slots_come_back") else {
        return;
    };
    let dir = scratch_dir("redis-kill");
    let context = context_file(&dir);
    let url = redis.url();
    let key = format!("kill:openai:{MODEL}:nokey:slots");
    let lease = Duration::from_secs(2);
    // Sub-calls that take far longer than the test: the worker holds its 8 slots until killed.
    let sim = Sim::start(Duration::from_mins(1), 10);
    let flags = [
        "--redis",
        &url,
        "--redis-prefix",
        "kill",
        "--redis-max-concurrent",
        "8",
        "--redis-lease-time",
        "2s",
    ];
    let mut held = worker(&sim.server.base_url(), &context, &flags);
    let started = Instant::now();
    while redis.live_leases(&key) < 8 {
        assert!(started.elapsed() < Duration::from_secs(20), "no 8 leases");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Refreshed while held: still all there after more than a lease time.
    std::thread::sleep(lease + Duration::from_secs(1));
    assert_eq!(redis.live_leases(&key), 8);
    held.kill().unwrap();
    held.wait().unwrap();
    let killed = Instant::now();
    while redis.live_leases(&key) > 0 {
        assert!(
            killed.elapsed() < lease + Duration::from_millis(1500),
            "the killed worker's leases outlived the lease time"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Another worker gets every slot back.
    let fast = Sim::start(Duration::from_millis(5), 10);
    all_succeed(vec![worker(&fast.server.base_url(), &context, &flags)]);
}

#[test]
fn redis_stopped_mid_eval_fails_calls_naming_redis_and_keeps_written_results() {
    let Some(mut redis) = RedisProcess::start("redis_stopped_mid_eval") else {
        return;
    };
    let dir = scratch_dir("redis-stop");
    let tasks = dir.join("tasks.jsonl");
    let out = dir.join("results.jsonl");
    let generated = rlm()
        .args(["eval", "gen", "niah", "-n", "5", "--size", "5000", "-o"])
        .arg(&tasks)
        .output()
        .unwrap();
    assert!(generated.status.success());
    let sim = Sim::start(Duration::from_millis(5), 4);
    let mut eval = std::process::Command::new(crate::support::RLM)
        .args(["eval", "run"])
        .arg(&tasks)
        .arg("-o")
        .arg(&out)
        .args(["--model", MODEL, "--base-url", &sim.server.base_url()])
        .args(["--jobs", "1", "--rpm", "120", "--redis", &redis.url()])
        .args(["--retries", "0", "--retry-deadline", "2s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let read = || std::fs::read_to_string(&out).unwrap_or_default();
    while read().lines().count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no result");
        std::thread::sleep(Duration::from_millis(10));
    }
    redis.stop();
    let written = read();
    std::thread::sleep(Duration::from_millis(300));
    let sent = sim.server.requests_served();
    eval.wait().unwrap();
    let after = read();
    assert!(after.starts_with(&written), "a written result changed");
    let lines: Vec<serde_json::Value> = after
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{after}");
    let failed: Vec<_> = lines.iter().filter(|l| l["finished"] == "error").collect();
    assert!(!failed.is_empty() && failed.len() < 5, "{after}");
    for line in failed {
        let text = line.to_string();
        assert!(
            text.contains("shared quota on Redis at redis://127.0.0.1"),
            "{text}"
        );
    }
    assert_eq!(
        sim.server.requests_served(),
        sent,
        "a request reached the provider after Redis stopped"
    );
}
