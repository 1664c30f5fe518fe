//! The final answer written in a reply's text: `FINAL(answer)` or `FINAL_VAR(name)`.

use super::fences::fences;

/// A final answer found in a reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Final {
    /// `FINAL(text)`: the answer itself, trimmed, quotes kept.
    Text(String),
    /// `FINAL_VAR(name)`: the name of a sandbox variable that holds the answer, trimmed, with one
    /// pair of surrounding quotes (`"`, `'` or `` ` ``) removed.
    Var(String),
}

const FINAL_TAG: &str = "FINAL(";
const FINAL_VAR_TAG: &str = "FINAL_VAR(";
const QUOTES: [char; 3] = ['"', '\'', '`'];

/// The final answer in `text`, if any.
///
/// Only text outside fenced code blocks counts, and the tag must start a line (after optional spaces
/// or tabs). The argument runs to the balancing `)`, possibly over several lines; what follows it on
/// the same line is ignored. The first answer wins, and any `FINAL_VAR` wins over any `FINAL`.
/// `FINAL()` (or only whitespace) is not an answer.
///
/// ```
/// use rlm_core::parse::{final_answer, Final};
///
/// assert_eq!(final_answer("FINAL(a)\n\nFINAL(b)"), Some(Final::Text("a".into())));
/// assert_eq!(final_answer("FINAL(x)\nFINAL_VAR(\"result\")"), Some(Final::Var("result".into())));
/// assert_eq!(final_answer("```repl\nFINAL(1)\n```"), None);
/// ```
pub fn final_answer(text: &str) -> Option<Final> {
    let mut first_text = None;
    // Work left for quote-aware balancing, shared by every tag of the reply (see `Arguments`).
    let mut quoted_budget = text
        .len()
        .saturating_mul(2)
        .saturating_add(QUOTED_SCAN_SLACK);
    for segment in outside_code(text) {
        let arguments = Arguments::new(segment);
        for line_start in line_starts(segment) {
            let line = segment[line_start..].trim_start_matches([' ', '\t']);
            let offset = segment.len() - line.len();
            if line.starts_with(FINAL_VAR_TAG) {
                if let Some(name) = arguments
                    .argument(offset + FINAL_VAR_TAG.len(), &mut quoted_budget)
                    .and_then(variable_name)
                {
                    return Some(Final::Var(name.to_string()));
                }
            } else if line.starts_with(FINAL_TAG) && first_text.is_none() {
                first_text = arguments
                    .argument(offset + FINAL_TAG.len(), &mut quoted_budget)
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| Final::Text(a.to_string()));
            }
        }
    }
    first_text
}

/// Quote-aware scanning allowed beyond twice the reply's length (so short replies are never limited).
const QUOTED_SCAN_SLACK: usize = 100_000;

/// The parts of `text` outside fenced blocks; each part begins at the start of a line.
fn outside_code(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut cursor = 0;
    for fence in fences(text) {
        parts.push(&text[cursor..fence.outer.start]);
        cursor = fence.outer.end;
    }
    parts.push(&text[cursor..]);
    parts
}

/// Byte offsets at which the lines of `segment` start.
fn line_starts(segment: &str) -> impl Iterator<Item = usize> {
    std::iter::once(0).chain(segment.match_indices('\n').map(|(i, _)| i + 1))
}

/// Finds tag arguments in one segment in linear time overall.
///
/// Plain balancing uses the matching `)` of every `(`, computed once for the segment with a stack, so
/// a reply with thousands of unclosed `FINAL(` lines does not rescan the rest of the reply for each.
/// Quote-aware balancing (for arguments that start with a quote) depends on where it starts, so it
/// scans; its total work over a reply is capped at twice the reply's length plus 100,000 characters,
/// after which arguments are balanced plainly. Ordinary replies never come near the cap.
struct Arguments<'a> {
    segment: &'a str,
    /// `(open, close)` byte offsets of every balanced pair, sorted by `open`.
    pairs: Vec<(usize, usize)>,
}

impl<'a> Arguments<'a> {
    fn new(segment: &'a str) -> Self {
        let mut pairs = Vec::new();
        let mut open = Vec::new();
        for (i, c) in segment.char_indices() {
            match c {
                '(' => open.push(i),
                ')' => {
                    if let Some(start) = open.pop() {
                        pairs.push((start, i));
                    }
                }
                _ => {}
            }
        }
        pairs.sort_unstable();
        Self { segment, pairs }
    }

