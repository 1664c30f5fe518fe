//! The `rlm` command-line tool.

fn main() {}
