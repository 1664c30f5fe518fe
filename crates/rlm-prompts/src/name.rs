//! The names of the templates; the variables each one receives come from [`crate::vars`].

use std::fmt;
use std::str::FromStr;

use crate::PromptError;

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

    /// The variables this template receives, sorted: exactly the names it may use (as `{{ name }}`
    /// or in any expression); [`crate::PromptSet::with_template`] rejects any other with
    /// [`PromptError::UnknownPlaceholder`]. They are read from the values the template is rendered
    /// from, so the list is always complete.
    ///
    /// ```
    /// use rlm_prompts::TemplateName;
    /// assert_eq!(TemplateName::FinalRequest.placeholders(), ["query"]);
    /// assert!(TemplateName::Turn.placeholders().iter().any(|v| v == "subcall_hint"));
    /// ```
    pub fn placeholders(self) -> &'static [String] {
        crate::vars::accepted(self)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
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
}
