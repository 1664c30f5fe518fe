//! Turning JavaScript values into the text the model sees (echoed values, `print` output, answers,
//! errors), always within a size cap and with unpaired surrogates as U+FFFD (see `strings`). Uses
//! QuickJS's own `JSON.stringify`, never the user-replaceable global.

use rquickjs::promise::PromiseState;
use rquickjs::{Coerced, Ctx, Exception, FromJs, Type, Value};

use crate::strings::{self, Bounded};

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

/// `String(value)` as a JavaScript string, or `None` if that throws.
fn coerce<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Option<rquickjs::String<'js>> {
    if let Some(s) = strings::as_js_string(value) {
        return Some(s);
    }
    let coerced = Coerced::<rquickjs::String>::from_js(ctx, value.clone());
    if coerced.is_err() {
        let _ = ctx.catch();
    }
    coerced.ok().map(|Coerced(text)| text)
}

/// At most `cap` units of `String(value)` (head and tail), or a placeholder if it throws.
fn coerced_text<'js>(ctx: &Ctx<'js>, value: &Value<'js>, cap: usize) -> String {
    coerce(ctx, value)
        .and_then(|s| strings::copy_bounded(ctx, &s, cap).ok())
        .map_or_else(|| format!("[{}]", type_name(value)), |b| b.joined())
}

/// `Name: message` of an Error object, if the value is one, at most `cap` units of each part.
pub(crate) fn error_text<'js>(ctx: &Ctx<'js>, value: &Value<'js>, cap: usize) -> Option<String> {
    let exception = Exception::from_object(value.as_object()?.clone())?;
    let object = exception.as_object();
    let part = |key: &str| -> Option<String> {
        let v: Value = object.get(key).ok()?;
        (!v.is_undefined() && !v.is_null()).then(|| coerced_text(ctx, &v, cap))
    };
    let name = part("name").unwrap_or_else(|| "Error".to_owned());
    let message = part("message").unwrap_or_default();
    Some(if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    })
}

/// JSON text of a value (QuickJS's built-in stringify), at most `cap` units, falling back to
/// `String(value)`.
fn json_or_string<'js>(ctx: &Ctx<'js>, value: &Value<'js>, cap: usize) -> String {
    match ctx.json_stringify(value.clone()) {
        Ok(Some(text)) => strings::copy_bounded(ctx, &text, cap)
            .map_or_else(|_| coerced_text(ctx, value, cap), |b| b.joined()),
        Ok(None) => coerced_text(ctx, value, cap),
        Err(_) => {
            let _ = ctx.catch();
            let text = coerced_text(ctx, value, cap);
            if text == "[object Object]" {
                "[object Object] (not JSON-serializable: circular reference or BigInt)".to_owned()
            } else {
                text
            }
        }
    }
}

/// A value shown the way `print` / `console.log` show it (strings as-is), at most `cap` units.
pub(crate) fn display<'js>(ctx: &Ctx<'js>, value: &Value<'js>, cap: usize) -> String {
    match value.type_of() {
        Type::String => coerced_text(ctx, value, cap),
        _ => inspect(ctx, value, cap),
    }
}

/// A value shown like Node's REPL echo (strings quoted, objects as JSON), at most about `cap` units.
pub(crate) fn inspect<'js>(ctx: &Ctx<'js>, value: &Value<'js>, cap: usize) -> String {
    match value.type_of() {
        Type::Undefined | Type::Uninitialized => "undefined".to_owned(),
        Type::String => {
            match coerce(ctx, value).and_then(|s| strings::copy_bounded(ctx, &s, cap).ok()) {
                Some(Bounded {
                    head,
                    tail,
                    omitted: 0,
                }) => quote(&format!("{head}{tail}")),
                Some(cut) => format!(
                    "{} [... {} characters omitted ...] {}",
                    quote(&cut.head),
                    cut.omitted,
                    quote(&cut.tail)
                ),
                None => "[string]".to_owned(),
            }
        }
        Type::Function | Type::Constructor => {
            let name = value
                .as_object()
                .and_then(|o| o.get::<_, Value>("name").ok())
                .filter(Value::is_string)
                .map(|n| coerced_text(ctx, &n, 200))
                .filter(|n| !n.is_empty());
            name.map_or_else(
                || "[Function (anonymous)]".to_owned(),
                |n| format!("[Function: {n}]"),
            )
        }
        Type::Symbol | Type::BigInt | Type::Int | Type::Float | Type::Bool | Type::Null => {
            let text = coerced_text(ctx, value, cap);
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
                    |v| format!("Promise {{ {} }}", inspect(ctx, &v, cap)),
                )
            }
            Some(PromiseState::Rejected) => "Promise { <rejected> }".to_owned(),
            _ => "Promise { <pending> }".to_owned(),
        },
        _ => error_text(ctx, value, cap).unwrap_or_else(|| json_or_string(ctx, value, cap)),
    }
}

/// The exact text of a string value, when it is at most `cap` UTF-16 units; `Err(length)` when it is
/// longer (checked before anything is copied).
pub(crate) fn exact<'js>(
    ctx: &Ctx<'js>,
    value: &rquickjs::String<'js>,
    cap: usize,
) -> rquickjs::Result<Result<String, usize>> {
    let length = strings::length(ctx, value)?;
    if length > cap {
        return Ok(Err(length));
    }
    strings::copy(ctx, value).map(Ok)
}

/// A value recorded as the run's answer: strings as-is, everything else as JSON; `Err(length)` when
/// its text is over `cap` UTF-16 units.
pub(crate) fn answer<'js>(
    ctx: &Ctx<'js>,
    value: &Value<'js>,
    cap: usize,
) -> rquickjs::Result<Result<String, usize>> {
    if value.is_undefined() {
        return Ok(Ok("undefined".to_owned()));
    }
    if let Some(text) = error_text(ctx, value, cap) {
        return Ok(Ok(text));
    }
    let text = if value.is_string() {
        coerce(ctx, value)
    } else {
        match ctx.json_stringify(value.clone()) {
            Ok(Some(text)) => Some(text),
            Ok(None) => coerce(ctx, value),
            Err(_) => {
                let _ = ctx.catch();
                coerce(ctx, value)
            }
        }
    };
    match text {
        Some(text) => exact(ctx, &text, cap),
        None => Ok(Ok(format!("[{}]", type_name(value)))),
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
