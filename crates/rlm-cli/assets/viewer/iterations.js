// rlm trajectory viewer: the iterations of a run (the messages sent, the root model's reply with its
// code highlighted, each cell's output, error, timing, sub-calls and tool calls), built when opened,
// and the child runs as a tree.

/** Characters of a message or prose shown before "show more". */
var TEXT_CHARS = 1200;

function cellSummary(cell, index) {
  var parts = ["Cell " + (index + 1), fmtMs(cell.duration_ms)];
  if (cell.subcalls) parts.push(plural(cell.subcalls, "sub-call") + (cell.failed_subcalls ? " (" + cell.failed_subcalls + " failed)" : ""));
  var tools = cell.tool_calls || [];
  var toolErrors = tools.filter(function (c) { return c.error; }).length;
  if (tools.length) parts.push(plural(tools.length, "tool call") + (toolErrors ? " (" + toolErrors + " failed)" : ""));
  var summary = [h("span", {class: "title", text: parts.join(" · ")})];
  if (cell.error) summary.push(h("span", {class: "err-badge", text: "error"}));
  if (cell.final_answer !== null && cell.final_answer !== undefined) summary.push(h("span", {class: "ok-badge", text: "answer"}));
  if (cell.restart) summary.push(h("span", {class: "warn-badge", text: "sandbox restarted"}));
  return summary;
}

function renderCell(model, it, code, cell, index) {
  if (!cell) {
    return h("div", {class: "cell not-run"}, [h("div", {class: "label", text: "Block " + (index + 1) +
      " did not run (an earlier block gave the answer)"}), highlightCode(code)]);
  }
  var failed = !!cell.error || (cell.failed_subcalls || 0) > 0 ||
    (cell.tool_calls || []).some(function (c) { return c.error; });
  return lazy(cellSummary(cell, index), function () {
    var lines = code.split("\n").length;
    var body = [lazy("code (" + plural(lines, "line") + ", as in the reply)", function () { return highlightCode(code); },
      {class: "code-box"})];
    body.push(h("div", {class: "label", text: "output" + (cell.started_ms !== undefined ? " (started +" + fmtMs(cell.started_ms) + ")" : "")}));
    body.push(cell.stdout ? clip(cell.stdout, TEXT_CHARS, "output") : h("p", {class: "note", text: "(nothing printed)"}));
    if (cell.value !== null && cell.value !== undefined) {
      body.push(h("div", {class: "label", text: "value of the last expression"}));
      body.push(clip(cell.value, TEXT_CHARS, "output"));
    }
    if (cell.error) {
      body.push(h("div", {class: "label", text: "error"}));
      body.push(clip(cell.error, TEXT_CHARS, "error"));
    }
    if (cell.restart) body.push(h("p", {class: "banner warn", text: cell.restart}));
    if (cell.final_answer !== null && cell.final_answer !== undefined) {
      body.push(h("div", {class: "label", text: "FINAL from code"}));
      body.push(clip(cell.final_answer, TEXT_CHARS, "answer-text"));
    }
    if (cell.subcalls || (cell.subcall_details || []).length) body.push(renderCellCalls(model, it.run_id, it.iteration, index, cell));
    if ((cell.tool_calls || []).length) body = body.concat(renderToolCalls(cell.tool_calls));
    return body;
  }, {class: "cell" + (failed ? " has-failure" : ""), data: {cell: index}});
}

/** The host tool calls of a cell, in the order they finished: name, arguments, timing, result or error. */
function renderToolCalls(calls) {
  var out = [h("div", {class: "label", text: plural(calls.length, "tool call")})];
  calls.forEach(function (c) {
    out.push(h("div", {class: "tool-call", data: {tool: c.name}}, [
      h("div", {class: "label", text: c.name + " " + c.arguments + " · " + fmtMs(c.duration_ms) + " (started +" + fmtMs(c.started_ms) + ")"}),
      c.error ? clip("Error: " + c.error, TEXT_CHARS, "error") : clip(c.result || "", TEXT_CHARS, "output")]));
  });
  return out;
}

function iterationSummary(it) {
  var cells = it.cells || [];
  var subcalls = cells.reduce(function (n, c) { return n + (c.subcalls || 0); }, 0);
  var failed = cells.reduce(function (n, c) { return n + (c.failed_subcalls || 0); }, 0);
  var parts = [(it.final_request ? "Final-answer request " : "Iteration ") + it.iteration,
    "model " + fmtMs(it.model_ms)];
  if (cells.length) parts.push(plural(cells.length, "cell") + " " + fmtMs(it.cells_ms));
  if (subcalls) parts.push(plural(subcalls, "sub-call") + (failed ? " (" + failed + " failed)" : ""));
  parts.push(fmtTokens(it.usage));
  var summary = [h("span", {class: "title", text: parts.join(" · ")})];
  if (cells.some(function (c) { return c.error; })) summary.push(h("span", {class: "err-badge", text: "cell error"}));
  if ((it.retries || []).length) summary.push(h("span", {class: "warn-badge", text: plural(it.retries.length, "retry", "retries")}));
  if (it.answer !== null && it.answer !== undefined) summary.push(h("span", {class: "ok-badge", text: "answer"}));
  return summary;
}

