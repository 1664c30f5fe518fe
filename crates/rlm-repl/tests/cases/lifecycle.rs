//! Start-up and shutdown: dropping sandboxes ends their threads, also mid-call.

use std::time::{Duration, Instant};

use rlm_repl::SandboxConfig;

use super::support::{Fake, run, sandbox, start};

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
            start(
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
        start(SandboxConfig::default(), Fake::with_latency(Duration::ZERO))
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

#[test]
fn sandbox_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<rlm_repl::Sandbox>();
    assert_send_sync::<rlm_repl::CellResult>();
}

#[tokio::test]
async fn works_on_a_current_thread_runtime_with_timers() {
    let sb = start(
        SandboxConfig::default(),
        Fake::with_latency(Duration::from_millis(20)),
    )
    .unwrap();
    let cell = run(&sb, "[llm_query('a'), ...llm_batch(['b', 'c'])].join()").await;
    assert_eq!(cell.value.as_deref(), Some("'Llm:a,Llm:b,Llm:c'"));
}

/// Answers `rlm_query` by running the prompt as code in a child sandbox.
struct Recursive;

#[async_trait::async_trait]
impl rlm_repl::SubcallHandler for Recursive {
    async fn query(
        &self,
        _: rlm_repl::SubcallKind,
        prompt: String,
        _: rlm_repl::QueryOptions,
    ) -> Result<String, rlm_repl::SubcallError> {
        let config = SandboxConfig::default().with_recursive_functions(true);
        let failed = |e: rlm_repl::SandboxError| rlm_repl::SubcallError::provider(e.to_string());
        let child = start(config, std::sync::Arc::new(Recursive)).map_err(failed)?;
        let cell = child.execute(&prompt).await.map_err(failed)?;
        Ok(cell.final_answer.unwrap_or_default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandboxes_nest_through_the_handler() {
    let config = SandboxConfig::default().with_recursive_functions(true);
    let sb = start(config, std::sync::Arc::new(Recursive)).unwrap();
    let cell = run(
        &sb,
        r#"rlm_query("FINAL('child ' + rlm_query(\"FINAL('grandchild')\"))")"#,
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("'child grandchild'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_execute_future_cancels_the_cell() {
    use std::sync::atomic::Ordering;
    // CPU limit 30 s, host-call timeout 15 minutes, a handler that takes a minute.
    let fake = Fake::with_latency(Duration::from_mins(1));
    let sb = start(SandboxConfig::default(), fake.clone()).unwrap();
    let prompt_start = Duration::from_secs(10);
    assert_eq!(run(&sb, "1").await.value.as_deref(), Some("1"));

    let busy = tokio::time::timeout(
        Duration::from_millis(500),
        sb.execute("var spun = 1; while (true) {}"),
    )
    .await;
    assert!(busy.is_err(), "the busy loop should still be running");
    let started = Instant::now();
    assert_eq!(run(&sb, "spun + 1").await.value.as_deref(), Some("2"));
    assert!(started.elapsed() < prompt_start, "{:?}", started.elapsed());

    let blocked = sb.execute("var asked = llm_query('slow'); 'done'");
    tokio::select! {
        _ = blocked => panic!("the slow query should still be running"),
        () = async {
            while fake.in_flight.load(Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        } => {}
    }
    let started = Instant::now();
    let cell = run(&sb, "[typeof asked, 1 + 1]").await;
    assert!(started.elapsed() < prompt_start, "{:?}", started.elapsed());
    assert_eq!(cell.value.as_deref(), Some("[\"undefined\",2]"));
    assert_eq!(fake.cancelled.load(Ordering::SeqCst), 1);
    assert_eq!(fake.in_flight.load(Ordering::SeqCst), 1);
}
