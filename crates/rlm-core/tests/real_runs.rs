//! What real runs need: named sub-models code may choose (and nothing else), prompts checked against
//! the sub-model's window, the default sub-call cap, the budget line of each turn, the bound on live
//! child sandboxes, the context-size cap and the facts the model is told about its context.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rlm_client::{ContextWindows, Price, PriceTable};
use rlm_core::{Context, ContextFormat, Limits, Rlm, RlmError};

use crate::support::{Scripted, is_root_turn, last_user, repl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_may_choose_only_the_named_sub_models() {
    let code = repl(
        "var a = llm_query('x', { model: 'fast' }); var b = llm_query('y'); \
         var c = llm_query('z', { model: 'gpt-9-ultra' }); print(JSON.stringify([a, b, c]))",
    );
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(done)"]));
    let default_sub = Arc::new(Scripted::echo("big-sub"));
    let fast = Arc::new(Scripted::echo("small-model"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(default_sub.clone())
        .sub_model("fast", "a small model for extraction", fast.clone())
        .build()
        .unwrap();
    rlm.completion("c", "q").await.unwrap();
    assert_eq!((fast.calls(), default_sub.calls()), (1, 1));
    let output = last_user(&root.requests()[1]);
    assert!(output.contains(r#""echo:x","echo:y""#), "{output}");
    assert!(
        output.contains(r#"Error: unknown sub-model \"gpt-9-ultra\"; the sub-models of this run are \"big-sub\", \"fast\""#),
        "{output}"
    );
    // The system prompt lists both, with the description, and offers the `model` option.
    let system = &root.requests()[0].messages[0].content;
    assert!(
        system.contains("- `fast`: a small model for extraction"),
        "{system}"
    );
    assert!(system.contains("- `big-sub` (the default)"), "{system}");
    assert!(
        system.contains("{ model, max_tokens, temperature, system }"),
        "{system}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_budget_needs_a_price_for_every_reachable_model() {
    let build = |prices: PriceTable| {
        Rlm::builder()
            .root(Scripted::echo("root"))
            .sub_model("fast", "", Scripted::echo("small-model"))
            .limits(Limits::default().with_cost_budget_usd(1.0))
            .prices(prices)
            .build()
            .map_err(|e| e.to_string())
    };
    let error = build(PriceTable::new().with("root", Price::new(1.0, 1.0))).unwrap_err();
    assert!(error.contains("no price: small-model"), "{error}");
    let priced = PriceTable::new()
        .with("root", Price::new(1.0, 1.0))
        .with("small-model", Price::new(0.1, 0.1));
    assert!(build(priced).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_over_the_sub_models_window_fails_without_a_call() {
    let code = repl(
        "var big = llm_query('x'.repeat(2000)); var ok = llm_query('short'); \
         var items = llm_batch(['y'.repeat(2000), 'fine']); print(JSON.stringify([big, ok, items]))",
    );
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(done)"]));
    let sub = Arc::new(Scripted::echo("tiny"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(sub.clone())
        .context_windows(ContextWindows::none().with("tiny", 100))
        .build()
        .unwrap();
    rlm.completion("c", "q").await.unwrap();
    assert_eq!(
        sub.calls(),
        2,
        "only the prompts that fit reach the provider"
    );
    let output = last_user(&root.requests()[1]);
    assert!(
        output
            .contains("Error: prompt of ~504 tokens exceeds tiny's window of 100 tokens; split it"),
        "{output}"
    );
    assert!(
        output.contains("echo:short") && output.contains("echo:fine"),
        "{output}"
    );
    // The prompt's per-prompt budget follows the window (3 characters per token).
    let system = &root.requests()[0].messages[0].content;
    assert!(
        system.contains("about 300 characters per prompt"),
        "{system}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_calls_are_capped_at_1000_by_default_and_each_turn_says_what_is_left() {
    let code =
        repl("var r = llm_batch(Array.from({length: 3}, (_, i) => 'p' + i)); print(r.length)");
    let big = repl("var s = llm_batch(Array.from({length: 1000}, (_, i) => 'q' + i)); print(s[0])");
    let root = Arc::new(Scripted::replies("root", &[&code, &big, "FINAL(x)"]));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(Scripted::echo("sub"))
        .build()
        .unwrap();
    let error = rlm.completion("c", "q").await.unwrap_err();
    assert!(
        matches!(error, RlmError::SubcallLimit { limit: 1000, .. }),
        "{error:?}"
    );
    let second_turn = last_user(&root.requests()[1]);
    assert!(
        second_turn.contains("Budget left: 997 of 1,000 sub-calls."),
        "{second_turn}"
    );
    // Lifting the cap lets the same run finish.
    let root = Arc::new(Scripted::replies("root", &[&code, &big, "FINAL(x)"]));
    let rlm = Rlm::builder()
        .root(root)
        .sub_client(Scripted::echo("sub"))
        .limits(Limits::default().with_max_subcalls(None))
        .build()
        .unwrap();
    assert_eq!(rlm.completion("c", "q").await.unwrap().answer, "x");
}

/// A sub client playing child runs: a child's first turn holds 100 ms of sub-calls, then it answers.
fn slow_child(live: Arc<AtomicUsize>, peak: Arc<AtomicUsize>) -> Scripted {
    Scripted::new("child", move |request, _| {
        if !is_root_turn(request) {
            return Ok("leaf".to_owned());
        }
        let turns = request
            .messages
            .iter()
            .filter(|m| m.role == rlm_client::Role::Assistant)
            .count();
        if turns == 0 {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            Ok(repl("var a = llm_query('wait')"))
        } else {
            live.fetch_sub(1, Ordering::SeqCst);
            Ok("FINAL(child done)".to_owned())
        }
    })
    .with_delay(Duration::from_millis(50))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_runs_wait_for_a_live_sandbox_slot_and_all_finish() {
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let code = repl(
        "var r = rlm_batch(Array.from({length: 6}, (_, i) => 'task ' + i), 6); print(r.join('|'))",
    );
    let root = Arc::new(Scripted::replies("root", &[&code, "FINAL(all)"]));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_client(slow_child(Arc::clone(&live), Arc::clone(&peak)))
        .max_depth(2)
        .max_live_sandboxes(2)
        .build()
        .unwrap();
    let answer = rlm.completion("c", "q").await.unwrap();
    assert_eq!(answer.answer, "all");
    let output = last_user(&root.requests()[1]);
    assert_eq!(output.matches("child done").count(), 6, "{output}");
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "at most 2 children alive at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_context_is_refused_before_any_call() {
    let root = Arc::new(Scripted::echo("root"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .limits(Limits::default().with_max_context_bytes(Some(10)))
        .build()
        .unwrap();
    let error = rlm.completion("x".repeat(11), "q").await.unwrap_err();
    assert!(
        matches!(
            error,
            RlmError::ContextTooLarge {
                bytes: 11,
                limit: 10
            }
        ),
        "{error:?}"
    );
    assert_eq!(root.calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_is_told_the_lengths_its_code_will_see() {
    // 🦀 is one character but two UTF-16 code units: `context.length` is 3.
    let root = Arc::new(Scripted::replies(
        "root",
        &[&repl("print(context.length)"), "FINAL(3)"],
    ));
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    rlm.completion("a🦀", "q").await.unwrap();
    let first = &root.requests()[0].messages[1].content;
    assert!(first.contains("a string of 3 characters"), "{first}");
    assert!(last_user(&root.requests()[1]).contains("\n3\n"));
    // A JSON text context is parsed by the sandbox and described item by item.
    let root = Arc::new(Scripted::replies("root", &["FINAL(ok)"]));
    let rlm = Rlm::builder().root(root.clone()).build().unwrap();
    let context = Context::parse(r#"["ab", {"k": 1}, "🦀"]"#.into(), ContextFormat::Json).unwrap();
    rlm.completion(context, "q").await.unwrap();
    let first = &root.requests()[0].messages[1].content;
    assert!(
        first.contains(
            "a parsed JSON array of 11 characters in total, in 3 items of these lengths: [2, 7, 2]"
        ),
        "{first}"
    );
}
