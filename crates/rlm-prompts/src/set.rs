//! [`PromptSet`]: the templates of a run, built-in or replaced, and the functions that render them.

use std::borrow::Cow;

use crate::engine::{check, render};
use crate::metadata::ContextMetadata;
use crate::sections::param_vars;
use crate::vars::{
    FinalRequestVars, FirstTurnVars, NoCodeNudgeVars, SystemVars, TemplateVars, TurnVars,
    UndefinedFinalVarVars,
};
use crate::{PromptError, PromptParams, TemplateName};

/// The built-in template texts, indexed like [`TemplateName::ALL`].
const BUILT_IN: [&str; 7] = [
    include_str!("../templates/system.md"),
    include_str!("../templates/context_metadata.md"),
    include_str!("../templates/first_turn.md"),
    include_str!("../templates/turn.md"),
    include_str!("../templates/final_request.md"),
    include_str!("../templates/no_code_nudge.md"),
    include_str!("../templates/undefined_final_var.md"),
];

/// The prompt templates of a run. [`Default`] gives the built-in ones; [`PromptSet::with_template`]
/// replaces one, checking it at once.
///
/// Templates are [minijinja](https://docs.rs/minijinja) templates in strict mode: `{{ name }}`
/// inserts a variable, `{% if ... %}` / `{% for ... %}` work, and text (JavaScript braces
/// included) is copied exactly as written, trailing newline and all; only `{{`, `{%` and `{#` start
/// template syntax. Each [`TemplateName`] receives its own variables
/// ([`TemplateName::placeholders`]); the system, first-turn and turn templates also receive the
/// depth-dependent sections `tools`, `subcall_section`, `recursion_section` and `subcall_hint`.
///
/// ```
/// use rlm_prompts::{PromptParams, PromptSet, TemplateName};
///
/// let prompts = PromptSet::default().with_template(
///     TemplateName::FinalRequest,
///     "Time is up. {{ query }}? Reply FINAL(answer), e.g. `if (x) { FINAL(x) }`.",
/// )?;
/// assert_eq!(
///     prompts.final_request("2+2"),
///     "Time is up. 2+2? Reply FINAL(answer), e.g. `if (x) { FINAL(x) }`."
/// );
/// assert!(PromptSet::default().with_template(TemplateName::Turn, "{{ typo }}").is_err());
/// assert!(PromptSet::default().with_template(TemplateName::Turn, "{{ query").is_err());
///
/// let system = prompts.system(&PromptParams::new().with_max_depth(0));
/// assert!(system.contains("not available"));
/// # Ok::<(), rlm_prompts::PromptError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptSet {
    templates: [Cow<'static, str>; 7],
}

impl Default for PromptSet {
    fn default() -> Self {
        Self {
            templates: BUILT_IN.map(|t| Cow::Borrowed(t.trim_end())),
        }
    }
}

impl PromptSet {
    /// Replaces one template. Fails, before any rendering, if the text is not valid minijinja syntax
    /// ([`PromptError::Syntax`], with the line) or uses a variable the template does not receive
    /// ([`PromptError::UnknownPlaceholder`], naming it). A checked template always renders; should
    /// minijinja still fail while rendering it (say `{{ query.missing }}`, an attribute a string does
    /// not have, or an unknown filter), the prompt is the template's text as written, never blank.
    pub fn with_template(
        mut self,
        name: TemplateName,
        text: impl Into<String>,
    ) -> Result<Self, PromptError> {
        let text = text.into();
        check(name, &text)?;
        self.templates[name.index()] = Cow::Owned(text);
        Ok(self)
    }

    /// The current text of a template, as written (variables unrendered).
    pub fn template(&self, name: TemplateName) -> &str {
        &self.templates[name.index()]
    }

