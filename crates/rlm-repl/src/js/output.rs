//! `print` and `console`: output captured into the cell's bounded buffer.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{Ctx, Function, Object, Value};

use super::named;
use crate::format;
use crate::host::Host;

/// `print(...values)`: the values shown like `console.log` does, joined by spaces, one line.
pub(super) fn print_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
        let parts: Vec<String> = args.0.iter().map(|v| format::display(&ctx, v)).collect();
        host.print(&parts.join(" "));
    })?;
    named(f, "print")
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