    /// Byte offset of the `)` matching the `(` at `open`, if it has one.
    fn plain_close(&self, open: usize) -> Option<usize> {
        let index = self.pairs.binary_search_by_key(&open, |&(o, _)| o).ok()?;
        Some(self.pairs[index].1)
    }

    /// The argument of a tag whose `(` ends right before byte `start`.
    ///
    /// Parentheses are balanced; when the argument starts with a quote, quoted strings are skipped while
    /// balancing (so `FINAL("a)b")` works), falling back to plain balancing if a quote never closes.
    /// If the parentheses never balance, the argument ends at the last `)` of the tag's line; with no
    /// `)` there, there is no argument.
    fn argument(&self, start: usize, quoted_budget: &mut usize) -> Option<&'a str> {
        let rest = &self.segment[start..];
        let quoted = if rest.trim_start().starts_with(QUOTES) {
            balance_quoted(rest, quoted_budget)
        } else {
            None
        };
        let balanced = quoted.or_else(|| self.plain_close(start - 1).map(|close| close - start));
        balanced.map(|end| &rest[..end]).or_else(|| {
            let line = rest.split('\n').next().unwrap_or(rest);
            line.rfind(')').map(|end| &rest[..end])
        })
    }
}

/// Byte offset of the `)` that closes an already-open parenthesis, skipping quoted strings, if any
/// (and if `budget`, decremented per character scanned, lasts).
fn balance_quoted(rest: &str, budget: &mut usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_string: Option<char> = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        *budget = budget.checked_sub(1)?;
        if let Some(quote) = in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                in_string = None;
            }
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            q if QUOTES.contains(&q) => in_string = Some(q),
            _ => {}
        }
    }
    None
}

/// A `FINAL_VAR` argument as a variable name: trimmed, one pair of matching quotes removed.
fn variable_name(argument: &str) -> Option<&str> {
    let trimmed = argument.trim();
    let unquoted = QUOTES
        .iter()
        .find_map(|&q| trimmed.strip_prefix(q)?.strip_suffix(q))
        .map_or(trimmed, str::trim);
    (!unquoted.is_empty()).then_some(unquoted)
}

