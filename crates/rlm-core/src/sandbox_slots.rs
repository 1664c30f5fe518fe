//! `SandboxSlots`: the bound on child sandboxes alive at once, across every depth and completion of
//! an `Rlm`. A child run waits for a slot; it never fails for lack of one.
//!
//! A parent run keeps its sandbox while it waits for its children, so one pool shared by all depths
//! could fill up with parents waiting for children that cannot start. To rule that out, a child at
//! depth `d` takes a slot only while at least `1 + (deepest - d)` are free, where `deepest` is the
//! deepest depth a child can run at (`max_depth - 1`): the last free slot can only go to a run at the
//! deepest depth, which starts no children and so always finishes and gives its slot back, and by the
//! same argument one level up, every waiting run eventually gets a slot. The root sandbox of a
//! completion is not counted.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

/// Default bound on live child sandboxes: 32.
pub const DEFAULT_MAX_LIVE_SANDBOXES: usize = 32;

/// The pool of child-sandbox slots.
#[derive(Debug)]
pub(crate) struct SandboxSlots {
    free: Mutex<usize>,
    released: Notify,
    deepest: usize,
}

/// One slot, given back on drop.
#[derive(Debug)]
pub(crate) struct SandboxSlot {
    pool: Arc<SandboxSlots>,
}

impl SandboxSlots {
    /// `total` slots for child runs whose deepest depth is `deepest`.
    pub(crate) fn new(total: usize, deepest: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(total),
            released: Notify::new(),
            deepest,
        })
    }

    /// Waits for a slot for a child at `depth` (at least 1).
    pub(crate) async fn acquire(self: &Arc<Self>, depth: usize) -> SandboxSlot {
        let needed = 1 + self.deepest.saturating_sub(depth);
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
                if *free >= needed {
                    *free -= 1;
                    return SandboxSlot {
                        pool: Arc::clone(self),
                    };
                }
            }
            released.await;
        }
    }

    /// Slots free now.
    #[cfg(test)]
    pub(crate) fn free(&self) -> usize {
        *self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for SandboxSlot {
    fn drop(&mut self) {
        *self
            .pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        self.pool.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_shallow_child_leaves_room_for_deeper_ones() {
        // max_depth 3: children at depth 1 (which may start children) and 2 (which may not).
        let pool = SandboxSlots::new(2, 2);
        let first = pool.acquire(1).await;
        assert_eq!(pool.free(), 1);
        // A second depth-1 child would take the last slot its own children need: it waits.
        let waiting = tokio::time::timeout(Duration::from_secs(1), pool.acquire(1)).await;
        assert!(waiting.is_err());
        // A depth-2 child may take it.
        let leaf = pool.acquire(2).await;
        assert_eq!(pool.free(), 0);
        drop(leaf);
        drop(first);
        let again = pool.acquire(1).await;
        assert_eq!(pool.free(), 1);
        drop(again);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_wake_when_a_slot_is_given_back() {
        let pool = SandboxSlots::new(1, 1);
        let held = pool.acquire(1).await;
        let waiter = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move { pool.acquire(1).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        drop(held);
        let slot = tokio::time::timeout(Duration::from_secs(1), waiter).await;
        assert!(matches!(slot, Ok(Ok(_))));
    }
}
