//! The functions code in the sandbox sees: `llm_query`, `llm_batch` (and `rlm_query`,
//! `rlm_batch`), `print`, `console`, `FINAL`, `FINAL_VAR`, `SHOW_VARS`.
//!
//! Argument checking and result building happen in Rust, so user code that replaces
//! `Array.prototype.map` or `JSON` cannot break them.

use std::rc::Rc;
use std::time::Instant;

use rquickjs::function::{Opt, Rest};
use rquickjs::{Array, Ctx, Exception, Function, Object, Value};

use crate::format::{self, type_name};
use crate::host::Host;
use crate::variables;
use crate::{QueryOptions, SubcallKind, SubcallRecord};

/// Default `max_concurrent` of `llm_batch`.
const DEFAULT_MAX_CONCURRENT: usize = 10;

/// Most prompts one `llm_batch` call takes; longer arrays get a `RangeError`. The array's
/// `length` is read as a plain JavaScript number and checked against this before anything
/// is allocated, because user code controls it (`a.length = 2**32 - 1`).
pub const MAX_BATCH_ITEMS: usize = 100_000;

/// Creates the reserved functions, as `(name, value)` pairs to define on the global object.
pub(crate) fn reserved_functions<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    recursive: bool,
) -> rquickjs::Result<Vec<(&'static str, Value<'js>)>> {
    let print = print_fn(ctx, host)?;
    let console = console(ctx, &print.clone().into_value())?;
    let mut all = vec![
        (
            "llm_query",
            query_fn(ctx, host, SubcallKind::Llm, "llm_query")?.into_value(),
        ),
        (
            "llm_batch",
            batch_fn(ctx, host, SubcallKind::Llm, "llm_batch")?.into_value(),
        ),
        ("print", print.into_value()),
        ("console", console.into_value()),
        ("FINAL", final_fn(ctx, host)?.into_value()),
        ("FINAL_VAR", final_var_fn(ctx, host)?.into_value()),
        ("SHOW_VARS", show_vars_fn(ctx, host)?.into_value()),
    ];
    if recursive {
        all.push((
            "rlm_query",
            query_fn(ctx, host, SubcallKind::Rlm, "rlm_query")?.into_value(),
        ));
        all.push((
            "rlm_batch",
            batch_fn(ctx, host, SubcallKind::Rlm, "rlm_batch")?.into_value(),
        ));
    }
    Ok(all)
}

/// A fresh `console` whose methods are `print`. Rebuilt after every cell, so a cell that
/// replaces `console.log` or freezes `console` does not disable output capture later.
pub(crate) fn console<'js>(ctx: &Ctx<'js>, print: &Value<'js>) -> rquickjs::Result<Object<'js>> {
    let console = Object::new(ctx.clone())?;
    for method in ["log", "info", "warn", "error", "debug"] {
        console.set(method, print.clone())?;
    }
    Ok(console)
}

/// Defines `name` on the global object as a non-configurable accessor over a hidden slot
/// and returns the function that resets the slot. User code can assign the name (the new
/// value lasts until the slot is reset after the cell) but cannot delete or redefine it
/// (`Object.defineProperty` throws, so a fake can never outlive the cell). Runs before any
/// user code, so the built-ins it uses are the originals.
pub(crate) fn define_reserved<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    value: Value<'js>,
) -> rquickjs::Result<Function<'js>> {
    let define: Function = ctx.eval(
        "(function (target, name, value) {\n\
           let current = value;\n\
           Object.defineProperty(target, name, {\n\
             get() { return current; },\n\
             set(v) { current = v; },\n\
             enumerable: true,\n\
             configurable: false,\n\
           });\n\
           return function reset(v) { current = v; };\n\
         })",
    )?;
    define.call((ctx.globals(), name, value))
}

fn named<'js>(function: Function<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    function.set_name(name)?;
    Ok(function)
}

fn query_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    kind: SubcallKind,
    name: &'static str,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, prompt: Opt<Value<'js>>, options: Opt<Value<'js>>| {
            let prompt = match prompt.0 {
                Some(v) if v.is_string() => format::display(&ctx, &v),
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
            let options = query_options(&ctx, name, options.0)?;
            let prompt_chars = prompt.chars().count();
            let handler = host.handler.clone();
            let (result, duration) =
                host.block_on(async move { handler.query(kind, prompt, options).await });
            let result = result.and_then(|r| r);
            let response_chars = match &result {
                Ok(t) | Err(t) => t.chars().count(),
            };
            host.cell.borrow_mut().subcalls.push(SubcallRecord {
                kind,
                prompt_chars,
                response_chars,
                duration,
                error: result.is_err(),
            });
            result.map_err(|e| Exception::throw_message(&ctx, &format!("{name} failed: {e}")))
        },
    )?;
    named(f, name)
}

