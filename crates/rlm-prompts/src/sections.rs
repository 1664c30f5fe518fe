//! The parts of prompts that depend on depth, built from [`PromptParams`]: the list of REPL
//! functions, the sub-call guidance (or the notice that there are no sub-calls), the recursion
//! section and the one-line hint used in turn prompts. Templates reach them through placeholders.

use crate::PromptParams;
use crate::engine::{Vars, render};

pub(crate) const TOOLS_BASE: &str = include_str!("../templates/sections/tools_base.md");
pub(crate) const TOOLS_LLM: &str = include_str!("../templates/sections/tools_llm.md");
pub(crate) const TOOLS_RLM: &str = include_str!("../templates/sections/tools_rlm.md");
pub(crate) const TOOLS_FINISH: &str = include_str!("../templates/sections/tools_finish.md");
pub(crate) const SUBCALLS: &str = include_str!("../templates/sections/subcalls.md");
pub(crate) const RECURSION: &str = include_str!("../templates/sections/recursion.md");
pub(crate) const NO_SUBCALLS: &str = include_str!("../templates/sections/no_subcalls.md");

/// Every built-in section, for the test that checks them.
#[cfg(test)]
pub(crate) const ALL: [&str; 7] = [
    TOOLS_BASE,
    TOOLS_LLM,
    TOOLS_RLM,
    TOOLS_FINISH,
    SUBCALLS,
    RECURSION,
    NO_SUBCALLS,
];

/// Placeholders the built-in sections may use.
#[cfg(test)]
pub(crate) const SECTION_PLACEHOLDERS: &[&str] = &[
    "depth",
    "child_depth",
    "max_depth",
    "max_iterations",
    "max_concurrent",
    "batch_concurrency",
    "sub_model_chars",
    "output_cap_chars",
];

/// A count with thousands separators: `500000` → `500,000`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The plain numeric values from the parameters.
fn scalars(p: &PromptParams) -> Vec<(&'static str, String)> {
    vec![
        ("depth", p.depth.to_string()),
        ("child_depth", (p.depth + 1).to_string()),
        ("max_depth", p.max_depth.to_string()),
        ("max_iterations", p.max_iterations.to_string()),
        ("max_concurrent", p.max_concurrent.to_string()),
        (
            "batch_concurrency",
            p.effective_batch_concurrency().to_string(),
        ),
        ("sub_model_chars", thousands(p.sub_model_chars)),
        ("output_cap_chars", thousands(p.output_cap_chars)),
    ]
}

fn joined(parts: &[&str], vars: &Vars<'_>) -> String {
    parts
        .iter()
        .map(|s| render(s.trim_end(), vars))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every value a template rendered from [`PromptParams`] can use (see
/// [`crate::name::PARAM_PLACEHOLDERS`]).
pub(crate) fn param_vars(p: &PromptParams) -> Vec<(&'static str, String)> {
    let mut vars = scalars(p);
    let (llm, rlm) = (p.subcalls_available(), p.recursion_available());

    let mut tools = vec![TOOLS_BASE];
    if llm {
        tools.push(TOOLS_LLM);
    }
    if rlm {
        tools.push(TOOLS_RLM);
    }
    tools.push(TOOLS_FINISH);

    let recursion = if rlm {
        render(RECURSION.trim_end(), &vars)
    } else {
        String::new()
    };
    let subcall_section = match (llm, rlm) {
        (false, _) => render(NO_SUBCALLS.trim_end(), &vars),
        (true, false) => render(SUBCALLS.trim_end(), &vars),
        (true, true) => format!("{}\n\n{recursion}", render(SUBCALLS.trim_end(), &vars)),
    };
    let subcall_hint = match (llm, rlm) {
        (false, _) => "no sub-model calls are available, so rely on code alone",
        (true, false) => {
            "use `llm_batch` (or `llm_query`) for the parts that need reading or judgement"
        }
        (true, true) => {
            "use `llm_batch` (or `llm_query`) for the parts that need reading or judgement, and \
             `rlm_query` / `rlm_batch` for sub-tasks too large for one call"
        }
    };

    let tools = joined(&tools, &vars);
    vars.retain(|(name, _)| *name != "child_depth");
    vars.extend([
        ("tools", tools),
        ("subcall_section", subcall_section),
        ("recursion_section", recursion),
        ("subcall_hint", subcall_hint.to_string()),
    ]);
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TemplateName;
    use crate::engine::check_against;
    use crate::name::PARAM_PLACEHOLDERS;

    fn at(depth: usize, max_depth: usize) -> PromptParams {
        PromptParams {
            depth,
            max_depth,
            ..PromptParams::default()
        }
    }

    fn value(vars: &[(&'static str, String)], name: &str) -> String {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    #[test]
    fn built_in_sections_are_valid() {
        for section in ALL {
            assert_eq!(
                check_against(TemplateName::System, SECTION_PLACEHOLDERS, section),
                Ok(())
            );
        }
    }

    #[test]
    fn param_vars_cover_exactly_the_param_placeholders() {
        let mut names: Vec<&str> = param_vars(&at(0, 3)).iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let mut expected = PARAM_PLACEHOLDERS.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected);
    }

    #[test]
    fn no_subcalls_at_max_depth() {
        let vars = param_vars(&at(0, 0));
        assert!(!value(&vars, "tools").contains("llm_query"));
        assert!(value(&vars, "subcall_section").contains("not available"));
        assert!(value(&vars, "recursion_section").is_empty());
        assert!(value(&vars, "subcall_hint").contains("no sub-model"));
    }

    #[test]
    fn llm_only_below_two_levels() {
        for (depth, max_depth) in [(0, 1), (1, 2)] {
            let vars = param_vars(&at(depth, max_depth));
            assert!(value(&vars, "tools").contains("llm_batch"));
            assert!(!value(&vars, "tools").contains("rlm_query"));
            assert!(!value(&vars, "subcall_section").contains("rlm_query"));
            assert!(value(&vars, "recursion_section").is_empty());
        }
    }

    #[test]
    fn recursion_when_depth_allows() {
        let vars = param_vars(&at(0, 2));
        assert!(value(&vars, "tools").contains("rlm_batch"));
        assert!(value(&vars, "subcall_section").contains("rlm_query"));
        assert!(value(&vars, "recursion_section").contains("depth 1"));
    }

    #[test]
    fn numbers_are_readable() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(500_000), "500,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert!(value(&param_vars(&at(0, 1)), "subcall_section").contains("500,000"));
    }
}
