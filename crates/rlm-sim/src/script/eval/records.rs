//! Reading the suites' data out of a prompt as a model would read the text: needle sentences
//! `The secret value for key "K" is "V".` and record lines `Record NNNN [label: L] ...` /
//! `Record NNNN [badge: B] ...` (docs/EVAL.md). Only whole items count: a needle or a record tag
//! cut short (by a chunk boundary or a `direct` cut) is not there.

use std::collections::{BTreeMap, BTreeSet};

const NEEDLE_START: &str = "The secret value for key \"";
const NEEDLE_MIDDLE: &str = " is \"";
const RECORD_START: &str = "Record ";

/// The field in a record's brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// `[label: L]` (the `aggregate` suite).
    Label,
    /// `[badge: B]` (the `pairs` suite).
    Badge,
}

impl Field {
    fn tag(self) -> &'static str {
        match self {
            Self::Label => " [label: ",
            Self::Badge => " [badge: ",
        }
    }
}

/// One record: its number as written (`0012`) and the value of its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub(crate) number: &'a str,
    pub(crate) value: &'a str,
}

/// The value of the first whole needle for `key` in `text`.
pub(crate) fn needle_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    needles(text).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Every whole needle in `text`, as `(key, value)`, in order.
fn needles(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.match_indices(NEEDLE_START).filter_map(|(start, _)| {
        let rest = &text[start + NEEDLE_START.len()..];
        let (key, rest) = word_until(rest, '"')?;
        let rest = rest.strip_prefix(NEEDLE_MIDDLE)?;
        let (value, _) = word_until(rest, '"')?;
        Some((key, value))
    })
}

/// Every whole record with `field` in `text`, in order.
pub(crate) fn records(text: &str, field: Field) -> Vec<Record<'_>> {
    text.match_indices(RECORD_START)
        .filter_map(|(start, _)| {
            let rest = &text[start + RECORD_START.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let (number, rest) = rest.split_at(digits);
            let rest = rest.strip_prefix(field.tag())?;
            let (value, _) = word_until(rest, ']')?;
            let value = value.trim();
            (!value.is_empty()).then_some(Record { number, value })
        })
        .collect()
}

/// How many records carry each label, by label.
pub(crate) fn label_counts(text: &str) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for record in records(text, Field::Label) {
        *counts.entry(record.value).or_insert(0) += 1;
    }
    counts
}

/// The label with the largest count (the first in label order among equals).
pub(crate) fn most_frequent<'a>(counts: &BTreeMap<&'a str, usize>) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for (&label, &count) in counts {
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((label, count));
        }
    }
    best.map(|(label, _)| label)
}

/// Every pair of records of `text` that share a badge, as `NNNN-NNNN` (smaller number first),
/// sorted by the numbers.
pub(crate) fn badge_pairs(text: &str) -> Vec<String> {
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for record in records(text, Field::Badge) {
        groups
            .entry(record.value)
            .or_default()
            .insert(record.number);
    }
    let mut pairs = Vec::new();
    for members in groups.values() {
        let mut numbers: Vec<&str> = members.iter().copied().collect();
        numbers.sort_by_key(|n| number_key(n));
        for (i, first) in numbers.iter().enumerate() {
            for second in &numbers[i + 1..] {
                pairs.push((*first, *second));
            }
        }
    }
    pairs.sort_by_key(|(a, b)| (number_key(a), number_key(b)));
    pairs.into_iter().map(|(a, b)| format!("{a}-{b}")).collect()
}

/// Sorts record numbers by value, then as written (`012` before `12`).
fn number_key(number: &str) -> (u128, &str) {
    (number.parse().unwrap_or(u128::MAX), number)
}

/// The non-empty text before the first `end` in `text` (with no line break in it), and what
/// follows that `end`.
fn word_until(text: &str, end: char) -> Option<(&str, &str)> {
    let stop = text.find([end, '\n'])?;
    let (word, rest) = text.split_at(stop);
    let rest = rest.strip_prefix(end)?;
    (!word.is_empty()).then_some((word, rest))
}

#[cfg(test)]
mod tests {
    use super::{Field, badge_pairs, label_counts, most_frequent, needle_value, records};

    #[test]
    fn whole_needles_only() {
        let text = "The secret value for key \"a-b\" is \"x-1234\". \
                    The secret value for key \"c-d\" is \"y-5";
        assert_eq!(needle_value(text, "a-b"), Some("x-1234"));
        assert_eq!(needle_value(text, "c-d"), None);
        assert_eq!(
            needle_value("the secret value for key \"a-b\" is \"z\"", "a-b"),
            None
        );
    }

    #[test]
    fn records_labels_and_pairs() {
        let text = "Record 0001 [label: teal] A.\nRecord 0002 [label: amber] B.\n\
                    Record 0003 [label: teal] C.\nRecord 0004 [label: te";
        assert_eq!(records(text, Field::Label).len(), 3);
        assert!(records(text, Field::Badge).is_empty());
        let counts = label_counts(text);
        assert_eq!(counts.get("teal"), Some(&2));
        assert_eq!(most_frequent(&counts), Some("teal"));
        assert_eq!(
            most_frequent(&label_counts("Record 9 [label: b] x Record 8 [label: a] y")),
            Some("a")
        );
        let badges = "Record 0009 [badge: 4711] x\nRecord 0003 [badge: 4711] y\n\
                      Record 10000 [badge: 4711] z\nRecord 0002 [badge: 0815] w\n";
        assert_eq!(
            badge_pairs(badges),
            ["0003-0009", "0003-10000", "0009-10000"]
        );
    }
}
