//! `multi-niah`: `--needles` needles with distinct keys in filler, each at its own drawn depth.

use serde_json::json;

use super::filler::Source;
use super::rng::Rng;
use super::{Draft, GenConfig, needles};
use crate::score::ScorerSpec;

/// One multi-niah task's content; keys are asked (and values expected) in the order drawn, which is
/// not the order in the text.
pub(crate) fn draft(config: &GenConfig, rng: &mut Rng) -> Draft {
    let drawn = needles::draw(rng, config.needles);
    let depths: Vec<f64> = drawn.iter().map(|_| needles::draw_depth(rng)).collect();
    let planted: Vec<(String, f64)> = drawn
        .iter()
        .zip(&depths)
        .map(|(needle, depth)| (needle.sentence(), *depth))
        .collect();
    let context = needles::context(rng, Source::of(&config.filler), config.size, &planted);
    let keys: Vec<&str> = drawn.iter().map(|n| n.key.as_str()).collect();
    let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    let values: Vec<&str> = drawn.iter().map(|n| n.value.as_str()).collect();
    Draft {
        query: format!(
            "What are the secret values for keys {}? Answer with the values in that order, separated by commas.",
            quoted.join(", ")
        ),
        context,
        expected: json!(values.join(", ")),
        scorer: ScorerSpec::SetF1 {
            separator: ",".to_owned(),
        },
        facts: vec![("keys", json!(keys)), ("depths", json!(depths))],
    }
}
