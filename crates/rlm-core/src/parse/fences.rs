//! Fenced code blocks: finding them in a reply and extracting the runnable ones.

use std::ops::Range;

/// The three backticks that open and close a fence.
const FENCE: &str = "```";

/// Tags that mark a block as code for the sandbox (compared case-insensitively).
const RUNNABLE_TAGS: [&str; 3] = ["repl", "js", "javascript"];

/// One fenced block found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fence {
    /// Byte range of the whole block, from the start of the opening line to the end of the closing
    /// line (or to the end of the text when the fence never closes).
    pub(super) outer: Range<usize>,
    /// Byte range of the lines between the fences (untrimmed).
    pub(super) inner: Range<usize>,
    /// Whether the opening line is a runnable tag alone on its line.
    pub(super) runnable: bool,
    /// Whether a closing fence was found.
    pub(super) closed: bool,
}

/// The lines of `text` with their byte offsets; each line excludes its `\n` (a trailing `\r` stays).
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        (start, raw.strip_suffix('\n').unwrap_or(raw))
    })
}

/// Whether an opening fence line (starting with ```` ``` ````) is a runnable block's opening:
/// the tag right after the backticks, then only whitespace.
fn is_runnable_opening(line: &str) -> bool {
    let tag = line[FENCE.len()..].trim_end();
    RUNNABLE_TAGS.iter().any(|t| tag.eq_ignore_ascii_case(t))
}

/// Every fenced block of `text`, in order. Any line starting with ```` ``` ```` outside a block opens
/// one; inside a block, the next such line closes it.
pub(super) fn fences(text: &str) -> Vec<Fence> {
    let mut found = Vec::new();
    let mut open: Option<(usize, usize, bool)> = None; // (outer start, inner start, runnable)
    for (start, line) in lines_with_offsets(text) {
        if !line.starts_with(FENCE) {
            continue;
        }
        let line_end = (start + line.len() + 1).min(text.len());
        match open.take() {
            None => open = Some((start, line_end, is_runnable_opening(line))),
            Some((outer_start, inner_start, runnable)) => found.push(Fence {
                outer: outer_start..line_end,
                inner: inner_start..start.max(inner_start),
                runnable,
                closed: true,
            }),
        }
    }
    if let Some((outer_start, inner_start, runnable)) = open {
        found.push(Fence {
            outer: outer_start..text.len(),
            inner: inner_start..text.len(),
            runnable,
            closed: false,
        });
    }
    found
}

/// The trimmed contents of every closed block tagged `repl`, `js` or `javascript`, in order.
///
/// The opening fence must be alone on its line (trailing whitespace allowed), the closing fence must
/// start a line, and an unclosed fence yields nothing.
///
/// ```
/// let reply = "```JS\nlet a = 1;\n```\n```python\nx = 1\n```\n```repl\nprint(a)\n";
/// assert_eq!(rlm_core::parse::code_blocks(reply), vec!["let a = 1;".to_string()]);
/// ```
pub fn code_blocks(text: &str) -> Vec<String> {
    fences(text)
        .into_iter()
        .filter(|f| f.runnable && f.closed)
        .map(|f| text[f.inner].trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_with_each_tag_in_order() {
        let text = "a\n```repl\none\n```\nb\n```js\ntwo\n```\n```javascript\nthree\n```\n";
        assert_eq!(code_blocks(text), vec!["one", "two", "three"]);
    }

    #[test]
    fn tag_is_case_insensitive() {
        let text = "```REPL\none\n```\n```Js\ntwo\n```\n```JavaScript\nthree\n```";
        assert_eq!(code_blocks(text), vec!["one", "two", "three"]);
    }

    #[test]
    fn other_tags_are_not_run() {
        let text = "```python\nx = 1\n```\n```\nplain\n```\n```json\n{}\n```\n```replx\nno\n```";
        assert!(code_blocks(text).is_empty());
    }

    #[test]
    fn opening_fence_allows_only_trailing_spaces() {
        assert_eq!(code_blocks("```repl   \t\r\nok\n```"), vec!["ok"]);
        assert!(code_blocks("```repl print(1)\nno\n```").is_empty());
        assert!(code_blocks("``` repl\nno\n```").is_empty());
        assert!(code_blocks("  ```repl\nno\n```").is_empty());
        assert!(code_blocks("text ```repl\nno\n```").is_empty());
    }

    #[test]
    fn closing_fence_must_start_a_line() {
        let text = "```repl\nconst s = \"```\";\nprint(s)\n```";
        assert_eq!(code_blocks(text), vec!["const s = \"```\";\nprint(s)"]);
        let indented = "```repl\nx\n  ```\ny\n```";
        assert_eq!(code_blocks(indented), vec!["x\n  ```\ny"]);
    }

    #[test]
    fn contents_are_trimmed() {
        let text = "```repl\n\n   let a = 1;\n  print(a)   \n\n```";
        assert_eq!(code_blocks(text), vec!["let a = 1;\n  print(a)"]);
    }

    #[test]
    fn unclosed_fence_yields_no_block() {
        assert!(code_blocks("```repl\nlet a = 1;\n").is_empty());
        let text = "```repl\nfirst\n```\n```repl\nnever closed";
        assert_eq!(code_blocks(text), vec!["first"]);
    }

    #[test]
    fn unclosed_fence_does_not_swallow_a_later_block() {
        // The earlier block closes at the first fence line; the later one stands alone.
        let text = "```repl\na\n```\nprose\n```repl\nb\n```\n";
        assert_eq!(code_blocks(text), vec!["a", "b"]);
    }

    #[test]
    fn fences_inside_another_block_are_not_blocks() {
        let text = "```markdown\nexample:\n```\n```repl\nreal\n```";
        // "```markdown" opens, the bare fence closes it, then the repl block is found.
        assert_eq!(code_blocks(text), vec!["real"]);
    }

    #[test]
    fn empty_block_gives_empty_string() {
        assert_eq!(code_blocks("```repl\n```"), vec![""]);
    }

    #[test]
    fn fence_ranges_cover_the_block_lines() {
        let text = "x\n```repl\nab\n```\ny";
        let f = fences(text);
        assert_eq!(f.len(), 1);
        assert_eq!(&text[f[0].outer.clone()], "```repl\nab\n```\n");
        assert_eq!(&text[f[0].inner.clone()], "ab\n");
    }
}
