//! What the in-thread sandbox does with a cell stuck in a native built-in: it cannot stop it, so it
//! stops waiting at the CPU limit plus the grace period, tells the model, and refuses later requests.

use std::time::{Duration, Instant};

use rlm_repl::{SandboxConfig, SandboxError, SandboxLimits};

use crate::cases::support::{run, sandbox_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_stuck_in_a_native_search_makes_the_sandbox_unresponsive_not_hung() {
    let (sandbox, _) = sandbox_with(
        SandboxConfig::default()
            .with_limits(SandboxLimits::default().with_cpu_time_per_cell(Duration::from_secs(1))),
    );
    run(&sandbox, "var kept = 1").await;
    let started = Instant::now();
    // Minutes of native work on any machine (a naive search, 1e10 steps): the detached thread is
    // still in it when the test binary exits. A shorter search finished within the grace period
    // on a fast CI machine.
    let cell = run(&sandbox, "'a'.repeat(2e5).indexOf('a'.repeat(1e5) + 'b')").await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(cell.value, None);
    let error = cell.error.unwrap_or_default();
    assert!(
        error.contains("This in-thread sandbox cannot stop it and is unusable"),
        "{error}"
    );
    let started = Instant::now();
    let later = sandbox.execute("kept").await.unwrap_err();
    assert!(matches!(later, SandboxError::Unresponsive(_)), "{later}");
    assert!(started.elapsed() < Duration::from_millis(100));
    assert!(sandbox.variables().await.is_err());
}
