//! Makes top-level declarations re-declarable across cells, as in a browser console.
//!
//! QuickJS keeps top-level `let` / `const` / `class` bindings between evaluations and refuses
//! to declare a name twice. Before a cell runs, oxc parses it and its top-level statements are
//! rewritten from the AST at exact byte spans:
//!
//! - `let` / `const` → `var`. A `let` declarator without initializer gets `= undefined` (a
//!   re-run `var x;` would keep the old value, a console's `let x;` gives `undefined`), plus a
//!   `;` where the declaration ended by automatic semicolon insertion.
//! - `class X {…}` → `var X = class X {…};`.
//! - Nothing nested changes: blocks, functions, class bodies and `for (let …)` keep their
//!   scoping. Completion values stay the same (declarations and the added `;` complete empty).
//! - No edit adds or removes a newline, so errors keep reporting the cell's own lines.
//!
//! **Parsing.** QuickJS runs a cell as a sloppy-mode script in which top-level `await` is
//! allowed (async eval compiles the script as the body of an async function). oxc 0.146 has
//! no such setting: `SourceType::script()` rejects `await` expressions, `mjs()` is strict module
//! code, `unambiguous()` turns into a module at the first unambiguous `await` and reads an
//! ambiguous one (`await (p)`) as a call, and `ParseOptions` offers only
//! `allow_return_outside_function`. So the cell is parsed the way QuickJS compiles it, as the
//! body of `(async function(){ … })` in a script, with oxc_semantic's early-error checks. A
//! cell with any syntax or early error (a duplicate `let` too) is returned unchanged and
//! QuickJS reports it; so is a cell that would close the wrapper early (`}); (…`) and one that
//! starts with a `#!` line. A top-level `return` or `new.target` parses in the wrapper: such a
//! cell may be rewritten and still fails in QuickJS with its SyntaxError. The parser recurses
//! once per nesting level, so it runs on its own thread with a stack sized to the cell; cells
//! over 256 KiB are returned unchanged.
//!
//! **Const.** A `const` becomes `var`, but a write to it in the same cell still throws a
//! `TypeError` at the point where it runs. oxc_semantic resolves every reference; each write
//! site `x` (plain, compound and logical assignment, `++` / `--`, destructuring targets,
//! `for (x of …)` heads, in nested functions too) becomes a member target
//! `new class{get v(){return x}set v(_){throw …}}().v`. The right-hand side still runs, `x += 1`
//! and `x++` still read `x` first, `x ||= 1` still skips the store when `x` is truthy, and the
//! throw comes at the store, as for a real constant. Shorthand `({x} = o)` becomes
//! `({x: …} = o)`. Writes that this cannot express keep their whole declaration `const` (so
//! re-running that one cell fails as it would without the rewrite): a write inside a `with`
//! body, where the name may mean a property of the object, and a write to a constant named
//! `arguments` or a strict-mode reserved word, which the strict class body cannot read. A
//! later cell, or code run by `eval`, can assign the variable.
//!
//! Not kept: the temporal dead zone. A top-level `let` / `const` / `class` read before its
//! declaration gives `undefined` (or the previous cell's value) instead of a ReferenceError,
//! and a write to a `const` before its declaration throws the TypeError instead.

mod const_writes;
mod declarations;
mod edits;
mod parse;

#[cfg(test)]
mod tests;

use oxc_allocator::Allocator;

/// Stack reserved for the rewrite per byte of cell. oxc's parser and visitors recurse once
/// per nesting level; the deepest case measured (unclosed `(((…`) needs under 3 KiB per byte
/// in a debug build and 1.5 KiB in a release build.
const STACK_PER_BYTE: usize = 4 * 1024;
const BASE_STACK: usize = 1024 * 1024;
/// Larger cells run unchanged rather than reserve more than 1 GiB of stack for them.
const MAX_CELL: usize = 256 * 1024;

/// Returns `code` with its top-level `let` / `const` / `class` declarations rewritten to `var`,
/// or `code` unchanged when it does not parse.
///
/// The parse runs on a thread of its own with a stack sized to the cell, so that no nesting
/// depth can overflow the sandbox thread's stack (which would abort the process), and a
/// panic in the parser leaves the cell unchanged.
pub(crate) fn rewrite_declarations(code: &str) -> String {
    on_own_stack(code).unwrap_or_else(|| code.to_owned())
}

fn on_own_stack(code: &str) -> Option<String> {
    if code.len() > MAX_CELL {
        return None;
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("rlm-rewrite".to_owned())
            .stack_size(BASE_STACK + code.len() * STACK_PER_BYTE)
            .spawn_scoped(scope, || rewrite(code))
            .ok()?
            .join()
            .ok()?
    })
}

fn rewrite(code: &str) -> Option<String> {
    let source = parse::wrap(code);
    let allocator = Allocator::default();
    let semantic = parse::analyze(&allocator, &source)?;
    let statements = parse::cell_statements(semantic.nodes().program(), source.len())?;
    let mut edits = Vec::new();
    for statement in statements {
        declarations::statement_edits(&semantic, statement, &mut edits);
    }
    edits::apply(code, edits, parse::PREFIX.len())
}
