//! [`PromptSet`]: the templates of a run, built-in or replaced, and the functions that render them.

use std::borrow::Cow;

use crate::engine::{check, render};
use crate::metadata::{ContextKind, ContextMetadata};
use crate::sections::{param_vars, thousands};
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
/// replaces one, checking its placeholders at once.
///
/// ```
/// use rlm_prompts::{PromptParams, PromptSet, TemplateName};
///
/// let prompts = PromptSet::default()
///     .with_template(TemplateName::FinalRequest, "Time is up. {query}? Reply FINAL(answer).")?;
/// assert_eq!(prompts.final_request("2+2"), "Time is up. 2+2? Reply FINAL(answer).");
/// assert!(PromptSet::default().with_template(TemplateName::Turn, "{typo}").is_err());
///
/// let system = prompts.system(&PromptParams { max_depth: 0, ..Default::default() });
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
    /// Replaces one template. Fails if the text uses a placeholder the template does not accept or
    /// has a stray brace (write `{{` / `}}` for literal braces).
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

    /// The current text of a template, as written (placeholders unrendered).
    pub fn template(&self, name: TemplateName) -> &str {
        &self.templates[name.index()]
    }

    /// The built-in text of a template.
    pub fn built_in(name: TemplateName) -> &'static str {
        BUILT_IN[name.index()].trim_end()
    }

    fn render_with(&self, name: TemplateName, vars: &[(&'static str, String)]) -> String {
        render(self.template(name), vars)
    }

    /// The system prompt for a model at `p.depth`.
    pub fn system(&self, p: &PromptParams) -> String {
        self.render_with(TemplateName::System, &param_vars(p))
    }

    /// The message that describes the context.
    pub fn context_metadata(&self, m: &ContextMetadata) -> String {
        let count = m.chunk_lengths.len();
        let (context_type, one, many, access_hint) = match m.kind {
            ContextKind::Text => (
                "a string",
                "chunk",
                "chunks",
                "Read it with string methods such as `context.slice(start, end)`, \
                 `context.indexOf(text)` and `context.split(separator)`; regular expressions work too.",
            ),
            ContextKind::JsonArray => (
                "a parsed JSON array",
                "item",
                "items",
                "It is a JavaScript array: index it (`context[0]`), slice it and map over it; \
                 `JSON.stringify(context[i])` turns an item back into text.",
            ),
            ContextKind::JsonObject => (
                "a parsed JSON object",
                "value",
                "values",
                "It is a JavaScript object: list its keys with `Object.keys(context)` and read values \
                 with `context[key]`; `JSON.stringify(value)` turns a value back into text.",
            ),
            ContextKind::JsonScalar => (
                "a single JSON value",
                "value",
                "values",
                "It is a single number, boolean or null.",
            ),
        };
        let unit = if count == 1 { one } else { many };
        let chunk_summary = match (count, m.kind) {
            (0, _) => format!(", with no {many}"),
            (1, ContextKind::Text | ContextKind::JsonScalar) => String::new(),
            (1, _) => format!(", in 1 {one} of length {}", m.total_chars),
            _ => format!(
                ", in {} {many} of these lengths: {}",
                thousands(count),
                m.chunk_list()
            ),
        };
        let vars = [
            ("context_type", context_type.to_string()),
            ("chunk_summary", chunk_summary),
            ("total_chars", thousands(m.total_chars)),
            ("chunk_count", thousands(count)),
            ("chunk_unit", unit.to_string()),
            ("chunk_lengths", m.chunk_list()),
            ("access_hint", access_hint.to_string()),
        ];
        self.render_with(TemplateName::ContextMetadata, &vars)
    }

    /// The user message of the first iteration: the question, and "look at the context first".
    pub fn first_turn(&self, query: &str, p: &PromptParams) -> String {
        let mut vars = param_vars(p);
        vars.push(("query", query.to_string()));
        self.render_with(TemplateName::FirstTurn, &vars)
    }

    /// The user message of a later iteration; `iteration` counts from 1 (the first turn is 1).
    pub fn turn(&self, query: &str, iteration: usize, p: &PromptParams) -> String {
        let mut vars = param_vars(p);
        vars.push(("query", query.to_string()));
        vars.push(("iteration", iteration.to_string()));
        self.render_with(TemplateName::Turn, &vars)
    }

    /// The request for an answer after the last iteration.
    pub fn final_request(&self, query: &str) -> String {
        self.render_with(TemplateName::FinalRequest, &[("query", query.to_string())])
    }

    /// The reminder sent after a reply without code.
    pub fn no_code_nudge(&self) -> String {
        self.render_with(TemplateName::NoCodeNudge, &[])
    }

    /// The reply to `FINAL_VAR(name)` when the sandbox has no such variable; `variables` are the
    /// names that do exist.
    pub fn undefined_final_var(&self, name: &str, variables: &[String]) -> String {
        let list = if variables.is_empty() {
            "none".to_string()
        } else {
            variables
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.render_with(
            TemplateName::UndefinedFinalVar,
            &[("name", name.to_string()), ("variables", list)],
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_are_valid() {
        for name in TemplateName::ALL {
            assert_eq!(check(name, PromptSet::built_in(name)), Ok(()), "{name}");
        }
    }

    #[test]
    fn with_template_rejects_unknown_placeholder_and_keeps_default() {
        let err = PromptSet::default().with_template(TemplateName::NoCodeNudge, "use {query}");
        assert_eq!(
            err,
            Err(PromptError::UnknownPlaceholder {
                template: TemplateName::NoCodeNudge,
                name: "query".into()
            })
        );
    }

    #[test]
    fn replaced_template_is_used_and_others_stay() {
        let set = PromptSet::default()
            .with_template(
                TemplateName::Turn,
                "[{iteration}/{max_iterations}] {query} {{ok}}",
            )
            .unwrap();
        let p = PromptParams {
            max_iterations: 5,
            ..PromptParams::default()
        };
        assert_eq!(set.turn("q?", 2, &p), "[2/5] q? {ok}");
        assert_eq!(
            set.template(TemplateName::System),
            PromptSet::built_in(TemplateName::System)
        );
    }

    #[test]
    fn every_accepted_placeholder_gets_a_value() {
        let p = PromptParams {
            max_depth: 3,
            ..PromptParams::default()
        };
        let m = ContextMetadata::from_text("abc");
        for name in TemplateName::ALL {
            let mut text = String::new();
            for n in name.placeholders() {
                text.extend(["<{", n, "}>"]);
            }
            let set = PromptSet::default().with_template(name, text).unwrap();
            let out = match name {
                TemplateName::System => set.system(&p),
                TemplateName::ContextMetadata => set.context_metadata(&m),
                TemplateName::FirstTurn => set.first_turn("q", &p),
                TemplateName::Turn => set.turn("q", 2, &p),
                TemplateName::FinalRequest => set.final_request("q"),
                TemplateName::NoCodeNudge => set.no_code_nudge(),
                TemplateName::UndefinedFinalVar => set.undefined_final_var("x", &[]),
            };
            assert_eq!(out.is_empty(), name.placeholders().is_empty(), "{name}");
            for n in name.placeholders() {
                assert!(
                    !out.contains(&format!("<{{{n}}}>")),
                    "{name}: {{{n}}} not rendered"
                );
            }
        }
    }

    #[test]
    fn query_braces_are_not_interpreted() {
        let set = PromptSet::default();
        assert!(
            set.final_request("what is {query} in {{x}}?")
                .contains("what is {query} in {{x}}?")
        );
    }
}
