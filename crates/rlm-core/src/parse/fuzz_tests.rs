//! Fuzz-style test: deterministic pseudo-random replies built from tricky fragments must never make
//! the parsers panic, and their results must keep basic invariants.

use super::{Final, code_blocks, final_answer};

/// Pieces that exercise fences, tags, parentheses, quotes and line breaks.
const FRAGMENTS: &[&str] = &[
    "```",
    "```repl",
    "```js",
    "```JavaScript",
    "```python",
    "``",
    "`",
    "\n",
    "\r\n",
    " ",
    "\t",
    "FINAL(",
    "FINAL_VAR(",
    "FINAL",
    "FINAL_VAR",
    "(",
    ")",
    "((",
    "))",
    "\"",
    "'",
    "\\",
    "x",
    "answer",
    "print(1)",
    "let a = 1;",
    "é",
    "東京",
    "🦀",
    "{",
    "}",
    "()",
    "FINAL()",
    "FINAL_VAR(\"\")",
    "\n```repl\n",
    "\n```\n",
    "\n```js  \n",
    "\nFINAL(",
    "\nFINAL_VAR(",
];

/// SplitMix64: small, deterministic, good enough to mix fragments.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_reply(rng: &mut SplitMix) -> String {
    let len = rng.below(40);
    (0..len)
        .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
        .collect()
}

/// Checks the invariants on one reply; returns (number of blocks, whether an answer was found).
fn check_invariants(reply: &str) -> (usize, bool) {
    let blocks = code_blocks(reply);
    for block in &blocks {
        assert_eq!(block.trim(), block, "block not trimmed in {reply:?}");
        assert!(
            reply.contains(block.as_str()),
            "block not from input {reply:?}"
        );
        assert!(
            // (the first line may start with one once its indentation is trimmed)
            !block.lines().skip(1).any(|l| l.starts_with("```")),
            "block contains a closing fence line in {reply:?}"
        );
    }
    if !reply.contains("```") {
        assert!(blocks.is_empty(), "blocks without fences in {reply:?}");
    }
    let answer = final_answer(reply);
    match &answer {
        None => {}
        Some(Final::Text(t)) => {
            assert!(
                !t.is_empty() && t.trim() == t,
                "bad text {t:?} in {reply:?}"
            );
            assert!(reply.contains(t.as_str()), "text not from input {reply:?}");
            assert!(reply.contains("FINAL("), "text without tag in {reply:?}");
            assert!(
                no_variable_counts(reply),
                "text won over a variable in {reply:?}"
            );
        }
        Some(Final::Var(v)) => {
            assert!(
                !v.is_empty() && v.trim() == v,
                "bad name {v:?} in {reply:?}"
            );
            assert!(reply.contains(v.as_str()), "name not from input {reply:?}");
            assert!(reply.contains("FINAL_VAR("), "var without tag in {reply:?}");
        }
    }
    (blocks.len(), answer.is_some())
}

/// A `FINAL` text answer is only allowed when no `FINAL_VAR` counts: with every `FINAL(` tag
/// neutralised, the reply must hold no variable answer either.
fn no_variable_counts(reply: &str) -> bool {
    !matches!(
        final_answer(&reply.replace("FINAL(", "NOPE(")),
        Some(Final::Var(_))
    )
}

#[test]
fn random_replies_never_panic_and_keep_invariants() {
    let mut rng = SplitMix(0x00C0_FFEE);
    let (mut with_blocks, mut with_answers) = (0, 0);
    for _ in 0..20_000 {
        let reply = random_reply(&mut rng);
        let (blocks, answered) = check_invariants(&reply);
        with_blocks += usize::from(blocks > 0);
        with_answers += usize::from(answered);
    }
    // The generator must reach the interesting paths, or the test proves little.
    assert!(
        with_blocks > 200,
        "only {with_blocks} replies had code blocks"
    );
    assert!(
        with_answers > 200,
        "only {with_answers} replies had answers"
    );
}

#[test]
fn every_prefix_of_a_realistic_reply_is_safe() {
    let reply = "Plan:\n```repl\nconst n = llm_query(\"FINAL(no)\");\nprint(n)\n```\n\
                 FINAL_VAR('n') and FINAL(f(\"a)\", 'b'))\n```js\nFINAL(x)\n```\n  FINAL(ok (1))";
    for (i, _) in reply.char_indices() {
        check_invariants(&reply[..i]);
        check_invariants(&reply[i..]);
    }
}
