//! The parts of prompts that depend on depth, built from [`PromptParams`]: the list of REPL
//! functions, the sub-call guidance (or the notice that there are no sub-calls), the recursion
//! section and the one-line hint used in turn prompts. Templates reach them as variables
//! (`{{ tools }}`, `{{ subcall_section }}`, ...); the sections themselves are minijinja templates too.

use crate::PromptParams;
use crate::engine::render;
use crate::vars::{ParamVars, Scalars, SectionVars, SubModelVar, ToolVar};

pub(crate) const TOOLS_BASE: &str = include_str!("../templates/sections/tools_base.md");
pub(crate) const TOOLS_LLM: &str = include_str!("../templates/sections/tools_llm.md");
pub(crate) const TOOLS_RLM: &str = include_str!("../templates/sections/tools_rlm.md");
pub(crate) const TOOLS_FINISH: &str = include_str!("../templates/sections/tools_finish.md");
pub(crate) const SUBCALLS: &str = include_str!("../templates/sections/subcalls.md");
pub(crate) const RECURSION: &str = include_str!("../templates/sections/recursion.md");
pub(crate) const NO_SUBCALLS: &str = include_str!("../templates/sections/no_subcalls.md");
pub(crate) const HOST_TOOLS: &str = include_str!("../templates/sections/host_tools.md");

/// Every built-in section with its name, for the tests that check them.
#[cfg(test)]
pub(crate) const ALL: [(&str, &str); 8] = [
    ("tools_base", TOOLS_BASE),
    ("tools_llm", TOOLS_LLM),
    ("tools_rlm", TOOLS_RLM),
    ("tools_finish", TOOLS_FINISH),
    ("subcalls", SUBCALLS),
    ("recursion", RECURSION),
    ("no_subcalls", NO_SUBCALLS),
    ("host_tools", HOST_TOOLS),
];

