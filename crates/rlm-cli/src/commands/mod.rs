//! The subcommands of `rlm`, one file each.

pub(crate) mod demo;
pub(crate) mod drive;
pub(crate) mod engine;
pub(crate) mod eval;
pub(crate) mod run;
pub(crate) mod sim_server;
pub(crate) mod trajectory;
pub(crate) mod view;
