//! Built-ins as they were before any user code ran: bound copies of the few functions the sandbox
//! itself calls on user values (`String.prototype.slice`, `toWellFormed`, `Object.isExtensible`, ...),
//! kept in a hidden, read-only global so a cell that replaces the originals cannot change what the
//! sandbox does.

use rquickjs::{Ctx, Function, Object};

/// Name of the hidden global (it starts with NUL, so code never writes it by accident; it is
/// non-writable, non-configurable and non-enumerable).
const NAME: &str = "\u{0}rlm.pristine";

/// Installs the copies; must run before any user code.
pub(crate) fn install(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let install: Function = ctx.eval(
        "(function (target, name) {\n\
           const call = Function.prototype.call;\n\
           const helpers = Object.freeze({\n\
             wellFormed: call.bind(String.prototype.toWellFormed),\n\
             slice: call.bind(String.prototype.slice),\n\
             length: function (s) { return s.length; },\n\
             isExtensible: Object.isExtensible,\n\
           });\n\
           Object.defineProperty(target, name, { value: helpers });\n\
         })",
    )?;
    install.call((ctx.globals(), NAME))
}

/// The pristine function `name`.
pub(crate) fn get<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    let helpers: Object = ctx.globals().get(NAME)?;
    helpers.get(name)
}

/// Whether the global object still accepts new properties (a cell may have frozen it).
pub(crate) fn globals_extensible(ctx: &Ctx<'_>) -> bool {
    get(ctx, "isExtensible")
        .and_then(|f| f.call::<_, bool>((ctx.globals(),)))
        .unwrap_or(true)
}