/// A count with thousands separators: `500000` → `500,000`.
///
/// ```
/// assert_eq!(rlm_prompts::thousands(1_234_567), "1,234,567");
/// ```
pub fn thousands(n: usize) -> String {
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
fn scalars(p: &PromptParams) -> Scalars {
    Scalars {
        depth: p.depth,
        max_depth: p.max_depth,
        max_iterations: p.max_iterations,
        max_concurrent: p.max_concurrent,
        batch_concurrency: p.effective_batch_concurrency(),
        sub_model_chars: thousands(p.sub_model_chars),
        output_cap_chars: thousands(p.output_cap_chars),
    }
}

/// Renders one built-in section (its end trimmed, like every built-in text).
fn section(name: &str, text: &str, vars: &SectionVars) -> String {
    render(name, text.trim_end(), vars)
}

/// Every value a template rendered from [`PromptParams`] can use.
pub(crate) fn param_vars(p: &PromptParams) -> ParamVars {
    let vars = SectionVars {
        scalars: scalars(p),
        child_depth: p.depth + 1,
        named_models: p.has_named_sub_models(),
        sub_models: p
            .sub_models
            .iter()
            .map(|m| SubModelVar {
                name: m.name.clone(),
                description: m.description.clone(),
                chars: thousands(m.prompt_chars),
                default: m.default,
            })
            .collect(),
        host_tools: p
            .tools
            .iter()
            .map(|t| ToolVar {
                signature: t.signature(),
                description: t.description.clone(),
            })
            .collect(),
    };
    let (llm, rlm) = (p.subcalls_available(), p.recursion_available());

    let mut tools = vec![section("tools_base", TOOLS_BASE, &vars)];
    if llm {
        tools.push(section("tools_llm", TOOLS_LLM, &vars));
    }
    if rlm {
        tools.push(section("tools_rlm", TOOLS_RLM, &vars));
    }
    tools.push(section("tools_finish", TOOLS_FINISH, &vars));

    let recursion = if rlm {
        section("recursion", RECURSION, &vars)
    } else {
        String::new()
    };
    let subcall_section = match (llm, rlm) {
        (false, _) => section("no_subcalls", NO_SUBCALLS, &vars),
        (true, false) => section("subcalls", SUBCALLS, &vars),
        (true, true) => format!("{}\n\n{recursion}", section("subcalls", SUBCALLS, &vars)),
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

    let tool_section = if p.tools.is_empty() {
        String::new()
    } else {
        // The list's last line ends with a newline the template cannot avoid.
        section("host_tools", HOST_TOOLS, &vars)
            .trim_end()
            .to_owned()
    };

    ParamVars {
        scalars: vars.scalars,
        tools: tools.join("\n"),
        tool_section,
        subcall_section,
        recursion_section: recursion,
        subcall_hint: subcall_hint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TemplateName;
    use crate::engine::{check_against, try_render};
    use crate::vars::section_names;

    fn at(depth: usize, max_depth: usize) -> PromptParams {
        PromptParams::new()
            .with_depth(depth)
            .with_max_depth(max_depth)
    }

    #[test]
    fn built_in_sections_are_valid_and_render() {
        let vars = SectionVars::default();
        for (name, text) in ALL {
            assert_eq!(
                check_against(TemplateName::System, &section_names(), text),
                Ok(()),
                "{name}"
            );
            // Strict mode: rendering fails if a section uses a name `SectionVars` lacks.
            assert!(try_render(name, text, &vars).is_ok(), "{name}");
        }
        // A section using a name it is not given is caught by the same check.
        assert!(check_against(TemplateName::System, &section_names(), "{{ tools }}").is_err());
    }

    #[test]
    fn sections_are_filled_in() {
        let vars = param_vars(&at(1, 3));
        for (name, text) in [
            ("subcall_section", &vars.subcall_section),
            ("tools", &vars.tools),
        ] {
            assert!(!text.contains("{{"), "{name}: {text}");
        }
        assert!(
            vars.recursion_section
                .contains("depth 1; children run at depth 2")
        );
        assert!(vars.recursion_section.contains("stops at depth 3"));
        assert!(
            vars.tools
                .contains("up to 10 at a time by default, never more than 16")
        );
        // The `model` option is offered only when there is a model to choose.
        assert!(vars.tools.contains("`{ max_tokens, temperature, system }`"));
        let named = at(1, 3).with_sub_models(vec![
            crate::SubModelInfo::new("a", "", 10).with_default(true),
            crate::SubModelInfo::new("b", "small", 10),
        ]);
        let vars = param_vars(&named);
        assert!(
            vars.tools
                .contains("`{ model, max_tokens, temperature, system }`")
        );
        assert!(
            vars.subcall_section
                .contains("- `b`: small; about 10 characters per prompt")
        );
    }

    #[test]
    fn no_subcalls_at_max_depth() {
        let vars = param_vars(&at(0, 0));
        assert!(!vars.tools.contains("llm_query"));
        assert!(vars.subcall_section.contains("not available"));
        assert!(vars.recursion_section.is_empty());
        assert!(vars.subcall_hint.contains("no sub-model"));
    }

    #[test]
    fn llm_only_below_two_levels() {
        for (depth, max_depth) in [(0, 1), (1, 2)] {
            let vars = param_vars(&at(depth, max_depth));
            assert!(vars.tools.contains("llm_batch"));
            assert!(!vars.tools.contains("rlm_query"));
            assert!(!vars.subcall_section.contains("rlm_query"));
            assert!(vars.recursion_section.is_empty());
        }
    }

    #[test]
    fn recursion_when_depth_allows() {
        let vars = param_vars(&at(0, 2));
        assert!(vars.tools.contains("rlm_batch"));
        assert!(vars.subcall_section.contains("rlm_query"));
        assert!(vars.subcall_section.ends_with(&vars.recursion_section));
        assert!(vars.recursion_section.contains("depth 1"));
    }

    #[test]
    fn host_tools_get_a_section_only_when_there_are_some() {
        assert!(param_vars(&at(0, 1)).tool_section.is_empty());
        let tools = vec![
            crate::ToolInfo::new("search", "finds {{ pages }}").with_arguments("(q: string)"),
            crate::ToolInfo::new("now", ""),
        ];
        let section = param_vars(&at(0, 0).with_tools(tools)).tool_section;
        // Descriptions are data: template syntax in them is shown as written.
        assert!(
            section.contains("- `search(q: string)`: finds {{ pages }}\n- `now(...)`"),
            "{section}"
        );
    }

    #[test]
    fn numbers_are_readable() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(500_000), "500,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert!(param_vars(&at(0, 1)).subcall_section.contains("500,000"));
    }
}
