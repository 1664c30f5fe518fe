//! The functions code in the sandbox sees: `llm_query`, `llm_batch` (and `rlm_query`, `rlm_batch`),
//! `print`, `console`, `FINAL`, `FINAL_VAR`, `SHOW_VARS`, and one function per host tool. They reach the rest of rlm only through
//! [`Host`]'s host-call interface.
//!
//! Argument checking and result building happen in Rust, so user code that replaces
//! `Array.prototype.map` or `JSON` cannot break them.

mod batch;
mod finish;
mod output;
mod query;
mod tool;

use std::rc::Rc;

use rquickjs::{Ctx, Function, Value};

use crate::SubcallKind;
use crate::host::Host;
use crate::interpreter::Globals;

pub(crate) use output::console;

/// The reserved functions, as `(name, value)` pairs to define on the global object.
pub(crate) fn reserved_functions<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
    globals: &Globals,
) -> rquickjs::Result<Vec<(String, Value<'js>)>> {
    let print = output::print_fn(ctx, host)?;
    let console = console(ctx, &print.clone().into_value())?;
    let mut all = vec![
        (
            "llm_query",
            query::query_fn(ctx, host, SubcallKind::Llm, "llm_query")?.into_value(),
        ),
        (
            "llm_batch",
            batch::batch_fn(ctx, host, SubcallKind::Llm, "llm_batch")?.into_value(),
        ),
        ("print", print.into_value()),
        ("console", console.into_value()),
        ("FINAL", finish::final_fn(ctx, host)?.into_value()),
        ("FINAL_VAR", finish::final_var_fn(ctx, host)?.into_value()),
        ("SHOW_VARS", finish::show_vars_fn(ctx, host)?.into_value()),
    ];
    if globals.recursive {
        all.push((
            "rlm_query",
            query::query_fn(ctx, host, SubcallKind::Rlm, "rlm_query")?.into_value(),
        ));
        all.push((
            "rlm_batch",
            batch::batch_fn(ctx, host, SubcallKind::Rlm, "rlm_batch")?.into_value(),
        ));
    }
    let mut all: Vec<(String, Value<'js>)> = all
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    for name in &globals.tools {
        all.push((name.clone(), tool::tool_fn(ctx, host, name)?.into_value()));
    }
    Ok(all)
}

/// `function` with its JavaScript `name` set.
fn named<'js>(function: Function<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    function.set_name(name)?;
    Ok(function)
}

/// The text code sees in place of an answer when a sub-call failed.
fn error_text(error: &crate::SubcallError) -> String {
    format!("Error: {error}")
}
