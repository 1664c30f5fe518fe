//! Errors found when a template is given: unknown placeholders and malformed braces.

use crate::TemplateName;

/// A template that cannot be used. Raised by [`crate::PromptSet::with_template`], before any run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// `{name}` is not one of the placeholders this template accepts.
    #[error(
        "template `{template}` uses unknown placeholder `{{{name}}}`; it accepts: {}",
        accepted_list(*template)
    )]
    UnknownPlaceholder {
        /// The template.
        template: TemplateName,
        /// The placeholder name as written.
        name: String,
    },
    /// A `{` that is never closed.
    #[error(
        "template `{template}`, line {line}: `{{` is never closed; write `{{{{` for a literal brace"
    )]
    UnclosedPlaceholder {
        /// The template.
        template: TemplateName,
        /// 1-based line of the `{`.
        line: usize,
    },
    /// `{...}` whose content is not a placeholder name (often code with single braces).
    #[error(
        "template `{template}`, line {line}: `{{{text}}}` is not a placeholder name; \
         write `{{{{` and `}}}}` for literal braces"
    )]
    InvalidPlaceholder {
        /// The template.
        template: TemplateName,
        /// 1-based line of the `{`.
        line: usize,
        /// What stood between the braces.
        text: String,
    },
    /// A `}` with no `{` before it.
    #[error("template `{template}`, line {line}: unmatched `}}`; write `}}}}` for a literal brace")]
    UnmatchedBrace {
        /// The template.
        template: TemplateName,
        /// 1-based line of the `}`.
        line: usize,
    },
    /// A template name that does not exist (from [`TemplateName`]'s `FromStr`).
    #[error("unknown template `{name}`; known templates: {}", known_templates())]
    UnknownTemplate {
        /// The name that was given.
        name: String,
    },
}

fn accepted_list(template: TemplateName) -> String {
    let names = template.placeholders();
    if names.is_empty() {
        return "no placeholders".to_string();
    }
    names
        .iter()
        .map(|n| format!("{{{n}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn known_templates() -> String {
    TemplateName::ALL
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
