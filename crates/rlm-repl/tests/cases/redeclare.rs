//! Re-declaring top-level names in later cells works, as in a browser console.

use super::support::{run, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn let_const_class_function_can_be_redeclared() {
    let (sb, _) = sandbox();
    let cells = [
        (
            "let x = 1; const y = 2; class A { v() { return 1 } } function f() { return 1 }",
            None,
        ),
        (
            "let x = 10; const y = 20; class A { v() { return 2 } } function f() { return 2 }",
            None,
        ),
        ("[x, y, new A().v(), f()]", Some("[10,20,2,2]")),
        ("const {p, q: [r]} = {p: 1, q: [2]}; let [s] = [3]", None),
        ("const {p} = {p: 5}; [p, r, s]", Some("[5,2,3]")),
    ];
    for (code, expected) in cells {
        let cell = run(&sb, code).await;
        assert_eq!(cell.error, None, "{code}");
        assert_eq!(cell.value.as_deref(), expected, "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookalikes_in_strings_comments_templates_and_regexes_are_untouched() {
    let (sb, _) = sandbox();
    let code = "const s = 'let a = 1'; // const b\n/* class C {} */ const t = `let ${'x'} const`;\n\
        const re = /let [a-z]+ = \\//; for (let i = 0; i < 2; i++) { let inner = i; }\n\
        function g() { const local = 1; return local } class K {}\n(1)";
    for _ in 0..2 {
        let cell = run(&sb, code).await;
        assert_eq!(cell.error, None);
        assert_eq!(cell.value.as_deref(), Some("1"));
    }
    let cell = run(
        &sb,
        "[s, t, re.source, g(), typeof K, typeof i, typeof inner, typeof local]",
    )
    .await;
    assert_eq!(
        cell.value.as_deref(),
        Some(
            r#"["let a = 1","let x const","let [a-z]+ = \\/",1,"function","undefined","undefined","undefined"]"#
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_let_starts_undefined_as_in_a_console() {
    let (sb, _) = sandbox();
    run(&sb, "let x = 5; let y = 6, z = 7").await;
    let cell = run(&sb, "let x; x").await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value, None);
    let cell = run(&sb, "let y, z = 8; [typeof x, typeof y, z]").await;
    assert_eq!(cell.error, None);
    assert_eq!(
        cell.value.as_deref(),
        Some("[\"undefined\",\"undefined\",8]")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_a_tokenizer_misreads_can_run_twice() {
    for code in [
        "n++ / 2; let y = 1 / 3",
        "d-- / 1; let e = 2",
        "if (ok) /[\"]/.test(s); let z = 1",
        "let x = {} / 2; let w = 3",
        "const pct = (hits++ / total) * 100; let q = 1",
        "let x = a\ninstanceof B, y",
    ] {
        let (sb, _) = sandbox();
        let givens =
            "var n = 1, d = 1, ok = false, s = '', a = 1, B = Object, hits = 1, total = 2;";
        assert_eq!(run(&sb, givens).await.error, None);
        for _ in 0..2 {
            assert_eq!(run(&sb, code).await.error, None, "{code}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_const_stays_constant_within_its_cell() {
    let (sb, _) = sandbox();
    let cell = run(&sb, "const c = 1\nprint(c)\nc += 1\nprint('not reached')").await;
    assert_eq!(cell.stdout, "1\n");
    assert_eq!(
        cell.error.as_deref(),
        Some("TypeError: 'c' is read-only (line 3)")
    );
    let cell = run(&sb, "const c = 2; const [d] = [c]; d").await;
    assert_eq!(cell.error, None);
    assert_eq!(cell.value.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_cells_leave_the_sandbox_usable() {
    let (sb, _) = sandbox();
    for code in [
        format!("let x = {}1{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("let x = {}1", "[".repeat(20_000)),
        format!("let x = 1{}", "+1".repeat(20_000)),
    ] {
        let _ = run(&sb, &code).await;
    }
    for _ in 0..2 {
        let cell = run(&sb, "let x = 5; x").await;
        assert_eq!(cell.error, None);
        assert_eq!(cell.value.as_deref(), Some("5"));
    }
}
