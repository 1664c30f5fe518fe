//! rlm-repl: the QuickJS sandbox in which root models run JavaScript.
//!
//! Depends on no other rlm crate (in particular not on `rlm-client`).
