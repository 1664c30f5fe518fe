// rlm trajectory viewer: the model of the page, built once from the embedded trajectory: the runs
// (top-level and children) with their iterations, every sub-call with where it was made, the
// counts the page shows, and where a partial trajectory stops.

/** A new run entry. */
function newRun(id) {
  return {
    id: id, parent: null, depth: 0, model: "", started_ms: null, context_chars: null,
    iterations: [], compactions: [], children: [], spawnedBy: null,
  };
}

/** The model of the page for `data` (the embedded JSON). */
function buildModel(data) {
  var t = data.trajectory || {};
  var meta = t.metadata || {};
  var records = t.records || [];
  var runs = new Map();
  function run(id) {
    if (!runs.has(id)) runs.set(id, newRun(id));
    return runs.get(id);
  }
  run(0).model = meta.root_model || "";
  var outcome = null;
  var calls = [];
  var counts = {records: records.length, iterations: 0, rootIterations: 0, cells: 0, subcalls: 0,
    details: 0, failedDetails: 0, retries: 0, failedCells: 0};
  records.forEach(function (r) {
    if (r.type === "child_run") {
      var child = run(r.run_id);
      child.parent = r.parent_run_id;
      child.depth = r.depth;
      child.model = r.model || meta.sub_model || "";
      child.started_ms = r.started_ms === undefined ? null : r.started_ms;
      child.context_chars = r.context_chars;
      run(r.parent_run_id).children.push(r.run_id);
    } else if (r.type === "iteration") {
      var owner = run(r.run_id);
      owner.depth = r.depth;
      if (r.parent_run_id !== null && r.parent_run_id !== undefined && owner.parent === null) {
        owner.parent = r.parent_run_id;
        if (run(r.parent_run_id).children.indexOf(r.run_id) < 0) run(r.parent_run_id).children.push(r.run_id);
      }
      owner.iterations.push(r);
      counts.iterations++;
      if (r.run_id === 0) counts.rootIterations++;
      counts.retries += (r.retries || []).length;
      (r.cells || []).forEach(function (cell, cellIndex) {
        counts.cells++;
        if (cell.error) counts.failedCells++;
        counts.subcalls += cell.subcalls || 0;
        (cell.subcall_details || []).forEach(function (d, k) {
          var call = {detail: d, run: r.run_id, depth: r.depth, iteration: r.iteration,
            cell: cellIndex, index: k, id: "sc-" + r.run_id + "-" + r.iteration + "-" + cellIndex + "-" + k};
          calls.push(call);
          counts.details++;
          if (d.error) counts.failedDetails++;
          counts.retries += (d.retries || []).length;
        });
      });
    } else if (r.type === "compaction") {
      run(r.run_id).compactions.push(r);
    } else if (r.type === "outcome") {
      outcome = r;
    }
  });
  calls.forEach(function (call) {
    var child = call.detail.child_run_id;
    if (child !== undefined && child !== null) run(child).spawnedBy = call;
  });
  runs.forEach(function (r) {
    r.status = runStatus(r);
    r.children.sort(function (a, b) { return a - b; });
  });
  var model = {
    data: data, meta: meta, records: records, runs: runs, root: run(0), outcome: outcome,
    calls: calls, counts: counts, complete: !!outcome,
  };
  model.stop = outcome ? null : describeStop(model);
  return model;
}

/** The runs by id (the top-level run first). */
function sortedRuns(model) {
  return Array.from(model.runs.values()).sort(function (a, b) { return a.id - b.id; });
}

/** `answered`, `failed` (with the error the parent saw) or `unfinished`, and the answer. */
function runStatus(r) {
  var last = r.iterations[r.iterations.length - 1];
  if (last && last.answer !== null && last.answer !== undefined) {
    return {state: "answered", answer: last.answer, forced: !!last.final_request};
  }
  var d = r.spawnedBy && r.spawnedBy.detail;
  if (d && d.error) return {state: "failed", error: d.error};
  return {state: "unfinished"};
}

