//! Flags of `rlm demo` and `rlm sim-server`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse::{parse_duration, parse_size};
use super::shared::{ProviderArgs, SandboxArgs, SimArgs};

/// Flags of `rlm demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    /// Haystack size in bytes (suffixes KiB/MiB/KB/MB accepted, e.g. 1MiB).
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    pub(crate) size: u64,
    /// Haystack seed (same seed, same haystack and magic numbers).
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Magic numbers hidden in the haystack.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) needles: u32,
    #[command(flatten)]
    pub(crate) sim: SimArgs,
    #[command(flatten)]
    pub(crate) sandbox: SandboxArgs,
    /// Sub-calls in flight at once in the batch run.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) max_concurrent: u32,
    /// Where to write the trajectories (default: a new folder under the system temp dir).
    #[arg(long)]
    pub(crate) out_dir: Option<PathBuf>,
    /// Run the task on a real model instead of the simulator (needs --model and a key).
    #[command(flatten)]
    pub(crate) provider: ProviderArgs,
    /// Wall-clock limit of each run (e.g. 10m).
    #[arg(long, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

impl DemoArgs {
    /// Whether the flags that shape the timing are the defaults the ≥ 5× speedup promise is made for:
    /// the simulator (no `--model`), an 8 MiB haystack, 32 chunks, 200 ms sub and 20 ms root latency,
    /// 16 sub-calls at a time, no injected faults.
    pub(crate) fn speed_defaults(&self) -> bool {
        self.size == 8 * 1024 * 1024
            && self.sim.latency_ms == 200
            && self.sim.root_latency_ms == 20
            && self.sim.chunks == 32
            && self.sim.faults.is_empty()
            && self.max_concurrent == 16
            && self.provider.model.is_none()
    }
}

/// Flags of `rlm sim-server`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SimServerArgs {
    /// Loopback port to listen on (0 picks a free one; the base URL is printed on stdout).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    #[command(flatten)]
    pub(crate) sim: SimArgs,
    /// Replay the code cells of FILE (separated by lines that are exactly `---`) as the root model's
    /// turns, then answer FINAL: reproduces a run's code, or drives the sandbox with chosen cells.
    #[arg(long, value_name = "FILE", value_parser = parse_cells)]
    pub(crate) cells: Option<Cells>,
    /// A hidden concurrency limit: a sub request arriving while K are in progress gets 429 with
    /// Retry-After: 0 at once (as a provider with a concurrency quota answers).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) max_in_flight: Option<u64>,
}

/// The cells of a `--cells` file.
#[derive(Debug, Clone)]
pub(crate) struct Cells(pub(crate) Vec<String>);

fn parse_cells(path: &str) -> Result<Cells, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let cells = rlm_sim::script::split_cells(&text);
    if cells.is_empty() {
        return Err(format!("{path} holds no cells"));
    }
    Ok(Cells(cells))
}
