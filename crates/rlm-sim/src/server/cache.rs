//! The simulated prompt cache: which message prefixes the server has seen, so a request that repeats
//! one reports its tokens as `prompt_tokens_details.cached_tokens`.
//!
//! This is a simulation, not a model of any provider's cache: it matches whole messages (not
//! 128-token blocks), has no minimum length and no expiry, and forgets the least recently used
//! prefix once it holds [`PrefixCache::capacity`] of them. Prefixes are kept per model and per
//! `prompt_cache_key` (a request without a key shares the model's keyless space), as a 64-bit hash
//! of the messages, never their text.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::wire::estimate_tokens;
use crate::script::ChatMessage;

/// The message prefixes seen, least recently used forgotten first.
#[derive(Debug)]
pub(crate) struct PrefixCache {
    capacity: usize,
    /// Prefix hash → when it was last used.
    used: HashMap<u64, u64>,
    /// When last used → prefix hash (the oldest first).
    by_age: BTreeMap<u64, u64>,
    clock: u64,
}

impl PrefixCache {
    /// An empty cache holding at most `capacity` prefixes (0: it never reports a hit).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            used: HashMap::new(),
            by_age: BTreeMap::new(),
            clock: 0,
        }
    }

    /// The most prefixes held.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The estimated tokens of the longest prefix of `messages` seen before for `model` and `key`
    /// (0 when none); every prefix of `messages` is remembered for later requests.
    pub(crate) fn serve(
        &mut self,
        model: &str,
        key: Option<&str>,
        messages: &[ChatMessage],
    ) -> u64 {
        if self.capacity == 0 {
            return 0;
        }
        let mut hasher = DefaultHasher::new();
        (model, key).hash(&mut hasher);
        let mut tokens = 0;
        let mut cached = 0;
        for message in messages {
            (message.role.as_str(), message.content.as_str()).hash(&mut hasher);
            tokens += estimate_tokens(&message.content);
            let prefix = hasher.finish();
            if self.touch(prefix) {
                cached = tokens;
            }
        }
        cached
    }

    /// Marks `prefix` as just used; whether it was there already.
    fn touch(&mut self, prefix: u64) -> bool {
        self.clock += 1;
        let seen = match self.used.insert(prefix, self.clock) {
            Some(before) => {
                self.by_age.remove(&before);
                true
            }
            None => false,
        };
        self.by_age.insert(self.clock, prefix);
        while self.used.len() > self.capacity {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            self.used.remove(&oldest);
        }
        seen
    }

    /// Prefixes held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(n: usize) -> Vec<ChatMessage> {
        let mut messages = vec![
            ChatMessage::system("s".repeat(400)),
            ChatMessage::user("query"),
        ];
        for i in 0..n {
            messages.push(ChatMessage::assistant(format!("reply {i}")));
            messages.push(ChatMessage::user(format!("output {i}")));
        }
        messages
    }

    #[test]
    fn a_repeated_prefix_reports_its_tokens() {
        let mut cache = PrefixCache::new(100);
        assert_eq!(cache.serve("m", None, &turn(0)), 0);
        // The whole first request is a prefix of the second: 100 + 2 tokens.
        assert_eq!(cache.serve("m", None, &turn(1)), 102);
        assert_eq!(cache.serve("m", None, &turn(2)), 102 + 2 + 2);
        // Another model, another key, a changed system prompt: nothing seen.
        assert_eq!(cache.serve("other", None, &turn(1)), 0);
        assert_eq!(cache.serve("m", Some("k"), &turn(1)), 0);
        assert_eq!(cache.serve("m", Some("k"), &turn(1)), 106);
        let mut changed = turn(1);
        changed[0].content.push('!');
        assert_eq!(cache.serve("m", None, &changed), 0);
        // Only the messages before the first difference count.
        let mut edited = turn(2);
        edited[3].content = "edited".into();
        assert_eq!(cache.serve("m", None, &edited), 104);
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_prefix_goes_first() {
        let mut cache = PrefixCache::new(4);
        cache.serve("m", None, &turn(0));
        assert_eq!(cache.len(), 2);
        for n in 0..50 {
            cache.serve("m", None, &[ChatMessage::user(format!("sub {n}"))]);
            assert!(cache.len() <= 4);
        }
        assert_eq!(cache.serve("m", None, &turn(0)), 0, "forgotten");
        assert_eq!(cache.serve("m", None, &[ChatMessage::user("sub 49")]), 2);
        let mut off = PrefixCache::new(0);
        off.serve("m", None, &turn(0));
        assert_eq!((off.serve("m", None, &turn(0)), off.len()), (0, 0));
    }
}
