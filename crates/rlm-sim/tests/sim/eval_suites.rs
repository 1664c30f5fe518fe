//! The scripted model and the evaluation suites (docs/EVAL.md): query parsing, sub replies to the
//! chunk questions and to the suite questions, and the root script's cells for each suite.

use rlm_sim::script::eval::{SuiteQuery, answer};
use rlm_sim::script::{ChatMessage, ScriptConfig, respond, respond_with};

const SYSTEM: &str =
    "You answer in a REPL: `context`, llm_query, llm_batch; end with FINAL(answer).";

const NIAH_TEXT: &str = "Rivers bend slowly under grey skies. The lamp was bright.\n\
    A quiet market opened early. The secret value for key \"amber-falcon\" is \"copper-4821\". \
    Birds circled the tower.\n\
    Wind moved over the fields. The secret value for key \"silver-otter\" is \"maple-0307\".\n\
    The road went on. The secret value for key \"jade-heron\" is \"flint-99\n";

const LABEL_TEXT: &str = "Record 0001 [label: teal] The river was calm.\n\
    Record 0002 [label: amber] A bell rang twice.\n\
    Record 0003 [label: teal] Snow fell at dusk.\n\
    Record 0004 [label: crimson] The door stayed shut.\n\
    Record 0005 [label: teal] Lamps were lit.\n\
    Record 0006 [label: amber] Bread was baked.\n\
    Record 0007 [label: te";

const BADGE_TEXT: &str = "Record 0001 [badge: 4711] The river was calm.\n\
    Record 0002 [badge: 0815] A bell rang twice.\n\
    Record 0003 [badge: 2024] Snow fell at dusk.\n\
    Record 0004 [badge: 4711] The door stayed shut.\n\
    Record 0005 [badge: 9000] Lamps were lit.\n\
    Record 0006 [badge: 0815] Bread was baked.\n";

fn niah() -> SuiteQuery {
    SuiteQuery::Niah {
        key: "amber-falcon".into(),
    }
}

fn multi() -> SuiteQuery {
    SuiteQuery::MultiNiah {
        keys: ["silver-otter", "ghost-lynx", "amber-falcon", "jade-heron"]
            .map(String::from)
            .to_vec(),
    }
}

fn count(label: &str) -> SuiteQuery {
    SuiteQuery::Count {
        label: label.into(),
    }
}

fn all_queries() -> Vec<SuiteQuery> {
    vec![
        niah(),
        multi(),
        count("teal"),
        SuiteQuery::MostFrequent,
        SuiteQuery::Pairs,
    ]
}

fn sub(prompt: &str) -> String {
    respond("sim-sub", &[ChatMessage::user(prompt)])
}

fn chunk_prompt(query: &SuiteQuery, text: &str) -> String {
    format!("{}\n\n{text}", query.chunk_question())
}

/// A root conversation as the RLM starts it: context metadata, then `Question: <query>`.
fn root_start(query: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(SYSTEM),
        ChatMessage::user(format!(
            "The REPL variable `context` holds a string of 4000 characters in total.\n\n\
             Question: {query}\n\nYou have not seen the context yet, so do not answer in this turn."
        )),
    ]
}

fn after_steps(model: &str, mut messages: Vec<ChatMessage>, steps: usize) -> Vec<ChatMessage> {
    for step in 1..=steps {
        let reply = respond(model, &messages);
        messages.push(ChatMessage::assistant(reply));
        messages.push(ChatMessage::user(format!(
            "Output:\nok\nSIM_STEP_{step}_OK\n"
        )));
    }
    messages
}

fn code_of(reply: &str) -> &str {
    let Some(rest) = reply.split("```repl\n").nth(1) else {
        panic!("no repl block in {reply}");
    };
    rest.split("```").next().unwrap_or_default()
}

