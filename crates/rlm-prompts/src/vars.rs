//! The variables each template receives, as one `#[derive(Serialize)]` struct per template: the one
//! source of truth for both rendering and checking.
//!
//! A template is rendered from a value of its struct, serialized into minijinja's context, so its
//! fields are exactly the variables the template can use. The names a template accepts
//! ([`TemplateName::placeholders`]) are read from the same struct: a default value is serialized once,
//! lazily, and its keys are kept. Adding a field therefore makes it both available and accepted; there
//! is no list of names to keep in sync. (No field may be skipped when serializing, or it would be
//! accepted at check time but missing at render time; the tests render every accepted name.)

use std::sync::LazyLock;

use serde::Serialize;

use crate::TemplateName;

/// The values of one template; [`TemplateVars::TEMPLATE`] names the template they belong to.
pub(crate) trait TemplateVars: Serialize + Default {
    /// The template rendered from these values.
    const TEMPLATE: TemplateName;
}

/// The plain numbers from [`crate::PromptParams`], shared by the templates rendered from them and by
/// the built-in sections. Counts of characters carry thousands separators (`500,000`).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Scalars {
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_iterations: usize,
    pub(crate) max_concurrent: usize,
    /// `llm_batch`'s default concurrency, clamped to `max_concurrent`.
    pub(crate) batch_concurrency: usize,
    pub(crate) sub_model_chars: String,
    pub(crate) output_cap_chars: String,
}

/// What the built-in sections (`templates/sections/*.md`) receive: the scalars, the depth of a
/// child run and the sub-models code may choose.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SectionVars {
    #[serde(flatten)]
    pub(crate) scalars: Scalars,
    pub(crate) child_depth: usize,
    /// Whether code can choose between several sub-models.
    pub(crate) named_models: bool,
    pub(crate) sub_models: Vec<SubModelVar>,
    /// The host tools.
    pub(crate) host_tools: Vec<ToolVar>,
}

/// One host tool as the tools section lists it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ToolVar {
    /// The call as shown: name and argument shape.
    pub(crate) signature: String,
    pub(crate) description: String,
}

/// One sub-model as the sections list it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SubModelVar {
    pub(crate) name: String,
    pub(crate) description: String,
    /// Characters per prompt, with thousands separators.
    pub(crate) chars: String,
    pub(crate) default: bool,
}

/// Everything rendered from [`crate::PromptParams`]: the scalars and the depth-dependent sections.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ParamVars {
    #[serde(flatten)]
    pub(crate) scalars: Scalars,
    /// The list of REPL functions available at this depth.
    pub(crate) tools: String,
    /// The host tools section, empty when there are none.
    pub(crate) tool_section: String,
    /// Sub-call guidance, or the notice that there are no sub-calls; includes `recursion_section`.
    pub(crate) subcall_section: String,
    /// The child-model section, empty where recursion is not available.
    pub(crate) recursion_section: String,
    /// One line for the turn prompts on what to call.
    pub(crate) subcall_hint: String,
}

/// [`TemplateName::System`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SystemVars {
    #[serde(flatten)]
    pub(crate) params: ParamVars,
}

/// [`TemplateName::ContextMetadata`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ContextMetadataVars {
    pub(crate) context_type: &'static str,
    pub(crate) total_chars: String,
    pub(crate) chunk_count: String,
    pub(crate) chunk_unit: &'static str,
    pub(crate) chunk_lengths: String,
    pub(crate) chunk_summary: String,
    pub(crate) access_hint: &'static str,
}

/// [`TemplateName::FirstTurn`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct FirstTurnVars {
    pub(crate) query: String,
    #[serde(flatten)]
    pub(crate) params: ParamVars,
}

/// [`TemplateName::Turn`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct TurnVars {
    pub(crate) query: String,
    pub(crate) iteration: usize,
    /// What is left of the run's budgets, as one sentence (empty when none is set).
    pub(crate) budget: String,
    #[serde(flatten)]
    pub(crate) params: ParamVars,
}

