//! rlm-client: the async provider layer of rlm.
//!
//! Depends on no other rlm crate.
