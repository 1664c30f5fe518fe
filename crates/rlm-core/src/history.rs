//! The message history of one run, and which messages are new since the last request.

use rlm_client::Message;

/// The transcript sent to the root model, oldest first.
#[derive(Debug, Default)]
pub(crate) struct History {
    messages: Vec<Message>,
    /// Number of messages already reported by [`History::take_new`].
    reported: usize,
}

impl History {
    /// An empty history.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends a message.
    pub(crate) fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    /// The whole transcript.
    pub(crate) fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Replaces the whole transcript (compaction); the new messages count as reported, since the
    /// trajectory records the compaction itself.
    pub(crate) fn replace(&mut self, messages: Vec<Message>) {
        self.reported = messages.len();
        self.messages = messages;
    }

    /// The messages appended since the previous call (all of them the first time).
    pub(crate) fn take_new(&mut self) -> Vec<Message> {
        let new = self.messages[self.reported..].to_vec();
        self.reported = self.messages.len();
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_new_reports_each_message_once() {
        let mut h = History::new();
        h.push(Message::system("s"));
        h.push(Message::user("u"));
        assert_eq!(h.take_new().len(), 2);
        assert!(h.take_new().is_empty());
        h.push(Message::assistant("a"));
        assert_eq!(h.take_new(), vec![Message::assistant("a")]);
        assert_eq!(h.messages().len(), 3);
    }
}
