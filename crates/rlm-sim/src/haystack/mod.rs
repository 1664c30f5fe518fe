//! The haystack: a large, deterministic, realistic-looking text with magic numbers hidden in it.
//!
//! ```
//! use rlm_sim::haystack::{check_answer, generate, HaystackConfig};
//! let hay = generate(&HaystackConfig { size_bytes: 64 * 1024, needles: 3, seed: 7 });
//! assert_eq!(hay.text.len(), 64 * 1024);
//! assert_eq!(hay.magic_numbers.len(), 3);
//! let answer = hay.magic_numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
//! assert!(check_answer(&answer, &hay.magic_numbers));
//! ```

mod filler;
mod needle;
mod rng;

pub use needle::{
    CLAIMED_NUMBER_MIN_DIGITS, NEEDLE_PHRASE, check_answer, find_magic_numbers, needle_sentence,
};

use rng::Rng;

/// Magic numbers are drawn from this range: always eight digits.
pub const MAGIC_NUMBER_RANGE: std::ops::Range<u64> = 10_000_000..100_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaystackConfig {
    /// Size of the text in bytes (UTF-8). Default 8 MiB.
    pub size_bytes: usize,
    /// How many needles (magic numbers) to hide. Default 8.
    pub needles: usize,
    /// Seed: the same config always gives the same haystack. Default 42.
    pub seed: u64,
}

impl Default for HaystackConfig {
    fn default() -> Self {
        Self {
            size_bytes: 8 * 1024 * 1024,
            needles: 8,
            seed: 42,
        }
    }
}

/// A generated haystack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Haystack {
    /// The text: filler lines with each needle on its own line. Its length is exactly
    /// `size_bytes`, unless `size_bytes` is too small to hold the needle lines (then the text is
    /// just the needle lines).
    pub text: String,
    /// The hidden magic numbers, distinct, eight digits each, in order of appearance.
    pub magic_numbers: Vec<u64>,
}

/// Generates the haystack for `config`: deterministic for a given config.
///
/// Filler is prose with some non-ASCII words, log lines and headers; it never contains the word
/// "magic" nor a run of more than four digits, so the magic numbers occur nowhere but in their
/// needle lines (`"The magic number is 48213907."`), placed at seeded positions.
pub fn generate(config: &HaystackConfig) -> Haystack {
    let mut rng = Rng::new(config.seed);
    let magic_numbers = distinct_magic_numbers(&mut rng, config.needles);
    let needle_lines: Vec<String> = magic_numbers
        .iter()
        .map(|&n| needle_sentence(n) + "\n")
        .collect();
    let needle_bytes: usize = needle_lines.iter().map(String::len).sum();
    let filler_budget = config.size_bytes.saturating_sub(needle_bytes);

    // Filler offsets before which each needle goes, sorted so needles keep their order.
    let mut positions: Vec<usize> = (0..config.needles)
        .map(|_| rng.below(filler_budget as u64 + 1) as usize)
        .collect();
    positions.sort_unstable();

    let mut text = String::with_capacity(config.size_bytes.max(needle_bytes) + 512);
    let mut filler_written = 0;
    let mut next_needle = 0;
    let mut line = String::with_capacity(512);
    while filler_written < filler_budget {
        while next_needle < positions.len() && positions[next_needle] <= filler_written {
            text.push_str(&needle_lines[next_needle]);
            next_needle += 1;
        }
        line.clear();
        filler::push_line(&mut rng, &mut line);
        if filler_written + line.len() > filler_budget {
            push_padding(&mut text, filler_budget - filler_written);
            filler_written = filler_budget;
        } else {
            text.push_str(&line);
            filler_written += line.len();
        }
    }
    for needle in &needle_lines[next_needle..] {
        text.push_str(needle);
    }
    Haystack {
        text,
        magic_numbers,
    }
}

fn distinct_magic_numbers(rng: &mut Rng, count: usize) -> Vec<u64> {
    let mut numbers = Vec::with_capacity(count);
    while numbers.len() < count {
        let n = rng.range(MAGIC_NUMBER_RANGE.start, MAGIC_NUMBER_RANGE.end);
        if !numbers.contains(&n) {
            numbers.push(n);
        }
    }
    numbers
}

/// Appends exactly `bytes` bytes of ASCII filler ending in a newline (nothing when `bytes` is 0).
fn push_padding(text: &mut String, bytes: usize) {
    const PAD: &str = "and so the ledger closed for the season ";
    if bytes == 0 {
        return;
    }
    let mut left = bytes - 1;
    while left > 0 {
        let take = left.min(PAD.len());
        text.push_str(&PAD[..take]);
        left -= take;
    }
    text.push('\n');
}

#[cfg(test)]
mod tests {
    use super::{HaystackConfig, generate};

    #[test]
    fn tiny_sizes_still_hold_every_needle() {
        for size in [0, 1, 10, 40, 100, 301] {
            let hay = generate(&HaystackConfig {
                size_bytes: size,
                needles: 4,
                seed: size as u64,
            });
            assert_eq!(hay.magic_numbers.len(), 4);
            assert_eq!(super::find_magic_numbers(&hay.text), hay.magic_numbers);
            assert!(
                hay.text.len() == size || hay.text.len() == 4 * 30,
                "{}",
                hay.text.len()
            );
        }
    }
}
