//! Edits for the cell's top-level `let` / `const` / `class` statements.

use oxc_ast::ast::{Class, Statement, VariableDeclaration, VariableDeclarationKind};
use oxc_semantic::Semantic;
use oxc_span::GetSpan;

use super::const_writes::throwing_writes;
use super::edits::Edit;

/// Adds the edits that make `statement` re-declarable in a later cell.
pub(super) fn statement_edits(
    semantic: &Semantic<'_>,
    statement: &Statement<'_>,
    edits: &mut Vec<Edit>,
) {
    let source = semantic.source_text();
    match statement {
        Statement::VariableDeclaration(declaration) => match declaration.kind {
            VariableDeclarationKind::Let => let_edits(source, declaration, edits),
            VariableDeclarationKind::Const => {
                if keyword_is(source, declaration, "const")
                    && let Some(writes) = throwing_writes(semantic, declaration)
                {
                    let start = declaration.span.start as usize;
                    edits.push(Edit::replace(start, start + 5, "var  "));
                    edits.extend(writes);
                }
            }
            VariableDeclarationKind::Var
            | VariableDeclarationKind::Using
            | VariableDeclarationKind::AwaitUsing => {}
        },
        Statement::ClassDeclaration(class) => class_edits(class, edits),
        _ => {}
    }
}

/// `let a, b = 1` → `var a = undefined, b = 1`: a re-run `var a` would keep the value of an
/// earlier cell, where a console's `let a` gives `undefined`.
fn let_edits(source: &str, declaration: &VariableDeclaration<'_>, edits: &mut Vec<Edit>) {
    if !keyword_is(source, declaration, "let") {
        return;
    }
    let start = declaration.span.start as usize;
    edits.push(Edit::replace(start, start + 3, "var"));
    let ends_with_semicolon = source
        .get(..declaration.span.end as usize)
        .is_some_and(|text| text.ends_with(';'));
    let last = declaration.declarations.len().saturating_sub(1);
    for (i, declarator) in declaration.declarations.iter().enumerate() {
        if declarator.init.is_none() {
            // Ended by automatic semicolon insertion: `undefined` must not run into the next line.
            let text = if i == last && !ends_with_semicolon {
                " = undefined;"
            } else {
                " = undefined"
            };
            edits.push(Edit::insert(declarator.id.span().end as usize, text));
        }
    }
}

/// `class X {}` → `var X = class X {};`.
fn class_edits(class: &Class<'_>, edits: &mut Vec<Edit>) {
    let Some(id) = &class.id else { return };
    if !class.decorators.is_empty() {
        return;
    }
    edits.push(Edit::insert(
        class.span.start as usize,
        format!("var {} = ", id.name),
    ));
    edits.push(Edit::insert(class.span.end as usize, ";"));
}

/// Whether the declaration starts with the plain keyword (not one spelled with escapes).
fn keyword_is(source: &str, declaration: &VariableDeclaration<'_>, keyword: &str) -> bool {
    source
        .get(declaration.span.start as usize..)
        .is_some_and(|text| text.starts_with(keyword))
}
