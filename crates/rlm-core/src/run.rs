//! `RunShared`: the state of one completion shared by its root run and every child run: the clients of
//! each depth (resilient, metered, accounted, capped), the budget, the trajectory and the run ids.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rlm_client::{ConcurrencyLimit, LlmClient, UsageMeter, UsageReport};

use crate::budget::{Accounted, Budget};
use crate::builder::Settings;
use crate::trajectory::TrajectoryRecord;

/// One completion's shared state.
pub(crate) struct RunShared {
    pub(crate) settings: Arc<Settings>,
    pub(crate) budget: Arc<Budget>,
    /// One meter per depth (index 0 = the root model's own calls).
    meters: Vec<UsageMeter>,
    /// The model client of each depth: index 0 is the root client, index `d >= 1` the sub client as used
    /// by code at depth `d - 1` and by child runs at depth `d`.
    clients: Vec<Arc<dyn LlmClient>>,
    records: Mutex<Vec<TrajectoryRecord>>,
    next_run_id: AtomicU64,
}

impl RunShared {
    /// Fresh state for one completion.
    pub(crate) fn new(settings: Arc<Settings>) -> Arc<Self> {
        let budget = Arc::new(Budget::new(
            settings.limits.clone(),
            settings.prices.clone(),
        ));
        let levels = settings.max_depth + 1;
        let meters: Vec<UsageMeter> = (0..levels).map(|_| UsageMeter::new()).collect();
        let mut clients: Vec<Arc<dyn LlmClient>> = Vec::with_capacity(levels);
        for (depth, meter) in meters.iter().enumerate() {
            let template = if depth == 0 {
                &settings.root_resilient
            } else {
                &settings.sub_resilient
            };
            let resilient = template.clone().with_meter(meter.clone());
            let layered: Arc<dyn LlmClient> = if depth == 0 {
                Arc::new(resilient)
            } else {
                Arc::new(ConcurrencyLimit::new(
                    Arc::new(resilient),
                    Arc::clone(&settings.permits),
                ))
            };
            clients.push(Arc::new(Accounted::new(layered, Arc::clone(&budget))));
        }
        Arc::new(Self {
            settings,
            budget,
            meters,
            clients,
            records: Mutex::new(Vec::new()),
            next_run_id: AtomicU64::new(1),
        })
    }

    /// The client a run at `depth` uses for its own root-model calls.
    pub(crate) fn model_client(&self, depth: usize) -> Option<Arc<dyn LlmClient>> {
        self.clients.get(depth).cloned()
    }

    /// The client for sub-calls made by code at `depth`, or `None` when `depth >= max_depth`.
    pub(crate) fn sub_client(&self, depth: usize) -> Option<Arc<dyn LlmClient>> {
        if depth < self.settings.max_depth {
            self.clients.get(depth + 1).cloned()
        } else {
            None
        }
    }

    /// A new id for a child run (the top-level run is 0).
    pub(crate) fn next_run_id(&self) -> u64 {
        self.next_run_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Appends a trajectory record.
    pub(crate) fn record(&self, record: TrajectoryRecord) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// The records so far.
    pub(crate) fn records(&self) -> Vec<TrajectoryRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Usage per depth so far.
    pub(crate) fn usage_per_depth(&self) -> Vec<UsageReport> {
        self.meters.iter().map(UsageMeter::snapshot).collect()
    }
}

impl std::fmt::Debug for RunShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunShared")
            .field("settings", &self.settings)
            .field("budget", &self.budget)
            .field("depths", &self.meters.len())
            .finish_non_exhaustive()
    }
}