    /// The built-in text of a template.
    pub fn built_in(name: TemplateName) -> &'static str {
        BUILT_IN[name.index()].trim_end()
    }

    /// Renders the template `V` belongs to from `vars`.
    fn render<V: TemplateVars>(&self, vars: &V) -> String {
        render(V::TEMPLATE.as_str(), self.template(V::TEMPLATE), vars)
    }

    /// The system prompt for a model at `p.depth`.
    pub fn system(&self, p: &PromptParams) -> String {
        self.render(&SystemVars {
            params: param_vars(p),
        })
    }

    /// The message that describes the context.
    pub fn context_metadata(&self, m: &ContextMetadata) -> String {
        self.render(&m.template_vars())
    }

    /// The user message of the first iteration: the question, and "look at the context first".
    pub fn first_turn(&self, query: &str, p: &PromptParams) -> String {
        self.render(&FirstTurnVars {
            query: query.to_string(),
            params: param_vars(p),
        })
    }

    /// The user message of a later iteration; `iteration` counts from 1 (the first turn is 1).
    pub fn turn(&self, query: &str, iteration: usize, p: &PromptParams) -> String {
        self.render(&TurnVars {
            query: query.to_string(),
            iteration,
            params: param_vars(p),
        })
    }

    /// The request for an answer after the last iteration.
    pub fn final_request(&self, query: &str) -> String {
        self.render(&FinalRequestVars {
            query: query.to_string(),
        })
    }

    /// The reminder sent after a reply without code.
    pub fn no_code_nudge(&self) -> String {
        self.render(&NoCodeNudgeVars {})
    }

    /// The reply to `FINAL_VAR(name)` when the sandbox has no such variable; `variables` are the
    /// names that do exist.
    pub fn undefined_final_var(&self, name: &str, variables: &[String]) -> String {
        let variables = if variables.is_empty() {
            "none".to_string()
        } else {
            variables
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.render(&UndefinedFinalVarVars {
            name: name.to_string(),
            variables,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::try_render;

    fn params() -> PromptParams {
        PromptParams::new().with_max_depth(3)
    }

    /// Renders template `name` of `set` from sample values.
    fn render_sample(set: &PromptSet, name: TemplateName) -> String {
        let p = params();
        match name {
            TemplateName::System => set.system(&p),
            TemplateName::ContextMetadata => {
                set.context_metadata(&ContextMetadata::from_text("abc"))
            }
            TemplateName::FirstTurn => set.first_turn("q", &p),
            TemplateName::Turn => set.turn("q", 2, &p),
            TemplateName::FinalRequest => set.final_request("q"),
            TemplateName::NoCodeNudge => set.no_code_nudge(),
            TemplateName::UndefinedFinalVar => set.undefined_final_var("x", &[]),
        }
    }

    #[test]
    fn built_in_templates_are_valid_and_render() {
        let set = PromptSet::default();
        for name in TemplateName::ALL {
            let text = PromptSet::built_in(name);
            assert_eq!(check(name, text), Ok(()), "{name}");
            assert_eq!(text, text.trim_end(), "{name}");
            // Not the fall-back: every `{{ ... }}` was rendered.
            let out = render_sample(&set, name);
            assert!(!out.contains("{{") && !out.is_empty(), "{name}: {out}");
        }
        let vars = SystemVars {
            params: param_vars(&params()),
        };
        assert!(try_render("system", PromptSet::built_in(TemplateName::System), &vars).is_ok());
    }

    #[test]
    fn with_template_rejects_unknown_variable() {
        assert_eq!(
            PromptSet::default().with_template(TemplateName::NoCodeNudge, "use {{ query }}"),
            Err(PromptError::UnknownPlaceholder {
                template: TemplateName::NoCodeNudge,
                name: "query".into()
            })
        );
        // Anywhere in an expression, not only in `{{ }}`.
        let err = PromptSet::default()
            .with_template(TemplateName::Turn, "{% if iterashun > 1 %}again{% endif %}")
            .unwrap_err();
        assert_eq!(
            err,
            PromptError::UnknownPlaceholder {
                template: TemplateName::Turn,
                name: "iterashun".into()
            }
        );
        let message = err.to_string();
        assert!(
            message.contains("`iterashun`")
                && message.contains("{{ iteration }}")
                && message.contains("{{ subcall_hint }}"),
            "{message}"
        );
        // `child_depth` is for the built-in sections only.
        assert!(
            PromptSet::default()
                .with_template(TemplateName::System, "{{ child_depth }}")
                .is_err()
        );
    }

    #[test]
    fn with_template_rejects_syntax_errors_with_line() {
        let err = PromptSet::default()
            .with_template(TemplateName::FinalRequest, "Question:\n{{ query }\nAnswer.")
            .unwrap_err();
        assert!(
            matches!(&err, PromptError::Syntax { template: TemplateName::FinalRequest, line: 2, message }
                if !message.is_empty()),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("`final_request`, line 2: syntax error:")
                && message.contains("{% raw %}"),
            "{message}"
        );
        let unclosed = PromptSet::default()
            .with_template(TemplateName::Turn, "{% if query %}\n\nno end")
            .unwrap_err();
        assert!(
            matches!(unclosed, PromptError::Syntax { .. }),
            "{unclosed:?}"
        );
    }

    #[test]
    fn replaced_template_is_used_and_others_stay() {
        let set = PromptSet::default()
            .with_template(
                TemplateName::Turn,
                "[{{ iteration }}/{{ max_iterations }}] {{ query }}\n",
            )
            .unwrap();
        let p = PromptParams::new().with_max_iterations(5);
        // The text is kept as written, trailing newline included.
        assert_eq!(set.turn("q?", 2, &p), "[2/5] q?\n");
        assert_eq!(
            set.template(TemplateName::System),
            PromptSet::built_in(TemplateName::System)
        );
        assert_eq!(set.system(&p), PromptSet::default().system(&p));
    }

    #[test]
    fn user_template_with_literal_javascript_braces() {
        let text = "```repl\nfor (const c of chunks) { found.push(llm_query(`${c}`)); }\n```\n\
                    const o = {a: {b: 1}}; {{ query }}";
        let set = PromptSet::default()
            .with_template(TemplateName::FinalRequest, text)
            .unwrap();
        assert_eq!(
            set.final_request("Q?"),
            "```repl\nfor (const c of chunks) { found.push(llm_query(`${c}`)); }\n```\n\
             const o = {a: {b: 1}}; Q?"
        );
        // Literal template markers, as the error messages suggest writing them.
        let set = PromptSet::default()
            .with_template(
                TemplateName::NoCodeNudge,
                "{{ \"{{\" }} x }} {% raw %}{% if %}{{ y }}{% endraw %}",
            )
            .unwrap();
        assert_eq!(set.no_code_nudge(), "{{ x }} {% if %}{{ y }}");
    }

    #[test]
    fn depth_logic_in_a_user_template() {
        let text = "{% if depth == 0 %}root{% else %}child at {{ depth }}{% endif %}\n{{ tools }}";
        let set = PromptSet::default()
            .with_template(TemplateName::System, text)
            .unwrap();
        let root = set.system(&params());
        assert!(root.starts_with("root\n- `context`"), "{root}");
        assert!(
            set.system(&params().with_depth(2))
                .starts_with("child at 2\n")
        );
    }

    #[test]
    fn every_accepted_placeholder_gets_a_value() {
        for name in TemplateName::ALL {
            let mut text = String::new();
            for n in name.placeholders() {
                text.extend(["\u{2}{{ ", n, " }}"]);
            }
            let set = PromptSet::default().with_template(name, text).unwrap();
            let out = render_sample(&set, name);
            // Strict mode: one variable without a value and the whole render falls back to the text;
            // `\u{2}` marks where each variable starts (no value contains it).
            assert!(!out.contains("{{"), "{name}: {out}");
            assert_eq!(
                out.matches('\u{2}').count(),
                name.placeholders().len(),
                "{name}: {out}"
            );
        }
    }

    #[test]
    fn render_error_falls_back_to_the_text() {
        for text in ["{{ query.missing }}", "{{ query | no_such_filter }}"] {
            let set = PromptSet::default()
                .with_template(TemplateName::FinalRequest, text)
                .unwrap();
            assert_eq!(set.final_request("q"), text);
        }
    }

    #[test]
    fn query_braces_are_not_interpreted() {
        let set = PromptSet::default();
        assert!(
            set.final_request("what is {{ query }} in {% x %}?")
                .contains("what is {{ query }} in {% x %}?")
        );
    }
}
