//! Flags of `rlm view` (a trajectory as one self-contained HTML page) and `rlm trajectory export`
//! (a trajectory in another tool's format).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// Flags of `rlm view`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ViewArgs {
    /// The trajectory (JSON Lines, from `rlm run --trajectory` or `rlm demo`); a file cut short by a
    /// killed run is shown up to where it stops.
    #[arg(value_name = "TRAJECTORY.jsonl")]
    pub(crate) trajectory: PathBuf,
    /// Where to write the page (default: the trajectory's path with `.html`).
    #[arg(long, short, value_name = "FILE.html")]
    pub(crate) output: Option<PathBuf>,
    /// Open the page in the default browser (`xdg-open` / `open`; a failure is only a warning).
    #[arg(long)]
    pub(crate) open: bool,
}

/// `rlm trajectory ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TrajectoryCommand {
    /// Write a trajectory in another tool's format.
    Export(ExportArgs),
}

/// The formats `rlm trajectory export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// The JSON Lines log of the reference Python library (alexzhang13/rlm), which its visualizer
    /// reads.
    Rlms,
}

/// Flags of `rlm trajectory export`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ExportArgs {
    /// The trajectory (JSON Lines); a file cut short by a killed run is exported up to where it stops.
    #[arg(value_name = "TRAJECTORY.jsonl")]
    pub(crate) trajectory: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormat,
    /// Where to write it (`-`: stdout).
    #[arg(long, short, value_name = "FILE|-")]
    pub(crate) output: PathBuf,
}
