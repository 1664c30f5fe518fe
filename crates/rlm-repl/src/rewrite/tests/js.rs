//! A bare QuickJS context that evaluates cells as the sandbox does (async eval, sloppy mode,
//! completion value of the last statement) and records what they print.

use rquickjs::context::EvalOptions;
use rquickjs::promise::PromiseState;
use rquickjs::{Context, Ctx, Function, Object, Promise, Runtime, Value};

/// Helpers the cells and the harness call. `print` shows strings as they are and other
/// values as JSON where that says more than `String`.
const SETUP: &str = r#"
var __printed = [];
function __show(v) {
  if (typeof v === "string" || typeof v === "number" || v === undefined) return String(v);
  if (typeof v === "function") return "function " + v.name;
  try { const json = JSON.stringify(v); return json === undefined ? String(v) : json; }
  catch (e) { return String(v); }
}
function __error(e) {
  const text = e instanceof Error ? e.name + ": " + e.message : "Uncaught " + __show(e);
  const line = e instanceof Error && /cell:(\d+)/.exec(String(e.stack));
  return line ? text + " (line " + line[1] + ")" : text;
}
function print(...args) { __printed.push(args.map(__show).join(" ")); }
"#;

/// What one cell did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) printed: Vec<String>,
    /// The completion value, unless `undefined`.
    pub(super) value: Option<String>,
    /// `Name: message (line N)` of an uncaught error.
    pub(super) error: Option<String>,
}

/// One QuickJS context; cells run in it one after the other share their globals.
pub(super) struct Js {
    context: Context,
    _runtime: Runtime,
}

impl Js {
    pub(super) fn new() -> Self {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| ctx.eval::<(), _>(SETUP).unwrap());
        Self {
            context,
            _runtime: runtime,
        }
    }

    /// Runs `code` as a cell.
    pub(super) fn run(&self, code: &str) -> Run {
        self.context.with(|ctx| {
            let mut options = EvalOptions::default();
            options.strict = false;
            options.promise = true;
            options.filename = Some("cell".to_owned());
            let (value, error) = match ctx.eval_with_options::<Promise, _>(code, options) {
                Ok(promise) => settle(&ctx, &promise),
                Err(_) => (None, Some(caught(&ctx))),
            };
            let printed = ctx.eval("__printed.splice(0)").unwrap();
            Run {
                printed,
                value,
                error,
            }
        })
    }

    /// Runs `code` and panics unless it ran without an uncaught error.
    pub(super) fn ok(&self, code: &str) -> Run {
        let run = self.run(code);
        assert_eq!(run.error, None, "{code}");
        run
    }
}

fn settle<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> (Option<String>, Option<String>) {
    loop {
        match promise.state() {
            PromiseState::Pending => {
                if !ctx.execute_pending_job() && promise.state() == PromiseState::Pending {
                    return (None, Some("the cell never settles".to_owned()));
                }
            }
            PromiseState::Resolved => {
                let completion = promise.result::<Object>().unwrap().unwrap();
                let value: Value = completion.get("value").unwrap();
                return ((!value.is_undefined()).then(|| show(ctx, value)), None);
            }
            PromiseState::Rejected => {
                let _ = promise.result::<Value>();
                return (None, Some(caught(ctx)));
            }
        }
    }
}

fn show<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> String {
    let show: Function = ctx.globals().get("__show").unwrap();
    show.call((value,)).unwrap()
}

fn caught(ctx: &Ctx<'_>) -> String {
    let thrown = ctx.catch();
    let error: Function = ctx.globals().get("__error").unwrap();
    error.call((thrown,)).unwrap()
}
