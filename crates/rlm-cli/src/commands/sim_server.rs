//! `rlm sim-server`: serves the simulated model (a scripted stand-in, not an LLM) on loopback until
//! Ctrl-C or SIGTERM, printing its base URL on stdout first.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};

use crate::args::{SimArgs, SimServerArgs};
use crate::exit::CliError;

/// How long requests in progress may finish after Ctrl-C / SIGTERM before they are dropped (the
/// library's own grace is 5 s, too long for an interactive stop).
const STOP_GRACE: Duration = Duration::from_millis(500);

/// Runs `rlm sim-server`.
pub(crate) async fn run(args: SimServerArgs) -> Result<(), CliError> {
    // Listen for Ctrl-C / SIGTERM before announcing the URL: a signal sent as soon as the URL is read
    // must stop the server cleanly, not kill it with the default disposition.
    let stop = StopSignal::install()?;
    let config = server_config(args);
    let server = SimServer::start(config)
        .await
        .map_err(|e| CliError::usage(format!("could not start the simulated model: {e}")))?;
    // Tools and tests read this first line to find the server.
    println!("{}", server.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "rlm sim-server: serving a scripted stand-in model (not an LLM) at {}; root models named *sequential* loop over llm_query, others use llm_batch; Ctrl-C stops it",
        server.base_url()
    );
    stop.wait().await;
    eprintln!(
        "rlm sim-server: stopping ({} requests served)",
        server.requests_served()
    );
    if tokio::time::timeout(STOP_GRACE, server.shutdown())
        .await
        .is_err()
    {
        // The server task is dropped with the runtime, right after this returns.
        eprintln!(
            "rlm sim-server: requests still in progress after {} ms were dropped",
            STOP_GRACE.as_millis()
        );
    }
    Ok(())
}

/// The server's settings from all its flags.
fn server_config(args: SimServerArgs) -> SimServerConfig {
    let mut config = SimServerConfig {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        max_in_flight: args
            .max_in_flight
            .map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
        ..sim_config(&args.sim)
    };
    if let Some(cells) = args.cells {
        config.script.cells = cells.0;
    }
    config
}

/// The simulator's settings from its shared flags (latencies, chunks, faults, streaming); other fields
/// are the defaults.
pub(crate) fn sim_config(sim: &SimArgs) -> SimServerConfig {
    SimServerConfig {
        root_latency: Duration::from_millis(sim.root_latency_ms),
        sub_latency: Duration::from_millis(sim.latency_ms),
        script: ScriptConfig {
            chunks: sim.chunks as usize,
            ..ScriptConfig::default()
        },
        faults: sim.faults.clone(),
        stream_chunk_chars: usize::try_from(sim.stream_chunk_chars).unwrap_or(usize::MAX),
        stream_chunk_delay: Duration::from_millis(sim.stream_chunk_delay_ms),
        ..SimServerConfig::default()
    }
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment it is installed.
struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Registers the handlers now (the default disposition no longer applies once this returns).
    fn install() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind| {
                signal(kind)
                    .map_err(|e| CliError::other(format!("could not listen for stop signals: {e}")))
            };
            Ok(Self {
                interrupt: listen(SignalKind::interrupt())?,
                terminate: listen(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the first stop signal.
    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn config(extra: &[&str]) -> Result<SimServerConfig, clap::Error> {
        let cli = Cli::try_parse_from(["rlm", "sim-server"].iter().chain(extra))?;
        let Command::SimServer(args) = cli.command else {
            panic!("not sim-server");
        };
        Ok(server_config(args))
    }

    #[test]
    fn stream_flags_reach_the_server_config() {
        let defaults = config(&[]).unwrap();
        assert_eq!(
            (defaults.stream_chunk_chars, defaults.stream_chunk_delay),
            (16, Duration::ZERO)
        );
        let set = config(&["--stream-chunk-chars", "3", "--stream-chunk-delay-ms", "25"]).unwrap();
        assert_eq!(
            (set.stream_chunk_chars, set.stream_chunk_delay),
            (3, Duration::from_millis(25))
        );
        assert!(config(&["--stream-chunk-chars", "0"]).is_err());
        assert!(config(&["--stream-chunk-delay-ms", "60001"]).is_err());
    }

    #[test]
    fn max_in_flight_reaches_the_server_config() {
        assert_eq!(config(&[]).unwrap().max_in_flight, None);
        assert_eq!(
            config(&["--max-in-flight", "12"]).unwrap().max_in_flight,
            Some(12)
        );
        assert!(config(&["--max-in-flight", "0"]).is_err());
    }
}
