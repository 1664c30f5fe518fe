//! Cutting long text from the middle, and the bounded per-cell output buffer.

use std::collections::VecDeque;

/// Returns `text` unchanged if it has at most `max_chars` characters; otherwise its head
/// and tail (together `max_chars` characters) around a line
/// `[... N characters omitted ...]`.
///
/// ```
/// let cut = rlm_repl::truncate_middle("abcdefghij", 4);
/// assert_eq!(cut, "ab\n[... 6 characters omitted ...]\nij");
/// ```
pub fn truncate_middle(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text.to_owned();
    }
    let head_len = max_chars / 2;
    let tail_len = max_chars - head_len;
    let head: String = text.chars().take(head_len).collect();
    let tail: String = text.chars().skip(total - tail_len).collect();
    join(&head, total - max_chars, &tail)
}

fn join(head: &str, omitted: usize, tail: &str) -> String {
    format!("{head}\n{}\n{tail}", marker(omitted))
}

fn marker(omitted: usize) -> String {
    format!("[... {omitted} characters omitted ...]")
}

/// Output of one cell, kept in bounded memory: the first and the last characters up to the cap.
#[derive(Debug)]
pub(crate) struct OutputBuffer {
    cap: usize,
    head: String,
    head_chars: usize,
    tail: VecDeque<char>,
    total: usize,
}

impl OutputBuffer {
    /// A buffer that shows at most `cap` characters.
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            head: String::new(),
            head_chars: 0,
            tail: VecDeque::new(),
            total: 0,
        }
    }

    /// Appends text.
    pub(crate) fn push(&mut self, text: &str) {
        let head_cap = self.cap / 2;
        let tail_cap = self.cap - head_cap;
        for c in text.chars() {
            self.total += 1;
            if self.head_chars < head_cap {
                self.head.push(c);
                self.head_chars += 1;
            } else {
                if self.tail.len() == tail_cap {
                    self.tail.pop_front();
                }
                if tail_cap > 0 {
                    self.tail.push_back(c);
                }
            }
        }
    }

    /// Counts `n` characters that were never copied out of the JavaScript heap because they fall in the
    /// middle the buffer drops anyway; the caller pushes at least the tail's worth of text after them.
    pub(crate) fn skip(&mut self, n: usize) {
        if n > 0 {
            self.total += n;
            self.tail.clear();
        }
    }

    /// Characters kept from the start of the output, and from its end.
    pub(crate) fn halves(&self) -> (usize, usize) {
        let head = self.cap / 2;
        (head, self.cap - head)
    }

    /// The text to show and the number of characters cut from its middle.
    pub(crate) fn finish(&self) -> (String, usize) {
        let shown = self.head_chars + self.tail.len();
        let omitted = self.total - shown;
        let tail: String = self.tail.iter().collect();
        if omitted == 0 {
            (format!("{}{tail}", self.head), 0)
        } else {
            (join(&self.head, omitted, &tail), omitted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(truncate_middle("héllo", 5), "héllo");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(
            truncate_middle("ééééé", 2),
            "é\n[... 3 characters omitted ...]\né"
        );
    }

    #[test]
    fn buffer_matches_truncate_middle() {
        for cap in [0, 1, 5, 10] {
            let text = "0123456789abcdef";
            let mut buffer = OutputBuffer::new(cap);
            buffer.push(&text[..7]);
            buffer.push(&text[7..]);
            let (shown, omitted) = buffer.finish();
            assert_eq!(shown, truncate_middle(text, cap), "cap {cap}");
            assert_eq!(omitted, text.len().saturating_sub(cap));
        }
    }
}
