// rlm trajectory viewer: the run's outcome (answer, how it was reached, error), its settings, and
// its usage and cost per model and per depth.

/** How the answer was reached, in words, from the outcome and the top-level run's last turn. */
function howReached(model) {
  var o = model.outcome;
  var its = model.root.iterations;
  var last = its[its.length - 1];
  if (!o || !o.answer && o.answer !== "") return null;
  if (o.finished === "forced") {
    return "forced: the turns ran out (" + model.meta.max_iterations + " iterations) and the answer came " +
      "from the final-answer request";
  }
  if (!last) return "final";
  var fromCode = (last.cells || []).findIndex(function (c) { return c.final_answer !== null && c.final_answer !== undefined; });
  if (fromCode >= 0) {
    return "final: FINAL / FINAL_VAR from the code of cell " + (fromCode + 1) + " in iteration " + last.iteration;
  }
  return "final: FINAL(...) / FINAL_VAR(...) in the reply of iteration " + last.iteration;
}

function renderOutcome(model) {
  var o = model.outcome;
  var parts = [];
  if (o && o.answer !== null && o.answer !== undefined) {
    parts.push(h("h3", {text: "Answer"}));
    var answer = h("div", {id: "answer", class: "answer"});
    answer.appendChild(o.answer.length > 20000 ? clip(o.answer, 20000) : h("pre", {class: "text", text: o.answer}));
    parts.push(answer);
    parts.push(factTable([["how it was reached", howReached(model)]]));
  } else if (o) {
    parts.push(h("h3", {text: "No answer"}));
    parts.push(h("div", {id: "error", class: "banner error"}, clip(o.error || "the run stopped", 2000)));
    if (o.partial_answer) {
      parts.push(h("h4", {text: "Best partial answer"}));
      parts.push(h("div", {id: "partial-answer", class: "answer partial"}, clip(o.partial_answer, 4000)));
    }
  } else {
    parts.push(h("h3", {text: "No outcome yet"}));
    var best = lastAnswer(model.root);
    if (best) parts.push(h("div", {id: "answer", class: "answer"}, h("pre", {class: "text", text: best})));
  }
  var facts = [
    ["iterations (top-level run)", o ? fmtInt(o.iterations) : fmtInt(model.counts.rootIterations) + " recorded"],
    ["wall-clock time", o ? fmtMs(o.duration_ms) : null],
    ["cost", o ? fmtUsd(o.cost_usd) : null],
    ["sub-calls", fmtInt(model.counts.subcalls) + " (" + fmtInt(model.counts.failedDetails) + " failed, " +
      plural(model.counts.retries, "retry", "retries") + ")"],
    ["child runs", model.runs.size > 1 ? fmtInt(model.runs.size - 1) : null],
  ];
  parts.push(factTable(facts));
  return section("outcome", "Outcome", parts);
}

/** The answer of a run's last iteration, if it had one. */
function lastAnswer(r) {
  var last = r.iterations[r.iterations.length - 1];
  return last && last.answer ? last.answer : null;
}

function renderSettings(model) {
  var m = model.meta;
  var limits = m.limits || {};
  var started = m.started_unix_ms ? new Date(m.started_unix_ms).toISOString() : null;
  var rows = [
    ["root model", m.root_model],
    ["sub-model", m.sub_model],
    ["named sub-models", (m.named_sub_models || []).join(", ")],
    ["max iterations", fmtInt(m.max_iterations)],
    ["max depth", fmtInt(m.max_depth)],
    ["max concurrent sub-calls", fmtInt(m.max_concurrent)],
    ["token budget", limits.token_budget ? fmtInt(limits.token_budget) : null],
    ["cost budget", limits.cost_budget_usd ? fmtUsd(limits.cost_budget_usd) : null],
    ["timeout", limits.timeout_ms ? fmtMs(limits.timeout_ms) : null],
    ["max consecutive errors", limits.max_consecutive_errors],
    ["max sub-calls", limits.max_subcalls ? fmtInt(limits.max_subcalls) : null],
    ["context", (m.context_kind || "?") + ", " + fmtInt(m.context_chars) + " characters" +
      (m.context_index ? " (context_" + m.context_index + " of a session)" : "")],
    ["started", started],
    ["written by", "rlm " + (m.rlm_version || "?")],
    ["file", model.data.source + " (" + plural(model.data.lines, "line") + ")"],
  ];
  var details = h("details", {class: "settings", open: true}, [h("summary", {text: "Settings"}), factTable(rows)]);
  return details;
}

function usageRow(label, u, cost) {
  var usage = u.usage || {};
  return [label, fmtInt(u.calls), fmtInt(u.failures), fmtInt(u.retries), fmtInt(usage.prompt_tokens),
    fmtInt(usage.cached_tokens), fmtInt(usage.completion_tokens), fmtMs(u.ms), fmtUsd(cost)];
}

function renderUsage(model) {
  var t = usageTables(model);
  var headers = ["", "calls", "failed", "retries", "input tokens", "cached", "output tokens", "time in calls", "cost"];
  var models = t.perModel.map(function (u) { return usageRow(u.name, u, u.cost); });
  models.push(usageRow("total", {calls: t.total.calls, failures: t.total.failures, retries: t.total.retries,
    usage: t.total.usage, ms: t.total.ms !== undefined ? t.total.ms : durationMs(t.total.elapsed)}, t.cost === null ? undefined : t.cost));
  var depths = t.perDepth.map(function (u) {
    return usageRow("depth " + u.depth + (u.depth === 0 ? " (root model)" : ""), u, u.cost);
  });
  var children = [
    h("h3", {text: "Per model"}), dataTable(headers, models, "usage per-model"),
    h("h3", {text: "Per depth"}), dataTable(headers, depths, "usage per-depth"),
    h("p", {class: "note", text: "Depth 0 holds the root model's own calls; a call made by code at depth d " +
      "is counted at d + 1, as are the loop calls of a child run at depth d + 1."}),
  ];
  if (t.fromRecords) {
    children.unshift(h("p", {class: "banner warn", text: "The run did not finish, so these numbers are " +
      "added up from the records (finished calls only; costs need the outcome)."}));
  } else if (t.cost === null || t.cost === undefined) {
    children.push(h("p", {class: "note", text: "Cost unknown: not every model used had a price."}));
  }
  return section("usage", "Usage and cost", children);
}