/// [`TemplateName::FinalRequest`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct FinalRequestVars {
    pub(crate) query: String,
}

/// [`TemplateName::NoCodeNudge`]: no variables.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct NoCodeNudgeVars {}

/// [`TemplateName::UndefinedFinalVar`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct UndefinedFinalVarVars {
    pub(crate) name: String,
    /// The existing variables, as `` `a`, `b` `` or `none`.
    pub(crate) variables: String,
}

/// [`TemplateName::CompactionRequest`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct CompactionRequestVars {
    pub(crate) query: String,
}

/// [`TemplateName::Compacted`].
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct CompactedVars {
    /// The summary the model wrote.
    pub(crate) summary: String,
    /// The REPL variables, as `` `a`, `b` `` or `none`.
    pub(crate) variables: String,
}

/// The table of (struct, template): implements [`TemplateVars`] for each struct and builds the
/// exhaustive `names_of`, so a struct is paired with its template in this one place.
macro_rules! template_vars {
    ($($ty:ident => $name:ident),* $(,)?) => {
        $(impl TemplateVars for $ty {
            const TEMPLATE: TemplateName = TemplateName::$name;
        })*

        /// The accepted names of `template`, from its struct (exhaustive over [`TemplateName`]).
        fn names_of(template: TemplateName) -> Vec<String> {
            match template {
                $(TemplateName::$name => keys(&$ty::default()),)*
            }
        }
    };
}

template_vars! {
    SystemVars => System,
    ContextMetadataVars => ContextMetadata,
    FirstTurnVars => FirstTurn,
    TurnVars => Turn,
    FinalRequestVars => FinalRequest,
    NoCodeNudgeVars => NoCodeNudge,
    UndefinedFinalVarVars => UndefinedFinalVar,
    CompactionRequestVars => CompactionRequest,
    CompactedVars => Compacted,
}

/// The top-level keys `value` serializes to, sorted. Empty if it is not a map (never, for the
/// structs above: a test renders every template from them).
pub(crate) fn keys(value: &impl Serialize) -> Vec<String> {
    let mut names: Vec<String> = match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    };
    names.sort_unstable();
    names
}

/// The accepted names of every template, indexed like [`TemplateName::ALL`]; computed once.
static ACCEPTED: LazyLock<[Vec<String>; TemplateName::COUNT]> =
    LazyLock::new(|| TemplateName::ALL.map(names_of));

/// The variables `template` receives, sorted.
pub(crate) fn accepted(template: TemplateName) -> &'static [String] {
    &ACCEPTED[template.index()]
}

/// The names the built-in sections may use.
#[cfg(test)]
pub(crate) fn section_names() -> Vec<String> {
    keys(&SectionVars::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_struct_fields() {
        assert_eq!(accepted(TemplateName::FinalRequest), ["query"]);
        assert!(accepted(TemplateName::NoCodeNudge).is_empty());
        assert_eq!(
            accepted(TemplateName::UndefinedFinalVar),
            ["name", "variables"]
        );
        let turn = accepted(TemplateName::Turn);
        for name in ["query", "iteration", "depth", "tools", "subcall_hint"] {
            assert!(turn.iter().any(|n| n == name), "turn lacks {name}");
        }
        assert!(!turn.iter().any(|n| n == "child_depth" || n == "scalars"));
        assert!(section_names().iter().any(|n| n == "child_depth"));
    }

    #[test]
    fn param_templates_share_the_param_names() {
        let params = keys(&ParamVars::default());
        assert_eq!(accepted(TemplateName::System), &params[..]);
        for (t, own) in [
            (TemplateName::FirstTurn, &["query"][..]),
            (TemplateName::Turn, &["budget", "iteration", "query"][..]),
        ] {
            let mut expected: Vec<String> = params.clone();
            expected.extend(own.iter().map(ToString::to_string));
            expected.sort_unstable();
            assert_eq!(accepted(t), &expected[..], "{t}");
        }
    }
}
