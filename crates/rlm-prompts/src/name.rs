//! The names of the templates and the placeholders each one accepts.

use std::fmt;
use std::str::FromStr;

use crate::PromptError;

/// Placeholders filled from [`crate::PromptParams`], accepted by every template rendered with them.
pub const PARAM_PLACEHOLDERS: &[&str] = &[
    "depth",
    "max_depth",
    "max_iterations",
    "max_concurrent",
    "batch_concurrency",
    "sub_model_chars",
    "output_cap_chars",
    "tools",
    "subcall_section",
    "recursion_section",
    "subcall_hint",
];

/// One replaceable template of a [`crate::PromptSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateName {
    /// The system prompt: the REPL, the functions, sub-calls, chunking, how to finish.
    System,
    /// The message describing the context: type, total length, chunk lengths.
    ContextMetadata,
    /// The user turn of the first iteration: look at the context before answering.
    FirstTurn,
    /// The user turn of every later iteration.
    Turn,
    /// The request for an answer after the last iteration.
    FinalRequest,
    /// The reminder after a reply without code.
    NoCodeNudge,
    /// The reply to `FINAL_VAR(name)` when no such variable exists.
    UndefinedFinalVar,
}

impl TemplateName {
    /// Every template, in a stable order.
    pub const ALL: [TemplateName; 7] = [
        TemplateName::System,
        TemplateName::ContextMetadata,
        TemplateName::FirstTurn,
        TemplateName::Turn,
        TemplateName::FinalRequest,
        TemplateName::NoCodeNudge,
        TemplateName::UndefinedFinalVar,
    ];

    /// The snake_case name (`"system"`, `"first_turn"`, ...), also accepted by `FromStr`.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateName::System => "system",
            TemplateName::ContextMetadata => "context_metadata",
            TemplateName::FirstTurn => "first_turn",
            TemplateName::Turn => "turn",
            TemplateName::FinalRequest => "final_request",
            TemplateName::NoCodeNudge => "no_code_nudge",
            TemplateName::UndefinedFinalVar => "undefined_final_var",
        }
    }

    /// The placeholders this template accepts; any other is a [`PromptError::UnknownPlaceholder`].
    pub fn placeholders(self) -> &'static [&'static str] {
        const SYSTEM: &[&str] = PARAM_PLACEHOLDERS;
        const METADATA: &[&str] = &[
            "context_type",
            "total_chars",
            "chunk_count",
            "chunk_unit",
            "chunk_lengths",
            "chunk_summary",
            "access_hint",
        ];
        const FIRST_TURN: &[&str] = &with_params::<12>(&["query"]);
        const TURN: &[&str] = &with_params::<13>(&["query", "iteration"]);
        const FINAL_REQUEST: &[&str] = &["query"];
        const UNDEFINED_FINAL_VAR: &[&str] = &["name", "variables"];
        match self {
            TemplateName::System => SYSTEM,
            TemplateName::ContextMetadata => METADATA,
            TemplateName::FirstTurn => FIRST_TURN,
            TemplateName::Turn => TURN,
            TemplateName::FinalRequest => FINAL_REQUEST,
            TemplateName::NoCodeNudge => &[],
            TemplateName::UndefinedFinalVar => UNDEFINED_FINAL_VAR,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// `extra` followed by every [`PARAM_PLACEHOLDERS`] entry; `N` must be their total count (checked when
/// the constant is evaluated, so a wrong `N` does not compile).
const fn with_params<const N: usize>(extra: &[&'static str]) -> [&'static str; N] {
    assert!(
        N == extra.len() + PARAM_PLACEHOLDERS.len(),
        "N must be extra.len() + PARAM_PLACEHOLDERS.len()"
    );
    let mut out = [""; N];
    let mut i = 0;
    while i < extra.len() {
        out[i] = extra[i];
        i += 1;
    }
    let mut j = 0;
    while j < PARAM_PLACEHOLDERS.len() {
        out[extra.len() + j] = PARAM_PLACEHOLDERS[j];
        j += 1;
    }
    out
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TemplateName {
    type Err = PromptError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TemplateName::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| PromptError::UnknownTemplate {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in TemplateName::ALL {
            assert_eq!(t.to_string().parse::<TemplateName>(), Ok(t));
            assert_eq!(TemplateName::ALL[t.index()], t);
        }
        assert!(matches!(
            "nope".parse::<TemplateName>(),
            Err(PromptError::UnknownTemplate { .. })
        ));
    }

    #[test]
    fn turn_templates_accept_every_param_placeholder() {
        for t in [
            TemplateName::System,
            TemplateName::FirstTurn,
            TemplateName::Turn,
        ] {
            for p in PARAM_PLACEHOLDERS {
                assert!(t.placeholders().contains(p), "{t} lacks {p}");
            }
        }
    }

    #[test]
    fn turn_placeholders_are_their_own_then_the_params() {
        let first = TemplateName::FirstTurn.placeholders();
        assert_eq!((first[0], &first[1..]), ("query", PARAM_PLACEHOLDERS));
        let turn = TemplateName::Turn.placeholders();
        assert_eq!(
            (&turn[..2], &turn[2..]),
            (&["query", "iteration"][..], PARAM_PLACEHOLDERS)
        );
    }
}
