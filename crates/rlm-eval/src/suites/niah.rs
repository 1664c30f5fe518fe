//! `niah`: one needle in filler, at `--depth` or a depth drawn per task.

use serde_json::json;

use super::filler::Source;
use super::rng::Rng;
use super::{Draft, GenConfig, needles};
use crate::score::ScorerSpec;

/// One niah task's content.
pub(crate) fn draft(config: &GenConfig, rng: &mut Rng) -> Draft {
    let depth = config.depth.unwrap_or_else(|| needles::draw_depth(rng));
    let needle = needles::draw_one(rng);
    let context = needles::context(
        rng,
        Source::of(&config.filler),
        config.size,
        &[(needle.sentence(), depth)],
    );
    Draft {
        query: format!(
            "What is the secret value for key \"{}\"? Answer with the value only.",
            needle.key
        ),
        context,
        expected: json!(needle.value),
        scorer: ScorerSpec::Exact,
        facts: vec![("depth", json!(depth)), ("key", json!(needle.key))],
    }
}
