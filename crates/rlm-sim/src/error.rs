//! Errors of the simulated model server.

use std::net::SocketAddr;

/// Why the simulated server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The listening socket could not be bound.
    #[error(
        "could not listen on {addr}: {source}; choose another address or port (port 0 picks a free one)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bound socket's address could not be read.
    #[error("could not read the address of the listening socket: {0}")]
    LocalAddr(#[source] std::io::Error),
    /// A setting of [`crate::SimServerConfig`] is out of range.
    #[error("invalid simulated server setting: {0}")]
    Config(String),
}
