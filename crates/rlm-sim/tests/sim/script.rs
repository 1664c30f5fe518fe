//! The scripted model: root turns per step and mode, error handling, sub turns.

use rlm_sim::script::{ChatMessage, Mode, ScriptConfig, TurnKind, respond, respond_with};

const SYSTEM: &str = "You are the root model of a Recursive Language Model. Write JavaScript in ```repl blocks; \
                      `context` holds the data; call llm_query(prompt) or llm_batch(prompts, k); end with FINAL(answer).";

fn start() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(SYSTEM),
        ChatMessage::user(
            "Context: a string of 8388608 characters.\nQuery: list the magic numbers.",
        ),
    ]
}

/// The history after `steps` successful root turns, each followed by its cell output.
fn history(model: &str, steps: usize) -> Vec<ChatMessage> {
    let mut messages = start();
    for step in 1..=steps {
        let reply = respond(model, &messages);
        messages.push(ChatMessage::assistant(reply));
        messages.push(ChatMessage::user(format!(
            "Output:\nsome lines\nSIM_STEP_{step}_OK\n"
        )));
    }
    messages
}

fn repl_blocks(reply: &str) -> Vec<&str> {
    reply
        .split("```repl\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect()
}

#[test]
fn turn_kind_and_mode() {
    assert_eq!(TurnKind::of(&start()), TurnKind::Root);
    assert_eq!(TurnKind::of(&[ChatMessage::user("x")]), TurnKind::Sub);
    assert_eq!(
        TurnKind::of(&[
            ChatMessage::system("You are a helpful assistant."),
            ChatMessage::user("x")
        ]),
        TurnKind::Sub
    );
    assert_eq!(TurnKind::of(&[]), TurnKind::Sub);
    assert_eq!(Mode::from_model("sim-root-sequential"), Mode::Sequential);
    assert_eq!(Mode::from_model("SIM-Sequential-c8"), Mode::Sequential);
    assert_eq!(Mode::from_model("sim-root-batch"), Mode::Batch);
    assert_eq!(Mode::from_model("gpt-5"), Mode::Batch);
}

#[test]
fn model_name_overrides() {
    let base = ScriptConfig::default();
    assert_eq!((base.chunks, base.batch_concurrency), (32, 16));
    let c = base.clone().with_model_overrides("sim-root-batch-c64-p4");
    assert_eq!((c.chunks, c.batch_concurrency), (64, 4));
    let c = base.clone().with_model_overrides("sim-c0-cx-p-12");
    assert_eq!(c, base);
}

#[test]
fn turn_1_inspects_the_context() {
    let reply = respond("sim-root-batch", &start());
    let blocks = repl_blocks(&reply);
    assert_eq!(blocks.len(), 1, "{reply}");
    let code = blocks[0];
    assert!(
        reply.trim_start().len() > 20 && !reply.starts_with("```"),
        "reasoning text first"
    );
    for needle in ["typeof context", ".length", "slice(0, 200)", "print("] {
        assert!(code.contains(needle), "missing {needle} in {code}");
    }
    assert!(!code.contains("llm_query") && !code.contains("llm_batch") && !code.contains("await"));
    assert!(
        !code.contains("SIM_STEP_1_OK"),
        "the success marker must be built at run time"
    );
    assert!(!reply.lines().any(|l| l.starts_with("FINAL")));
}

#[test]
fn turn_2_batch_mode_uses_one_llm_batch() {
    let messages = history("sim-root-batch", 1);
    let reply = respond("sim-root-batch", &messages);
    let code = repl_blocks(&reply)[0];
    assert!(code.contains("const n_chunks = 32;"));
    assert_eq!(code.matches("llm_batch(prompts, 16)").count(), 1);
    assert!(!code.contains("llm_query"));
    assert!(code.contains("const result = ") && code.contains("ctx_text"));
    assert!(!code.contains("await") && !code.contains("SIM_STEP_2_OK"));
    let braces =
        |open: char, close: char| code.matches(open).count() == code.matches(close).count();
    assert!(
        braces('{', '}') && braces('(', ')') && braces('[', ']'),
        "unbalanced code: {code}"
    );
}

#[test]
fn turn_2_sequential_mode_loops_over_llm_query_and_honours_overrides() {
    let model = "sim-root-sequential-c7";
    let reply = respond(model, &history(model, 1));
    let code = repl_blocks(&reply)[0];
    assert!(code.contains("const n_chunks = 7;"));
    assert!(code.contains("for (const prompt of prompts)"));
    assert!(code.contains("answers.push(llm_query(prompt))"));
    assert!(!code.contains("llm_batch"));

    let config = ScriptConfig {
        chunks: 5,
        batch_concurrency: 3,
        ..ScriptConfig::default()
    };
    let reply = respond_with(&config, "sim-root-batch", &history("sim-root-batch", 1));
    assert!(reply.contains("const n_chunks = 5;") && reply.contains("llm_batch(prompts, 3)"));
}

#[test]
fn turn_3_ends_with_final_var() {
    let reply = respond("sim-root-batch", &history("sim-root-batch", 2));
    assert!(repl_blocks(&reply).is_empty());
    assert_eq!(reply.trim_end().lines().last(), Some("FINAL_VAR(result)"));
    let again = respond("sim-root-batch", &history("sim-root-batch", 3));
    assert_eq!(
        again.trim_end().lines().last(),
        Some("FINAL_VAR(result)"),
        "later turns still end"
    );
}

#[test]
fn a_failed_cell_ends_the_run_with_a_reason() {
    let mut messages = history("sim-root-batch", 1);
    messages.push(ChatMessage::assistant(respond("sim-root-batch", &messages)));
    messages.push(ChatMessage::user(
        "Output:\nchunks: 3\nError: ReferenceError: llm_batch is not defined (line 14)",
    ));
    let reply = respond("sim-root-batch", &messages);
    let last = reply.trim_end().lines().last().unwrap();
    assert_eq!(
        last,
        "FINAL(could not compute: Error: ReferenceError: llm_batch is not defined [line 14])"
    );

    // A failure in the first cell ends the run at turn 2 already.
    let mut messages = start();
    messages.push(ChatMessage::assistant(respond("sim-root-batch", &messages)));
    messages.push(ChatMessage::user("the cell was interrupted"));
    let reply = respond("sim-root-batch", &messages);
    assert!(repl_blocks(&reply).is_empty());
    assert!(
        reply.contains("FINAL(could not compute: the code cell did not finish)"),
        "{reply}"
    );
}

#[test]
fn echoed_code_is_not_mistaken_for_success() {
    let mut messages = start();
    let code = respond("sim-root-batch", &messages);
    messages.push(ChatMessage::assistant(code.clone()));
    messages.push(ChatMessage::user(format!(
        "Code:\n{code}\nError: SyntaxError: unexpected token"
    )));
    assert!(
        respond("sim-root-batch", &messages)
            .contains("FINAL(could not compute: Error: SyntaxError")
    );
}

#[test]
fn sub_turn_reports_magic_numbers_sorted_unique() {
    let prompt = "Below is part 2 of 32.\n(sentences like \"The magic number is N.\")\n\n\
                  foo\nThe magic number is 51234987.\nbar\nThe magic number is 48213907.\n\
                  The magic number is 51234987.\n";
    assert_eq!(
        respond("sim-sub", &[ChatMessage::user(prompt)]),
        "MAGIC: 48213907, 51234987"
    );
    assert_eq!(
        respond("sim-sub", &[ChatMessage::user("nothing to see, 12345678")]),
        "NONE"
    );
    let with_system = [
        ChatMessage::system("You are helpful."),
        ChatMessage::user("The magic number is 10000001."),
    ];
    assert_eq!(respond("gpt-anything", &with_system), "MAGIC: 10000001");
    assert_eq!(respond("sim-sub", &[]), "NONE");
}

#[test]
fn script_is_deterministic() {
    let messages = history("sim-root-sequential", 2);
    assert_eq!(
        respond("sim-root-sequential", &messages),
        respond("sim-root-sequential", &messages)
    );
}

#[test]
fn a_never_model_never_finishes() {
    for step in 0..5 {
        let reply = respond("sim-root-never", &history("sim-root-never", step));
        assert!(
            reply.contains("```repl") && !reply.contains("FINAL"),
            "{reply}"
        );
    }
}
