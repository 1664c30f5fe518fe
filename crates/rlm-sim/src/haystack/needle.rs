//! Needles: the sentence that hides a magic number, finding magic numbers in text, and grading an
//! answer against the expected numbers.

/// The words that introduce a magic number in a needle sentence.
pub const NEEDLE_PHRASE: &str = "The magic number is";

/// Numbers with at least this many digits in an answer count as claimed magic numbers in
/// [`check_answer`]. Haystack magic numbers have eight digits; filler never has more than four.
pub const CLAIMED_NUMBER_MIN_DIGITS: usize = 6;

/// The needle sentence for `number`, e.g. `"The magic number is 48213907."` (no newline).
pub fn needle_sentence(number: u64) -> String {
    format!("{NEEDLE_PHRASE} {number}.")
}

/// Every magic number stated in `text` ("magic number is N", any case for the first letter,
/// an optional colon), in order of appearance, duplicates kept.
///
/// ```
/// use rlm_sim::haystack::find_magic_numbers;
/// let text = "x\nThe magic number is 48213907.\ny the magic number is: 51234987\nmagic number is N";
/// assert_eq!(find_magic_numbers(text), vec![48_213_907, 51_234_987]);
/// ```
pub fn find_magic_numbers(text: &str) -> Vec<u64> {
    const KEY: &str = "magic number is";
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        rest = &rest[at + KEY.len()..];
        let after = rest.trim_start_matches([' ', ':']).trim_start();
        let digits_len = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len > 0
            && let Ok(n) = after[..digits_len].parse::<u64>()
        {
            found.push(n);
        }
    }
    found
}

/// Whether `answer` names every number in `expected` and no other magic-looking number.
///
/// Every maximal run of ASCII digits in `answer` is read as a number. The answer is correct when
/// each expected number appears and every number with at least [`CLAIMED_NUMBER_MIN_DIGITS`]
/// digits is expected (so "found 8 numbers: ..." is fine, a made-up 8-digit number is not). Order
/// and repetition do not matter. Thousands separators ("48,213,907") are not understood.
///
/// ```
/// use rlm_sim::haystack::check_answer;
/// assert!(check_answer("Found 2: 48213907, 51234987", &[51_234_987, 48_213_907]));
/// assert!(!check_answer("48213907", &[48_213_907, 51_234_987]));
/// assert!(!check_answer("48213907, 11111111", &[48_213_907]));
/// ```
pub fn check_answer(answer: &str, expected: &[u64]) -> bool {
    let mut seen = Vec::new();
    for run in answer
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
    {
        match run.parse::<u64>() {
            Ok(n) if expected.contains(&n) => seen.push(n),
            _ if significant_digits(run) >= CLAIMED_NUMBER_MIN_DIGITS => return false,
            _ => {}
        }
    }
    expected.iter().all(|n| seen.contains(n))
}

fn significant_digits(run: &str) -> usize {
    run.trim_start_matches('0').len()
}

#[cfg(test)]
mod tests {
    use super::{check_answer, find_magic_numbers, needle_sentence};

    #[test]
    fn needle_round_trips_through_the_finder() {
        let text = format!(
            "a\n{}\nb\n{}\n",
            needle_sentence(12_345_678),
            needle_sentence(87_654_321)
        );
        assert_eq!(find_magic_numbers(&text), vec![12_345_678, 87_654_321]);
    }

    #[test]
    fn finder_ignores_phrases_without_digits_and_overflowing_numbers() {
        assert!(find_magic_numbers("The magic number is N. The magic number is .").is_empty());
        assert!(find_magic_numbers("The magic number is 99999999999999999999999").is_empty());
        assert_eq!(find_magic_numbers("The magic number is 0042"), vec![42]);
    }

    #[test]
    fn check_answer_cases() {
        let expected = [48_213_907, 51_234_987];
        assert!(check_answer("51234987 and 48213907", &expected));
        assert!(check_answer(
            "MAGIC: 48213907, 51234987, 48213907 (2 numbers, 32 chunks)",
            &expected
        ));
        assert!(!check_answer("48213907", &expected));
        assert!(!check_answer("48213907, 51234987, 62345678", &expected));
        assert!(!check_answer("48213907, 51234987, 123456", &expected));
        assert!(!check_answer("", &expected));
        assert!(check_answer("none found", &[]));
        assert!(!check_answer("12345678", &[]));
        assert!(check_answer("12345", &[]));
    }
}