#[test]
fn suite_questions_are_parsed_from_the_exact_text() {
    assert_eq!(
        SuiteQuery::find(
            "What is the secret value for key \"amber-falcon\"? Answer with the value only."
        ),
        Some(niah())
    );
    assert_eq!(
        SuiteQuery::find(
            "Question: What are the secret values for keys \"silver-otter\", \"ghost-lynx\", \
             \"amber-falcon\", \"jade-heron\"? Answer with the values in that order, separated by commas.\n"
        ),
        Some(multi())
    );
    assert_eq!(
        SuiteQuery::find("How many records are labelled \"teal\"? Answer with a number."),
        Some(count("teal"))
    );
    for query in all_queries() {
        let text = root_start(&query.question())[1].content.clone();
        assert_eq!(SuiteQuery::find(&text), Some(query.clone()), "{text}");
        assert_eq!(SuiteQuery::find(&query.chunk_question()), None);
        assert_eq!(
            SuiteQuery::find_chunk_question(&chunk_prompt(&query, "x")),
            Some(query.clone())
        );
        assert_eq!(SuiteQuery::find_chunk_question(&query.question()), None);
    }
    assert_eq!(
        [
            niah(),
            multi(),
            count("a"),
            SuiteQuery::MostFrequent,
            SuiteQuery::Pairs
        ]
        .map(|q| q.suite()),
        ["niah", "multi-niah", "aggregate", "aggregate", "pairs"]
    );
}

#[test]
fn odd_queries_are_not_suite_questions() {
    for odd in [
        "What is the secret value for key  \"amber-falcon\"? Answer with the value only.",
        "What is the secret value for key \"amber-falcon\" ? Answer with the value only.",
        "What is the secret value for key \"\"? Answer with the value only.",
        "What is the secret value for key 'amber-falcon'? Answer with the value only.",
        "What is the secret value for key \"amber-falcon",
        "What are the secret values for keys \"a-b\",\"c-d\"? Answer with the values in that order, separated by commas.",
        "How many records are labelled \"teal\"?  Answer with a number.",
        "Which label is the most frequent among the records?\nAnswer with the label only.",
        "list every pair of records that share the same badge.",
        "Find the magic numbers.",
    ] {
        assert_eq!(SuiteQuery::find(odd), None, "{odd}");
        // The root script falls back to the magic-number script.
        let model = "sim-root-batch";
        let code = code_of(&respond(model, &after_steps(model, root_start(odd), 1))).to_owned();
        assert!(
            code.contains("magic number") && !code.contains("chunk_question"),
            "{code}"
        );
    }
}

#[test]
fn sub_replies_to_the_chunk_questions() {
    assert_eq!(sub(&chunk_prompt(&niah(), NIAH_TEXT)), "copper-4821");
    assert_eq!(sub(&chunk_prompt(&niah(), LABEL_TEXT)), "NONE");
    assert_eq!(
        sub(&chunk_prompt(&multi(), NIAH_TEXT)),
        "silver-otter=maple-0307\namber-falcon=copper-4821"
    );
    assert_eq!(sub(&chunk_prompt(&multi(), "Nothing here.")), "NONE");
    assert_eq!(sub(&chunk_prompt(&count("teal"), LABEL_TEXT)), "3");
    assert_eq!(sub(&chunk_prompt(&count("olive"), LABEL_TEXT)), "0");
    assert_eq!(
        sub(&chunk_prompt(&SuiteQuery::MostFrequent, LABEL_TEXT)),
        "amber=2\ncrimson=1\nteal=3"
    );
    assert_eq!(
        sub(&chunk_prompt(&SuiteQuery::MostFrequent, BADGE_TEXT)),
        "NONE"
    );
    assert_eq!(
        sub(&chunk_prompt(&SuiteQuery::Pairs, BADGE_TEXT)),
        "0001=4711\n0002=0815\n0003=2024\n0004=4711\n0005=9000\n0006=0815"
    );
    assert_eq!(sub(&chunk_prompt(&SuiteQuery::Pairs, LABEL_TEXT)), "NONE");
}

