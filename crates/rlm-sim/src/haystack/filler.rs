//! Realistic-looking filler lines for the haystack: prose, log lines and section headers.
//!
//! Invariants the needle search relies on: filler never contains the phrase "magic number" and
//! never contains a run of more than four digits, so a magic number (eight digits) can only come
//! from a needle. About one word in ten is non-ASCII (accents, Greek, Cyrillic, CJK, an emoji) so
//! consumers see multi-byte UTF-8 and, in JavaScript, UTF-16 surrogate pairs.

use super::rng::Rng;

const WORDS: &[&str] = &[
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "river",
    "harbor",
    "ledger",
    "quiet",
    "northern",
    "market",
    "window",
    "lantern",
    "council",
    "winter",
    "garden",
    "signal",
    "archive",
    "copper",
    "letter",
    "morning",
    "engine",
    "valley",
    "bridge",
    "thread",
    "season",
    "pattern",
    "village",
    "station",
    "orchard",
    "meadow",
    "report",
    "careful",
    "ancient",
    "silver",
    "narrow",
    "distant",
    "bright",
    "measured",
    "walked",
    "noted",
    "carried",
    "opened",
    "returned",
    "gathered",
    "described",
    "whispered",
    "counted",
    "remembered",
    "under",
    "beside",
    "through",
    "across",
    "before",
    "after",
    "while",
    "because",
    "although",
    "every",
    "several",
    "many",
    "few",
    "their",
    "its",
    "our",
    "was",
    "were",
    "is",
    "had",
    "would",
    "could",
    "might",
    "clerk",
    "captain",
    "miller",
    "weaver",
    "teacher",
    "traveler",
    "keeper",
    "stone",
    "paper",
    "salt",
    "wool",
    "grain",
    "tide",
    "clock",
];

const NON_ASCII_WORDS: &[&str] = &[
    "café",
    "naïve",
    "Zürich",
    "smörgåsbord",
    "façade",
    "jalapeño",
    "Ærø",
    "crème",
    "fjörður",
    "Ελλάδα",
    "λόγος",
    "привет",
    "город",
    "東京",
    "日本語",
    "北京",
    "서울",
    "mañana",
    "Łódź",
    "🙂",
];

const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
const COMPONENTS: &[&str] = &[
    "scheduler",
    "worker",
    "cache",
    "gateway",
    "indexer",
    "mailer",
];
const EVENTS: &[&str] = &[
    "finished task",
    "started batch",
    "evicted entry",
    "accepted connection",
    "retried request",
    "flushed queue",
];

/// Appends one filler line (ending in `\n`) to `out`.
pub(crate) fn push_line(rng: &mut Rng, out: &mut String) {
    match rng.below(100) {
        0..=79 => push_prose(rng, out),
        80..=94 => push_log(rng, out),
        _ => push_header(rng, out),
    }
    out.push('\n');
}

fn push_prose(rng: &mut Rng, out: &mut String) {
    let sentences = rng.range(1, 4);
    for s in 0..sentences {
        if s > 0 {
            out.push(' ');
        }
        let words = rng.range(6, 19);
        for w in 0..words {
            if w > 0 {
                out.push(' ');
            }
            let word = if rng.chance(10) {
                rng.pick(NON_ASCII_WORDS)
            } else {
                rng.pick(WORDS)
            };
            if w == 0 {
                push_capitalized(word, out);
            } else {
                out.push_str(word);
            }
            if w + 1 < words && rng.chance(6) {
                out.push(',');
            }
        }
        out.push(if rng.chance(8) { '?' } else { '.' });
    }
}

fn push_log(rng: &mut Rng, out: &mut String) {
    use std::fmt::Write as _;
    // Digit runs here are at most four long (year, month, day, time fields, small counters).
    let _ = write!(
        out,
        "{}-{:02}-{:02} {:02}:{:02}:{:02} {} {} {} {}",
        rng.range(2019, 2026),
        rng.range(1, 13),
        rng.range(1, 29),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.pick(LEVELS),
        rng.pick(COMPONENTS),
        rng.pick(EVENTS),
        rng.below(10_000),
    );
}

fn push_header(rng: &mut Rng, out: &mut String) {
    use std::fmt::Write as _;
    out.push('\n');
    let _ = write!(out, "## Chapter {}: ", rng.range(1, 1000));
    push_capitalized(rng.pick(WORDS), out);
    out.push(' ');
    out.push_str(rng.pick(WORDS));
}

fn push_capitalized(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::{Rng, push_line};

    #[test]
    fn lines_end_with_newline_and_keep_the_invariants() {
        let mut rng = Rng::new(3);
        let mut text = String::new();
        for _ in 0..5000 {
            let before = text.len();
            push_line(&mut rng, &mut text);
            assert!(text.ends_with('\n'));
            assert!(text.len() > before + 1);
        }
        assert!(!text.to_lowercase().contains("magic"));
        let longest_digit_run = text
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest_digit_run <= 4, "digit run of {longest_digit_run}");
        assert!(!text.is_ascii(), "filler should include non-ASCII words");
        assert!(text.contains("## Chapter") && text.contains(" INFO "));
    }
}
