//! Limits: CPU time, memory, stack, output cap, host-call timeout, big contexts.

use std::time::{Duration, Instant};

use rlm_repl::{ContextValue, SandboxConfig, SandboxLimits};

use super::support::{Fake, run, sandbox_with, start};

fn limits(f: impl FnOnce(&mut SandboxLimits)) -> SandboxConfig {
    let mut config = SandboxConfig::default();
    f(&mut config.limits);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_loops_are_stopped_even_inside_try_catch() {
    let (sb, _) = sandbox_with(limits(|l| l.cpu_time_per_cell = Duration::from_millis(300)));
    for code in [
        "while (true) {}",
        "var before = 1; try { while (true) {} } catch (e) { print('swallowed') }",
        "for (;;) { try { while(true){} } catch {} }",
    ] {
        let cell = run(&sb, code).await;
        let error = cell.error.unwrap_or_default();
        assert!(
            error.starts_with("TimeoutError: the cell used more than its CPU time limit of 0.3 s"),
            "{code}: {error}"
        );
        assert!(!cell.stdout.contains("swallowed"));
    }
    assert_eq!(run(&sb, "before + 1").await.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_blocked_in_subcalls_does_not_count_as_cpu() {
    let fake = Fake::with_latency(Duration::from_millis(150));
    let config = limits(|l| l.cpu_time_per_cell = Duration::from_millis(250));
    let sb = start(config, fake).unwrap();
    let cell = run(
        &sb,
        "for (let i = 0; i < 4; i++) llm_query('x' + i); 'done'",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("'done'"));
    assert!(cell.duration >= Duration::from_millis(600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_calls_have_their_own_timeout() {
    let fake = Fake::with_latency(Duration::from_mins(1));
    let config = limits(|l| l.host_call_timeout = Duration::from_millis(100));
    let sb = start(config, fake).unwrap();
    let started = Instant::now();
    let cell = run(&sb, "[llm_query('slow'), llm_batch(['a', 'b'])[1]]").await;
    assert!(started.elapsed() < Duration::from_secs(30));
    let value = cell.value.unwrap();
    assert_eq!(
        value,
        r#"["Error: the call timed out after 0.1 s","Error: the call timed out after 0.1 s"]"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_bomb_is_stopped_and_the_sandbox_survives() {
    let (sb, _) = sandbox_with(limits(|l| l.memory_limit = Some(64 * 1024 * 1024)));
    let cell = run(
        &sb,
        "{ const a = []; while (true) a.push('x'.repeat(1 << 20) + a.length) }",
    )
    .await;
    let error = cell.error.unwrap();
    assert!(
        error.starts_with("MemoryError: out of memory (the sandbox heap limit is 64 MiB)"),
        "{error}"
    );
    assert_eq!(
        run(&sb, "[1, 2, 3].map(x => x * 2)").await.value.as_deref(),
        Some("[2,4,6]")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infinite_recursion_is_a_range_error() {
    let (sb, _) = sandbox_with(SandboxConfig::default());
    let cell = run(&sb, "function f(n) { return f(n + 1) + 1 }\nf(0)").await;
    let error = cell.error.unwrap();
    assert!(
        error.starts_with("RangeError: Maximum call stack size exceeded"),
        "{error}"
    );
    assert_eq!(run(&sb, "1 + 1").await.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_megabytes_of_output_are_cut_from_the_middle() {
    let (sb, _) = sandbox_with(SandboxConfig::default());
    let cell = run(
        &sb,
        "print('START'); for (let i = 0; i < 10000; i++) print('y'.repeat(1000)); print('END')",
    )
    .await;
    assert_eq!(cell.error, None);
    let total = 6 + 10_000 * 1001 + 4;
    assert_eq!(cell.truncated_chars, total - 20_000);
    assert!(cell.stdout.starts_with("START\n"));
    assert!(cell.stdout.ends_with("END\n"));
    assert!(
        cell.stdout
            .contains(&format!("[... {} characters omitted ...]", total - 20_000))
    );
    assert!(cell.stdout.chars().count() < 20_100);
    let long = run(&sb, "'z'.repeat(100000)").await.value.unwrap();
    assert!(long.contains("characters omitted") && long.chars().count() < 20_100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_context_loads() {
    let (sb, _) = sandbox_with(SandboxConfig::default());
    let mut text = "abcdefghij".repeat(10 * 1024 * 1024);
    text.push('é');
    let loaded = sb.load_context(ContextValue::Text(text)).await.unwrap();
    assert_eq!((loaded.index, loaded.facts.total_length), (0, 104_857_601));
    let cell = run(
        &sb,
        "[context.length, context.slice(-2), context.indexOf('j')]",
    )
    .await;
    assert_eq!(cell.value.as_deref(), Some("[104857601,\"jé\",9]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_over_an_explicit_memory_limit_is_refused_cleanly() {
    let (sb, _) = sandbox_with(limits(|l| l.memory_limit = Some(8 * 1024 * 1024)));
    let error = sb
        .load_context(ContextValue::Text("x".repeat(32 * 1024 * 1024)))
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with("could not load the context"),
        "{error}"
    );
    assert_eq!(
        run(&sb, "typeof context").await.value.as_deref(),
        Some("'undefined'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_and_catastrophic_regexes_do_not_crash() {
    // 2 s: building the deep array takes about 0.3 s in a debug build on a loaded machine.
    let (sb, _) = sandbox_with(limits(|l| l.cpu_time_per_cell = Duration::from_secs(2)));
    let cell = run(
        &sb,
        "var deep = []; for (let i = 0; i < 200000; i++) deep = [deep]; deep",
    )
    .await;
    // Too deep to show: the echo falls back to a placeholder instead of failing.
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("[array]"));
    let cell = run(&sb, "JSON.stringify(deep).length").await;
    assert!(
        cell.error
            .is_some_and(|e| e.contains("RangeError") || e.contains("stack"))
    );
    let cell = run(&sb, "/(a+)+b/.test('a'.repeat(40))").await;
    assert!(cell.error.is_some_and(|e| e.starts_with("TimeoutError")));
    run(&sb, "deep = null").await;
    assert_eq!(run(&sb, "'ok'").await.value.as_deref(), Some("'ok'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_max_limits_mean_no_limit() {
    let (sb, fake) = sandbox_with(limits(|l| {
        l.cpu_time_per_cell = Duration::MAX;
        l.host_call_timeout = Duration::MAX;
    }));
    let cell = run(
        &sb,
        "let s = 0; for (let i = 0; i < 1000; i++) s += i; [s, llm_query('a')]",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("[499500,\"Llm:a\"]"));
    assert_eq!(fake.calls.lock().unwrap().len(), 1);
    assert_eq!(run(&sb, "s + 1").await.value.as_deref(), Some("499501"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_limits_are_refused() {
    type Set = fn(&mut SandboxLimits);
    let cases: [(&str, Set); 6] = [
        ("cpu_time_per_cell", |l| {
            l.cpu_time_per_cell = Duration::ZERO;
        }),
        ("host_call_timeout", |l| {
            l.host_call_timeout = Duration::ZERO;
        }),
        ("output_cap_chars", |l| l.output_cap_chars = 0),
        ("stack_size", |l| l.stack_size = 0),
        ("memory_limit", |l| l.memory_limit = Some(0)),
        ("max_concurrent_cap", |l| l.max_concurrent_cap = 0),
    ];
    for (field, set) in cases {
        let error = start(limits(set), Fake::with_latency(Duration::ZERO)).unwrap_err();
        assert!(
            matches!(&error, rlm_repl::SandboxError::InvalidLimits(m) if m.starts_with(field)),
            "{field}: {error}"
        );
    }
    assert!(start(SandboxConfig::default(), Fake::with_latency(Duration::ZERO)).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_left_by_a_timed_out_cell_do_not_run_in_the_next_one() {
    let (sb, fake) = sandbox_with(limits(|l| l.cpu_time_per_cell = Duration::from_millis(300)));
    let cell = run(
        &sb,
        "Promise.resolve().then(() => { print('late'); FINAL('late'); llm_query('late'); while (true) {} });\n\
         while (true) {}",
    )
    .await;
    assert!(cell.error.unwrap().starts_with("TimeoutError"));
    assert!(!cell.stdout.contains("late"), "{}", cell.stdout);
    assert_eq!(cell.final_answer, None);
    let next = run(&sb, "1 + 1").await;
    assert_eq!(next.error, None);
    assert_eq!(next.value.as_deref(), Some("2"));
    assert_eq!(next.stdout, "");
    assert_eq!(next.final_answer, None);
    assert!(next.subcalls.is_empty());
    assert!(fake.calls.lock().unwrap().is_empty());
}
