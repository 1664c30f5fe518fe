//! Turning JavaScript values into the text the model sees (echoed values, `print` output,
//! answers, errors). Uses QuickJS's own `JSON.stringify`, never the user-replaceable global.

use rquickjs::promise::PromiseState;
use rquickjs::{Coerced, Ctx, Exception, FromJs, Type, Value};

/// The name of a value's type as `typeof` would say, for error messages.
pub(crate) fn type_name(value: &Value<'_>) -> &'static str {
    match value.type_of() {
        Type::Undefined | Type::Uninitialized => "undefined",
        Type::Null => "null",
        Type::Bool => "boolean",
        Type::Int | Type::Float => "number",
        Type::String => "string",
        Type::Symbol => "symbol",
        Type::BigInt => "bigint",
        Type::Array => "array",
        Type::Function | Type::Constructor => "function",
        _ => "object",
    }
}

/// `String(value)`, or a placeholder if that throws.
fn coerce<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    if let Ok(Coerced(text)) = Coerced::<String>::from_js(ctx, value.clone()) {
        text
    } else {
        let _ = ctx.catch();
        format!("[{}]", type_name(value))
    }
}

/// `Name: message` of an Error object, if the value is one.
pub(crate) fn error_text(value: &Value<'_>) -> Option<String> {
    let exception = Exception::from_object(value.as_object()?.clone())?;
    let object = exception.as_object();
    let name = object
        .get::<_, Option<Coerced<String>>>("name")
        .ok()
        .flatten()
        .map_or_else(|| "Error".to_owned(), |c| c.0);
    let message = exception.message().unwrap_or_default();
    Some(if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    })
}

/// JSON text of a value (QuickJS's built-in stringify), falling back to `String(value)`.
fn json_or_string<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    match ctx.json_stringify(value.clone()) {
        Ok(Some(text)) => text.to_string().unwrap_or_else(|_| coerce(ctx, value)),
        Ok(None) => coerce(ctx, value),
        Err(_) => {
            let _ = ctx.catch();
            let text = coerce(ctx, value);
            if text == "[object Object]" {
                "[object Object] (not JSON-serializable: circular reference or BigInt)".to_owned()
            } else {
                text
            }
        }
    }
}

/// A value shown the way `print` / `console.log` show it: strings as-is.
pub(crate) fn display<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    match value.type_of() {
        Type::String => coerce(ctx, value),
        _ => inspect(ctx, value),
    }
}

/// A value shown like Node's REPL echo: strings quoted, objects as JSON.
pub(crate) fn inspect<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    match value.type_of() {
        Type::Undefined | Type::Uninitialized => "undefined".to_owned(),
        Type::String => quote(&coerce(ctx, value)),
        Type::Function | Type::Constructor => {
            let name = value
                .as_object()
                .and_then(|o| o.get::<_, Option<String>>("name").ok().flatten())
                .filter(|n| !n.is_empty());
            name.map_or_else(
                || "[Function (anonymous)]".to_owned(),
                |n| format!("[Function: {n}]"),
            )
        }
        Type::Symbol | Type::BigInt | Type::Int | Type::Float | Type::Bool | Type::Null => {
            let text = coerce(ctx, value);
            if value.type_of() == Type::BigInt {
                format!("{text}n")
            } else {
                text
            }
        }
        Type::Promise => match value.as_promise().map(rquickjs::Promise::state) {
            Some(PromiseState::Resolved) => {
                let inner = value
                    .as_promise()
                    .and_then(rquickjs::Promise::result::<Value>)
                    .and_then(Result::ok);
                inner.map_or_else(
                    || "Promise { <resolved> }".to_owned(),
                    |v| format!("Promise {{ {} }}", inspect(ctx, &v)),
                )
            }
            Some(PromiseState::Rejected) => "Promise { <rejected> }".to_owned(),
            _ => "Promise { <pending> }".to_owned(),
        },
        _ => error_text(value).unwrap_or_else(|| json_or_string(ctx, value)),
    }
}

/// A value recorded as the run's answer: strings as-is, everything else as JSON.
pub(crate) fn answer<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    match value.type_of() {
        Type::String => coerce(ctx, value),
        Type::Undefined => "undefined".to_owned(),
        _ => error_text(value).unwrap_or_else(|| json_or_string(ctx, value)),
    }
}

/// Single-quoted string literal, like Node's REPL.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}
