//! Parses a cell the way QuickJS's async eval reads it: a sloppy-mode script body in which
//! `await` is allowed at the top level.

use oxc_allocator::Allocator;
use oxc_ast::ast::{Expression, Program, Statement};
use oxc_parser::Parser;
use oxc_semantic::{Semantic, SemanticBuilder};
use oxc_span::SourceType;

/// Source text before the cell: the cell becomes the body of a sloppy async function.
pub(super) const PREFIX: &str = "(async function(){";
/// Source text after the cell. The newline ends a trailing line comment.
const SUFFIX: &str = "\n})";

/// `code` inside the wrapper that [`analyze`] parses.
pub(super) fn wrap(code: &str) -> String {
    format!("{PREFIX}{code}{SUFFIX}")
}

/// The parsed wrapper with its scopes and references resolved, or `None` when the cell has a
/// syntax error (early errors such as a duplicate `let` included).
pub(super) fn analyze<'a>(allocator: &'a Allocator, source: &'a str) -> Option<Semantic<'a>> {
    let parsed = Parser::new(allocator, source, SourceType::script()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return None;
    }
    let program = allocator.alloc(parsed.program);
    let built = SemanticBuilder::new()
        .with_check_syntax_error(true)
        .with_build_nodes(true)
        .build(program);
    built.diagnostics.is_empty().then_some(built.semantic)
}

/// The cell's top-level statements: the wrapper function's body, provided it spans exactly
/// the cell (a cell such as `}); (async function(){` would otherwise end the wrapper early).
pub(super) fn cell_statements<'s, 'a>(
    program: &'s Program<'a>,
    source_len: usize,
) -> Option<&'s [Statement<'a>]> {
    let [Statement::ExpressionStatement(statement)] = program.body.as_slice() else {
        return None;
    };
    let Expression::ParenthesizedExpression(parenthesized) = &statement.expression else {
        return None;
    };
    let Expression::FunctionExpression(function) = &parenthesized.expression else {
        return None;
    };
    let body = function.body.as_ref()?;
    let expected_start = PREFIX.len() - 1;
    let expected_end = source_len - SUFFIX.len() + 2;
    (body.span.start as usize == expected_start && body.span.end as usize == expected_end)
        .then_some(body.statements.as_slice())
}

/// Whether `code` parses as a cell (no syntax error, and the wrapper is not broken out of).
#[cfg(test)]
pub(super) fn parses(code: &str) -> bool {
    let source = wrap(code);
    let allocator = Allocator::default();
    analyze(&allocator, &source)
        .is_some_and(|semantic| cell_statements(semantic.nodes().program(), source.len()).is_some())
}
