//! llm_batch: order, failures, concurrency, clamping, tampered prototypes.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rlm_repl::SandboxConfig;

use super::support::{Fake, run, sandbox, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_keep_order_and_failures_are_error_strings() {
    let (sb, fake) = sandbox();
    let cell = run(&sb, "llm_batch(['a', 'please fail', 'c'])").await;
    assert_eq!(
        cell.value.as_deref(),
        Some("[\"Llm:a\",\"Error: model refused please fail\",\"Llm:c\"]")
    );
    assert_eq!(cell.subcalls.len(), 3);
    assert!(cell.subcalls[1].error && !cell.subcalls[0].error);
    assert_eq!(*fake.batch_limits.lock().unwrap(), [10]);
    assert_eq!(run(&sb, "llm_batch([])").await.value.as_deref(), Some("[]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_is_accepted_both_ways_and_clamped_to_the_cap() {
    let (sb, fake) = sandbox();
    run(&sb, "llm_batch(['a'], 3); llm_batch(['a'], {max_concurrent: 5}); llm_batch(['a'], 1000); await llm_batch(['a'], {})").await;
    assert_eq!(*fake.batch_limits.lock().unwrap(), [3, 5, 16, 10]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_prompts_run_concurrently_within_the_limit() {
    let latency = Duration::from_millis(50);
    let fake = Fake::with_latency(latency);
    let sb = start(SandboxConfig::default(), fake.clone()).unwrap();
    let started = Instant::now();
    let cell = run(
        &sb,
        "llm_batch(Array.from({length: 16}, (_, i) => 'p' + i), 16).length",
    )
    .await;
    let elapsed = started.elapsed();
    assert_eq!(cell.value.as_deref(), Some("16"));
    assert!(elapsed < latency * 16 / 2, "took {elapsed:?}");
    // All 16 are started in the same poll (the default batch buffers up to max_concurrent).
    assert_eq!(fake.peak.load(Ordering::SeqCst), 16);

    fake.peak.store(0, Ordering::SeqCst);
    run(
        &sb,
        "llm_batch(Array.from({length: 12}, (_, i) => 'q' + i), 3)",
    )
    .await;
    assert_eq!(fake.peak.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_builtins_do_not_break_the_bridge() {
    let (sb, _) = sandbox();
    run(&sb, "Array.prototype.map = () => { throw new Error('hijacked') }; Array.prototype.push = null; \
        JSON.stringify = () => 'nope'; Object.prototype.toString = null; String.prototype.toString = () => 'bad'; \
        Array.isArray = () => false; Promise.prototype.then = null").await;
    let cell = run(
        &sb,
        "const r = llm_batch(['a', 'b'], {max_concurrent: 2}); print(r[0], r[1]); [llm_query('c')]",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.stdout, "Llm:a Llm:b\n");
    assert_eq!(cell.value.as_deref(), Some("[\"Llm:c\"]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_array_lengths_are_refused_without_allocating() {
    let (sb, fake) = sandbox();
    for exponent in ["2**31 - 1", "2**32 - 1"] {
        let code = format!("const a = []; a.length = {exponent}; llm_batch(a)");
        let error = run(&sb, &code).await.error.unwrap_or_default();
        assert!(
            error.starts_with(&format!(
                "RangeError: llm_batch(prompts, max_concurrent?): at most {} prompts per call",
                rlm_repl::SandboxLimits::default().max_batch_items
            )),
            "{exponent}: {error}"
        );
    }
    let error = run(
        &sb,
        "llm_batch(new Proxy([], { get: (t, k) => k === 'length' ? 'many' : t[k] }))",
    )
    .await
    .error
    .unwrap_or_default();
    assert!(
        error.starts_with(
            "TypeError: llm_batch(prompts, max_concurrent?): prompts must be an array"
        ),
        "{error}"
    );
    assert!(fake.calls.lock().unwrap().is_empty());
    assert_eq!(
        run(&sb, "llm_batch(['a', 'b']).length")
            .await
            .value
            .as_deref(),
        Some("2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_the_byte_cap_fails_before_any_copy_or_call() {
    let config = rlm_repl::SandboxConfig::default()
        .with_limits(rlm_repl::SandboxLimits::default().with_max_batch_bytes(1024 * 1024));
    let (sb, fake) = super::support::sandbox_with(config);
    sb.load_context("x".repeat(200 * 1024).into())
        .await
        .unwrap();
    // 1,000 copies of a 200 KiB context would be 200 MiB outside the JavaScript heap.
    let cell = run(&sb, "llm_batch(Array(1000).fill(context))").await;
    let error = cell.error.unwrap_or_default();
    assert!(
        error.starts_with("RangeError: llm_batch(prompts, max_concurrent?): the prompts hold more than 1048576 bytes"),
        "{error}"
    );
    assert!(fake.calls.lock().unwrap().is_empty());
    // Five copies fit, and the byte count is of UTF-8: 5 × 200 KiB of 'é' (2 bytes) does not.
    let cell = run(&sb, "llm_batch(Array(5).fill(context)).length").await;
    assert_eq!(cell.value.as_deref(), Some("5"));
    let cell = run(
        &sb,
        "llm_batch(Array(3).fill('é'.repeat(200 * 1024))).length",
    )
    .await;
    assert!(
        cell.error.unwrap_or_default().starts_with("RangeError"),
        "UTF-8 bytes count"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_the_item_cap_is_refused() {
    let config = rlm_repl::SandboxConfig::default()
        .with_limits(rlm_repl::SandboxLimits::default().with_max_batch_items(3));
    let (sb, fake) = super::support::sandbox_with(config);
    let cell = run(&sb, "llm_batch(['a', 'b', 'c', 'd'])").await;
    assert!(cell.error.unwrap_or_default().starts_with(
        "RangeError: llm_batch(prompts, max_concurrent?): at most 3 prompts per call, got 4"
    ),);
    assert!(fake.calls.lock().unwrap().is_empty());
    assert_eq!(
        run(&sb, "llm_batch(['a', 'b', 'c']).length")
            .await
            .value
            .as_deref(),
        Some("3")
    );
}
