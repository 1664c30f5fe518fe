//! `rlm sim-server`: serves the simulated model (a scripted stand-in, not an LLM) on loopback until
//! Ctrl-C or SIGTERM, printing its base URL on stdout first.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rlm_sim::{ScriptConfig, SimServer, SimServerConfig};

use crate::args::{SimArgs, SimServerArgs};
use crate::exit::CliError;

/// Runs `rlm sim-server`.
pub(crate) async fn run(args: SimServerArgs) -> Result<(), CliError> {
    let config = SimServerConfig {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        ..sim_config(&args.sim)
    };
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
    stop_signal().await;
    eprintln!(
        "rlm sim-server: stopping ({} requests served)",
        server.requests_served()
    );
    server.shutdown().await;
    Ok(())
}

/// The simulator's settings from its shared flags (latencies, chunks); other fields are the defaults.
pub(crate) fn sim_config(sim: &SimArgs) -> SimServerConfig {
    SimServerConfig {
        root_latency: Duration::from_millis(sim.root_latency_ms),
        sub_latency: Duration::from_millis(sim.latency_ms),
        script: ScriptConfig {
            chunks: sim.chunks as usize,
            ..ScriptConfig::default()
        },
        ..SimServerConfig::default()
    }
}

/// Waits for Ctrl-C (or SIGTERM on Unix).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
