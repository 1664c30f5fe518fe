//! Attacks on the sandbox's bookkeeping: strings with unpaired surrogates, huge values leaving the
//! heap, user code in inherited accessors during housekeeping, slow getters read by `FINAL_VAR`, a
//! frozen global object, misleading messages.

use std::time::{Duration, Instant};

use rlm_repl::{ContextValue, SandboxConfig, SandboxLimits};

use super::support::{run, sandbox, sandbox_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strings_split_inside_an_emoji_arrive_with_u_fffd_at_every_offset() {
    let (sb, fake) = sandbox();
    let text = "a🦀b😀c🇫🇷d";
    sb.load_context(ContextValue::Text(text.into()))
        .await
        .unwrap();
    let units = text.encode_utf16().count();
    for k in 0..=units {
        let cell = run(
            &sb,
            &format!("llm_batch([context.slice(0, {k}), context.slice({k})])"),
        )
        .await;
        assert_eq!(cell.error, None, "offset {k}");
    }
    let calls = fake.calls.lock().unwrap();
    assert_eq!(calls.len(), 2 * (units + 1));
    for (k, pair) in calls.chunks(2).enumerate() {
        let (left, right) = (&pair[0].1, &pair[1].1);
        assert!(
            !left.contains("[string]") && !right.contains("[string]"),
            "offset {k}"
        );
        // Each half keeps its length in UTF-16 units: a lone surrogate became one U+FFFD.
        assert_eq!(left.encode_utf16().count(), k, "offset {k}: {left:?}");
        assert_eq!(
            right.encode_utf16().count(),
            units - k,
            "offset {k}: {right:?}"
        );
        let joined = format!("{left}{right}");
        let lost = joined.matches('\u{FFFD}').count();
        assert!(lost <= 2, "offset {k}: {joined:?}");
        if lost == 0 {
            assert_eq!(joined, text, "offset {k}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_echo_errors_and_answers_keep_text_around_a_lone_surrogate() {
    let (sb, _) = sandbox();
    let lone = "var half = '🦀'.slice(0, 1) + 'x';";
    run(&sb, lone).await;
    let cell = run(&sb, "print('p:' + half); half").await;
    assert_eq!(cell.stdout, "p:\u{FFFD}x\n");
    assert_eq!(cell.value.as_deref(), Some("'\u{FFFD}x'"));
    let cell = run(&sb, "throw new Error('bad ' + half)").await;
    assert!(cell.error.unwrap().starts_with("Error: bad \u{FFFD}x"));
    let cell = run(&sb, "FINAL(half)").await;
    assert_eq!(cell.final_answer.as_deref(), Some("\u{FFFD}x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_print_arguments_are_never_copied_whole() {
    let (sb, _) = sandbox_with(
        SandboxConfig::default().with_limits(SandboxLimits::default().with_output_cap_chars(100)),
    );
    let started = Instant::now();
    // 1,000 references to one 1 MB string: a billion characters if copied out of the heap.
    let cell = run(
        &sb,
        "const big = 'x'.repeat(1e6); print.apply(null, new Array(1000).fill(big)); 'done'",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("'done'"));
    // The line is 1,000,000,000 characters, 999 spaces and a newline.
    let line = 1_000_000_000 + 999 + 1;
    assert_eq!(cell.truncated_chars, line - 100);
    assert!(cell.stdout.starts_with(&"x".repeat(50)) && cell.stdout.ends_with("x\n"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_echoes_errors_prompts_and_answers_are_bounded_or_refused() {
    let (sb, fake) = sandbox_with(
        SandboxConfig::default().with_limits(
            SandboxLimits::default()
                .with_output_cap_chars(1_000)
                .with_max_batch_bytes(1 << 20),
        ),
    );
    run(&sb, "var big = 'y'.repeat(5e6)").await;
    let echo = run(&sb, "big").await.value.unwrap();
    assert!(
        echo.len() < 1_200 && echo.contains("characters omitted"),
        "{}",
        echo.len()
    );
    let error = run(&sb, "throw new Error(big)").await.error.unwrap();
    assert!(
        error.len() < 1_200 && error.starts_with("Error: yyy"),
        "{}",
        error.len()
    );
    let refused = run(&sb, "llm_query(big)").await.error.unwrap();
    assert!(
        refused.starts_with("RangeError: llm_query: the prompt is 5000000 characters, more than the 1048576 one call takes"),
        "{refused}"
    );
    assert!(fake.calls.lock().unwrap().is_empty());
    let answer = run(&sb, "FINAL(big)").await;
    assert_eq!(answer.final_answer, None);
    assert!(
        answer
            .error
            .unwrap()
            .starts_with("RangeError: FINAL(value): the answer is 5000000 characters")
    );
    let by_name = sb.final_var("big").await.unwrap_err().to_string();
    assert!(by_name.contains("5000000 characters"), "{by_name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_user_code_runs_while_the_sandbox_restores_its_globals() {
    let (sb, fake) = sandbox();
    // A setter on Object.prototype.log would run if `console` were rebuilt by assignment.
    let trap = "Object.defineProperty(Object.prototype, 'log', { configurable: true, \
                get() { return undefined }, set(v) { llm_query = () => 'fake'; while (true) {} } }); 1";
    assert_eq!(run(&sb, trap).await.error, None);
    let started = Instant::now();
    let cell = run(&sb, "console.log('still here'); llm_query('real')").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(cell.error, None);
    assert_eq!(cell.stdout, "still here\n");
    assert_eq!(cell.value.as_deref(), Some("'Llm:real'"));
    assert_eq!(fake.calls.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_var_reads_a_looping_getter_under_the_cpu_limit_and_says_so() {
    let (sb, _) =
        sandbox_with(SandboxConfig::default().with_limits(
            SandboxLimits::default().with_cpu_time_per_cell(Duration::from_millis(300)),
        ));
    run(
        &sb,
        "Object.defineProperty(globalThis, 'ans', { get() { while (true) {} }, enumerable: true })",
    )
    .await;
    let started = Instant::now();
    let message = sb.final_var("ans").await.unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        message.contains("took longer than the CPU time limit"),
        "{message}"
    );
    run(&sb, "var obj = { toJSON() { while (true) {} } }").await;
    let message = sb.final_var("obj").await.unwrap_err().to_string();
    assert!(
        message.contains("took longer than the CPU time limit"),
        "{message}"
    );
    assert_eq!(run(&sb, "1 + 1").await.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_global_object_is_reported_once() {
    let (sb, _) = sandbox();
    let cell = run(&sb, "var kept = 1; Object.freeze(globalThis)").await;
    assert!(cell.error.unwrap().contains("froze the global object"));
    let again = run(&sb, "kept + 1").await;
    assert_eq!((again.error, again.value.as_deref()), (None, Some("2")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_work_cut_by_the_cpu_limit_is_not_a_success() {
    let (sb, _) =
        sandbox_with(SandboxConfig::default().with_limits(
            SandboxLimits::default().with_cpu_time_per_cell(Duration::from_millis(300)),
        ));
    let cell = run(
        &sb,
        "(async () => { await null; while (true) {} })(); 'started'",
    )
    .await;
    let error = cell.error.unwrap_or_default();
    assert!(
        error.starts_with("TimeoutError: the cell finished, but background work"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_var_reports_a_throwing_getter_as_such() {
    let (sb, _) = sandbox();
    run(&sb, "Object.defineProperty(globalThis, 'ans', { get() { throw new Error('no answer yet') }, enumerable: true })").await;
    let message = sb.final_var("ans").await.unwrap_err().to_string();
    assert!(
        message.starts_with("FINAL_VAR: reading \"ans\" threw Error: no answer yet"),
        "{message}"
    );
}
