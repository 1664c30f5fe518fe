// rlm trajectory viewer: a small JavaScript highlighter (comments, strings, numbers, keywords, the
// sandbox's functions) and the model's reply split into prose and fenced code blocks.

var JS_KEYWORDS = new Set(("var let const function return if else for while do break continue new " +
  "typeof instanceof in of try catch finally throw switch case default class extends this null " +
  "undefined true false async await yield delete void").split(" "));

var RLM_NAMES = new Set(("llm_query llm_batch rlm_query rlm_batch print FINAL FINAL_VAR SHOW_VARS " +
  "context console JSON Math Object Array String Number").split(" "));

/** Code longer than this is shown as plain text (highlighting would cost more than it helps). */
var HIGHLIGHT_MAX_CHARS = 200000;

function isIdentStart(c) {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "$";
}

function isIdentPart(c) {
  return isIdentStart(c) || (c >= "0" && c <= "9");
}

/** The end (exclusive) of the string starting at `i` with quote `q`. */
function stringEnd(code, i, q) {
  var j = i + 1;
  while (j < code.length) {
    var c = code[j];
    if (c === "\\") { j += 2; continue; }
    if (c === q) return j + 1;
    if (c === "\n" && q !== "`") return j;
    j++;
  }
  return code.length;
}

/** `code` as a <pre><code> with spans for the tokens (built from text nodes, never HTML). */
function highlightCode(code) {
  var out = h("code", {class: "js"});
  var pre = h("pre", {class: "code"}, out);
  if (code.length > HIGHLIGHT_MAX_CHARS) {
    out.textContent = code;
    return pre;
  }
  var plain = "";
  function flush() {
    if (plain) { out.appendChild(document.createTextNode(plain)); plain = ""; }
  }
  function token(cls, text) {
    flush();
    out.appendChild(h("span", {class: cls, text: text}));
  }
  var i = 0;
  while (i < code.length) {
    var c = code[i];
    var next = code[i + 1];
    var end;
    if (c === "/" && next === "/") {
      end = code.indexOf("\n", i);
      if (end < 0) end = code.length;
      token("tok-comment", code.slice(i, end));
      i = end;
    } else if (c === "/" && next === "*") {
      end = code.indexOf("*/", i + 2);
      end = end < 0 ? code.length : end + 2;
      token("tok-comment", code.slice(i, end));
      i = end;
    } else if (c === "'" || c === "\"" || c === "`") {
      end = stringEnd(code, i, c);
      token("tok-string", code.slice(i, end));
      i = end;
    } else if (c >= "0" && c <= "9" && !isIdentPart(code[i - 1] || " ")) {
      end = i + 1;
      while (end < code.length && /[0-9a-fA-FxX._n]/.test(code[end])) end++;
      token("tok-number", code.slice(i, end));
      i = end;
    } else if (isIdentStart(c)) {
      end = i + 1;
      while (end < code.length && isIdentPart(code[end])) end++;
      var word = code.slice(i, end);
      if (JS_KEYWORDS.has(word)) token("tok-keyword", word);
      else if (RLM_NAMES.has(word)) token("tok-builtin", word);
      else plain += word;
      i = end;
    } else {
      plain += c;
      i++;
    }
  }
  flush();
  return pre;
}

/** The languages whose fenced blocks are highlighted as JavaScript. */
var JS_FENCES = new Set(["", "repl", "js", "javascript"]);

/**
 * The model's reply: prose (collapsed past `limit` characters) and fenced blocks (```repl, ```js:
 * highlighted; other languages: plain), in order.
 */
function renderReply(text, limit) {
  var box = h("div", {class: "reply"});
  var fence = /```([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g;
  var last = 0;
  var match;
  while ((match = fence.exec(text)) !== null) {
    var prose = text.slice(last, match.index);
    if (prose.trim()) box.appendChild(clip(prose.replace(/^\n+|\n+$/g, ""), limit, "prose"));
    var lang = match[1].toLowerCase();
    var body = match[2].replace(/\n$/, "");
    box.appendChild(h("div", {class: "fence-label", text: "```" + (lang || "")}));
    box.appendChild(JS_FENCES.has(lang) ? highlightCode(body) : clip(body, limit * 4, "code"));
    last = fence.lastIndex;
  }
  var rest = text.slice(last);
  if (rest.trim() || last === 0) box.appendChild(clip(rest.replace(/^\n+|\n+$/g, ""), limit, "prose"));
  return box;
}
