//! Errors found when a template is given: a variable the template does not receive, a syntax error,
//! an unknown template name.

use crate::TemplateName;

/// A template that cannot be used. Raised by [`crate::PromptSet::with_template`] (and
/// [`TemplateName`]'s `FromStr`), before any run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// `{{ name }}` (or `name` in any other expression) is not a variable this template receives.
    #[error(
        "template `{template}` uses `{name}`, which it does not receive; {}",
        accepted_list(*template)
    )]
    UnknownPlaceholder {
        /// The template.
        template: TemplateName,
        /// The variable name as written.
        name: String,
    },
    /// The template is not valid minijinja syntax.
    #[error(
        "template `{template}`, line {line}: syntax error: {message}; fix the template (write a \
         variable as `{{{{ name }}}}`; for a literal `{{{{`, `{{%` or `{{#` write `{{{{ \"{{{{\" }}}}` or \
         put the text between `{{% raw %}}` and `{{% endraw %}}`)"
    )]
    Syntax {
        /// The template.
        template: TemplateName,
        /// 1-based line of the error.
        line: usize,
        /// What minijinja found wrong.
        message: String,
    },
    /// A template name that does not exist (from [`TemplateName`]'s `FromStr`).
    #[error("unknown template `{name}`; use one of: {}", known_templates())]
    UnknownTemplate {
        /// The name that was given.
        name: String,
    },
}

fn accepted_list(template: TemplateName) -> String {
    let names = template.placeholders();
    if names.is_empty() {
        return "it receives no variables: remove the `{{ ... }}` (or write a literal `{{` as \
                `{{ \"{{\" }}`)"
            .to_string();
    }
    let list = names
        .iter()
        .map(|n| format!("{{{{ {n} }}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("use one of the variables it receives: {list}")
}

fn known_templates() -> String {
    TemplateName::ALL
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_and_what_to_do() {
        let unknown = PromptError::UnknownPlaceholder {
            template: TemplateName::FinalRequest,
            name: "qeury".into(),
        }
        .to_string();
        assert_eq!(
            unknown,
            "template `final_request` uses `qeury`, which it does not receive; use one of the \
             variables it receives: {{ query }}"
        );
        let none = PromptError::UnknownPlaceholder {
            template: TemplateName::NoCodeNudge,
            name: "query".into(),
        }
        .to_string();
        assert!(none.contains("receives no variables"), "{none}");
        let syntax = PromptError::Syntax {
            template: TemplateName::Turn,
            line: 3,
            message: "unexpected end of input".into(),
        }
        .to_string();
        assert_eq!(
            syntax,
            "template `turn`, line 3: syntax error: unexpected end of input; fix the template \
             (write a variable as `{{ name }}`; for a literal `{{`, `{%` or `{#` write \
             `{{ \"{{\" }}` or put the text between `{% raw %}` and `{% endraw %}`)"
        );
        let name = PromptError::UnknownTemplate {
            name: "sytem".into(),
        }
        .to_string();
        assert!(name.contains("`sytem`") && name.contains("system, context_metadata"));
    }
}
