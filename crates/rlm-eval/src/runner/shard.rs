//! `Shard`: the deterministic slice of a task file one of N workers runs (`--shard I/N`).
//!
//! A task belongs to shard `1 + fnv1a64(id) mod N`: a stable hash of the task id rather than its line
//! number, so a shard keeps its tasks when the file is reordered or tasks are added, and each worker
//! can resume its own result file. The hash is FNV-1a (written out here, so shards never move with a
//! dependency's version); shard sizes differ by the binomial spread (a few percent for files of
//! hundreds of tasks).

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count`; `None` unless `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Option<Self> {
        (index >= 1 && index <= count).then_some(Self { index, count })
    }

    /// Whether the task `id` belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N`, e.g. `2/4`.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("a shard is I/N with 1 <= I <= N (e.g. 2/4), not {text:?}");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index = index.trim().parse().map_err(|_| bad())?;
        let count = count.trim().parse().map_err(|_| bad())?;
        Self::new(index, count).ok_or_else(bad)
    }
}

/// The 64-bit FNV-1a hash: stable across platforms and Rust versions, unlike `DefaultHasher`.
pub(super) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_is_in_exactly_one_shard_and_stays_there() {
        // FNV-1a's published value for "a".
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let shards: Vec<Shard> = (1..=4).map(|i| Shard::new(i, 4).unwrap()).collect();
        let ids: Vec<String> = (0..400).map(|i| format!("niah-{i:04}")).collect();
        let mut sizes = [0; 4];
        for id in &ids {
            let owners: Vec<usize> = (0..4).filter(|&s| shards[s].contains(id)).collect();
            assert_eq!(owners.len(), 1, "{id}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| (70..=130).contains(&n)), "{sizes:?}");
        assert_eq!("2/4".parse::<Shard>(), Ok(shards[1]));
        assert_eq!(shards[1].to_string(), "2/4");
        for bad in ["0/4", "5/4", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