#[cfg(test)]
#[allow(
    clippy::unnecessary_wraps,
    reason = "helpers compared with final_answer's Option"
)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<Final> {
        Some(Final::Text(s.to_string()))
    }

    fn var(s: &str) -> Option<Final> {
        Some(Final::Var(s.to_string()))
    }

    #[test]
    fn plain_final_on_its_own_line() {
        assert_eq!(final_answer("Done.\nFINAL(42)\n"), text("42"));
        assert_eq!(final_answer("FINAL(Paris)"), text("Paris"));
    }

    #[test]
    fn no_tag_no_answer() {
        assert_eq!(final_answer("the answer is 42"), None);
        assert_eq!(final_answer(""), None);
    }

    #[test]
    fn tag_must_start_a_line() {
        assert_eq!(final_answer("I will write FINAL(42) later"), None);
        assert_eq!(final_answer("**FINAL(42)**"), None);
        assert_eq!(final_answer("   FINAL(42)"), text("42"));
        assert_eq!(final_answer("\t FINAL_VAR(x)"), var("x"));
        assert_eq!(final_answer("final(42)"), None);
    }

    #[test]
    fn nested_parentheses_are_kept() {
        assert_eq!(final_answer("FINAL(f(a, b))"), text("f(a, b)"));
        assert_eq!(final_answer("FINAL((1 + 2) * (3))"), text("(1 + 2) * (3)"));
    }

    #[test]
    fn first_final_wins() {
        assert_eq!(final_answer("FINAL(a)\n\nFINAL(b)"), text("a"));
    }

    #[test]
    fn text_after_the_closing_parenthesis_is_ignored() {
        assert_eq!(
            final_answer("FINAL(yes) -- I am sure (really)"),
            text("yes")
        );
        assert_eq!(
            final_answer("FINAL_VAR(answer). That's all."),
            var("answer")
        );
    }

    #[test]
    fn final_var_wins_over_final() {
        assert_eq!(final_answer("FINAL(a)\nFINAL_VAR(b)"), var("b"));
        assert_eq!(final_answer("FINAL_VAR(b)\nFINAL(a)"), var("b"));
    }

    #[test]
    fn quotes_stripped_around_var_name_kept_in_text() {
        assert_eq!(final_answer("FINAL_VAR(\"result\")"), var("result"));
        assert_eq!(final_answer("FINAL_VAR('result')"), var("result"));
        assert_eq!(final_answer("FINAL_VAR(`result`)"), var("result"));
        assert_eq!(final_answer("FINAL_VAR( \" result \" )"), var("result"));
        assert_eq!(final_answer("FINAL(\"quoted\")"), text("\"quoted\""));
        assert_eq!(final_answer("FINAL_VAR(\"half)"), var("\"half"));
    }

    #[test]
    fn empty_argument_is_not_an_answer() {
        assert_eq!(final_answer("FINAL()"), None);
        assert_eq!(final_answer("FINAL(   )"), None);
        assert_eq!(final_answer("FINAL_VAR()"), None);
        assert_eq!(final_answer("FINAL_VAR('')"), None);
        assert_eq!(final_answer("FINAL()\nFINAL(later)"), text("later"));
        assert_eq!(final_answer("FINAL_VAR(\"\")\nFINAL(x)"), text("x"));
    }

    #[test]
    fn tags_inside_code_blocks_are_ignored() {
        assert_eq!(final_answer("```repl\nFINAL(1)\n```"), None);
        assert_eq!(
            final_answer("```text\nFINAL_VAR(x)\n```\nFINAL(2)"),
            text("2")
        );
        assert_eq!(final_answer("```\nFINAL(1)\n```\nFINAL(2)"), text("2"));
    }

    #[test]
    fn unclosed_fence_hides_the_rest() {
        assert_eq!(final_answer("FINAL(a)\n```repl\nFINAL_VAR(b)"), text("a"));
        assert_eq!(final_answer("```repl\nFINAL(b)"), None);
    }

    #[test]
    fn argument_does_not_run_into_a_code_block() {
        let reply = "FINAL(open\n```repl\nx)\n```";
        assert_eq!(final_answer(reply), None);
    }

    #[test]
    fn multi_line_answer() {
        assert_eq!(
            final_answer("FINAL(line one\nline two)\nafter"),
            text("line one\nline two")
        );
    }

    #[test]
    fn quoted_argument_may_contain_parentheses() {
        assert_eq!(final_answer("FINAL(\"a) b\")"), text("\"a) b\""));
        assert_eq!(final_answer("FINAL('x \\' )')"), text("'x \\' )'"));
    }

    #[test]
    fn apostrophes_in_prose_do_not_break_balancing() {
        assert_eq!(final_answer("FINAL(it's f(x))"), text("it's f(x)"));
        assert_eq!(final_answer("FINAL('tis (so)) end"), text("'tis (so)"));
    }

    #[test]
    fn unbalanced_argument_ends_at_last_parenthesis_of_its_line() {
        assert_eq!(
            final_answer("FINAL(the value of f(3)\nnext"),
            text("the value of f(3")
        );
        assert_eq!(final_answer("FINAL(42"), None);
    }

    #[test]
    fn windows_line_endings() {
        assert_eq!(final_answer("x\r\nFINAL(7)\r\n"), text("7"));
        assert_eq!(
            final_answer("```repl\r\nFINAL(1)\r\n```\r\nFINAL(2)"),
            text("2")
        );
    }

    #[test]
    fn non_ascii_text() {
        assert_eq!(
            final_answer("FINAL(café — 東京 (ok))"),
            text("café — 東京 (ok)")
        );
    }

    /// Many unclosed tags: each used to rescan the rest of the reply (quadratic); now the whole reply is
    /// scanned a bounded number of times. Must finish quickly even in a debug build.
    #[test]
    fn many_unclosed_tags_are_linear() {
        let mut reply = "FINAL(never closed\n".repeat(20_000);
        reply.push_str("FINAL(the answer)\n");
        assert_eq!(final_answer(&reply), text("the answer"));

        let mut reply = "FINAL_VAR(\"never closed\n".repeat(20_000);
        reply.push_str("FINAL_VAR(\"result\")\n");
        assert_eq!(final_answer(&reply), var("result"));

        let mut reply = "FINAL(\n".repeat(20_000);
        reply.push_str(&")".repeat(3));
        // The first tag that balances is the third from last; its argument spans the two after it.
        assert_eq!(final_answer(&reply), text("FINAL(\nFINAL(\n))"));
    }

    #[test]
    fn quoted_balancing_stops_when_its_budget_is_spent() {
        let segment = "\"a (b\" c)";
        let mut budget = 3;
        assert_eq!(balance_quoted(segment, &mut budget), None);
        let mut budget = 100;
        assert_eq!(balance_quoted(segment, &mut budget), Some(8));
        assert_eq!(budget, 91);
    }
}
