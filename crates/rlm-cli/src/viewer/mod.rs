//! The trajectory viewer: one self-contained HTML page (inline CSS and JavaScript, no network, works
//! from `file://`) with the trajectory embedded as JSON in a `<script type="application/json">`
//! block. The page's assets live in `assets/viewer/` and are compiled in; the JSON is made safe to
//! embed (`script_safe_json`): every `<` is written `\u003c`, so no text of the run (a reply holding
//! `</script>` or `<!--`) can end the block.

use std::path::Path;

use rlm::{PartialTrajectory, Trajectory};
use serde::Serialize;

/// The page skeleton, with the places of the styles, the scripts and the data.
const TEMPLATE: &str = include_str!("../../assets/viewer/viewer.html");

/// The style sheets, in order.
const STYLES: [&str; 2] = [
    include_str!("../../assets/viewer/base.css"),
    include_str!("../../assets/viewer/parts.css"),
];

/// The scripts, in order (each defines functions the later ones use; `main.js` starts the page).
const SCRIPTS: [&str; 8] = [
    include_str!("../../assets/viewer/util.js"),
    include_str!("../../assets/viewer/highlight.js"),
    include_str!("../../assets/viewer/model.js"),
    include_str!("../../assets/viewer/summary.js"),
    include_str!("../../assets/viewer/subcalls.js"),
    include_str!("../../assets/viewer/iterations.js"),
    include_str!("../../assets/viewer/timeline.js"),
    include_str!("../../assets/viewer/main.js"),
];

/// Where the template takes the styles, the data and the scripts, in the order they appear in it.
const MARKERS: [&str; 3] = ["/*RLM:STYLES*/", "RLM:DATA", "/*RLM:SCRIPTS*/"];

/// What the page reads: the trajectory and where it came from.
#[derive(Serialize)]
struct PageData<'a> {
    /// File name of the trajectory.
    source: &'a str,
    /// `rlm <version>`.
    generated_by: &'static str,
    /// Lines in the file.
    lines: usize,
    /// The last line, when it was cut in the middle and dropped.
    cut_line: Option<usize>,
    /// Whether the trajectory ends with its outcome.
    complete: bool,
    trajectory: &'a Trajectory,
}

/// The page for `read`, a trajectory read from the file `source`.
pub(crate) fn page(read: &PartialTrajectory, source: &Path) -> Result<String, serde_json::Error> {
    let name = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let data = PageData {
        source: &name,
        generated_by: concat!("rlm ", env!("CARGO_PKG_VERSION")),
        lines: read.lines,
        cut_line: read.cut_line,
        complete: read.is_complete(),
        trajectory: &read.trajectory,
    };
    let data = script_safe_json(&data)?;
    let styles = STYLES.concat();
    let scripts = SCRIPTS.join("\n");
    Ok(fill(TEMPLATE, [&styles, &data, &scripts]))
}

/// `value` as JSON that can sit inside a `<script>` element: `<` (only ever inside JSON strings) is
/// written as the escape `\u003c`, so the text holds no `</script` and no `<!--`, and parses back to
/// the same value.
pub(crate) fn script_safe_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string(value)?.replace('<', "\\u003c"))
}

/// The template with each marker replaced by its part, in one pass (a part holding a marker's text
/// is not replaced again).
fn fill(template: &str, parts: [&str; 3]) -> String {
    let mut out =
        String::with_capacity(template.len() + parts.iter().map(|p| p.len()).sum::<usize>());
    let mut rest = template;
    for (marker, part) in MARKERS.iter().zip(parts) {
        match rest.split_once(marker) {
            Some((before, after)) => {
                out.push_str(before);
                out.push_str(part);
                rest = after;
            }
            None => out.push_str(part),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
