//! What only a process sandbox can do: kill a cell stuck in a native built-in (the interpreter
//! never checks its interrupt there), survive a child that dies, restart with the contexts
//! reloaded, and say plainly what was lost.

use std::time::{Duration, Instant};

use rlm_repl::{ContextValue, Sandbox, SandboxConfig, SandboxLimits};
use rustix::process::{Pid, Signal, kill_process};

use crate::cases::support::{run, sandbox_with};

/// Runs forever inside `Array.prototype.join`, never reaching an interrupt check.
const NATIVE_LOOP: &str = "Array.prototype.join.call({ length: 2 ** 53 - 1 }, '')";
/// A quadratic search inside `indexOf`: about a minute of native work.
const NATIVE_SEARCH: &str = "'a'.repeat(4e5).indexOf('a'.repeat(2e5) + 'b')";

/// A process sandbox whose cells may use one second of CPU (killed about 2.1 s later).
fn quick() -> Sandbox {
    let limits = SandboxLimits::default().with_cpu_time_per_cell(Duration::from_secs(1));
    sandbox_with(SandboxConfig::default().with_limits(limits)).0
}

fn kill(sandbox: &Sandbox) {
    let pid = sandbox.process_id().expect("a running child");
    let pid = Pid::from_raw(pid as i32).unwrap();
    kill_process(pid, Signal::KILL).unwrap();
}