function renderMessages(it) {
  return (it.messages || []).map(function (m) {
    return h("div", {class: "message " + m.role}, [h("div", {class: "label", text: m.role}), clip(m.content, TEXT_CHARS)]);
  });
}

function renderIteration(model, r, it) {
  var failed = (it.cells || []).some(function (c) { return c.error || c.failed_subcalls; });
  return lazy(iterationSummary(it), function () {
    var body = [];
    r.compactions.forEach(function (c) {
      if (c.iteration !== it.iteration) return;
      body.push(h("div", {class: "banner warn"}, [
        "The history was compacted before this turn: " + plural(c.messages_before, "message") + ", ~" +
        fmtInt(c.tokens_before) + " → ~" + fmtInt(c.tokens_after) + " tokens. The summary:", clip(c.summary, TEXT_CHARS)]));
    });
    var messages = it.messages || [];
    body.push(lazy("Sent: " + plural(messages.length, "new message") + (it.started_ms !== undefined ? " (turn started +" + fmtMs(it.started_ms) + ")" : ""),
      function () { return renderMessages(it); }, {class: "messages"}));
    body.push(h("div", {class: "label", text: "reply of " + (r.id === 0 ? "the root model" : r.model || "the sub-model")}));
    body.push(renderReply(it.reply || "", TEXT_CHARS));
    if ((it.retries || []).length) body.push(h("pre", {class: "text retry-list", text: retryText(it.retries)}));
    var blocks = it.code_blocks || [];
    blocks.forEach(function (code, i) { body.push(renderCell(model, it, code, (it.cells || [])[i], i)); });
    if (it.answer !== null && it.answer !== undefined) {
      body.push(h("div", {class: "label", text: "answer"}));
      body.push(clip(it.answer, TEXT_CHARS, "answer-text"));
    }
    return body;
  }, {class: "iteration" + (failed ? " has-failure" : ""), data: {run: r.id, iteration: it.iteration}});
}

/** The iterations of run `r`, each collapsed. */
function renderIterations(model, r) {
  var list = h("div", {class: "iterations"});
  if (!r.iterations.length) list.appendChild(h("p", {class: "note", text: "No iteration was recorded."}));
  r.iterations.forEach(function (it) { list.appendChild(renderIteration(model, r, it)); });
  return list;
}

function runSummary(model, r) {
  var s = r.status;
  var parts = ["run #" + r.id, "depth " + r.depth, r.model || "?", plural(r.iterations.length, "iteration")];
  if (r.started_ms !== null) parts.push("started +" + fmtMs(r.started_ms));
  var badge = s.state === "answered" ? h("span", {class: "ok-badge", text: s.forced ? "forced answer" : "answered"})
    : s.state === "failed" ? h("span", {class: "err-badge", text: "failed"})
    : h("span", {class: "warn-badge", text: "unfinished"});
  return [h("span", {class: "title", text: parts.join(" · ")}), badge];
}

/** A child run as a tree node: its prompt, answer or error, iterations, and its own children. */
function renderRunNode(model, r) {
  return lazy(runSummary(model, r), function () {
    var body = [];
    var call = r.spawnedBy;
    if (call) {
      body.push(h("div", {class: "label", text: "started by " + call.detail.function + " in iteration " + call.iteration +
        ", cell " + (call.cell + 1) + " of run #" + call.run + "; its prompt (the child's context, " + fmtInt(call.detail.prompt_chars) + " characters)"}));
      body.push(clip(call.detail.prompt, TEXT_CHARS, "prompt"));
      body.push(h("button", {type: "button", class: "link", text: "→ the sub-call", on: {click: function () { showCall(model, call); }}}));
    }
    if (r.status.state === "answered") body.push(h("div", {class: "label", text: "answer"}), clip(r.status.answer, TEXT_CHARS, "answer-text"));
    if (r.status.state === "failed") body.push(h("div", {class: "label", text: "error"}), clip(r.status.error, TEXT_CHARS, "error"));
    body.push(renderIterations(model, r));
    if (r.children.length) body.push(renderChildren(model, r));
    return body;
  }, {class: "run-node" + (r.status.state === "failed" ? " has-failure" : ""), id: "run-" + r.id, data: {run: r.id}});
}

function renderChildren(model, r) {
  var ul = h("ul", {class: "tree"});
  r.children.forEach(function (id) {
    var child = model.runs.get(id);
    if (child) ul.appendChild(h("li", null, renderRunNode(model, child)));
  });
  return ul;
}

/** The tree of child runs under the top-level run (nothing when there is none). */
function renderTree(model) {
  if (model.runs.size <= 1) return null;
  var note = h("p", {class: "note", text: plural(model.runs.size - 1, "child run") + " (rlm_query / rlm_batch), " +
    "nested under the run whose code started them."});
  return section("runs", "Child runs", [note, renderChildren(model, model.root)]);
}
