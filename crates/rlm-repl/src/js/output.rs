//! `print` and `console`: output captured into the cell's bounded buffer. Only the parts of a line the
//! buffer keeps (its head and its tail) are ever copied out of the JavaScript heap, so
//! `print.apply(null, Array(1000).fill(huge))` costs no more host memory than one short line.

use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::object::Property;
use rquickjs::{Ctx, Function, Object, Value};

use super::named;
use crate::host::Host;
use crate::{format, strings};

/// One argument of a `print` call, as JavaScript text or as text already copied (and bounded).
enum Part<'js> {
    Js(rquickjs::String<'js>, usize),
    Copied(String, usize),
}

impl Part<'_> {
    fn units(&self) -> usize {
        match self {
            Self::Js(_, n) | Self::Copied(_, n) => *n,
        }
    }
}

/// `print(...values)`: the values shown like `console.log` does, joined by spaces, one line.
pub(super) fn print_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
        let cap = host.limits.output_cap_chars;
        let mut parts = Vec::with_capacity(args.0.len() * 2);
        for (i, value) in args.0.iter().enumerate() {
            if i > 0 {
                parts.push(Part::Copied(" ".to_owned(), 1));
            }
            parts.push(if let Some(s) = strings::as_js_string(value) {
                let n = strings::length(&ctx, &s)?;
                Part::Js(s, n)
            } else {
                let text = format::display(&ctx, value, cap);
                let n = text.encode_utf16().count();
                Part::Copied(text, n)
            });
        }
        print_line(&ctx, &host, &parts)
    })?;
    named(f, "print")
}

/// Pushes the line made of `parts` (and a newline) into the cell's output. When the line is longer
/// than the buffer keeps, only the units of its head and of its tail are copied; the middle is
/// counted, never copied.
fn print_line<'js>(ctx: &Ctx<'js>, host: &Host, parts: &[Part<'js>]) -> rquickjs::Result<()> {
    let total: usize = parts.iter().map(Part::units).sum();
    let (head, tail) = host.cell.borrow().output.halves();
    if total <= head + tail {
        for part in parts {
            host.print_raw(&part.copy(ctx, 0, part.units())?);
        }
        host.print_raw("\n");
        return Ok(());
    }
    let tail_from = total - tail;
    let mut start = 0;
    for part in parts {
        let end = start + part.units();
        if start < head {
            host.print_raw(&part.copy(ctx, 0, end.min(head) - start)?);
        }
        let (middle_from, middle_to) = (start.max(head), end.min(tail_from));
        if middle_to > middle_from {
            host.cell.borrow_mut().output.skip(middle_to - middle_from);
        }
        if end > tail_from {
            host.print_raw(&part.copy(ctx, start.max(tail_from) - start, part.units())?);
        }
        start = end;
    }
    host.print_raw("\n");
    Ok(())
}

impl<'js> Part<'js> {
    /// Units `from..to` of the part, as Rust text.
    fn copy(&self, ctx: &Ctx<'js>, from: usize, to: usize) -> rquickjs::Result<String> {
        match self {
            Self::Js(s, n) if from == 0 && to == *n => strings::copy(ctx, s),
            Self::Js(s, _) => strings::copy(ctx, &strings::slice(ctx, s, from, to)?),
            Self::Copied(text, _) => {
                let units: Vec<u16> = text.encode_utf16().collect();
                Ok(String::from_utf16_lossy(
                    &units[from.min(units.len())..to.min(units.len())],
                ))
            }
        }
    }
}

/// A fresh `console` whose methods are `print`. Rebuilt after every cell, so a cell that
/// replaces `console.log` or freezes `console` does not disable output capture later. Its
/// properties are defined, never assigned, so no accessor a cell put on `Object.prototype` runs.
pub(crate) fn console<'js>(ctx: &Ctx<'js>, print: &Value<'js>) -> rquickjs::Result<Object<'js>> {
    let console = Object::new(ctx.clone())?;
    for method in ["log", "info", "warn", "error", "debug"] {
        console.prop(
            method,
            Property::from(print.clone())
                .writable()
                .enumerable()
                .configurable(),
        )?;
    }
    Ok(console)
}
