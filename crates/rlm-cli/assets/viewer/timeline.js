// rlm trajectory viewer: the timeline (a Gantt chart) of the run: one lane per run for its model
// calls, then, for each cell that made sub-calls, its calls packed into as many lanes as were in
// flight at once (a batch's parallelism is its height, "N at once"), failures in red, retries as ticks.

/** The end of the timeline: the outcome's duration, or the last thing that ended. */
function timelineEnd(model) {
  var end = model.outcome ? model.outcome.duration_ms || 0 : 0;
  model.runs.forEach(function (r) {
    r.iterations.forEach(function (it) {
      if (it.started_ms !== undefined) end = Math.max(end, it.started_ms + (it.model_ms || 0) + (it.cells_ms || 0));
    });
  });
  model.calls.forEach(function (c) { end = Math.max(end, c.detail.started_ms + c.detail.duration_ms); });
  return Math.max(end, 1);
}

/** Packs `items` ({start, end}) into lanes: each goes to the first lane free at its start. */
function packLanes(items) {
  var lanes = [];
  items.slice().sort(function (a, b) { return a.start - b.start || a.end - b.end; }).forEach(function (item) {
    var lane = lanes.findIndex(function (end) { return end <= item.start; });
    if (lane < 0) { lane = lanes.length; lanes.push(0); }
    lanes[lane] = Math.max(item.end, item.start + 1);
    item.lane = lane;
  });
  return lanes.length;
}

function pct(ms, total) {
  return (100 * ms / total).toFixed(3) + "%";
}

/** A bar from `start` to `end` ms on a lane. */
function bar(start, end, total, lane, cls, title, onClick) {
  var width = Math.max(end - start, total / 2000);
  var el = h("div", {class: "bar " + cls, title: title,
    style: "left:" + pct(start, total) + ";width:" + pct(width, total) + ";top:" + (lane * LANE_PX) + "px"});
  if (onClick) el.addEventListener("click", onClick);
  return el;
}

/** Height of one lane, in pixels. */
var LANE_PX = 7;

function row(label, title, lanes, bars) {
  var track = h("div", {class: "track", style: "height:" + Math.max(lanes, 1) * LANE_PX + "px"}, bars);
  return h("div", {class: "tl-row"}, [h("div", {class: "tl-label", text: label, title: title}), track]);
}

function callTitle(c) {
  var d = c.detail;
  var lines = [d.function + (d.of > 1 ? " item " + (d.index + 1) + "/" + d.of : "") + " · " + d.model,
    "started +" + fmtMs(d.started_ms) + ", took " + fmtMs(d.duration_ms), fmtTokens(d.usage),
    "prompt: " + d.prompt.slice(0, 120)];
  if (d.error) lines.push("error: " + d.error.slice(0, 300));
  if ((d.retries || []).length) lines.push(retryText(d.retries));
  return lines.join("\n");
}

/** The rows of the sub-calls made by one cell. */
function cellRow(model, calls, total) {
  var items = calls.map(function (c) {
    return {call: c, start: c.detail.started_ms, end: c.detail.started_ms + c.detail.duration_ms};
  });
  var lanes = packLanes(items);
  var bars = [];
  items.forEach(function (item) {
    var d = item.call.detail;
    var cls = (d.error ? "failed" : "ok") + (d.child_run_id !== undefined && d.child_run_id !== null ? " child" : "");
    bars.push(bar(item.start, item.end, total, item.lane, cls, callTitle(item.call), function () { showCall(model, item.call); }));
    (d.retries || []).forEach(function (r) {
      bars.push(h("div", {class: "retry-tick", title: "retry: attempt " + r.attempt + " failed, waited " + fmtMs(r.wait_ms) + "\n" + r.error,
        style: "left:" + pct(r.at_ms, total) + ";top:" + (item.lane * LANE_PX) + "px"}));
    });
  });
  var first = calls[0];
  var fns = {};
  calls.forEach(function (c) { fns[c.detail.function] = (fns[c.detail.function] || 0) + 1; });
  var what = Object.keys(fns).map(function (f) { return f + " ×" + fns[f]; }).join(", ");
  var label = "run " + first.run + " · it " + first.iteration + " · cell " + (first.cell + 1) + " · " + what +
    " · " + lanes + " at once";
  return row(label, label, lanes, bars);
}

/** The lane of a run's own model calls (one bar per iteration's model call). */
function runRow(model, r, total) {
  var bars = [];
  r.iterations.forEach(function (it) {
    if (it.started_ms === undefined) return;
    var title = (r.id === 0 ? "root model" : r.model) + " · iteration " + it.iteration + " · " + fmtMs(it.model_ms) + " · " + fmtTokens(it.usage);
    bars.push(bar(it.started_ms, it.started_ms + (it.model_ms || 0), total, 0, r.id === 0 ? "root" : "child-root", title, null));
    (it.retries || []).forEach(function (rt) {
      bars.push(h("div", {class: "retry-tick", title: "retry of the model call: " + rt.error, style: "left:" + pct(rt.at_ms, total) + ";top:0"}));
    });
  });
  var label = (r.id === 0 ? "root model" : "run #" + r.id + " (" + (r.model || "?") + ")") + " · " + plural(r.iterations.length, "turn");
  return row(label, label, 1, bars);
}

/** The timeline section (timings are in trajectories written by rlm 0.1 with sub-call details). */
function renderTimeline(model) {
  var hasTimes = model.root.iterations.some(function (it) { return it.started_ms !== undefined; }) || model.calls.length > 0;
  if (!hasTimes) {
    return section("timeline", "Timeline", [h("p", {class: "note", text: "This trajectory has no timings " +
      "(written by an older rlm)."})]);
  }
  var total = timelineEnd(model);
  var box = h("div", {class: "timeline"});
  var axis = h("div", {class: "tl-axis track"});
  [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
    axis.appendChild(h("span", {class: "tick", style: "left:" + (f * 100) + "%", text: fmtMs(f * total)}));
  });
  box.appendChild(h("div", {class: "tl-row"}, [h("div", {class: "tl-label", text: "time since the start"}), axis]));
  sortedRuns(model).forEach(function (r) { if (r.iterations.length) box.appendChild(runRow(model, r, total)); });
  var byCell = [];
  model.callsByCell.forEach(function (calls) { byCell.push(calls); });
  byCell.sort(function (a, b) { return a[0].detail.started_ms - b[0].detail.started_ms; });
  byCell.forEach(function (calls) { box.appendChild(cellRow(model, calls, total)); });
  var legend = h("p", {class: "legend"}, [
    h("span", {class: "swatch root"}), "root model ", h("span", {class: "swatch child-root"}), "child run's model ",
    h("span", {class: "swatch ok"}), "sub-call ", h("span", {class: "swatch failed"}), "failed ",
    h("span", {class: "swatch child"}), "child run ", h("span", {class: "swatch retry"}), "retry · click a bar to see the call",
  ]);
  return section("timeline", "Timeline", [legend, box]);
}
