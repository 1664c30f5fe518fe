//! `RunShared`: the state of one completion shared by its root run and every child run: the client
//! stacks of each depth and model (see `layers`), the budget, the meters, the trajectory, the run
//! ids and the count of tool calls.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rlm_client::{LlmClient, UsageMeter, UsageReport};
use tokio::sync::mpsc::UnboundedSender;

use crate::budget::Budget;
use crate::events::EventSink;
use crate::layers::{StackFor, stack};
use crate::models::ModelEntry;
use crate::settings::Settings;
use crate::stream::RunUpdate;
use crate::trajectory::{SubcallDetail, ToolCallDetail, TrajectoryRecord};

/// One completion's shared state.
pub(crate) struct RunShared {
    pub(crate) settings: Arc<Settings>,
    pub(crate) budget: Arc<Budget>,
    /// Where this completion's events go (the `on_event` callback, and the stream if there is one).
    pub(crate) events: EventSink,
    /// One meter per depth (index 0 = the root model's own calls).
    meters: Vec<UsageMeter>,
    /// The root model's stack (depth 0).
    root: Arc<dyn LlmClient>,
    /// For depth `d >= 1` (index `d - 1`): every sub-model's stack, by name, as used by code at depth
    /// `d - 1` and by child runs at depth `d`.
    subs: Vec<BTreeMap<String, Arc<dyn LlmClient>>>,
    records: Mutex<Vec<TrajectoryRecord>>,
    next_run_id: AtomicU64,
    /// This completion's id in prompt-cache keys (see [`RunShared::cache_key`]).
    cache_id: String,
    /// When the completion started: the origin of every `started_ms` in the trajectory.
    pub(crate) started: Instant,
    /// The same instant in milliseconds since the Unix epoch.
    pub(crate) started_unix_ms: u64,
    /// Sub-call details not yet claimed by a cell record, by the id of the run whose code made them.
    subcalls: Mutex<BTreeMap<u64, Vec<SubcallDetail>>>,
    /// Tool-call details not yet claimed by a cell record, likewise.
    tool_calls: Mutex<BTreeMap<u64, Vec<ToolCallDetail>>>,
    /// Tool calls started so far, every depth together (the cap is `Limits::max_tool_calls`).
    tool_calls_made: AtomicU64,
    next_batch_id: AtomicU64,
}