/** Where a trajectory without its outcome record stops, in words. */
function describeStop(model) {
  var data = model.data;
  // Files written before outcome records existed also have no start time.
  var older = !model.meta.started_unix_ms;
  var parts = [older
    ? "The trajectory has no outcome record: it was written by an older rlm, or its run was killed."
    : "The run did not finish: the trajectory has no outcome record, so its process was killed (or " +
      "the run is still going)."];
  var last = null;
  for (var i = model.records.length - 1; i >= 0 && !last; i--) last = model.records[i];
  if (!last) {
    parts.push("It stops right after the run metadata: no iteration was recorded.");
  } else if (last.type === "iteration") {
    parts.push("The last record is iteration " + last.iteration + " of " + runName(last.run_id, last.depth) + ".");
  } else if (last.type === "child_run") {
    parts.push("The last record is the start of " + runName(last.run_id, last.depth) + ".");
  } else if (last.type === "compaction") {
    parts.push("The last record is a compaction of " + runName(last.run_id, last.depth) + ".");
  }
  var root = model.root.iterations;
  if (root.length) parts.push("The top-level run got to iteration " + root[root.length - 1].iteration + ".");
  if (data.cut_line) {
    parts.push("Line " + data.cut_line + " of the file was cut in the middle (written when the process " +
      "died) and is not shown.");
  }
  return parts.join(" ");
}

function runName(id, depth) {
  return id === 0 ? "the top-level run" : "child run #" + id + " (depth " + depth + ")";
}

/**
 * Usage per model and per depth: the outcome's, or (partial trajectory) what the records hold:
 * the root-model calls of each iteration and every sub-call detail.
 */
function usageTables(model) {
  var o = model.outcome;
  if (o && o.usage) {
    return {
      fromRecords: false,
      perModel: Object.keys(o.usage.per_model || {}).map(function (name) {
        var u = o.usage.per_model[name];
        return {name: name, calls: u.calls, failures: u.failures, retries: u.retries, usage: u.usage,
          ms: durationMs(u.elapsed), cost: (o.cost_per_model || {})[name]};
      }),
      perDepth: (o.usage.per_depth || []).map(function (report, depth) {
        var total = sumUsage(Object.keys(report.per_model || {}).map(function (k) { return report.per_model[k]; }));
        total.depth = depth;
        total.cost = (o.cost_per_depth || [])[depth];
        return total;
      }),
      total: o.usage.total,
      cost: o.cost_usd,
    };
  }
  var byModel = {};
  var byDepth = [];
  function add(name, depth, usage, failed, retries, ms) {
    var m = byModel[name] || (byModel[name] = {name: name, calls: 0, failures: 0, retries: 0, ms: 0,
      usage: {prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0}});
    var d = byDepth[depth] || (byDepth[depth] = {depth: depth, calls: 0, failures: 0, retries: 0, ms: 0,
      usage: {prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0}});
    [m, d].forEach(function (x) {
      x.calls++;
      x.failures += failed ? 1 : 0;
      x.retries += retries;
      x.ms += ms;
      x.usage.prompt_tokens += usage ? usage.prompt_tokens || 0 : 0;
      x.usage.completion_tokens += usage ? usage.completion_tokens || 0 : 0;
      x.usage.cached_tokens += usage ? usage.cached_tokens || 0 : 0;
    });
  }
  model.runs.forEach(function (r) {
    var name = r.id === 0 ? model.meta.root_model : r.model;
    r.iterations.forEach(function (it) {
      add(name || "?", r.depth, it.usage, false, (it.retries || []).length, it.model_ms || 0);
    });
  });
  model.calls.forEach(function (c) {
    // A child run's tokens are in its own iterations.
    if (c.detail.child_run_id !== undefined && c.detail.child_run_id !== null) return;
    add(c.detail.model, c.depth + 1, c.detail.usage, !!c.detail.error, (c.detail.retries || []).length,
      c.detail.duration_ms || 0);
  });
  var perModel = Object.keys(byModel).sort().map(function (k) { return byModel[k]; });
  var perDepth = byDepth.filter(function (d) { return d; });
  return {fromRecords: true, perModel: perModel, perDepth: perDepth, total: sumUsage(perModel), cost: null};
}

/** The sum of several `{calls, failures, retries, usage}` entries. */
function sumUsage(list) {
  var total = {calls: 0, failures: 0, retries: 0, ms: 0,
    usage: {prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0}};
  list.forEach(function (u) {
    total.calls += u.calls || 0;
    total.failures += u.failures || 0;
    total.retries += u.retries || 0;
    total.ms += u.ms !== undefined ? u.ms : durationMs(u.elapsed);
    var usage = u.usage || {};
    total.usage.prompt_tokens += usage.prompt_tokens || 0;
    total.usage.completion_tokens += usage.completion_tokens || 0;
    total.usage.cached_tokens += usage.cached_tokens || 0;
  });
  return total;
}
