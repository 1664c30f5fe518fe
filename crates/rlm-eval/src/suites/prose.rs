//! Generated filler prose: sentences from seeded word lists and a dozen templates. Nothing here
//! contains `"`, `secret`, `record`, `label` or `badge` (in any case), digits, `[`, `]` or `=`, so
//! filler can never be taken for a needle or a record.

use super::rng::Rng;

/// The longest generated sentence, in characters (longer draws are drawn again).
pub(crate) const MAX_SENTENCE_CHARS: usize = 150;

const SUBJECTS: &[&str] = &[
    "the old miller",
    "a quiet river",
    "the committee",
    "my neighbour",
    "the night train",
    "a tired courier",
    "the harbour master",
    "Zoë",
    "Jürgen",
    "the café owner",
    "a flock of starlings",
    "the village choir",
    "our landlady",
    "the young cartographer",
    "a stray cat",
    "the orchestra",
    "Søren",
    "the baker's apprentice",
    "the museum guard",
    "a travelling tinker",
    "the school inspector",
    "Ελένη",
    "the ferryman",
    "an elderly botanist",
    "the lighthouse keeper",
    "the mayor",
    "a pair of herons",
    "the librarian",
    "Anaïs",
    "the night watchman",
];

/// (past tense, base form).
const VERBS: &[(&str, &str)] = &[
    ("watched", "watch"),
    ("painted", "paint"),
    ("carried", "carry"),
    ("mended", "mend"),
    ("forgot", "forget"),
    ("praised", "praise"),
    ("followed", "follow"),
    ("studied", "study"),
    ("borrowed", "borrow"),
    ("ignored", "ignore"),
    ("described", "describe"),
    ("measured", "measure"),
    ("polished", "polish"),
    ("sketched", "sketch"),
    ("admired", "admire"),
    ("buried", "bury"),
    ("found", "find"),
    ("sold", "sell"),
    ("remembered", "remember"),
    ("cleaned", "clean"),
    ("lost", "lose"),
    ("repainted", "repaint"),
];

const OBJECTS: &[&str] = &[
    "the wooden bridge",
    "a basket of pears",
    "the crooked fence",
    "an old map of the coast",
    "the garden wall",
    "a faded photograph",
    "the brass lantern",
    "a naïve plan",
    "the ferry timetable",
    "a crate of lemons",
    "the broken clock",
    "the northern road",
    "a jar of honey",
    "a copy of the Ὀδύσσεια",
    "the chapel roof",
    "a pile of letters",
    "the muddy boots",
    "a bowl of soup",
    "the weather vane",
    "the crème brûlée",
    "the orchard gate",
    "a handful of chestnuts",
    "the long corridor",
    "the façade of the inn",
    "a blue umbrella",
    "the tiled stove",
    "an unfinished quilt",
    "the rowing boat",
];

const ADVERBIALS: &[&str] = &[
    "before dawn",
    "without a word",
    "in the pouring rain",
    "after the market closed",
    "with great care",
    "for the third time",
    "near the old mill",
    "on a whim",
    "at the edge of town",
    "late in the afternoon",
    "by candlelight",
    "in silence",
    "during the festival",
    "as the bells rang",
    "with surprising patience",
    "under a grey sky",
    "after supper",
    "beside the canal",
    "on the road to Θεσσαλονίκη",
    "in the crisp air of Überlingen",
    "once the fog lifted",
];

const ASIDES: &[&str] = &[
    "as usual",
    "of course",
    "oddly enough",
    "to everyone's surprise",
    "it seemed",
    "by all accounts",
    "once again",
    "naturally",
    "so they say",
    "for better or worse",
];

const PLACES: &[&str] = &[
    "square",
    "harbour",
    "kitchen",
    "station",
    "valley",
    "market",
    "courtyard",
    "piazza",
];

const STATES: &[&str] = &[
    "remarkably calm",
    "rather muddy",
    "strangely quiet",
    "full of light",
    "crowded",
    "cold and bright",
    "half asleep",
    "noisy",
];

