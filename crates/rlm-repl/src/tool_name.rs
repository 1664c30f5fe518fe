//! Which names a host tool may take: a plain JavaScript identifier that hides nothing the sandbox or
//! the language already defines (the sandbox's own functions, `context` and `context_N`, QuickJS's
//! built-in globals, reserved words).

/// The sandbox's own globals.
const SANDBOX_GLOBALS: &[&str] = &[
    "context",
    "llm_query",
    "llm_batch",
    "rlm_query",
    "rlm_batch",
    "print",
    "console",
    "FINAL",
    "FINAL_VAR",
    "SHOW_VARS",
];

/// The global names of a fresh QuickJS-ng context (`Object.getOwnPropertyNames(globalThis)`; a
/// test checks the list against the engine) and a few the language gives meaning to everywhere.
const ENGINE_GLOBALS: &[&str] = &[
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "AsyncDisposableStack",
    "Atomics",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Boolean",
    "DOMException",
    "DataView",
    "Date",
    "DisposableStack",
    "Error",
    "EvalError",
    "FinalizationRegistry",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Function",
    "Infinity",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "InternalError",
    "Iterator",
    "JSON",
    "Map",
    "Math",
    "NaN",
    "Number",
    "Object",
    "Promise",
    "Proxy",
    "RangeError",
    "ReferenceError",
    "Reflect",
    "RegExp",
    "Set",
    "SharedArrayBuffer",
    "String",
    "SuppressedError",
    "Symbol",
    "SyntaxError",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "WeakMap",
    "WeakRef",
    "WeakSet",
    "arguments",
    "atob",
    "btoa",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "eval",
    "globalThis",
    "isFinite",
    "isNaN",
    "navigator",
    "parseFloat",
    "parseInt",
    "performance",
    "queueMicrotask",
    "structuredClone",
    "undefined",
    "unescape",
];

/// Reserved words (including those of strict mode and the contextual ones a function name cannot
/// safely be).
const RESERVED_WORDS: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Longest tool name accepted.
const MAX_NAME_CHARS: usize = 64;

/// Checks that `name` can be a host tool's global function: an ASCII JavaScript identifier (letters,
/// digits, `_` and `$`, not starting with a digit, at most 64 characters) that is not one of the
/// sandbox's own globals (`context`, `context_N`, `llm_query`, `print`, `FINAL`, ...), not a
/// built-in global of QuickJS (`JSON`, `Object`, `eval`, `globalThis`, ...) and not a reserved word.
/// The error says why, for the person who chose the name.
///
/// ```
/// assert!(rlm_repl::check_tool_name("search").is_ok());
/// assert!(rlm_repl::check_tool_name("2fast").is_err());
/// assert!(rlm_repl::check_tool_name("JSON").is_err());
/// assert!(rlm_repl::check_tool_name("llm_query").is_err());
/// ```
pub fn check_tool_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err("a tool name cannot be empty".to_owned());
    };
    let identifier_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    if first.is_ascii_digit() || !identifier_char(first) || !chars.all(identifier_char) {
        return Err(format!(
            "tool name {name:?} is not a JavaScript identifier: use ASCII letters, digits, `_` and `$`, not starting with a digit"
        ));
    }
    if name.len() > MAX_NAME_CHARS {
        return Err(format!(
            "tool name {name:?} is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    let is_context_slot = name
        .strip_prefix("context_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if SANDBOX_GLOBALS.contains(&name) || is_context_slot {
        return Err(format!(
            "tool name {name:?} is taken by the sandbox's own globals; choose another name"
        ));
    }
    if ENGINE_GLOBALS.contains(&name) {
        return Err(format!(
            "tool name {name:?} would hide a built-in global of JavaScript; choose another name"
        ));
    }
    if RESERVED_WORDS.contains(&name) {
        return Err(format!(
            "tool name {name:?} is a JavaScript reserved word; choose another name"
        ));
    }
    Ok(())
}

/// Checks a list of tool names: each one valid, none given twice.
pub(crate) fn check_tool_names(names: &[String]) -> Result<(), String> {
    for (i, name) in names.iter().enumerate() {
        check_tool_name(name)?;
        if names[..i].contains(name) {
            return Err(format!("tool name {name:?} is given twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_pass_and_everything_else_says_why() {
        for good in [
            "search",
            "_x",
            "$",
            "lookup_2",
            "Search",
            "contexts",
            "context_x",
        ] {
            assert_eq!(check_tool_name(good), Ok(()), "{good}");
        }
        let cases = [
            ("", "empty"),
            ("2fast", "identifier"),
            ("a-b", "identifier"),
            ("sé", "identifier"),
            ("a b", "identifier"),
            ("context", "sandbox"),
            ("context_0", "sandbox"),
            ("FINAL_VAR", "sandbox"),
            ("rlm_batch", "sandbox"),
            ("Object", "built-in"),
            ("globalThis", "built-in"),
            ("eval", "built-in"),
            ("class", "reserved word"),
            ("yield", "reserved word"),
        ];
        for (bad, why) in cases {
            let error = check_tool_name(bad).unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(check_tool_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn duplicates_are_refused() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(check_tool_names(&names(&["a", "b"])), Ok(()));
        let error = check_tool_names(&names(&["a", "b", "a"])).unwrap_err();
        assert!(error.contains("twice"), "{error}");
    }
}
