// rlm trajectory viewer: DOM helpers, formatting, collapsed long texts, lazily built sections.
// Every text of the run goes into the page with textContent, never as HTML.

/** An element: h("div", {class: "x", text: "y", title: "z", data: {k: v}, on: {click: f}}, children). */
function h(tag, attrs, children) {
  var el = document.createElement(tag);
  var a = attrs || {};
  Object.keys(a).forEach(function (key) {
    var value = a[key];
    if (value === undefined || value === null || value === false) return;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "data") Object.keys(value).forEach(function (k) { el.dataset[k] = String(value[k]); });
    else if (key === "on") Object.keys(value).forEach(function (k) { el.addEventListener(k, value[k]); });
    else if (key === "style") el.setAttribute("style", value);
    else el.setAttribute(key, value === true ? "" : String(value));
  });
  append(el, children);
  return el;
}

/** Appends a node, a string (as text) or an array of them to `el`. */
function append(el, children) {
  if (children === undefined || children === null || children === false) return el;
  if (Array.isArray(children)) {
    children.forEach(function (c) { append(el, c); });
  } else if (typeof children === "string" || typeof children === "number") {
    el.appendChild(document.createTextNode(String(children)));
  } else {
    el.appendChild(children);
  }
  return el;
}

function fmtInt(n) {
  if (n === undefined || n === null) return "–";
  return Number(n).toLocaleString("en-US");
}

function fmtMs(ms) {
  if (ms === undefined || ms === null) return "–";
  if (ms < 1000) return Math.round(ms) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  var minutes = Math.floor(ms / 60000);
  return minutes + " min " + Math.round((ms % 60000) / 1000) + " s";
}

function fmtUsd(x) {
  if (x === undefined || x === null) return "unknown";
  if (x === 0) return "$0";
  return "$" + (x < 0.01 ? x.toPrecision(3) : x.toFixed(4));
}

/** A Rust `Duration` as serde writes it ({secs, nanos}), in milliseconds. */
function durationMs(d) {
  if (!d) return 0;
  if (typeof d === "number") return d;
  return (d.secs || 0) * 1000 + (d.nanos || 0) / 1e6;
}

function fmtTokens(usage) {
  if (!usage) return "–";
  return fmtInt(usage.prompt_tokens) + " in → " + fmtInt(usage.completion_tokens) + " out";
}

/** "1 word", "2 words" (or `many` for irregular plurals). */
function plural(n, word, many) {
  return fmtInt(n) + " " + (n === 1 ? word : many || word + "s");
}

/**
 * A long text collapsed to its first `limit` characters with a "show more" button that adds the
 * rest (and "show less" to fold it again). `cls` styles the <pre>.
 */
function clip(text, limit, cls) {
  var s = text === undefined || text === null ? "" : String(text);
  var pre = h("pre", {class: "text " + (cls || "")});
  if (s.length <= limit) {
    pre.textContent = s;
    return pre;
  }
  var head = document.createTextNode(s.slice(0, limit));
  var tail = null;
  var more = h("button", {type: "button", class: "more", text: "… show more (" + fmtInt(s.length - limit) + " more characters)"});
  more.addEventListener("click", function () {
    if (tail === null) {
      tail = document.createTextNode(s.slice(limit));
      pre.insertBefore(tail, more);
      more.textContent = "show less";
    } else {
      pre.removeChild(tail);
      tail = null;
      more.textContent = "… show more (" + fmtInt(s.length - limit) + " more characters)";
    }
  });
  pre.appendChild(head);
  pre.appendChild(more);
  return pre;
}

/**
 * A <details> whose body is built by `build()` the first time it opens (so a page with thousands
 * of sub-calls only builds what is looked at). `summary` is a node, a string or an array.
 */
function lazy(summary, build, attrs) {
  var details = h("details", attrs);
  details.appendChild(h("summary", null, summary));
  details._build = build;
  details.addEventListener("toggle", function () {
    if (details.open) buildLazy(details);
  });
  return details;
}

/** Builds the body of a lazy <details> now, if it is not built yet. */
function buildLazy(details) {
  if (!details._build) return;
  var build = details._build;
  details._build = null;
  var body = h("div", {class: "body"});
  append(body, build());
  details.appendChild(body);
}

/** Opens (and builds) one lazy <details> and its closed parents. */
function reveal(details) {
  for (var el = details; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") {
      buildLazy(el);
      el.open = true;
    }
  }
}

/**
 * Opens every <details> under `root`, building lazy ones as it goes (their bodies hold more). With
 * `only`, only those matching that selector. Returns how many were opened.
 */
function expandAll(root, only) {
  var opened = 0;
  for (var round = 0; round < 50; round++) {
    var closed = root.querySelectorAll(only ? "details:not([open])" + only : "details:not([open])");
    if (closed.length === 0) break;
    for (var i = 0; i < closed.length; i++) {
      buildLazy(closed[i]);
      closed[i].open = true;
      opened++;
    }
  }
  return opened;
}

function collapseAll(root) {
  root.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
}

/** A titled section of the page. */
function section(id, title, children) {
  return h("section", {id: id}, [h("h2", {text: title})].concat(children || []));
}

/** A two-column table of [label, value] rows (values may be nodes); rows with no value are left out. */
function factTable(rows) {
  var table = h("table", {class: "facts"});
  rows.forEach(function (row) {
    if (row[1] === undefined || row[1] === null || row[1] === "") return;
    table.appendChild(h("tr", null, [h("th", {text: row[0]}), h("td", null, row[1])]));
  });
  return table;
}

/** A table with a header row; `rows` are arrays of cell contents. */
function dataTable(headers, rows, cls) {
  var table = h("table", {class: "data " + (cls || "")});
  table.appendChild(h("tr", null, headers.map(function (x) { return h("th", {text: x}); })));
  rows.forEach(function (row) {
    table.appendChild(h("tr", null, row.map(function (x) { return h("td", null, x); })));
  });
  return table;
}
