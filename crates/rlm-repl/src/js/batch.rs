//! `llm_batch(prompts, max_concurrent?)` / `rlm_batch(...)`: many sub-calls at once, answers in
//! input order, a failed item as `"Error: <message>"`.
//!
//! The prompts are checked before any of them is copied out of the JavaScript heap: the array's
//! length against [`SandboxLimits::max_batch_items`](crate::SandboxLimits::max_batch_items), every
//! item's type, and their total length against
//! [`SandboxLimits::max_batch_bytes`](crate::SandboxLimits::max_batch_bytes) (a UTF-16 unit is at
//! least one UTF-8 byte, so the check is exact in the direction that matters), so
//! `llm_batch(Array(1000).fill(context))` fails at once instead of copying the context 1,000 times.
//! Each item is read once, so a getter cannot show one value to the check and another to the copy.

use std::rc::Rc;

use rquickjs::function::Opt;
use rquickjs::{Array, Ctx, Exception, Function, Value};

use super::{error_text, named};
use crate::format::type_name;
use crate::host::Host;
use crate::{SandboxLimits, SubcallKind, strings};

pub(super) fn batch_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    kind: SubcallKind,
    name: &'static str,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, prompts: Opt<Value<'js>>, limit: Opt<Value<'js>>| {
            let usage = format!("{name}(prompts, max_concurrent?)");
            let limits = &host.limits;
            let prompts = batch_prompts(&ctx, &usage, limits, prompts.0)?;
            let max_concurrent = batch_limit(&ctx, name, limits.batch_concurrency, limit.0)?
                .min(limits.max_concurrent_cap.max(1));
            let array = Array::new(ctx.clone())?;
            for (i, result) in host
                .batch(kind, prompts, max_concurrent)
                .into_iter()
                .enumerate()
            {
                array.set(i, result.unwrap_or_else(|e| error_text(&e)))?;
            }
            Ok::<_, rquickjs::Error>(array)
        },
    )?;
    named(f, name)
}

fn batch_prompts<'js>(
    ctx: &Ctx<'js>,
    usage: &str,
    limits: &SandboxLimits,
    value: Option<Value<'js>>,
) -> rquickjs::Result<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_undefined()) else {
        return Err(Exception::throw_type(
            ctx,
            &format!("{usage}: missing prompts (an array of strings)"),
        ));
    };
    let Some(array) = value.as_array() else {
        return Err(Exception::throw_type(
            ctx,
            &format!(
                "{usage}: prompts must be an array of strings, got {}",
                type_name(&value)
            ),
        ));
    };
    let length = batch_length(ctx, usage, limits.max_batch_items, array)?;
    let too_big = |ctx: &Ctx<'js>| {
        Exception::throw_range(
            ctx,
            &format!(
                "{usage}: the prompts hold more than {} bytes together, the limit of one call; \
                 send fewer or shorter prompts per call (slice the chunks smaller)",
                limits.max_batch_bytes
            ),
        )
    };
    let mut items: Vec<rquickjs::String> = Vec::with_capacity(length);
    let mut units: usize = 0;
    for i in 0..length {
        let item: Value = array.get(i)?;
        let Some(text) = item.as_string() else {
            return Err(Exception::throw_type(
                ctx,
                &format!(
                    "{usage}: prompts[{i}] must be a string, got {}",
                    type_name(&item)
                ),
            ));
        };
        units = units.saturating_add(strings::length(ctx, text)?);
        if units > limits.max_batch_bytes {
            return Err(too_big(ctx));
        }
        items.push(text.clone());
    }
    let mut bytes: usize = 0;
    let mut prompts = Vec::with_capacity(length);
    for item in items {
        let prompt = strings::copy(ctx, &item)?;
        bytes = bytes.saturating_add(prompt.len());
        if bytes > limits.max_batch_bytes {
            return Err(too_big(ctx));
        }
        prompts.push(prompt);
    }
    Ok(prompts)
}

/// The array's `length`, read as a JavaScript value (never trusted to be an int: a proxy or
/// a huge sparse array can report anything) and bounded by `max_items`.
fn batch_length<'js>(
    ctx: &Ctx<'js>,
    usage: &str,
    max_items: usize,
    array: &Array<'js>,
) -> rquickjs::Result<usize> {
    let length: Value = array.as_object().get("length")?;
    let n = length.as_number().unwrap_or(f64::NAN);
    if !(n >= 0.0 && n.fract() == 0.0) {
        return Err(Exception::throw_type(
            ctx,
            &format!("{usage}: prompts.length must be a non-negative integer"),
        ));
    }
    if n > max_items as f64 {
        return Err(Exception::throw_range(
            ctx,
            &format!(
                "{usage}: at most {max_items} prompts per call, got {n}; split the work into several calls"
            ),
        ));
    }
    Ok(n as usize)
}

fn batch_limit<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    default: usize,
    value: Option<Value<'js>>,
) -> rquickjs::Result<usize> {
    let mut value = match value {
        Some(v) if !v.is_undefined() && !v.is_null() => v,
        _ => return Ok(default),
    };
    if let Some(object) = value
        .as_object()
        .filter(|_| !value.is_function() && !value.is_array())
    {
        let inner: Value = object.get("max_concurrent")?;
        if inner.is_undefined() || inner.is_null() {
            return Ok(default);
        }
        value = inner;
    }
    let Some(n) = value.as_number() else {
        return Err(Exception::throw_type(
            ctx,
            &format!(
                "{name}: max_concurrent must be a number, got {}",
                type_name(&value)
            ),
        ));
    };
    if n.is_nan() || n < 1.0 {
        return Err(Exception::throw_range(
            ctx,
            &format!("{name}: max_concurrent must be at least 1, got {n}"),
        ));
    }
    Ok(if n >= 1e9 { 1_000_000_000 } else { n as usize })
}
