//! Rewritten cells run in QuickJS: twice in one context, and side by side with the original.

use super::js::{Js, Run};
use crate::rewrite::parse::parses;
use crate::rewrite::rewrite_declarations as rw;

/// Values for the names the misread inputs read.
const GIVENS: &str =
    "var n = 1, d = 1, ok = false, s = '', a = 1, B = Object, hits = 1, total = 2;";

const MISREAD: [&str; 6] = [
    "n++ / 2; let y = 1 / 3",
    "d-- / 1; let e = 2",
    "if (ok) /[\"]/.test(s); let z = 1",
    "let x = {} / 2; let w = 3",
    "const pct = (hits++ / total) * 100; let q = 1",
    "let x = a\ninstanceof B, y",
];

fn is_redeclaration(run: &Run) -> bool {
    run.error
        .as_deref()
        .is_some_and(|e| e.contains("redeclaration") || e.contains("already been declared"))
}

#[test]
fn misread_inputs_run_twice_in_one_context() {
    for code in MISREAD {
        let rewritten = rw(code);
        assert!(parses(&rewritten), "{rewritten}");
        let js = Js::new();
        js.ok(GIVENS);
        js.ok(&rewritten);
        js.ok(&rewritten);
        // Without the rewrite the second run fails: the check above has teeth.
        let plain = Js::new();
        plain.ok(GIVENS);
        plain.ok(code);
        assert!(is_redeclaration(&plain.run(code)), "{code}");
    }
}

#[test]
fn a_rerun_let_without_initializer_is_undefined_again() {
    let js = Js::new();
    js.ok(GIVENS);
    let cell = rw("let x = a\ninstanceof B, y");
    js.ok(&cell);
    js.ok("y = 7");
    js.ok(&cell);
    assert_eq!(js.ok("typeof y").value.as_deref(), Some("undefined"));
}

#[test]
fn a_const_write_throws_in_its_cell_and_the_name_is_declared_again_next() {
    let js = Js::new();
    let run = js.run(&rw("const c = 1\nprint(c)\nc = 2\nprint('not reached')"));
    assert_eq!(run.printed, ["1"]);
    assert_eq!(
        run.error.as_deref(),
        Some("TypeError: 'c' is read-only (line 3)")
    );
    let run = js.ok(&rw("const c = 3; print(c); c"));
    assert_eq!(run.printed, ["3"]);
    assert_eq!(run.value.as_deref(), Some("3"));
}

/// Runs `code` as written and rewritten, each in a fresh context, and checks they agree.
fn same_as_original(code: &str) -> Run {
    let rewritten = rw(code);
    let original = Js::new().run(code);
    assert_eq!(
        Js::new().run(&rewritten),
        original,
        "{code}\n=> {rewritten}"
    );
    original
}

#[test]
fn const_writes_behave_as_with_a_real_constant() {
    let report = "catch (e) { print(e.name, e.message) }";
    for body in [
        "c = 2",
        "c = (print('rhs'), 2)",
        "c += 2",
        "c++",
        "--c",
        "c ||= 2",
        "c &&= (print('rhs'), 2)",
        "c ??= 2",
        "[c] = [2]",
        "[, ...c] = [1, 2]",
        "({c} = {c: 2})",
        "({c = 3} = {})",
        "({a: c} = {a: 2})",
        "for (c of [2, 3]) print('body')",
        "for (c in {p: 1}) print('body')",
        "(function () { c = 2 })()",
        "(() => { [c] = [print('rhs')] })()",
    ] {
        for init in ["1", "0", "{ valueOf() { print('valueOf'); return 1 } }"] {
            let code = format!("const c = {init}\ntry {{ {body} }} {report}\nprint(c)");
            let run = same_as_original(&code);
            assert_eq!(run.error, None, "{code}");
        }
    }
}

#[test]
fn errors_keep_their_line_and_statement_boundaries() {
    for code in [
        "const c = 1\nprint(0)\nc = 2",
        "const c = 1;\n\n\n[c] = [2]",
        "let x\n[1, 2].forEach(v => print(v))\nlet y\n(print(typeof y))\nnull.p",
        "class A {}\n(print(typeof A))\nclass B extends A {}\nundefined.p",
        "let a = `\n${1}\n`, b\nconst c = /\\//.source\nthrow new Error(a + b + c)",
    ] {
        let run = same_as_original(code);
        assert!(run.error.is_some_and(|e| e.contains("(line ")), "{code}");
    }
}

#[test]
fn completion_values_are_kept() {
    for (code, value) in [
        ("5; let x = 1", Some("5")),
        ("'s'; const c = 1", Some("s")),
        ("6; const c = 1", Some("6")),
        ("7; class A {}", Some("7")),
        ("let x = 2; x * 4", Some("8")),
        ("class A {}; A.name", Some("A")),
        ("let r = await Promise.resolve(3); r", Some("3")),
        ("if (true) { 9 } let x", Some("9")),
        ("let x", None),
    ] {
        let original = Js::new().run(code);
        let rewritten = Js::new().run(&rw(code));
        assert_eq!(rewritten, original, "{code}");
        if value.is_some() {
            assert_eq!(rewritten.value.as_deref(), value, "{code}");
        }
    }
}

#[test]
fn a_const_kept_for_a_with_write_still_acts_as_written() {
    let code = "const c = 1; var o = {c: 5}; with (o) { c = 6 } print(o.c, c)";
    assert_eq!(same_as_original(code).printed, ["6 1"]);
}
