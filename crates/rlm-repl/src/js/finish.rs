//! `FINAL(value)`, `FINAL_VAR(name)` and `SHOW_VARS()`: answering from code and listing variables.

use std::rc::Rc;

use rquickjs::function::Opt;
use rquickjs::{Ctx, Exception, Function, Value};

use super::named;
use crate::format::{self, type_name};
use crate::host::Host;
use crate::variables;

/// `FINAL(value)`: records the value (strings as-is, other values as JSON) as the answer.
pub(super) fn final_fn<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, value: Opt<Value<'js>>| {
        let Some(value) = value.0 else {
            return Err(Exception::throw_type(
                &ctx,
                "FINAL(value): missing value; pass the answer, e.g. FINAL(\"42\")",
            ));
        };
        let cap = host.limits.max_batch_bytes;
        match format::answer(&ctx, &value, cap)? {
            Ok(answer) => {
                host.cell.borrow_mut().final_answer = Some(answer);
                Ok(())
            }
            Err(length) => Err(Exception::throw_range(
                &ctx,
                &format!(
                    "FINAL(value): the answer is {length} characters, more than the {cap} an answer may hold"
                ),
            )),
        }
    })?;
    named(f, "FINAL")
}

/// `FINAL_VAR("name")`: records the variable's value as the answer, or returns a message listing the
/// variables that exist.
pub(super) fn final_var_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>, name: Opt<Value<'js>>| {
        let name = match name.0 {
            Some(v) if v.is_string() => {
                super::query::text_within(&ctx, "FINAL_VAR", "name", &v, 1_000)?
            }
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
            Err(why) => Ok(Some(why.to_string())),
        }
    })?;
    named(f, "FINAL_VAR")
}

/// `SHOW_VARS()`: the names of the user's variables.
pub(super) fn show_vars_fn<'js>(
    ctx: &Ctx<'js>,
    host: &Rc<Host>,
) -> rquickjs::Result<Function<'js>> {
    let host = host.clone();
    let f = Function::new(ctx.clone(), move |ctx: Ctx<'js>| {
        variables::user_variables(&ctx, &host)
    })?;
    named(f, "SHOW_VARS")
}
