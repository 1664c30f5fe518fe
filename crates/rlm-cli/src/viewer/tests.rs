//! Tests of the viewer page: the embedded JSON cannot break out of its script block, parses back to
//! the trajectory, and the page is whole (every asset in, no marker left, nothing from the network).

use rlm::{PartialTrajectory, Trajectory};
use serde_json::Value;

use super::*;

/// A trajectory whose texts try to end the script block and open HTML comments.
fn hostile() -> Trajectory {
    let text = r#"{"type":"run","rlm_version":"0","root_model":"r</script><script>alert(1)</script>","sub_model":"s","max_iterations":3,"max_depth":1,"max_concurrent":4,"limits":{},"context_kind":"text","context_chars":5,"context_index":0}
{"type":"iteration","run_id":0,"parent_run_id":null,"depth":0,"iteration":1,"final_request":false,"messages":[{"role":"user","content":"<!-- <script> RLM:DATA /*RLM:SCRIPTS*/ /*RLM:STYLES*/"}],"reply":"</SCRIPT >done</script\t>","code_blocks":[],"cells":[],"answer":"a </script> b","model_ms":1,"cells_ms":0,"usage":{"prompt_tokens":1,"completion_tokens":1,"cached_tokens":0,"reasoning_tokens":0}}
"#;
    let Ok(trajectory) = Trajectory::read_jsonl(text.as_bytes()) else {
        panic!("the sample reads");
    };
    trajectory
}

/// The text between `<script type="application/json" id="rlm-data">` and the next `</script>`.
fn data_block(page: &str) -> &str {
    let open = r#"<script type="application/json" id="rlm-data">"#;
    let Some(start) = page.find(open).map(|i| i + open.len()) else {
        panic!("no data block");
    };
    let Some(len) = page[start..].to_ascii_lowercase().find("</script") else {
        panic!("the data block is not closed");
    };
    &page[start..start + len]
}

#[test]
fn text_of_the_run_cannot_end_the_script_block() -> Result<(), serde_json::Error> {
    let trajectory = hostile();
    let page = page(
        &PartialTrajectory::from(trajectory.clone()),
        Path::new("/x/run.jsonl"),
    )?;
    let block = data_block(&page);
    assert!(!block.contains('<'), "no '<' in the block: {block:.200}");
    let data: Value = serde_json::from_str(block)?;
    let back: Trajectory = serde_json::from_value(data["trajectory"].clone())?;
    assert_eq!(back, trajectory, "the block parses back to the trajectory");
    assert_eq!(data["source"], "run.jsonl");
    assert_eq!(
        (data["complete"].as_bool(), data["cut_line"].is_null()),
        (Some(false), true)
    );
    // Exactly the page's own script blocks: the data and the code.
    assert_eq!(page.to_ascii_lowercase().matches("</script").count(), 2);
    assert!(!page.contains("alert(1)</script>"));
    Ok(())
}

#[test]
fn script_safe_json_round_trips_every_character() -> Result<(), serde_json::Error> {
    let nasty = "</script><!--<script>\u{2028}\u{2029}\"\\ é 🦀 \u{0}";
    let json = script_safe_json(&nasty)?;
    assert!(!json.contains('<'));
    assert_eq!(serde_json::from_str::<String>(&json)?, nasty);
    Ok(())
}

#[test]
fn the_page_is_whole_and_offline() -> Result<(), serde_json::Error> {
    let page = page(&PartialTrajectory::from(hostile()), Path::new("run.jsonl"))?;
    // Every marker was filled; the ones in the run's text (inside the data) were left alone.
    let outside = page.replace(data_block(&page), "");
    for marker in MARKERS {
        assert!(!outside.contains(marker), "{marker} left in the page");
        assert!(
            data_block(&page).contains(marker.trim_matches(['/', '*'])),
            "{marker} in the data"
        );
    }
    for script in SCRIPTS {
        let first_line = script.lines().next().unwrap_or_default();
        assert!(page.contains(first_line), "{first_line}");
        assert!(!script.to_ascii_lowercase().contains("</script") && !script.contains("<!--"));
    }
    for style in STYLES {
        assert!(page.contains(style));
        assert!(!style.to_ascii_lowercase().contains("</style"));
    }
    for network in ["http://", "https://", "src=\"//", "@import", "url("] {
        let in_assets = SCRIPTS
            .iter()
            .chain(STYLES.iter())
            .any(|a| a.contains(network))
            || TEMPLATE.contains(network);
        assert!(!in_assets, "the assets reach the network: {network}");
    }
    assert!(
        page.contains("default-src 'none'"),
        "the page forbids network requests"
    );
    Ok(())
}
