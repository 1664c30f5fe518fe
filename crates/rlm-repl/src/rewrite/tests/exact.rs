//! Exact rewrites of small cells.

use crate::rewrite::rewrite_declarations as rw;

#[test]
fn top_level_declarations_become_var() {
    assert_eq!(rw("let x = 1"), "var x = 1");
    assert_eq!(
        rw("const x = 1;\nlet y"),
        "var   x = 1;\nvar y = undefined;"
    );
    assert_eq!(rw("const {a, b} = o"), "var   {a, b} = o");
    assert_eq!(rw("let [a] = o"), "var [a] = o");
    assert_eq!(
        rw("class A { m() { let z; } }\n(1)"),
        "var A = class A { m() { let z; } };\n(1)"
    );
    assert_eq!(rw("class B extends A {}"), "var B = class B extends A {};");
}

#[test]
fn let_without_initializer_gets_undefined() {
    for (code, expected) in [
        ("let x;", "var x = undefined;"),
        ("let x", "var x = undefined;"),
        (
            "let a, b = 1, c",
            "var a = undefined, b = 1, c = undefined;",
        ),
        ("let a = f(1, 2), b;", "var a = f(1, 2), b = undefined;"),
        ("let a = {p: 1, q}, b", "var a = {p: 1, q}, b = undefined;"),
        ("let a = `${p, q}`, b", "var a = `${p, q}`, b = undefined;"),
        ("let [a, b] = o, c;", "var [a, b] = o, c = undefined;"),
        ("let x\n(foo)", "var x = undefined;\n(foo)"),
        ("let x\n[1].map(f)", "var x = undefined;\n[1].map(f)"),
        ("let x\nlet y", "var x = undefined;\nvar y = undefined;"),
        ("let x // note\n= 5", "var x // note\n= 5"),
        ("let x /* c */;", "var x = undefined /* c */;"),
        ("let x = 1\nfoo, bar", "var x = 1\nfoo, bar"),
        ("let x = a\n, b", "var x = a\n, b = undefined;"),
        ("let x = 1,\n    y;", "var x = 1,\n    y = undefined;"),
        ("{ let x }", "{ let x }"),
        ("const c = 1, d = 2", "var   c = 1, d = 2"),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

#[test]
fn nested_and_quoted_declarations_stay() {
    for code in [
        "for (let i = 0; i < 3; i++) {}",
        "for (const v of [1]) {}",
        "for await (const v of xs) {}",
        "{ let x = 1 }",
        "function f() { const y = 2; class C {} }",
        "'let x = 1'",
        "\"const y\"",
        "`let ${ {a: 1}.a } const z`",
        "// let x = 1",
        "/* const x */",
        "x = /let x = 1/g",
        "x = /[/]let x/",
        "o.let = 1",
        "x = class Y {}",
        "if (a) { let q = 1 }",
        "switch (a) { case 1: let q = 1 }",
        "let = 1; print(let)",
    ] {
        assert_eq!(rw(code), code, "{code}");
    }
}

#[test]
fn declarations_after_strings_templates_and_regexes_are_found() {
    assert_eq!(rw("'}'; let a"), "'}'; var a = undefined;");
    assert_eq!(rw("`${'}'}`; let a"), "`${'}'}`; var a = undefined;");
    assert_eq!(
        rw("x = a / b / c; let a"),
        "x = a / b / c; var a = undefined;"
    );
    assert_eq!(rw("x = /}/; let a"), "x = /}/; var a = undefined;");
    assert_eq!(rw("/* { */ let a"), "/* { */ var a = undefined;");
    assert_eq!(
        rw("let a = `x\n${`y${1}`}`\nconst b = 2"),
        "var a = `x\n${`y${1}`}`\nvar   b = 2"
    );
}

#[test]
fn inputs_the_old_scanner_misread_are_rewritten() {
    for (code, expected) in [
        ("n++ / 2; let y = 1 / 3", "n++ / 2; var y = 1 / 3"),
        ("d-- / 1; let e = 2", "d-- / 1; var e = 2"),
        (
            "if (ok) /[\"]/.test(s); let z = 1",
            "if (ok) /[\"]/.test(s); var z = 1",
        ),
        ("let x = {} / 2; let w = 3", "var x = {} / 2; var w = 3"),
        (
            "const pct = (hits++ / total) * 100; let q = 1",
            "var   pct = (hits++ / total) * 100; var q = 1",
        ),
        (
            "let x = a\ninstanceof B, y",
            "var x = a\ninstanceof B, y = undefined;",
        ),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

#[test]
fn top_level_await_cells_are_rewritten() {
    for (code, expected) in [
        ("let r = await p; r", "var r = await p; r"),
        ("await (p); let y", "await (p); var y = undefined;"),
        (
            "await /x/.test(s); const c = 1",
            "await /x/.test(s); var   c = 1",
        ),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

/// The throwing target that replaces a write to constant `name`.
fn target(name: &str) -> String {
    format!(
        "new class{{get v(){{return {name}}}set v(_){{throw new TypeError(\"'{name}' is read-only\")}}}}().v"
    )
}

#[test]
fn writes_to_a_const_become_throwing_targets() {
    let t = target("c");
    for (code, expected) in [
        ("const c = 1; c = 2", format!("var   c = 1; {t} = 2")),
        (
            "const c = 1; c += 2; c++",
            format!("var   c = 1; {t} += 2; {t}++"),
        ),
        (
            "const c = 1; ({c} = o)",
            format!("var   c = 1; ({{c: {t}}} = o)"),
        ),
        (
            "const c = 1; ({c = 2} = o)",
            format!("var   c = 1; ({{c: {t} = 2}} = o)"),
        ),
        (
            "const c = 1; [c, ...c] = o",
            format!("var   c = 1; [{t}, ...{t}] = o"),
        ),
        (
            "const c = 1; for (c of o) {}",
            format!("var   c = 1; for ({t} of o) {{}}"),
        ),
        ("const c = 1\nc = 2", format!("var   c = 1\n{t} = 2")),
        (
            "const c = 1; function f() { c = 2 }",
            format!("var   c = 1; function f() {{ {t} = 2 }}"),
        ),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

#[test]
fn reads_and_shadowing_writes_of_a_const_stay() {
    for (code, expected) in [
        (
            "const c = 1; print(c, typeof c)",
            "var   c = 1; print(c, typeof c)",
        ),
        (
            "const c = 1; { let c = 2; c = 3 }",
            "var   c = 1; { let c = 2; c = 3 }",
        ),
        (
            "const c = 1; function f(c) { c = 2 }",
            "var   c = 1; function f(c) { c = 2 }",
        ),
        (
            "const c = 1; o.c = 2; ({c: o.c} = p)",
            "var   c = 1; o.c = 2; ({c: o.c} = p)",
        ),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

#[test]
fn consts_whose_writes_cannot_be_rewritten_stay_const() {
    for (code, expected) in [
        (
            "const c = 1; let y; with (o) { c = 2 }",
            "const c = 1; var y = undefined; with (o) { c = 2 }",
        ),
        (
            "const static = 1, d = 2; static = 3",
            "const static = 1, d = 2; static = 3",
        ),
        (
            "const arguments = 1; arguments++",
            "const arguments = 1; arguments++",
        ),
    ] {
        assert_eq!(rw(code), expected, "{code}");
    }
}

#[test]
fn cells_that_do_not_parse_are_unchanged() {
    for code in [
        "let x = ;",
        "let x = 1; let x = 2",
        "let x = 1; var x = 2",
        "let x = 1; { var x = 2 }",
        "const c;",
        "let x = 1 /* open comment",
        "let x = `open template",
        "}); (async function(){ let x = 1",
        "let x = 1 })(); (function(){",
        "#!/usr/bin/env node\nlet x = 1",
        "import x from 'y'; let z = 1",
        "function f() { await g() } let z = 1",
    ] {
        assert_eq!(rw(code), code, "{code}");
    }
}

#[test]
fn deep_nesting_cannot_overflow_the_callers_stack() {
    let deep = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let unclosed = format!("let x = {}1", "(".repeat(20_000));
            assert_eq!(rw(&unclosed), unclosed);
            let nested = format!("let x = {}1{}", "(".repeat(10_000), ")".repeat(10_000));
            assert_eq!(rw(&nested), format!("var{}", &nested[3..]));
            let chain = format!("let y = 1{}", "+1".repeat(20_000));
            assert_eq!(rw(&chain), format!("var{}", &chain[3..]));
        })
        .unwrap();
    deep.join().unwrap();
}

#[test]
fn cells_over_the_size_limit_are_unchanged() {
    let big = format!("let x = 1\n//{}", "-".repeat(super::super::MAX_CELL));
    assert_eq!(rw(&big), big);
    let limit = format!("let x = 1\n//{}", "-".repeat(super::super::MAX_CELL - 12));
    assert!(rw(&limit).starts_with("var x = 1\n"));
}
