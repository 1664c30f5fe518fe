// rlm trajectory viewer: starts the page. Reads the embedded trajectory, renders the outcome,
// settings, usage, timeline, iterations and child runs, wires the toolbar, and records its state on
// #app for tests (data-state, data-iterations, data-subcalls, data-subcall-details, data-runs,
// data-complete, data-ready-ms). URL parameters (in the hash or the query):
// `expand=all` opens everything once rendered; `failures=only` starts with the failures filter on;
// `open=ID` opens the sections holding an element and `at=ID` also scrolls to it (`#at=iterations`,
// `#open=sc-0-2-0-3`: iteration 2 of run 0, its first cell, its fourth sub-call).

function boot() {
  var app = document.getElementById("app");
  var content = document.getElementById("content");
  var data = JSON.parse(document.getElementById("rlm-data").textContent);
  var model = buildModel(data);
  indexCalls(model);
  document.title = "rlm trajectory: " + data.source;
  document.getElementById("source").textContent = data.source;
  if (model.stop) {
    var status = document.getElementById("status");
    status.hidden = false;
    status.className = "banner warn";
    status.appendChild(h("strong", {text: "Partial trajectory. "}));
    status.appendChild(h("span", {id: "partial", text: model.stop}));
  }
  content.appendChild(h("div", {class: "top-grid"}, [renderOutcome(model), h("section", {id: "settings"}, renderSettings(model))]));
  content.appendChild(renderUsage(model));
  content.appendChild(renderTimeline(model));
  var iterations = section("iterations", "Iterations of the top-level run (" + model.root.iterations.length + ")",
    [h("p", {class: "note", text: "Click an iteration to see what was sent, the reply, and each cell; a cell's " +
      "sub-calls open on a click too."}), renderIterations(model, model.root)]);
  content.appendChild(iterations);
  var tree = renderTree(model);
  if (tree) content.appendChild(tree);

  var failuresOnly = document.getElementById("failures-only");
  failuresOnly.addEventListener("change", function () {
    app.classList.toggle("failures-only", failuresOnly.checked);
  });
  document.getElementById("expand-all").addEventListener("click", function () { markExpanded(app, expandAll(content)); });
  document.getElementById("collapse-all").addEventListener("click", function () { collapseAll(content); });

  var c = model.counts;
  app.dataset.iterations = String(c.rootIterations);
  app.dataset.allIterations = String(c.iterations);
  app.dataset.subcalls = String(c.subcalls);
  app.dataset.subcallDetails = String(c.details);
  app.dataset.failedSubcalls = String(c.failedDetails);
  app.dataset.runs = String(model.runs.size);
  app.dataset.complete = String(model.complete);
  if (urlParam("failures") === "only") {
    failuresOnly.checked = true;
    app.classList.add("failures-only");
  }
  if (urlParam("expand") === "all") markExpanded(app, expandAll(content));
  if (urlParam("open")) showElement(model, urlParam("open"), false);
  if (urlParam("at")) showElement(model, urlParam("at"), true);
  app.dataset.state = "ready";
  app.dataset.readyMs = String(Math.round(performance.now()));
}

/** The value of `name` in the URL's hash or query (`#expand=all&at=iterations`), or null. */
function urlParam(name) {
  var pattern = new RegExp("(?:^|[#?&])" + name + "=([^&]*)");
  var match = pattern.exec(location.hash) || pattern.exec(location.search);
  return match ? decodeURIComponent(match[1]) : null;
}

/**
 * Opens the sections holding the element `id` (a section, a child run `run-N`, or a sub-call
 * `sc-RUN-ITERATION-CELL-K`, whose row is built on the way) and, with `scroll`, scrolls to it.
 */
function showElement(model, id, scroll) {
  var call = model.calls.find(function (c) { return c.id === id; });
  if (call) {
    showCall(model, call, scroll);
    return;
  }
  var el = document.getElementById(id);
  if (!el) return;
  if (el.tagName === "DETAILS") reveal(el);
  else if (el.parentElement) reveal(el.parentElement);
  if (scroll) el.scrollIntoView({block: "start"});
}

/** Records how much is open, for tests: the sub-call rows and cells now in the page. */
function markExpanded(app, opened) {
  app.dataset.expanded = String(opened);
  app.dataset.renderedSubcalls = String(document.querySelectorAll(".subcall").length);
  app.dataset.renderedCells = String(document.querySelectorAll("details.cell[open]").length);
  // Rows the "failures only" filter leaves on screen (a hidden row has no offsetParent).
  var visible = Array.prototype.filter.call(document.querySelectorAll(".subcall"), function (row) { return row.offsetParent !== null; });
  app.dataset.visibleSubcalls = String(visible.length);
}

try {
  boot();
} catch (error) {
  var app = document.getElementById("app");
  app.dataset.state = "error";
  app.dataset.error = String(error && error.message || error);
  var status = document.getElementById("status");
  status.hidden = false;
  status.className = "banner error";
  status.textContent = "The viewer failed: " + app.dataset.error;
  console.error(error);
}
