//! Needle contexts (niah, multi-niah): filler paragraphs with needle sentences
//! `The secret value for key "KEY" is "VALUE".` inserted at sentence boundaries at given depths.

use std::collections::HashSet;

use super::filler::Source;
use super::rng::Rng;

const KEY_FIRST: &[&str] = &[
    "amber", "silent", "golden", "hollow", "misty", "northern", "rapid", "velvet", "frozen",
    "gentle", "bright", "distant", "rusty", "scarlet", "quiet", "wild", "lunar", "ashen", "brave",
    "cobalt", "dusty", "early", "fading", "hidden",
];

const KEY_SECOND: &[&str] = &[
    "falcon", "otter", "harbor", "willow", "lantern", "meadow", "badger", "comet", "river",
    "sparrow", "glacier", "orchid", "beacon", "fox", "heron", "canyon", "maple", "pebble", "tiger",
    "ember", "thistle", "walrus", "quarry", "summit",
];

const VALUE_WORDS: &[&str] = &[
    "copper", "granite", "silver", "marble", "cedar", "indigo", "pewter", "quartz", "saffron",
    "tin", "walnut", "bronze", "cobalt", "linen", "slate", "ivory", "basalt", "amber", "nickel",
    "oak",
];

/// A needle: its key and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needle {
    /// Two words joined by `-`, like `amber-falcon`.
    pub(crate) key: String,
    /// A word, `-` and four digits, like `copper-4821`.
    pub(crate) value: String,
}

impl Needle {
    /// The sentence planted in the context.
    pub(crate) fn sentence(&self) -> String {
        format!(
            "The secret value for key \"{}\" is \"{}\".",
            self.key, self.value
        )
    }
}

/// `count` needles with distinct keys and distinct values.
pub(crate) fn draw(rng: &mut Rng, count: usize) -> Vec<Needle> {
    let (mut keys, mut values) = (HashSet::new(), HashSet::new());
    let mut needles = Vec::with_capacity(count);
    while needles.len() < count {
        let needle = draw_one(rng);
        if keys.contains(&needle.key) || values.contains(&needle.value) {
            continue;
        }
        keys.insert(needle.key.clone());
        values.insert(needle.value.clone());
        needles.push(needle);
    }
    needles
}

/// One needle.
pub(crate) fn draw_one(rng: &mut Rng) -> Needle {
    let key = format!("{}-{}", rng.pick(KEY_FIRST), rng.pick(KEY_SECOND));
    let value = format!("{}-{}", rng.pick(VALUE_WORDS), rng.between(1000, 9999));
    Needle { key, value }
}

/// A depth drawn from the seed: a whole percentage, 0 to 1.
pub(crate) fn draw_depth(rng: &mut Rng) -> f64 {
    rng.between(0, 100) as f64 / 100.0
}

/// Filler paragraphs of about `size` characters in all, with each `(sentence, depth)` inserted at
/// the sentence boundary nearest `depth` × the filler's length.
pub(crate) fn context(
    rng: &mut Rng,
    source: Source<'_>,
    size: usize,
    planted: &[(String, f64)],
) -> String {
    let planted_chars: usize = planted.iter().map(|(s, _)| s.chars().count()).sum();
    // Every sentence but the first is preceded by one separator (a space or a newline).
    let mut used = (planted_chars + planted.len()).saturating_sub(1);
    let mut filler: Vec<String> = Vec::new();
    // `offsets[i]`: the characters of filler before filler sentence `i` (separators included).
    let mut offsets: Vec<usize> = Vec::new();
    let mut filler_chars = 0;
    while let Some((sentence, chars)) = size
        .checked_sub(used + 1)
        .and_then(|room| source.sentence(rng, room))
    {
        used += chars + 1;
        offsets.push(filler_chars + usize::from(!filler.is_empty()));
        filler_chars = offsets[offsets.len() - 1] + chars;
        filler.push(sentence);
    }
    let mut at: Vec<(usize, usize)> = planted
        .iter()
        .enumerate()
        .map(|(i, (_, depth))| (boundary(&offsets, filler_chars, *depth), i))
        .collect();
    at.sort_unstable();
    let mut sentences: Vec<&str> = Vec::with_capacity(filler.len() + planted.len());
    let mut next = at.iter().peekable();
    for b in 0..=filler.len() {
        while let Some((_, i)) = next.next_if(|(at_b, _)| *at_b == b) {
            sentences.push(&planted[*i].0);
        }
        if let Some(s) = filler.get(b) {
            sentences.push(s);
        }
    }
    paragraphs(rng, &sentences, used)
}

