//! Snapshot tests of every rendered prompt, at each depth variant. The snapshots live in
//! `tests/snapshots/`; a changed text fails the test until the new snapshot is reviewed and committed
//! (`INSTA_UPDATE=always cargo test -p rlm-prompts`, then read the diff).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rlm_prompts::{
    ContextKind, ContextMetadata, PromptParams, PromptSet, SubModelInfo, TemplateName, ToolInfo,
};
use serde_json::json;

fn at(depth: usize, max_depth: usize) -> PromptParams {
    PromptParams::new()
        .with_depth(depth)
        .with_max_depth(max_depth)
}

const QUERY: &str = "Which city hosts the most conferences in the log?";

#[test]
fn system_prompts_by_depth() {
    let set = PromptSet::default();
    for (depth, max_depth) in [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (1, 3), (2, 3)] {
        insta::assert_snapshot!(
            format!("system_depth{depth}_max{max_depth}"),
            set.system(&at(depth, max_depth))
        );
    }
}

#[test]
fn system_prompt_follows_other_params() {
    let p = PromptParams::new()
        .with_max_iterations(12)
        .with_max_concurrent(4)
        .with_sub_model_chars(120_000)
        .with_output_cap_chars(5_000);
    insta::assert_snapshot!("system_custom_params", PromptSet::default().system(&p));
}

#[test]
fn context_metadata_by_kind() {
    let set = PromptSet::default();
    let cases = [
        ("text", ContextMetadata::from_text(&"x".repeat(1_234_567))),
        (
            "json_array",
            ContextMetadata::from_json(&json!(["alpha", {"id": 7}, [1, 2, 3]])),
        ),
        (
            "json_array_capped",
            ContextMetadata::new(ContextKind::JsonArray, (1..=250).collect()),
        ),
        (
            "json_object",
            ContextMetadata::from_json(&json!({"a": "one", "b": "three"})),
        ),
        (
            "json_object_one",
            ContextMetadata::from_json(&json!({"only": "entry"})),
        ),
        ("json_scalar", ContextMetadata::from_json(&json!(3.5))),
        ("json_array_empty", ContextMetadata::from_json(&json!([]))),
        (
            "text_chunked",
            ContextMetadata::new(ContextKind::Text, vec![100, 250]),
        ),
    ];
    for (name, meta) in cases {
        insta::assert_snapshot!(
            format!("context_metadata_{name}"),
            set.context_metadata(&meta)
        );
    }
}

#[test]
fn turn_prompts_by_depth() {
    let set = PromptSet::default();
    for (depth, max_depth) in [(0, 0), (0, 1), (0, 2)] {
        insta::assert_snapshot!(
            format!("first_turn_depth{depth}_max{max_depth}"),
            set.first_turn(QUERY, &at(depth, max_depth))
        );
        insta::assert_snapshot!(
            format!("turn_depth{depth}_max{max_depth}"),
            set.turn(QUERY, 7, &at(depth, max_depth), "")
        );
    }
    insta::assert_snapshot!(
        "turn_with_budget",
        set.turn(
            QUERY,
            3,
            &at(0, 1),
            "Budget left: 968 of 1,000 sub-calls, $0.43 of $1.00."
        )
    );
}

#[test]
fn named_sub_models_are_listed_with_their_budgets() {
    let p = at(0, 1).with_sub_models(vec![
        SubModelInfo::new("gpt-4.1-mini", "", 3_000_000).with_default(true),
        SubModelInfo::new(
            "fast",
            "a small model for extraction from one chunk",
            96_000,
        ),
    ]);
    insta::assert_snapshot!("system_named_sub_models", PromptSet::default().system(&p));
}

#[test]
fn system_prompt_lists_host_tools() {
    let p = PromptParams::new().with_tools(vec![
        ToolInfo::new(
            "search",
            "full-text search of the product manual; returns the best pages",
        )
        .with_arguments("(query: string, limit?: number) -> [{id, title, text}]"),
        ToolInfo::new("today", ""),
    ]);
    insta::assert_snapshot!("system_with_tools", PromptSet::default().system(&p));
}

#[test]
fn compaction_prompts() {
    let set = PromptSet::default();
    insta::assert_snapshot!("compaction_request", set.compaction_request(QUERY));
    let vars = ["counts".to_string(), "chunks".to_string()];
    insta::assert_snapshot!("compacted", set.compacted("Found 3 of 8 numbers.", &vars));
}

#[test]
fn closing_and_recovery_prompts() {
    let set = PromptSet::default();
    insta::assert_snapshot!("final_request", set.final_request(QUERY));
    insta::assert_snapshot!("no_code_nudge", set.no_code_nudge());
    let vars = ["counts".to_string(), "chunks".to_string()];
    insta::assert_snapshot!(
        "undefined_final_var",
        set.undefined_final_var("answer", &vars)
    );
    insta::assert_snapshot!(
        "undefined_final_var_none",
        set.undefined_final_var("answer", &[])
    );
}

#[test]
fn user_template_with_sections_and_braces() {
    let text = "Depth {{ depth }}/{{ max_depth }}.\n{{ tools }}\nExample: `if (ok) { FINAL(x) }`\n{{ recursion_section }}";
    let set = PromptSet::default()
        .with_template(TemplateName::System, text)
        .unwrap();
    insta::assert_snapshot!("user_system_template_depth0_max2", set.system(&at(0, 2)));
}