impl RunShared {
    /// Fresh state for one completion; its events and trajectory lines also go to `updates` when the
    /// completion is streamed.
    pub(crate) fn new(
        settings: Arc<Settings>,
        updates: Option<UnboundedSender<RunUpdate>>,
    ) -> Arc<Self> {
        let events = settings.events.with_updates(updates);
        let budget = Arc::new(Budget::new(
            settings.limits.clone(),
            settings.prices.clone(),
        ));
        let meters: Vec<UsageMeter> = (0..=settings.max_depth)
            .map(|_| UsageMeter::new())
            .collect();
        let at = |depth: usize, gate| StackFor {
            depth,
            meter: &meters[depth],
            budget: &budget,
            gate,
            events: &events,
        };
        let root = stack(&settings.root.resilient, &at(0, None));
        let subs = (1..=settings.max_depth)
            .map(|depth| {
                let at = at(depth, Some(&settings.gate));
                settings
                    .subs
                    .by_name
                    .iter()
                    .map(|(name, entry)| (name.clone(), stack(&entry.resilient, &at)))
                    .collect()
            })
            .collect();
        Arc::new(Self {
            settings,
            budget,
            events,
            meters,
            root,
            subs,
            records: Mutex::new(Vec::new()),
            next_run_id: AtomicU64::new(1),
            cache_id: new_cache_id(),
            started: Instant::now(),
            started_unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, crate::engine::millis),
            subcalls: Mutex::new(BTreeMap::new()),
            tool_calls: Mutex::new(BTreeMap::new()),
            tool_calls_made: AtomicU64::new(0),
            next_batch_id: AtomicU64::new(1),
        })
    }

    /// The client (and its entry) a run at `depth` uses for its own root-model calls: the root model at
    /// depth 0, the sub-model `name` (default: the default one) below.
    pub(crate) fn model_client(
        &self,
        depth: usize,
        name: Option<&str>,
    ) -> Result<(Arc<dyn LlmClient>, &ModelEntry), String> {
        if depth == 0 {
            return Ok((Arc::clone(&self.root), &self.settings.root));
        }
        let entry = self.settings.subs.get(name)?;
        let client = self
            .subs
            .get(depth - 1)
            .and_then(|by_name| by_name.get(&entry.name))
            .ok_or_else(|| format!("no model client at depth {depth}"))?;
        Ok((Arc::clone(client), entry))
    }

    /// Whether code at `depth` may make sub-calls.
    pub(crate) fn subcalls_allowed(&self, depth: usize) -> bool {
        depth < self.settings.max_depth
    }

    /// A new id for a child run (the top-level run is 0).
    pub(crate) fn next_run_id(&self) -> u64 {
        self.next_run_id.fetch_add(1, Ordering::SeqCst)
    }

    /// The prompt-cache key of run `run_id` of this completion: `rlm-<completion id>.<run id>`, so
    /// every turn of one run shares a key and parallel child runs do not crowd one key.
    pub(crate) fn cache_key(&self, run_id: u64) -> String {
        format!("rlm-{}.{run_id}", self.cache_id)
    }

    /// A new id for a batch of sub-calls.
    pub(crate) fn next_batch_id(&self) -> u64 {
        self.next_batch_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Milliseconds from the completion's start to `at`.
    pub(crate) fn offset_ms(&self, at: Instant) -> u64 {
        crate::engine::millis(at.saturating_duration_since(self.started))
    }

    /// Keeps the detail of a sub-call made by the code of run `run_id`, for its cell record.
    pub(crate) fn log_subcall(&self, run_id: u64, detail: SubcallDetail) {
        self.subcalls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(run_id)
            .or_default()
            .push(detail);
    }

    /// The sub-call details of run `run_id` not yet claimed (those of the cell that just ran).
    pub(crate) fn take_subcalls(&self, run_id: u64) -> Vec<SubcallDetail> {
        self.subcalls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&run_id)
            .unwrap_or_default()
    }

    /// Counts one tool call against the run's cap; `Err(limit)` when the cap is reached (the call
    /// is not counted).
    pub(crate) fn reserve_tool_call(&self) -> Result<(), u64> {
        let Some(limit) = self.settings.limits.max_tool_calls else {
            return Ok(());
        };
        self.tool_calls_made
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |made| {
                (made < limit).then_some(made + 1)
            })
            .map(|_| ())
            .map_err(|_| limit)
    }

    /// Keeps the detail of a tool call made by the code of run `run_id`, for its cell record.
    pub(crate) fn log_tool_call(&self, run_id: u64, detail: ToolCallDetail) {
        self.tool_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(run_id)
            .or_default()
            .push(detail);
    }

    /// The tool-call details of run `run_id` not yet claimed (those of the cell that just ran).
    pub(crate) fn take_tool_calls(&self, run_id: u64) -> Vec<ToolCallDetail> {
        self.tool_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&run_id)
            .unwrap_or_default()
    }

    /// Appends a trajectory record (and streams it).
    pub(crate) fn record(&self, record: TrajectoryRecord) {
        self.events.send(|| RunUpdate::Record(record.clone()));
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

/// A new completion id for prompt-cache keys: the process id, the time in microseconds and a
/// process-wide counter, in hex. Unique per process and over time; nothing secret goes into it.
fn new_cache_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}-{micros:x}-{n:x}", std::process::id())
}

impl std::fmt::Debug for RunShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunShared")
            .field("settings", &self.settings)
            .field("budget", &self.budget)
            .field("depths", &self.meters.len())
            .field("cache_id", &self.cache_id)
            .finish_non_exhaustive()
    }
}
