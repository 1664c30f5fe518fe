//! `Lease`: one held slot of the shared concurrency cap — refreshed by a task while held, removed
//! (by a spawned task) when dropped.

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::quota::{Inner, scrub};

/// A slot in the sorted set `key` under `id`.
#[derive(Debug)]
pub(crate) struct Lease {
    inner: Arc<Inner>,
    key: String,
    id: String,
    refresher: JoinHandle<()>,
}

impl Lease {
    /// Starts refreshing the lease every third of the lease time.
    pub(crate) fn start(inner: Arc<Inner>, key: String, id: String) -> Self {
        let refresher = tokio::spawn(refresh(Arc::clone(&inner), key.clone(), id.clone()));
        Self {
            inner,
            key,
            id,
            refresher,
        }
    }
}

async fn refresh(inner: Arc<Inner>, key: String, id: String) {
    let lease = inner.config.lease_time;
    let lease_ms = lease.as_millis() as u64;
    loop {
        tokio::time::sleep(lease / 3).await;
        let mut connection = inner.connection.clone();
        let outcome = inner
            .refresh_lease
            .key(&key)
            .arg(lease_ms)
            .arg(&id)
            .invoke_async::<i64>(&mut connection)
            .await;
        match outcome {
            Ok(1) => {}
            Ok(_) => tracing::warn!(
                key,
                "a lease of the shared concurrency cap expired while held (Redis was unreachable for longer than the lease time)"
            ),
            Err(error) => {
                tracing::warn!(key, error = %scrub(&error), "could not refresh a lease of the shared concurrency cap on Redis");
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.refresher.abort();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // no runtime left: the lease expires on its own
        };
        let mut connection = self.inner.connection.clone();
        let key = std::mem::take(&mut self.key);
        let id = std::mem::take(&mut self.id);
        runtime.spawn(async move {
            let removed = redis::cmd("ZREM")
                .arg(&key)
                .arg(&id)
                .query_async::<i64>(&mut connection)
                .await;
            if let Err(error) = removed {
                tracing::warn!(key, error = %scrub(&error), "could not give back a lease of the shared concurrency cap; it expires after the lease time");
            }
        });
    }
}
