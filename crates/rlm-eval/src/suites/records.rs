//! Record contexts (aggregate, pairs): one `Record NNNN [...] SENTENCE` line per record, as many as
//! fill the size, with the numbers' width following the number of records.

use super::filler::Source;
use super::rng::Rng;

/// The characters of `Record ` + ` [label: ` (or ` [badge: `) + `] `.
pub(crate) const RECORD_FRAME_CHARS: usize = 7 + 9 + 2;

/// How many digits a record number has when there are `records`: at least 4.
pub(crate) fn number_width(records: usize) -> usize {
    digits(records).max(4)
}

/// The digits of `n` in decimal (1 for 0).
pub(crate) fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// A record: its tag (label, or nothing) and sentence.
#[derive(Debug, Clone)]
pub(crate) struct Record<T> {
    /// What the suite puts in its brackets.
    pub(crate) tag: T,
    /// Its filler sentence.
    pub(crate) sentence: String,
}

/// Records while they fit in `size` characters, and at least `min_records`.
///
/// `frame(r)` is the characters of `r` records other than their sentences and variable tags,
/// newlines included; `tag` draws a record's tag and its length in characters.
pub(crate) fn fill<T>(
    rng: &mut Rng,
    source: Source<'_>,
    size: usize,
    min_records: usize,
    frame: impl Fn(usize) -> usize,
    mut tag: impl FnMut(&mut Rng) -> (T, usize),
) -> Vec<Record<T>> {
    let mut records = Vec::new();
    let mut variable = 0;
    loop {
        let (t, tag_chars) = tag(rng);
        let used = frame(records.len() + 1) + variable + tag_chars;
        let sentence = match size
            .checked_sub(used)
            .and_then(|room| source.sentence(rng, room))
        {
            Some(found) => found,
            None if records.len() < min_records => source.shortest(rng),
            None => break,
        };
        variable += tag_chars + sentence.1;
        records.push(Record {
            tag: t,
            sentence: sentence.0,
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_number_of_records() {
        assert_eq!(digits(0), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(12_345), 5);
        assert_eq!(number_width(1), 4);
        assert_eq!(number_width(9999), 4);
        assert_eq!(number_width(10_000), 5);
    }

    #[test]
    fn records_fill_the_size_and_meet_the_minimum() {
        let frame = |r: usize| r * (RECORD_FRAME_CHARS + number_width(r)) + r.saturating_sub(1);
        let mut rng = Rng::new(5);
        let records = fill(&mut rng, Source::Generated, 5000, 1, frame, |_| ((), 0));
        let total = frame(records.len())
            + records
                .iter()
                .map(|r| r.sentence.chars().count())
                .sum::<usize>();
        assert!(total <= 5000 && total > 5000 - 60, "{total}");
        let few = fill(&mut rng, Source::Generated, 10, 3, frame, |_| ((), 0));
        assert_eq!(few.len(), 3);
    }
}
