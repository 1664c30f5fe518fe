//! What code in the sandbox sees: context, llm_query, print, FINAL, errors, echo.

use rlm_repl::{ContextValue, SubcallKind};
use serde_json::json;

use super::support::{run, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_json_contexts() {
    let (sb, _) = sandbox();
    let text = sb
        .load_context(ContextValue::Text("héllo wörld 🦀".into()))
        .await
        .unwrap();
    // The facts are what JavaScript sees: the crab is two UTF-16 code units.
    assert_eq!((text.index, text.facts.total_length), (0, 14));
    let cell = run(&sb, "context.length").await;
    assert_eq!(cell.value.as_deref(), Some("14"));
    let json = sb
        .load_context(json!({"items": [1, 2, 3]}).into())
        .await
        .unwrap();
    assert_eq!(json.index, 1);
    assert_eq!(
        (
            json.facts.shape,
            json.facts.item_count,
            json.facts.first_item_lengths.clone()
        ),
        (rlm_repl::ContextShape::Object, 1, vec![7])
    );
    let cell = run(&sb, "context.items.length + context_0.length").await;
    assert_eq!(cell.value.as_deref(), Some("17"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_lengths_and_indices_follow_js() {
    let (sb, _) = sandbox();
    sb.load_context("a😀b€".into()).await.unwrap();
    let cell = run(
        &sb,
        "[context.length, context.indexOf('b'), context[3], context.codePointAt(1)]",
    )
    .await;
    assert_eq!(cell.value.as_deref(), Some("[5,3,\"b\",128512]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_query_sync_await_and_promise_all() {
    let (sb, fake) = sandbox();
    let cell = run(
        &sb,
        "const a = llm_query('x'); const b = await llm_query('y'); \
        const c = await Promise.all([llm_query('p'), llm_query('q')]); print(a, b, c.join('|'))",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.stdout, "Llm:x Llm:y Llm:p|Llm:q\n");
    assert_eq!(cell.subcalls.len(), 4);
    assert_eq!(cell.subcalls[0].prompt_chars, 1);
    assert_eq!(cell.subcalls[0].response_chars, 5);
    assert_eq!(fake.calls.lock().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_query_options_reach_the_handler() {
    let (sb, fake) = sandbox();
    let cell = run(
        &sb,
        "llm_query('x', {model: 'm', max_tokens: 5, temperature: 0.5, system: 's'})",
    )
    .await;
    assert_eq!(cell.error, None);
    let calls = fake.calls.lock().unwrap();
    let options = &calls[0].2;
    assert_eq!(options.model.as_deref(), Some("m"));
    assert_eq!(options.max_tokens, Some(5));
    assert_eq!(options.temperature, Some(0.5));
    assert_eq!(options.system.as_deref(), Some("s"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sub_call_is_an_error_string_for_query_and_batch_alike() {
    let (sb, _) = sandbox();
    let cell = run(
        &sb,
        "const one = llm_query('please fail'); const many = llm_batch(['ok', 'fail too']); \
         [one, ...many]",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(
        cell.value.as_deref(),
        Some(r#"["Error: model refused please fail","Llm:ok","Error: model refused fail too"]"#)
    );
    let errors: Vec<bool> = cell.subcalls.iter().map(|s| s.error).collect();
    assert_eq!(errors, [true, false, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_arguments_throw_clear_type_errors() {
    let (sb, _) = sandbox();
    for (code, expected) in [
        (
            "llm_query()",
            "TypeError: llm_query(prompt, options?): missing prompt",
        ),
        (
            "llm_query(5)",
            "TypeError: llm_query(prompt, options?): prompt must be a string, got number",
        ),
        (
            "llm_batch('x')",
            "TypeError: llm_batch(prompts, max_concurrent?): prompts must be an array of strings, got string",
        ),
        (
            "llm_batch(['a', 2])",
            "prompts[1] must be a string, got number",
        ),
        (
            "llm_batch(['a'], 0)",
            "RangeError: llm_batch: max_concurrent must be at least 1",
        ),
        ("llm_batch(['a'], {max_concurrent: -1})", "RangeError"),
        ("FINAL()", "TypeError: FINAL(value): missing value"),
    ] {
        let cell = run(&sb, code).await;
        let error = cell.error.unwrap_or_default();
        assert!(error.contains(expected), "{code}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_and_console_are_captured() {
    let (sb, _) = sandbox();
    let cell = run(&sb, "print('a', 1, {b: [2]}); console.log('c'); console.error(null, undefined); console.warn(new Error('e'))").await;
    assert_eq!(
        cell.stdout,
        "a 1 {\"b\":[2]}\nc\nnull undefined\nError: e\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn final_and_final_var_record_the_answer_and_the_cell_completes() {
    let (sb, _) = sandbox();
    let cell = run(&sb, "FINAL({a: 1}); print('after')").await;
    assert_eq!(cell.final_answer.as_deref(), Some("{\"a\":1}"));
    assert_eq!(cell.stdout, "after\n");
    let cell = run(&sb, "const answer = 'forty two'; FINAL_VAR('answer')").await;
    assert_eq!(cell.final_answer.as_deref(), Some("forty two"));
    let cell = run(&sb, "FINAL_VAR('missing')").await;
    assert_eq!(cell.final_answer, None);
    let shown = cell.value.unwrap();
    assert!(
        shown.contains("no variable named \"missing\"") && shown.contains("answer"),
        "{shown}"
    );
    assert_eq!(sb.final_var("answer").await.unwrap(), "forty two");
    assert!(
        sb.final_var("nope")
            .await
            .unwrap_err()
            .to_string()
            .contains("Defined variables: answer")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_persist_and_show_vars_lists_them() {
    let (sb, _) = sandbox();
    sb.load_context("ctx".into()).await.unwrap();
    run(&sb, "var a = 1; let b = 2; function f() { return a + b }").await;
    let cell = run(&sb, "f()").await;
    assert_eq!(cell.value.as_deref(), Some("3"));
    assert_eq!(cell.variables, ["a", "b", "f"]);
    assert_eq!(
        run(&sb, "SHOW_VARS()").await.value.as_deref(),
        Some("[\"a\",\"b\",\"f\"]")
    );
    assert_eq!(sb.variables().await.unwrap(), ["a", "b", "f"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_is_like_node() {
    let (sb, _) = sandbox();
    for (code, expected) in [
        ("'it\\'s'", Some("'it\\'s'")),
        ("1 + 1", Some("2")),
        ("[1, 'a']", Some("[1,\"a\"]")),
        ("undefined", None),
        ("var z = 3", None),
        ("(function named() {})", Some("[Function: named]")),
        ("10n", Some("10n")),
        ("Promise.resolve(1)", Some("Promise { 1 }")),
        (
            "const o = {}; o.self = o; o",
            Some("[object Object] (not JSON-serializable: circular reference or BigInt)"),
        ),
        ("await new Promise(() => {})", None),
    ] {
        assert_eq!(run(&sb, code).await.value.as_deref(), expected, "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_name_message_and_line_and_the_sandbox_survives() {
    let (sb, _) = sandbox();
    let cell = run(&sb, "const x = 1;\n\nnull.foo").await;
    let error = cell.error.unwrap();
    assert!(
        error.starts_with("TypeError:") && error.ends_with("(line 3)"),
        "{error}"
    );
    let cell = run(&sb, "function g() {\n throw new RangeError('bad') }\ng()").await;
    assert_eq!(cell.error.as_deref(), Some("RangeError: bad (line 2)"));
    assert_eq!(
        run(&sb, "throw 'oops'").await.error.as_deref(),
        Some("Uncaught 'oops'")
    );
    assert_eq!(
        run(&sb, "throw {code: 7}").await.error.as_deref(),
        Some("Uncaught {\"code\":7}")
    );
    assert!(
        run(&sb, "let = = 1")
            .await
            .error
            .unwrap()
            .starts_with("SyntaxError")
    );
    let never = run(&sb, "await new Promise(() => {})").await.error.unwrap();
    assert!(never.contains("never settles"), "{never}");
    assert_eq!(run(&sb, "x + 1").await.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_names_are_restored() {
    let (sb, _) = sandbox();
    sb.load_context("the context".into()).await.unwrap();
    run(&sb, "llm_query = 1; const llm_batch = null; function print() {}; context = 'x'; FINAL = 0; console = {}").await;
    let cell = run(
        &sb,
        "print(context); console.log(llm_query('a'), llm_batch(['b'])[0]); FINAL('done')",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.stdout, "the context\nLlm:a Llm:b\n");
    assert_eq!(cell.final_answer.as_deref(), Some("done"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_functions_exist_only_when_enabled() {
    let (sb, _) = sandbox();
    assert_eq!(
        run(&sb, "typeof rlm_query + typeof rlm_batch")
            .await
            .value
            .as_deref(),
        Some("'undefinedundefined'")
    );
    let config = rlm_repl::SandboxConfig::default().with_recursive_functions(true);
    let (sb, fake) = super::support::sandbox_with(config);
    let cell = run(&sb, "rlm_query('a') + rlm_batch(['b'])[0]").await;
    assert_eq!(cell.value.as_deref(), Some("'Rlm:aRlm:b'"));
    assert!(
        fake.calls
            .lock()
            .unwrap()
            .iter()
            .all(|c| c.0 == SubcallKind::Rlm)
    );
    run(&sb, "rlm_query = 0").await;
    assert_eq!(
        run(&sb, "typeof rlm_query").await.value.as_deref(),
        Some("'function'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_names_cannot_be_redefined_for_good() {
    let (sb, _) = sandbox();
    sb.load_context("the context".into()).await.unwrap();
    for code in [
        "Object.defineProperty(globalThis, 'llm_query', {value: 1, writable: false, configurable: false})",
        "Object.defineProperty(globalThis, 'context', {get() { return 'fake' }})",
        "Object.defineProperty(globalThis, 'context_0', {get() { return 'fake' }})",
        "Object.defineProperty(globalThis, 'console', {value: {}})",
    ] {
        let error = run(&sb, code).await.error.unwrap_or_default();
        assert!(error.starts_with("TypeError"), "{code}: {error}");
    }
    run(
        &sb,
        "delete globalThis.print; delete globalThis.context; context_0 = 'changed'",
    )
    .await;
    // Within a cell, assignment works; afterwards the originals are back.
    let cell = run(
        &sb,
        "llm_query = 1; context = 'mine'; [typeof llm_query, context]",
    )
    .await;
    assert_eq!(cell.value.as_deref(), Some("[\"number\",\"mine\"]"));
    run(
        &sb,
        "console.log = () => {}; console.error = null; Object.freeze(console)",
    )
    .await;
    let cell = run(
        &sb,
        "print(context, context_0); console.log(llm_query('a')); console.error('e'); typeof llm_query",
    )
    .await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.stdout, "the context the context\nLlm:a\ne\n");
    assert_eq!(cell.value.as_deref(), Some("'function'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_text_is_parsed_by_the_sandbox_and_measured_like_javascript() {
    let (sb, _) = sandbox();
    let loaded = sb
        .load_context_reporting(
            ContextValue::JsonText(r#"[ "ab🦀", {"k": [1, 2]}, 42, null ]"#.into()),
            2,
        )
        .await
        .unwrap();
    assert_eq!(loaded.facts.shape, rlm_repl::ContextShape::Array);
    // "ab🦀" is 4 UTF-16 units, {"k":[1,2]} 11, 42 two, null four.
    assert_eq!(
        (
            loaded.facts.item_count,
            loaded.facts.total_length,
            loaded.facts.first_item_lengths
        ),
        (4, 21, vec![4, 11])
    );
    let cell = run(&sb, "[context.length, context[0].length, context[1].k[1]]").await;
    assert_eq!(cell.value.as_deref(), Some("[4,4,2]"));
    let error = sb
        .load_context(ContextValue::JsonText("[1, 2".into()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not valid JSON"), "{error}");
    // The failed load changed nothing.
    assert_eq!(run(&sb, "context.length").await.value.as_deref(), Some("4"));
}