/// Short sentences, for the last few characters of a budget.
const SHORT: &[&str] = &[
    "It rained.",
    "Time passed.",
    "Nobody spoke.",
    "The wind rose.",
    "All was calm.",
    "Dusk fell.",
];

/// One generated sentence of at most [`MAX_SENTENCE_CHARS`] characters.
pub(crate) fn sentence(rng: &mut Rng) -> String {
    loop {
        let s = draft(rng);
        if s.chars().count() <= MAX_SENTENCE_CHARS {
            return s;
        }
    }
}

/// A short sentence of at most `max` characters, if one fits.
pub(crate) fn short(rng: &mut Rng, max: usize) -> Option<String> {
    let fitting: Vec<&str> = SHORT
        .iter()
        .copied()
        .filter(|s| s.chars().count() <= max)
        .collect();
    (!fitting.is_empty()).then(|| (*rng.pick(&fitting)).to_owned())
}

fn draft(rng: &mut Rng) -> String {
    let s = *rng.pick(SUBJECTS);
    let (v, base) = *rng.pick(VERBS);
    let o = *rng.pick(OBJECTS);
    let a = *rng.pick(ADVERBIALS);
    let text = match rng.below(12) {
        0 => format!("{s} {v} {o} {a}."),
        1 => format!("{a}, {s} {v} {o}."),
        2 => {
            let (s2, (v2, _), o2) = (rng.pick(SUBJECTS), rng.pick(VERBS), rng.pick(OBJECTS));
            format!("{s} {v} {o}, and {s2} {v2} {o2}.")
        }
        3 => format!("Did {s} really {base} {o} {a}?"),
        4 => format!("{s} {v} {o} — {}!", rng.pick(ASIDES)),
        5 => format!("{s}, {}, {v} {o}.", rng.pick(ASIDES)),
        6 => format!("Nobody knew why {s} {v} {o}."),
        7 => format!("{s} {v} {o} ({}).", rng.pick(ASIDES)),
        8 => format!(
            "The {} was {} when {s} {v} {o}.",
            rng.pick(PLACES),
            rng.pick(STATES)
        ),
        9 => format!("What a day: {s} {v} {o} {a}!"),
        10 => format!(
            "{s} never meant to {base} {o}, or so {} claimed.",
            rng.pick(SUBJECTS)
        ),
        _ => format!("Was it {s} who {v} {o}?"),
    };
    capitalised(&text)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_vary_and_never_hold_a_reserved_string() {
        let mut rng = Rng::new(1);
        let mut distinct = std::collections::HashSet::new();
        let mut non_ascii = 0;
        let mut endings = std::collections::HashSet::new();
        for _ in 0..50_000 {
            let s = sentence(&mut rng);
            let lower = s.to_lowercase();
            for bad in [
                "\"", "secret", "record", "label", "badge", "[", "]", "=", "\n",
            ] {
                assert!(!lower.contains(bad), "{s:?} holds {bad:?}");
            }
            assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s:?}");
            let chars = s.chars().count();
            assert!((10..=MAX_SENTENCE_CHARS).contains(&chars), "{s:?}");
            assert!(s.chars().next().is_some_and(char::is_uppercase), "{s:?}");
            non_ascii += usize::from(!s.is_ascii());
            endings.insert(s.chars().last());
            distinct.insert(s);
        }
        assert!(distinct.len() > 40_000, "only {} distinct", distinct.len());
        assert!(
            non_ascii > 1000,
            "only {non_ascii} sentences with non-ASCII characters"
        );
        assert_eq!(endings.len(), 3, "{endings:?}");
    }

    #[test]
    fn short_sentences_fit_their_budget() {
        let mut rng = Rng::new(2);
        let shortest = SHORT.iter().map(|s| s.chars().count()).min().unwrap_or(0);
        assert_eq!(shortest, 10);
        assert_eq!(short(&mut rng, 9), None);
        assert_eq!(short(&mut rng, 10).map(|s| s.chars().count()), Some(10));
    }
}