#[test]
fn sub_answers_the_suite_questions_directly() {
    let direct = |query: &SuiteQuery, text: &str| {
        let end = sub(&format!(
            "Answer from this text.\n\n{text}\n\nQuestion: {}",
            query.question()
        ));
        let start = sub(&format!("{}\n\n{text}", query.question()));
        assert_eq!(end, start, "the question's place does not matter");
        end
    };
    assert_eq!(direct(&niah(), NIAH_TEXT), "copper-4821");
    assert_eq!(direct(&niah(), "Cut before the needle."), "NONE");
    // jade-heron's needle is cut short and ghost-lynx is absent.
    assert_eq!(direct(&multi(), NIAH_TEXT), "maple-0307, copper-4821");
    assert_eq!(direct(&multi(), "nothing"), "NONE");
    assert_eq!(direct(&count("teal"), LABEL_TEXT), "3");
    assert_eq!(direct(&count("amber"), LABEL_TEXT), "2");
    assert_eq!(direct(&SuiteQuery::MostFrequent, LABEL_TEXT), "teal");
    assert_eq!(
        direct(&SuiteQuery::Pairs, BADGE_TEXT),
        "0001-0004, 0002-0006"
    );
    assert_eq!(direct(&SuiteQuery::Pairs, &BADGE_TEXT[..90]), "NONE");
    // Not an eval prompt: the magic-number reply, unchanged.
    assert_eq!(answer("The magic number is 48213907."), None);
    assert_eq!(sub("The magic number is 48213907."), "MAGIC: 48213907");
    assert_eq!(sub("How many records are labelled teal?"), "NONE");
}

#[test]
fn root_script_asks_each_suite_its_chunk_question() {
    let model = "sim-root-batch-c8-p4";
    for query in all_queries() {
        let start = root_start(&query.question());
        let first = respond(model, &start);
        assert!(
            code_of(&first).contains("typeof context"),
            "step 1 is the inspect cell"
        );
        let reply = respond(model, &after_steps(model, start.clone(), 1));
        let code = code_of(&reply);
        let Ok(question) = serde_json::to_string(&query.chunk_question()) else {
            panic!("unencodable question");
        };
        assert!(
            code.contains(&format!("const chunk_question = {question};")),
            "{code}"
        );
        assert!(code.contains("const n_chunks = 8;") && code.contains("llm_batch(prompts, 4)"));
        assert!(code.contains("chunk_question + \"\\n\\n\" + chunk"));
        assert!(code.contains("reply.startsWith(\"Error\")") && code.contains("const result = "));
        assert!(!code.contains("SIM_STEP_2_OK") && !code.contains("magic"));
        assert!(
            code.contains("end = nl === -1 ? ctx_text.length : nl + 1;"),
            "suite chunks end at whole lines: {code}"
        );
        let balanced =
            |open: char, close: char| code.matches(open).count() == code.matches(close).count();
        assert!(
            balanced('{', '}') && balanced('(', ')') && balanced('[', ']'),
            "{code}"
        );

        let last = respond(model, &after_steps(model, start.clone(), 2));
        assert_eq!(last.trim_end().lines().last(), Some("FINAL_VAR(result)"));
    }
    let multi_code = respond(
        model,
        &after_steps(model, root_start(&multi().question()), 1),
    );
    assert!(multi_code.contains(
        "const keys = [\"silver-otter\",\"ghost-lynx\",\"amber-falcon\",\"jade-heron\"];"
    ));
}

#[test]
fn root_script_modes_failures_and_other_scripts() {
    let question = SuiteQuery::Pairs.question();
    let model = "sim-root-sequential-c3";
    let code = respond(model, &after_steps(model, root_start(&question), 1));
    assert!(code.contains("answers.push(llm_query(prompt))") && !code.contains("llm_batch"));
    assert!(code.contains("const n_chunks = 3;"));

    // A cell that did not finish ends the run with a reason, as in the magic-number script.
    let mut messages = after_steps("sim-root", root_start(&question), 1);
    messages.push(ChatMessage::assistant(respond("sim-root", &messages)));
    messages.push(ChatMessage::user(
        "Error: ReferenceError: llm_batch is not defined",
    ));
    let reply = respond("sim-root", &messages);
    assert!(
        reply.contains("FINAL(could not compute: Error: ReferenceError: llm_batch is not defined)"),
        "{reply}"
    );

    // `never` and replayed cells ignore the suite question.
    let never = respond(
        "sim-root-never",
        &after_steps("sim-root", root_start(&question), 1),
    );
    assert!(never.contains("still looking") && !never.contains("chunk_question"));
    let config = ScriptConfig {
        cells: vec!["print(1)".into()],
        ..ScriptConfig::default()
    };
    assert_eq!(
        code_of(&respond_with(&config, "sim-root", &root_start(&question))).trim(),
        "print(1)"
    );
}
