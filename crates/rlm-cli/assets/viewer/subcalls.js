// rlm trajectory viewer: the sub-calls of one cell (prompt excerpt, reply, model, latency, tokens,
// error, retries, the child run it started). "failures only" hides the others with a class on #app.

/** Characters of a prompt or reply shown before "show more". */
var CALL_TEXT_CHARS = 300;

/** The calls of the model for one cell, in the order they finished. */
function callsOf(model, runId, iteration, cellIndex) {
  return model.callsByCell.get(runId + "/" + iteration + "/" + cellIndex) || [];
}

/** Indexes the calls by cell, once. */
function indexCalls(model) {
  model.callsByCell = new Map();
  model.calls.forEach(function (call) {
    var key = call.run + "/" + call.iteration + "/" + call.cell;
    if (!model.callsByCell.has(key)) model.callsByCell.set(key, []);
    model.callsByCell.get(key).push(call);
  });
}

function retryText(retries) {
  return retries.map(function (r) {
    return "attempt " + r.attempt + " failed at +" + fmtMs(r.at_ms) + ", waited " + fmtMs(r.wait_ms) + ": " + r.error;
  }).join("\n");
}

/** One sub-call as a row: a header line and its prompt, reply or error. */
function renderCall(model, call) {
  var d = call.detail;
  var failed = !!d.error;
  var header = [
    h("span", {class: "fn", text: d.function}),
    d.of > 1 ? h("span", {class: "idx", text: "item " + (d.index + 1) + "/" + d.of}) : null,
    h("span", {class: "model", text: d.model}),
    h("span", {class: "ms", text: fmtMs(d.duration_ms), title: "started +" + fmtMs(d.started_ms) + " after the run's start"}),
    h("span", {class: "tokens", text: fmtTokens(d.usage)}),
    (d.retries || []).length ? h("span", {class: "retries", text: plural(d.retries.length, "retry", "retries"), title: retryText(d.retries)}) : null,
    failed ? h("span", {class: "err-badge", text: "failed"}) : null,
  ];
  var row = h("div", {class: "subcall" + (failed ? " failed" : ""), id: call.id}, h("div", {class: "call-head"}, header));
  var asked = h("div", null, [h("div", {class: "label", text: "prompt (" + fmtInt(d.prompt_chars) + " characters" +
    (d.prompt_chars > d.prompt.length ? ", the first " + fmtInt(d.prompt.length) + " kept" : "") + ")"}),
    clip(d.prompt, CALL_TEXT_CHARS, "prompt")]);
  var kept = (d.response || "").length;
  var answered = failed
    ? h("div", null, [h("div", {class: "label", text: "error"}), clip(d.error, 2000, "error")])
    : h("div", null, [h("div", {class: "label", text: "reply (" + fmtInt(d.response_chars) + " characters" +
      (d.response_chars > kept ? ", the first " + fmtInt(kept) + " kept" : "") + ")"}), clip(d.response || "", CALL_TEXT_CHARS, "response")]);
  row.appendChild(h("div", {class: "call-body"}, [asked, answered]));
  if ((d.retries || []).length) {
    row.appendChild(h("div", {class: "label", text: "retries"}));
    row.appendChild(h("pre", {class: "text retry-list", text: retryText(d.retries)}));
  }
  if (d.child_run_id !== undefined && d.child_run_id !== null) {
    row.appendChild(h("button", {type: "button", class: "link", text: "→ child run #" + d.child_run_id,
      on: {click: function () { showRun(model, d.child_run_id); }}}));
  }
  return row;
}

/** The sub-call list of a cell, built when opened. */
function renderCellCalls(model, runId, iteration, cellIndex, cell) {
  var calls = callsOf(model, runId, iteration, cellIndex);
  var failed = calls.filter(function (c) { return c.detail.error; }).length;
  var missing = (cell.subcalls || 0) - calls.length;
  var title = plural(calls.length, "sub-call") + (failed ? " (" + failed + " failed)" : "");
  var box = lazy(title, function () {
    var list = h("div", {class: "subcall-list"});
    if (missing > 0) {
      list.appendChild(h("p", {class: "note", text: plural(missing, "sub-call") + " of this cell have no " +
        "detail (an older trajectory, or calls that never reached the handler)."}));
    }
    calls.forEach(function (call) { list.appendChild(renderCall(model, call)); });
    return list;
  }, {class: "subcalls" + (failed ? " has-failure" : ""), data: {count: calls.length}});
  return box;
}

/** Opens the page at the sub-call `call` (its run, iteration, cell and row); scrolls to it unless `scroll` is false. */
function showCall(model, call, scroll) {
  var place = call.run === 0 ? document.getElementById("iterations") : openRunNode(model, call.run);
  if (!place) return;
  var it = place.querySelector("details.iteration[data-run='" + call.run + "'][data-iteration='" + call.iteration + "']");
  if (!it) return;
  reveal(it);
  var cell = it.querySelector("details.cell[data-cell='" + call.cell + "']");
  if (!cell) return;
  reveal(cell);
  var list = cell.querySelector("details.subcalls");
  if (list) reveal(list);
  var row = document.getElementById(call.id);
  if (row && scroll !== false) {
    row.classList.add("flash");
    row.scrollIntoView({block: "center"});
    setTimeout(function () { row.classList.remove("flash"); }, 1500);
  }
}

/** Opens the tree node of run `id` (and its ancestors); returns its element. */
function openRunNode(model, id) {
  var chain = [];
  for (var r = model.runs.get(id); r; r = r.parent === null ? null : model.runs.get(r.parent)) chain.unshift(r.id);
  var node = null;
  chain.forEach(function (runId) {
    if (runId === 0) return;
    node = document.getElementById("run-" + runId);
    if (node) reveal(node);
  });
  return node;
}

/** Scrolls to the tree node of child run `id`. */
function showRun(model, id) {
  var node = openRunNode(model, id);
  if (node) node.scrollIntoView({block: "start"});
}
