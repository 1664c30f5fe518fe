//! A host tool: `name(...args)`, a synchronous function whose work is done outside the sandbox by
//! [`SubcallHandler::tool`](crate::SubcallHandler::tool).
//!
//! The arguments cross as the JSON text of the array of them, made by QuickJS's own
//! `JSON.stringify` (so `undefined` and functions become `null`; a `BigInt` or a cycle throws a
//! `TypeError`), and checked against
//! [`SandboxLimits::max_tool_argument_bytes`](crate::SandboxLimits::max_tool_argument_bytes) before
//! the text is copied out of the heap (over it: a `RangeError`). The result comes back as JSON text
//! and is parsed into a JavaScript value. A failed call returns `"Error: <message>"`, as a failed
//! `llm_query` does.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{Array, Ctx, Exception, Function, IntoJs, Value};

use super::query::text_within;
use super::{error_text, named};
use crate::SubcallErrorKind;
use crate::host::Host;

/// Characters of a JavaScript error kept in the message of wrong arguments.
const ERROR_CHARS: usize = 300;

pub(super) fn tool_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    name: &str,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let tool = name.to_owned();
    let f = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            let arguments = arguments_json(&ctx, &host, &tool, args.0)?;
            match host.tool(&tool, arguments) {
                Ok(json) => ctx.json_parse(json).or_else(|_| {
                    let _ = ctx.catch();
                    format!("Error: {tool} returned a result that is not JSON").into_js(&ctx)
                }),
                // The cell is being stopped: end it here rather than hand code a string.
                Err(e) if e.kind() == SubcallErrorKind::Cancelled => {
                    Err(Exception::throw_message(&ctx, &format!("{tool}: {e}")))
                }
                Err(e) => error_text(&e).into_js(&ctx),
            }
        },
    )?;
    named(f, name)
}

/// The JSON text of the array of `args`, within the argument cap.
fn arguments_json<'js>(
    ctx: &Ctx<'js>,
    host: &Host,
    tool: &str,
    args: Vec<Value<'js>>,
) -> rquickjs::Result<String> {
    let array = Array::new(ctx.clone())?;
    for (i, arg) in args.into_iter().enumerate() {
        array.set(i, arg)?;
    }
    let wrong = |ctx: &Ctx<'js>, why: &str| {
        Exception::throw_type(
            ctx,
            &format!(
                "{tool}(...): wrong arguments: {why}; a tool takes JSON values (strings, numbers, \
                 booleans, null, arrays and plain objects; no BigInt, no cycles)"
            ),
        )
    };
    let text = match ctx.json_stringify(array) {
        Ok(Some(text)) => text,
        Ok(None) => return Err(wrong(ctx, "they have no JSON form")),
        Err(rquickjs::Error::Exception) => {
            let thrown = ctx.catch();
            // A cell stopped in a `toJSON` stays stopped.
            if host.should_interrupt() {
                return Err(ctx.throw(thrown));
            }
            let why = crate::format::error_text(ctx, &thrown, ERROR_CHARS)
                .unwrap_or_else(|| "they cannot be converted to JSON".to_owned());
            return Err(wrong(ctx, &why));
        }
        Err(e) => return Err(e),
    };
    let cap = host.limits.max_tool_argument_bytes;
    text_within(ctx, tool, "JSON of its arguments", &text.into_value(), cap)
}
