//! `llm_query(prompt, options?)` / `rlm_query(prompt, options?)`: one sub-call. A failed call
//! returns `"Error: <message>"` instead of the answer (the same convention as each item of
//! `llm_batch`); only a wrong argument throws.

use std::rc::Rc;

use rquickjs::function::Opt;
use rquickjs::{Ctx, Exception, Function, Object, Value};

use super::{error_text, named};
use crate::format::{self, type_name};
use crate::host::Host;
use crate::{QueryOptions, SubcallErrorKind, SubcallKind};

pub(super) fn query_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    kind: SubcallKind,
    name: &'static str,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, prompt: Opt<Value<'js>>, options: Opt<Value<'js>>| {
            let cap = host.limits.max_batch_bytes;
            let prompt = match prompt.0 {
                Some(v) if v.is_string() => text_within(&ctx, name, "prompt", &v, cap)?,
                Some(v) if !v.is_undefined() => {
                    return Err(Exception::throw_type(
                        &ctx,
                        &format!(
                            "{name}(prompt, options?): prompt must be a string, got {}",
                            type_name(&v)
                        ),
                    ));
                }
                _ => {
                    return Err(Exception::throw_type(
                        &ctx,
                        &format!("{name}(prompt, options?): missing prompt"),
                    ));
                }
            };
            let options = query_options(&ctx, name, cap, options.0)?;
            match host.query(kind, prompt, options) {
                Ok(answer) => Ok(answer),
                // The cell is being stopped: end it here rather than hand code a string.
                Err(e) if e.kind() == SubcallErrorKind::Cancelled => {
                    Err(Exception::throw_message(&ctx, &format!("{name}: {e}")))
                }
                Err(e) => Ok(error_text(&e)),
            }
        },
    )?;
    named(f, name)
}

/// Longest model name accepted in `options.model`.
const MODEL_NAME_CAP: usize = 1_000;

/// The exact text of the string `value`, refused with a `RangeError` naming `what` when it is over
/// `cap` units (checked before it is copied) or `cap` bytes.
pub(super) fn text_within<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    what: &str,
    value: &Value<'js>,
    cap: usize,
) -> rquickjs::Result<String> {
    let too_long = |size: usize| {
        Exception::throw_range(
            ctx,
            &format!(
                "{name}: the {what} is {size} characters, more than the {cap} one call takes; send less (slice it smaller)"
            ),
        )
    };
    let Some(s) = value.as_string() else {
        return Ok(String::new());
    };
    match format::exact(ctx, s, cap)? {
        Ok(text) if text.len() <= cap => Ok(text),
        Ok(text) => Err(too_long(text.len())),
        Err(length) => Err(too_long(length)),
    }
}

fn query_options<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    cap: usize,
    value: Option<Value<'js>>,
) -> rquickjs::Result<QueryOptions> {
    let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(QueryOptions::default());
    };
    if value.is_string() {
        return Ok(QueryOptions::default().with_model(text_within(
            ctx,
            name,
            "model name",
            &value,
            MODEL_NAME_CAP,
        )?));
    }
    let Some(object) = value.as_object() else {
        return Err(Exception::throw_type(
            ctx,
            &format!(
                "{name}: options must be an object like {{ model, max_tokens, temperature, system }}, got {}",
                type_name(&value)
            ),
        ));
    };
    let text = |key: &str, cap: usize| -> rquickjs::Result<Option<String>> {
        let Some(v) = option_field(ctx, object, name, key, "a string", |v| {
            v.is_string().then(|| v.clone())
        })?
        else {
            return Ok(None);
        };
        text_within(ctx, name, &format!("options.{key}"), &v, cap).map(Some)
    };
    let number = |key: &str| option_field(ctx, object, name, key, "a number", Value::as_number);
    let max_tokens = match number("max_tokens")? {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= f64::from(u32::MAX) => Some(n as u32),
        Some(n) => {
            return Err(Exception::throw_range(
                ctx,
                &format!("{name}: options.max_tokens must be a positive integer, got {n}"),
            ));
        }
        None => None,
    };
    Ok(QueryOptions {
        model: text("model", MODEL_NAME_CAP)?,
        max_tokens,
        temperature: number("temperature")?.map(|t| t as f32),
        system: text("system", cap)?,
    })
}

/// `object[key]` as `read` takes it: `None` when undefined or null, a `TypeError` saying the option
/// must be `expected` when `read` refuses it.
fn option_field<'js, T>(
    ctx: &Ctx<'js>,
    object: &Object<'js>,
    name: &str,
    key: &str,
    expected: &str,
    read: impl FnOnce(&Value<'js>) -> Option<T>,
) -> rquickjs::Result<Option<T>> {
    let v: Value = object.get(key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match read(&v) {
        Some(read) => Ok(Some(read)),
        None => Err(Exception::throw_type(
            ctx,
            &format!(
                "{name}: options.{key} must be {expected}, got {}",
                type_name(&v)
            ),
        )),
    }
}
