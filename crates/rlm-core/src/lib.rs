//! rlm-core: the recursive loop that wires `rlm-client`, `rlm-repl` and `rlm-prompts`.

pub mod parse;
