//! Text edits at byte offsets, and applying them without changing a cell's line numbers.

/// Replaces `start..end` of the parsed source with `text` (an insertion when `start == end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edit {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: String,
}

impl Edit {
    pub(super) fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(at, at, text)
    }

    pub(super) fn replace(start: usize, end: usize, text: impl Into<String>) -> Self {
        Self {
            start,
            end,
            text: text.into(),
        }
    }
}

/// Applies `edits` to `code`, where offsets are `offset` bytes into the parsed source.
///
/// `None` when an edit falls outside `code` or off a character boundary, when two edits
/// overlap, or when an edit would add or remove a newline (error lines must keep matching
/// the cell): the caller then runs the cell unchanged.
pub(super) fn apply(code: &str, mut edits: Vec<Edit>, offset: usize) -> Option<String> {
    edits.sort_by_key(|edit| (edit.start, edit.end));
    let mut out =
        String::with_capacity(code.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut last = 0;
    for edit in &edits {
        let start = edit.start.checked_sub(offset)?;
        let end = edit.end.checked_sub(offset)?;
        if start < last {
            return None;
        }
        let replaced = code.get(start..end)?;
        if newlines(replaced) != newlines(&edit.text) {
            return None;
        }
        out.push_str(code.get(last..start)?);
        out.push_str(&edit.text);
        last = end;
    }
    out.push_str(code.get(last..)?);
    Some(out)
}

fn newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::{Edit, apply};

    #[test]
    fn edits_apply_in_offset_order() {
        let edits = vec![
            Edit::insert(11, ";"),
            Edit::replace(2, 5, "var"),
            Edit::insert(2, "/*a*/"),
        ];
        assert_eq!(
            apply("let x = 1", edits, 2).as_deref(),
            Some("/*a*/var x = 1;")
        );
    }

    #[test]
    fn bad_edits_are_refused() {
        let code = "let x = 1\nlet y";
        for edit in [
            Edit::replace(8, 11, "2"),
            Edit::insert(1, "\n"),
            Edit::replace(0, 17, "x"),
            Edit::insert(40, "x"),
        ] {
            assert_eq!(apply(code, vec![edit.clone()], 0), None, "{edit:?}");
        }
        let overlapping = vec![Edit::replace(0, 5, "a"), Edit::replace(4, 6, "b")];
        assert_eq!(apply(code, overlapping, 0), None);
        assert_eq!(apply("é", vec![Edit::insert(1, "x")], 0), None);
        assert_eq!(apply(code, vec![Edit::insert(0, "x")], 1), None);
    }
}
