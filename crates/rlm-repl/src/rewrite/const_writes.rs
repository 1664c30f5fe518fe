//! Keeps a top-level `const` constant within its cell after it became `var`: each write to it
//! is replaced by a target that throws when the value is stored.

use oxc_ast::AstKind;
use oxc_ast::ast::VariableDeclaration;
use oxc_semantic::Semantic;
use oxc_span::GetSpan;

use super::edits::Edit;

/// Names a write target cannot read from inside the (strict-mode) class that
/// [`throwing_target`] builds: strict-mode reserved words, and `arguments`, which would be the
/// getter's own.
const UNREADABLE_IN_CLASS: &[&str] = &[
    "arguments",
    "implements",
    "interface",
    "package",
    "private",
    "protected",
    "public",
    "static",
    "yield",
];

/// Edits that make every write in this cell to a name `declaration` binds throw a `TypeError`
/// where it runs, or `None` when some write cannot be rewritten safely: one inside a `with`
/// body (the name may mean a property of the object there), or to a name the throwing target
/// cannot read. The declaration then stays `const`.
pub(super) fn throwing_writes(
    semantic: &Semantic<'_>,
    declaration: &VariableDeclaration<'_>,
) -> Option<Vec<Edit>> {
    let nodes = semantic.nodes();
    let scoping = semantic.scoping();
    let source = semantic.source_text();
    let mut edits = Vec::new();
    for declarator in &declaration.declarations {
        for binding in declarator.id.get_binding_identifiers() {
            let symbol = binding.symbol_id.get()?;
            for reference in scoping.get_resolved_references(symbol) {
                if !reference.is_write() {
                    continue;
                }
                let node = reference.node_id();
                let AstKind::IdentifierReference(identifier) = nodes.kind(node) else {
                    return None;
                };
                let in_with = nodes
                    .ancestor_kinds(node)
                    .any(|kind| matches!(kind, AstKind::WithStatement(_)));
                if in_with || UNREADABLE_IN_CLASS.contains(&identifier.name.as_str()) {
                    return None;
                }
                let span = identifier.span();
                let name = source.get(span.start as usize..span.end as usize)?;
                let target = throwing_target(name, &identifier.name);
                let text = match nodes.parent_kind(node) {
                    AstKind::AssignmentTargetPropertyIdentifier(_) => format!("{name}: {target}"),
                    _ => target,
                };
                edits.push(Edit::replace(span.start as usize, span.end as usize, text));
            }
        }
    }
    Some(edits)
}

/// A member expression that stands wherever the assignment target `source` (spelled as in the
/// cell, naming `name`) can: reading it reads the binding (`x += 1`, `x++`, `x ||= 1` read
/// first), storing to it throws QuickJS's own `TypeError`. It starts with a keyword, so it
/// cannot join the previous line when it starts a statement.
fn throwing_target(source: &str, name: &str) -> String {
    let message = serde_json::Value::from(format!("'{name}' is read-only"));
    format!("new class{{get v(){{return {source}}}set v(_){{throw new TypeError({message})}}}}().v")
}