/// The second run of a cell whose first run killed the child: variables are gone, contexts are back.
async fn assert_restarted_with_context(sandbox: &Sandbox, text: &str) {
    let after = run(sandbox, "typeof kept").await;
    assert_eq!(after.value.as_deref(), Some("'undefined'"), "{after:?}");
    let after = run(sandbox, "context").await;
    assert_eq!(after.value.as_deref(), Some(format!("'{text}'").as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_native_loop_is_killed_and_the_next_cell_finds_its_context_again() {
    let sandbox = quick();
    sandbox.load_context("abc".into()).await.unwrap();
    run(&sandbox, "var kept = 1").await;
    let first_child = sandbox.process_id();
    let started = Instant::now();
    let cell = run(&sandbox, NATIVE_LOOP).await;
    let took = started.elapsed();
    // The limit (1 s) plus the grace (2 s + 0.1 s), plus time to kill and restart.
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(took >= Duration::from_secs(3), "{took:?}");
    let error = cell.error.unwrap_or_default();
    assert!(
        error.starts_with(
            "TimeoutError: the cell ran past its CPU time limit of 1 s inside a built-in"
        ),
        "{error}"
    );
    let restart = cell.restart.unwrap_or_default();
    assert!(
        restart.contains("every variable and function defined in earlier cells is lost"),
        "{restart}"
    );
    assert!(
        restart.contains("`context` (context_0) was reloaded"),
        "{restart}"
    );
    assert_ne!(sandbox.process_id(), first_child);
    assert_restarted_with_context(&sandbox, "abc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_native_search_is_killed_not_reported_as_a_success() {
    let sandbox = quick();
    let started = Instant::now();
    let cell = run(&sandbox, NATIVE_SEARCH).await;
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(cell.value, None);
    assert!(cell.error.unwrap_or_default().starts_with("TimeoutError"));
    assert_eq!(run(&sandbox, "1 + 1").await.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_come_back_in_order_after_a_restart() {
    let sandbox = quick();
    sandbox.load_context("first".into()).await.unwrap();
    let json = ContextValue::Json(serde_json::json!(["x", "yy"]));
    sandbox.load_context(json).await.unwrap();
    let cell = run(&sandbox, NATIVE_LOOP).await;
    assert!(
        cell.restart
            .unwrap_or_default()
            .contains("`context` and context_0 .. context_1 were reloaded")
    );
    let cell = run(
        &sandbox,
        "[context_0, context_1.length, context === context_1]",
    )
    .await;
    assert_eq!(cell.value.as_deref(), Some(r#"["first",2,true]"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_killed_between_cells_is_replaced_and_the_next_cell_is_told() {
    let (sandbox, _) = sandbox_with(SandboxConfig::default());
    sandbox.load_context("abc".into()).await.unwrap();
    run(&sandbox, "var kept = 1").await;
    kill(&sandbox);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let cell = run(&sandbox, "typeof kept").await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("'undefined'"));
    let restart = cell.restart.unwrap_or_default();
    assert!(
        restart.starts_with("The sandbox process had died between cells (was killed by signal 9"),
        "{restart}"
    );
    assert!(restart.contains("was reloaded"), "{restart}");
    // Told once.
    assert_eq!(run(&sandbox, "1").await.restart, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_killed_during_a_cell_fails_that_cell_and_is_replaced() {
    let (sandbox, _) = sandbox_with(SandboxConfig::default());
    sandbox.load_context("abc".into()).await.unwrap();
    run(&sandbox, "var kept = 1").await;
    let (cell, ()) = tokio::join!(run(&sandbox, "while (true) {}"), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        kill(&sandbox);
    });
    let error = cell.error.unwrap_or_default();
    assert!(
        error.starts_with("SandboxError: the sandbox process died (was killed by signal 9"),
        "{error}"
    );
    assert!(cell.restart.is_some());
    assert_restarted_with_context(&sandbox, "abc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_var_on_a_getter_stuck_in_a_native_loop_is_killed_and_says_so() {
    let sandbox = quick();
    let getter = format!(
        "Object.defineProperty(globalThis, 'ans', {{ get() {{ return {NATIVE_LOOP} }}, enumerable: true }}); 0"
    );
    run(&sandbox, &getter).await;
    let started = Instant::now();
    let message = sandbox.final_var("ans").await.unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(6));
    assert!(
        message.starts_with("FINAL_VAR: reading \"ans\" ran past the CPU time limit of 1 s"),
        "{message}"
    );
    assert!(message.contains("The sandbox was restarted"), "{message}");
    // The next cell is told too: the model may not have seen the FINAL_VAR message.
    assert!(run(&sandbox, "1").await.restart.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_cell_stuck_in_a_native_loop_is_killed_soon_after() {
    let sandbox = quick();
    let cancelled =
        tokio::time::timeout(Duration::from_millis(300), run(&sandbox, NATIVE_LOOP)).await;
    assert!(cancelled.is_err());
    let started = Instant::now();
    let cell = run(&sandbox, "2 + 2").await;
    // One second for the child to stop by itself, then the kill and a restart.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(cell.value.as_deref(), Some("4"));
    assert!(cell.restart.is_some(), "the cell after a restart says so");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_cell_that_stops_keeps_the_child_and_its_variables() {
    let (sandbox, _) = sandbox_with(SandboxConfig::default());
    run(&sandbox, "var kept = 7").await;
    let pid = sandbox.process_id();
    let cancelled =
        tokio::time::timeout(Duration::from_millis(200), run(&sandbox, "while (true) {}")).await;
    assert!(cancelled.is_err());
    let cell = run(&sandbox, "kept").await;
    assert_eq!((cell.value.as_deref(), cell.restart), (Some("7"), None));
    assert_eq!(sandbox.process_id(), pid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_that_is_not_a_sandbox_child_fails_the_first_request_with_advice() {
    let options = rlm_repl::ProcessOptions::default().with_program("/bin/true");
    let config = SandboxConfig::default().with_isolation(rlm_repl::Isolation::Process(options));
    let sandbox = Sandbox::new(
        config,
        crate::cases::support::Fake::with_latency(Duration::ZERO),
    )
    .unwrap();
    let error = sandbox.execute("1").await.unwrap_err().to_string();
    assert!(
        error.contains("exited with status 0 before it was ready"),
        "{error}"
    );
    assert!(
        error.contains("rlm_repl::run_sandbox_child_if_requested()"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_child_runs_confined_and_dies_with_its_sandbox() {
    let (sandbox, _) = sandbox_with(SandboxConfig::default());
    run(&sandbox, "1").await;
    let confinement = sandbox.confinement().unwrap();
    #[cfg(target_os = "linux")]
    assert!(confinement.resource_limits, "{confinement:?}");
    let pid = sandbox.process_id().unwrap();
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists());
    drop(sandbox);
    let deadline = Instant::now() + Duration::from_secs(5);
    let gone =
        || std::fs::read_to_string(proc_dir.join("stat")).map_or(true, |s| s.contains(") Z "));
    while !gone() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone(), "the child outlived its sandbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_child_has_its_own_process_group_so_a_terminal_ctrl_c_does_not_reach_it() {
    let sandbox = quick();
    run(&sandbox, "1").await;
    let child = Pid::from_raw(sandbox.process_id().expect("a running child") as i32).unwrap();
    let group = rustix::process::getpgid(Some(child)).unwrap();
    assert_eq!(group, child, "the child leads its own group");
    assert_ne!(Some(group), rustix::process::getpgid(None).ok());
}