fn query_options<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    value: Option<Value<'js>>,
) -> rquickjs::Result<QueryOptions> {
    let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(QueryOptions::default());
    };
    if value.is_string() {
        return Ok(QueryOptions {
            model: Some(format::display(ctx, &value)),
            ..QueryOptions::default()
        });
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
    let text = |key: &str| {
        option_field(ctx, object, name, key, "a string", |v| {
            v.is_string().then(|| format::display(ctx, v))
        })
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
        model: text("model")?,
        max_tokens,
        temperature: number("temperature")?.map(|t| t as f32),
        system: text("system")?,
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

fn batch_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    kind: SubcallKind,
    name: &'static str,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, prompts: Opt<Value<'js>>, limit: Opt<Value<'js>>| {
            let prompts = batch_prompts(&ctx, name, prompts.0)?;
            let max_concurrent =
                batch_limit(&ctx, name, limit.0)?.min(host.limits.max_concurrent_cap.max(1));
            let results = if prompts.is_empty() {
                Vec::new()
            } else {
                let count = prompts.len();
                let chars: Vec<usize> = prompts.iter().map(|p| p.chars().count()).collect();
                let handler = host.handler.clone();
                let started = Instant::now();
                let (result, duration) = host
                    .block_on(async move { handler.batch(kind, prompts, max_concurrent).await });
                let mut results = match result {
                    Ok(results) => results,
                    Err(e) => vec![Err(e); count],
                };
                results.resize_with(count, || {
                    Err("the handler returned too few results".to_owned())
                });
                let duration = duration.max(started.elapsed());
                let mut cell = host.cell.borrow_mut();
                for (result, prompt_chars) in results.iter().zip(chars) {
                    let response_chars = match result {
                        Ok(t) | Err(t) => t.chars().count(),
                    };
                    cell.subcalls.push(SubcallRecord {
                        kind,
                        prompt_chars,
                        response_chars,
                        duration,
                        error: result.is_err(),
                    });
                }
                results
            };
            let array = Array::new(ctx.clone())?;
            for (i, result) in results.into_iter().enumerate() {
                let text = result.unwrap_or_else(|e| format!("Error: {e}"));
                array.set(i, text)?;
            }
            Ok::<_, rquickjs::Error>(array)
        },
    )?;
    named(f, name)
}

fn batch_prompts<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    value: Option<Value<'js>>,
) -> rquickjs::Result<Vec<String>> {
    let usage = format!("{name}(prompts, max_concurrent?)");
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
    let length = batch_length(ctx, &usage, array)?;
    let mut prompts = Vec::new();
    for i in 0..length {
        let item: Value = array.get(i)?;
        if !item.is_string() {
            return Err(Exception::throw_type(
                ctx,
                &format!(
                    "{usage}: prompts[{i}] must be a string, got {}",
                    type_name(&item)
                ),
            ));
        }
        prompts.push(format::display(ctx, &item));
    }
    Ok(prompts)
}

/// The array's `length`, read as a JavaScript value (never trusted to be an int: a proxy or
/// a huge sparse array can report anything) and bounded by [`MAX_BATCH_ITEMS`].
fn batch_length<'js>(ctx: &Ctx<'js>, usage: &str, array: &Array<'js>) -> rquickjs::Result<usize> {
    let length: Value = array.as_object().get("length")?;
    let n = length.as_number().unwrap_or(f64::NAN);
    if !(n >= 0.0 && n.fract() == 0.0) {
        return Err(Exception::throw_type(
            ctx,
            &format!("{usage}: prompts.length must be a non-negative integer"),
        ));
    }
    if n > MAX_BATCH_ITEMS as f64 {
        return Err(Exception::throw_range(
            ctx,
            &format!(
                "{usage}: at most {MAX_BATCH_ITEMS} prompts per call, got {n}; split the work into several calls"
            ),
        ));
    }
    Ok(n as usize)
}

fn batch_limit<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    value: Option<Value<'js>>,
) -> rquickjs::Result<usize> {
    let mut value = match value {
        Some(v) if !v.is_undefined() && !v.is_null() => v,
        _ => return Ok(DEFAULT_MAX_CONCURRENT),
    };
    if let Some(object) = value
        .as_object()
        .filter(|_| !value.is_function() && !value.is_array())
    {
        let inner: Value = object.get("max_concurrent")?;
        if inner.is_undefined() || inner.is_null() {
            return Ok(DEFAULT_MAX_CONCURRENT);
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

fn print_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
        let parts: Vec<String> = args.0.iter().map(|v| format::display(&ctx, v)).collect();
        host.print(&parts.join(" "));
    })?;
    named(f, "print")
}

fn final_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, value: Opt<Value<'js>>| {
        let Some(value) = value.0 else {
            return Err(Exception::throw_type(
                &ctx,
                "FINAL(value): missing value; pass the answer, e.g. FINAL(\"42\")",
            ));
        };
        let answer = format::answer(&ctx, &value);
        host.cell.borrow_mut().final_answer = Some(answer);
        Ok(())
    })?;
    named(f, "FINAL")
}

fn final_var_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, name: Opt<Value<'js>>| {
        let name = match name.0 {
            Some(v) if v.is_string() => format::display(&ctx, &v),
            other => {
                let got = other.as_ref().map_or("nothing", type_name);
                return Err(Exception::throw_type(
                    &ctx,
                    &format!(
                        "FINAL_VAR(name) expects the variable's name as a string, e.g. FINAL_VAR(\"answer\"), got {got}; use FINAL(value) to answer with a value"
                    ),
                ));
            }
        };
        match variables::final_var(&ctx, &host, &name) {
            Ok(answer) => {
                host.cell.borrow_mut().final_answer = Some(answer);
                Ok(None)
            }
            Err(message) => Ok(Some(message)),
        }
    })?;
    named(f, "FINAL_VAR")
}

fn show_vars_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>| {
        variables::user_variables(&ctx, &host)
    })?;
    named(f, "SHOW_VARS")
}
