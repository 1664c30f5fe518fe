//! Start-up and shutdown: dropping sandboxes ends their threads, also mid-call.

use std::time::{Duration, Instant};

use rlm_repl::{Sandbox, SandboxConfig};

use super::support::{Fake, run, sandbox};

/// Number of OS threads of this process.
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
}

/// Waits (generously) until the thread count is back at or below `limit`.
async fn settles_at(limit: usize) -> bool {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if thread_count() <= limit {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_sandboxes_leave_no_threads_behind() {
    let _ = sandbox();
    let before = thread_count();
    for i in 0..2000 {
        let (sb, _) = sandbox();
        if i % 100 == 0 {
            assert_eq!(run(&sb, "1 + 1").await.value.as_deref(), Some("2"));
        }
    }
    // Other tests of this binary run in parallel and own threads too: allow a small margin.
    assert!(
        settles_at(before + 8).await,
        "threads: before {before}, now {}",
        thread_count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_sandbox_blocked_in_a_host_call_or_a_loop_ends_its_thread() {
    let before = thread_count();
    let mut pending = Vec::new();
    for code in [
        "llm_query('never answers')",
        "while (true) {}",
        "for (;;) { try { llm_query('x') } catch {} }",
    ] {
        let sb = std::sync::Arc::new(
            Sandbox::new(
                SandboxConfig::default(),
                Fake::with_latency(Duration::from_hours(1)),
            )
            .unwrap(),
        );
        let running = sb.clone();
        let task = tokio::spawn(async move { running.execute(code).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(sb);
        pending.push(task);
    }
    for task in pending {
        // The task still holds one reference: the shutdown only happens once both are gone.
        task.abort();
        let _ = task.await;
    }
    assert!(
        settles_at(before + 4).await,
        "threads: before {before}, now {}",
        thread_count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_outside_a_runtime_is_an_error() {
    let handle = std::thread::spawn(|| {
        Sandbox::new(SandboxConfig::default(), Fake::with_latency(Duration::ZERO))
            .unwrap_err()
            .to_string()
    });
    assert!(handle.join().unwrap().contains("inside a tokio runtime"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_is_small() {
    let (sb, _) = sandbox();
    assert!(format!("{sb:?}").starts_with("Sandbox"));
    let context = rlm_repl::ContextValue::Text("secret-ish".repeat(1000));
    assert_eq!(format!("{context:?}"), "ContextValue::Text(10000 bytes)");
}