/// The boundary (0: before the first filler sentence, `offsets.len()`: after the last) whose
/// position is nearest `depth` × `total` characters.
fn boundary(offsets: &[usize], total: usize, depth: f64) -> usize {
    let target = depth * total as f64;
    let position = |b: usize| offsets.get(b).copied().unwrap_or(total) as f64;
    (0..=offsets.len())
        .min_by(|&a, &b| {
            let (da, db) = ((position(a) - target).abs(), (position(b) - target).abs());
            da.total_cmp(&db)
        })
        .unwrap_or(0)
}

/// Sentences joined into lines of 3 to 6 (fewer only when there are fewer than 3 in all).
fn paragraphs(rng: &mut Rng, sentences: &[&str], chars: usize) -> String {
    let mut out = String::with_capacity(chars + chars / 4);
    let mut rest = sentences;
    while !rest.is_empty() {
        let mut take = rest.len();
        if rest.len() > 6 {
            take = rng.between(3, 6);
            if rest.len() - take < 3 {
                take = rest.len() - 3;
            }
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, s) in rest[..take].iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(s);
        }
        rest = &rest[take..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_distinct_and_well_formed() {
        let mut rng = Rng::new(6);
        let needles = draw(&mut rng, 50);
        let keys: HashSet<_> = needles.iter().map(|n| &n.key).collect();
        let values: HashSet<_> = needles.iter().map(|n| &n.value).collect();
        assert_eq!((keys.len(), values.len()), (50, 50));
        for n in &needles {
            let (a, b) = n.key.split_once('-').unwrap_or_default();
            assert!(KEY_FIRST.contains(&a) && KEY_SECOND.contains(&b), "{n:?}");
            let (word, number) = n.value.split_once('-').unwrap_or_default();
            assert!(VALUE_WORDS.contains(&word), "{n:?}");
            assert!(
                number.len() == 4 && number.bytes().all(|c| c.is_ascii_digit()),
                "{n:?}"
            );
        }
        assert_eq!(
            Needle {
                key: "a-b".into(),
                value: "c-1234".into()
            }
            .sentence(),
            "The secret value for key \"a-b\" is \"c-1234\"."
        );
    }

    #[test]
    fn lines_hold_three_to_six_sentences() {
        let mut rng = Rng::new(7);
        for count in [1, 2, 3, 6, 7, 8, 9, 50, 101] {
            let sentences: Vec<String> = (0..count).map(|i| format!("S{i}.")).collect();
            let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
            let text = paragraphs(&mut rng, &refs, 0);
            let per_line: Vec<usize> = text.lines().map(|l| l.split(' ').count()).collect();
            assert_eq!(per_line.iter().sum::<usize>(), count);
            let low = count.min(3);
            assert!(
                per_line.iter().all(|&n| (low..=6).contains(&n)),
                "{count}: {per_line:?}"
            );
            assert_eq!(text.split([' ', '\n']).collect::<Vec<_>>(), refs);
        }
    }

    #[test]
    fn boundaries_follow_the_depth() {
        let offsets = [0, 10, 20, 30];
        assert_eq!(boundary(&offsets, 39, 0.0), 0);
        assert_eq!(boundary(&offsets, 39, 0.5), 2);
        assert_eq!(boundary(&offsets, 39, 1.0), 4);
        assert_eq!(boundary(&[], 0, 0.7), 0);
    }
}
