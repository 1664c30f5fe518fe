//! The template language: [minijinja](https://docs.rs/minijinja) in strict mode, text kept exactly as
//! written.
//!
//! [`check`] compiles a template and compares the variables it uses with the ones its template
//! receives ([`crate::vars`]); [`render`] fills a template from the serialized value of its variables
//! struct. Rendering is total: should minijinja fail at render time (a checked template can still
//! ask for an attribute a string does not have, or for an unknown filter), the template's text is
//! returned as written, never a blank prompt.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::{PromptError, TemplateName};

/// The one environment every template is compiled in.
static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A variable the values do not have is an error, never an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Prompts are plain text: nothing is escaped, whatever the template's name.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Keep a template's final newline, like every other character (minijinja drops one by default).
    // `trim_blocks` and `lstrip_blocks` stay off, so block tags leave their lines as written.
    // `build` only fails for custom delimiters, which are not set here.
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    env
});

/// Checks `text` as the template `template`: valid syntax, and no variable it does not receive.
pub(crate) fn check(template: TemplateName, text: &str) -> Result<(), PromptError> {
    check_against(template, crate::vars::accepted(template), text)
}

/// [`check`] with an explicit list of accepted names (used for the built-in sections too).
pub(crate) fn check_against(
    template: TemplateName,
    accepted: &[String],
    text: &str,
) -> Result<(), PromptError> {
    let compiled = ENV
        .template_from_named_str(template.as_str(), text)
        .map_err(|e| PromptError::Syntax {
            template,
            // The parser always attaches a line to a syntax error.
            line: e.line().unwrap_or(1),
            message: e
                .detail()
                .map_or_else(|| e.kind().to_string(), str::to_string),
        })?;
    let mut unknown: Vec<String> = compiled
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| !accepted.contains(name) && !is_global(name))
        .collect();
    unknown.sort_unstable();
    match unknown.into_iter().next() {
        Some(name) => Err(PromptError::UnknownPlaceholder { template, name }),
        None => Ok(()),
    }
}

/// minijinja's own global functions (`range`, `dict`, `namespace`, ...), which every template may use.
fn is_global(name: &str) -> bool {
    ENV.globals().any(|(global, _)| global == name)
}

/// Renders `text` (named `name` in minijinja's errors) from `vars`, or says why it cannot.
pub(crate) fn try_render(
    name: &str,
    text: &str,
    vars: &impl Serialize,
) -> Result<String, minijinja::Error> {
    ENV.template_from_named_str(name, text)?
        .render(Value::from(Serde(vars)))
}

/// Renders a checked template from `vars`. If minijinja fails anyway (see the module doc), the text
/// is returned as written, so the prompt stays visible rather than blank.
pub(crate) fn render(name: &str, text: &str, vars: &impl Serialize) -> String {
    try_render(name, text, vars).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TemplateName = TemplateName::FinalRequest;

    #[derive(Serialize)]
    struct Query {
        query: &'static str,
    }

    fn check_final(text: &str) -> Result<(), PromptError> {
        check(T, text)
    }

    #[test]
    fn substitutes_variables_and_keeps_text_as_written() {
        let vars = Query { query: "why?" };
        assert_eq!(check_final("Q: {{ query }} / {{query}}"), Ok(()));
        assert_eq!(
            render("t", "Q: {{ query }} / {{query}}", &vars),
            "Q: why? / why?"
        );
        // Trailing newlines, spaces and lines around block tags are kept.
        assert_eq!(
            render("t", "a\n  {% if query %}b{% endif %}\n\n", &vars),
            "a\n  b\n\n"
        );
        // Values are never escaped or interpreted.
        let html = Query {
            query: "<b>{{ x }}</b> & {%",
        };
        assert_eq!(render("x.html", "{{ query }}", &html), html.query);
    }

    #[test]
    fn javascript_braces_need_no_escapes() {
        let js = "for (const x of xs) { f({a: 1}) }\nconst s = `${x}`; }";
        assert_eq!(check_final(js), Ok(()));
        assert_eq!(render("t", js, &Query { query: "" }), js);
    }

    #[test]
    fn unknown_variable_is_an_error() {
        assert_eq!(
            check_final("{{ query }} {{ qeury }} {% if zzz %}{% endif %}"),
            Err(PromptError::UnknownPlaceholder {
                template: T,
                name: "qeury".into()
            })
        );
        // Names set in the template itself and minijinja's globals are not unknown.
        assert_eq!(
            check_final("{% set n = 2 %}{% for i in range(n) %}{{ loop.index }}{% endfor %}"),
            Ok(())
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let err = check_final("a\nb\nc {{ query").err();
        assert!(
            matches!(&err, Some(PromptError::Syntax { template: T, line: 3, message })
                if message.contains("end of input")),
            "{err:?}"
        );
        let err = check_final("{% if query %}\nnever closed").err();
        assert!(
            matches!(err, Some(PromptError::Syntax { template: T, .. })),
            "{err:?}"
        );
        assert!(matches!(
            check_final("x\n{{ }}"),
            Err(PromptError::Syntax { line: 2, .. })
        ));
    }

    #[test]
    fn render_errors_fall_back_to_the_text() {
        let vars = Query { query: "q" };
        for text in [
            "{{ query.missing }}",
            "{{ query | no_such_filter }}",
            "{{ nope }}",
        ] {
            assert!(try_render("t", text, &vars).is_err(), "{text}");
            assert_eq!(render("t", text, &vars), text);
        }
    }

    #[test]
    fn non_ascii_around_variables() {
        let vars = Query { query: "東京" };
        assert_eq!(render("t", "é{{ query }}🦀{", &vars), "é東京🦀{");
    }
}
