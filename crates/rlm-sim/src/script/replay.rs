//! The replay script: root turn N answers the N-th cell of [`ScriptConfig::cells`] as one
//! ```` ```repl ```` block (or, for a cell whose first line is [`REPLY_MARKER`], the rest of the cell as
//! the reply itself, e.g. `FINAL_VAR(answer)`), and once every cell has run, `FINAL(replayed N cells)`. It reproduces a
//! run's code, or drives the sandbox with chosen cells (hostile ones, for example) through the real
//! engine.

use super::{ChatMessage, ScriptConfig};

/// The line that separates cells in a cells file.
pub const CELL_SEPARATOR: &str = "---";

/// First line of a cell sent as the reply text rather than as code.
pub const REPLY_MARKER: &str = "#reply";

/// Splits the text of a cells file into its cells: blocks between lines that are exactly
/// [`CELL_SEPARATOR`]; blank cells are dropped.
///
/// ```
/// let cells = rlm_sim::script::split_cells("print(1)\n---\n\n---\nFINAL(2)\n");
/// assert_eq!(cells, ["print(1)", "FINAL(2)"]);
/// ```
pub fn split_cells(text: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == CELL_SEPARATOR {
            cells.push(String::new());
        } else if let Some(cell) = cells.last_mut() {
            cell.push_str(line);
            cell.push('\n');
        }
    }
    cells
        .into_iter()
        .map(|cell| cell.trim().to_owned())
        .filter(|cell| !cell.is_empty())
        .collect()
}

/// The reply of a root turn when replaying `config.cells`.
pub(crate) fn respond(config: &ScriptConfig, messages: &[ChatMessage]) -> String {
    let turn = messages.iter().filter(|m| m.role == "assistant").count();
    match config.cells.get(turn) {
        Some(cell) if cell.starts_with(REPLY_MARKER) => {
            cell[REPLY_MARKER.len()..].trim().to_owned()
        }
        Some(cell) => format!(
            "Cell {} of {}.\n```repl\n{cell}\n```\n",
            turn + 1,
            config.cells.len()
        ),
        None => format!("FINAL(replayed {} cells)", config.cells.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_turn_replays_the_next_cell_then_answers() {
        let config = ScriptConfig {
            cells: split_cells("let a = 1\n---\nprint(a)\n---\n#reply\nFINAL_VAR(a)\n"),
            ..ScriptConfig::default()
        };
        let mut history = vec![
            ChatMessage::system("REPL with FINAL"),
            ChatMessage::user("query"),
        ];
        let first = respond(&config, &history);
        assert!(first.contains("```repl\nlet a = 1\n```"), "{first}");
        history.push(ChatMessage::assistant(&first));
        let second = respond(&config, &history);
        assert!(second.contains("```repl\nprint(a)\n```"), "{second}");
        history.push(ChatMessage::assistant(&second));
        assert_eq!(respond(&config, &history), "FINAL_VAR(a)");
        history.push(ChatMessage::assistant("FINAL_VAR(a)"));
        assert_eq!(respond(&config, &history), "FINAL(replayed 3 cells)");
    }
}
