//! Makes top-level declarations re-declarable across cells, as in a browser console.
//!
//! QuickJS keeps top-level `let` / `const` / `class` bindings between evaluations and refuses
//! to declare the same name again. Before a cell runs, its top-level (brace depth 0)
//! declarations are rewritten: `let` / `const` → `var`, `class X {}` → `var X = class X {};`.
//! A small tokenizer that understands strings, template literals, comments and regular
//! expression literals finds them; nested blocks, functions and `for (let ...)` stay as they
//! are. Line numbers never change, so error lines still match the cell.

/// What the scanner last saw, to tell regular expressions from division and statement starts.
#[derive(Debug, Clone, PartialEq)]
enum Prev {
    None,
    Word(String),
    Punct(u8),
    Value,
}

/// Where the scanner is in a top-level `let` declaration list, to give each declarator
/// without an initializer an explicit `= undefined` (as `var x;` would keep an old value).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decl {
    None,
    /// Expecting a declarator's name.
    Name,
    /// After a declarator's name ending at this offset.
    AfterName(usize),
    /// Inside an initializer (or a destructuring pattern).
    Init,
}

/// An open bracket.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    Brace,
    Paren,
    Bracket,
    TemplateExpr,
    ClassBody,
}

/// Keywords after which `/` starts a regular expression.
const REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// Returns `code` with its top-level `let` / `const` / `class` declarations rewritten to `var`.
pub(crate) fn rewrite_declarations(code: &str) -> String {
    let edits = Scanner::new(code.as_bytes()).run();
    if edits.is_empty() {
        return code.to_owned();
    }
    let mut out = String::with_capacity(code.len() + 16 * edits.len());
    let mut last = 0;
    for edit in edits {
        out.push_str(&code[last..edit.start]);
        out.push_str(&edit.text);
        last = edit.end;
    }
    out.push_str(&code[last..]);
    out
}

/// Replace `start..end` with `text`.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    stack: Vec<Frame>,
    prev: Prev,
    newline: bool,
    class_pending: bool,
    decl: Decl,
    edits: Vec<Edit>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'\\' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

impl<'a> Scanner<'a> {
    fn new(src: &'a [u8]) -> Self {
        Self {
            src,
            pos: 0,
            stack: Vec::new(),
            prev: Prev::None,
            newline: false,
            class_pending: false,
            decl: Decl::None,
            edits: Vec::new(),
        }
    }

    fn peek(&self, offset: usize) -> u8 {
        self.src.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn run(mut self) -> Vec<Edit> {
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            let trivia = matches!(b, b'\n' | b' ' | b'\t' | b'\r')
                || (b == b'/' && matches!(self.peek(1), b'/' | b'*'));
            if !trivia && self.decl != Decl::None {
                self.decl_token(b);
            }
            match b {
                b'\n' => {
                    self.newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => self.skip_line_comment(),
                b'/' if self.peek(1) == b'*' => self.skip_block_comment(),
                b'\'' | b'"' => {
                    self.skip_string(b);
                    self.set_prev(Prev::Value);
                }
                b'`' => {
                    self.pos += 1;
                    self.scan_template();
                }
                b'/' if self.regex_allowed() => {
                    self.skip_regex();
                    self.set_prev(Prev::Value);
                }
                b'{' => {
                    let frame = if self.class_pending && self.stack.is_empty() {
                        self.class_pending = false;
                        Frame::ClassBody
                    } else {
                        Frame::Brace
                    };
                    self.open(frame);
                }
                b'(' => self.open(Frame::Paren),
                b'[' => self.open(Frame::Bracket),
                b'}' => self.close_brace(),
                b')' | b']' => {
                    self.stack.pop();
                    self.pos += 1;
                    self.set_prev(Prev::Punct(b));
                }
                b if b.is_ascii_digit() => {
                    while self.pos < self.src.len()
                        && (is_ident_char(self.src[self.pos]) || self.src[self.pos] == b'.')
                    {
                        self.pos += 1;
                    }
                    self.set_prev(Prev::Value);
                }
                b if is_ident_start(b) => self.word(),
                _ => {
                    self.pos += 1;
                    self.set_prev(Prev::Punct(b));
                }
            }
        }
        if let Decl::AfterName(end) = self.decl {
            self.insert(end, " = undefined");
        }
        self.edits
    }

    fn insert(&mut self, at: usize, text: &str) {
        self.edits.push(Edit {
            start: at,
            end: at,
            text: text.to_owned(),
        });
    }

    /// Follows a top-level `let` list: `let a, b = 1, c` becomes
    /// `var a = undefined, b = 1, c = undefined`, because a re-run `var a` would keep the
    /// value of an earlier cell where a console's `let a` gives `undefined`.
    fn decl_token(&mut self, b: u8) {
        match self.decl {
            Decl::Name => {
                if !is_ident_start(b) {
                    // A destructuring pattern: it has an initializer.
                    self.decl = Decl::Init;
                }
            }
            Decl::AfterName(end) => match b {
                b'=' => self.decl = Decl::Init,
                b',' => {
                    self.insert(end, " = undefined");
                    self.decl = Decl::Name;
                }
                b';' => {
                    self.insert(end, " = undefined");
                    self.decl = Decl::None;
                }
                _ => {
                    // The declaration ended without `;` (automatic semicolon insertion): end it
                    // explicitly, or `undefined` would run into the next line.
                    self.insert(end, " = undefined;");
                    self.decl = Decl::None;
                }
            },
            Decl::Init if self.stack.is_empty() => {
                let ended_by_newline = self.newline
                    && (is_ident_char(b) || matches!(b, b'\'' | b'"' | b'`'))
                    && match &self.prev {
                        Prev::Value => true,
                        Prev::Word(w) => !REGEX_AFTER.contains(&w.as_str()),
                        Prev::Punct(p) => matches!(p, b')' | b']' | b'}'),
                        Prev::None => false,
                    };
                if b == b',' {
                    self.decl = Decl::Name;
                } else if b == b';' || ended_by_newline {
                    self.decl = Decl::None;
                }
            }
            Decl::None | Decl::Init => {}
        }
    }

    fn set_prev(&mut self, prev: Prev) {
        self.prev = prev;
        self.newline = false;
    }

    fn open(&mut self, frame: Frame) {
        let b = self.src[self.pos];
        self.stack.push(frame);
        self.pos += 1;
        self.set_prev(Prev::Punct(b));
    }

    fn close_brace(&mut self) {
        self.pos += 1;
        match self.stack.pop() {
            Some(Frame::TemplateExpr) => self.scan_template(),
            Some(Frame::ClassBody) if self.stack.is_empty() => {
                self.edits.push(Edit {
                    start: self.pos,
                    end: self.pos,
                    text: ";".to_owned(),
                });
                self.set_prev(Prev::Punct(b';'));
            }
            _ => self.set_prev(Prev::Punct(b'}')),
        }
    }

    fn regex_allowed(&self) -> bool {
        match &self.prev {
            Prev::None => true,
            Prev::Punct(p) => !matches!(p, b')' | b']'),
            Prev::Word(w) => REGEX_AFTER.contains(&w.as_str()),
            Prev::Value => false,
        }
    }

    fn skip_line_comment(&mut self) {
        while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        self.pos += 2;
        while self.pos < self.src.len() && !(self.src[self.pos] == b'*' && self.peek(1) == b'/') {
            if self.src[self.pos] == b'\n' {
                self.newline = true;
            }
            self.pos += 1;
        }
        self.pos = (self.pos + 2).min(self.src.len());
    }

    fn skip_string(&mut self, quote: u8) {
        self.pos += 1;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' => return,
                b if b == quote => {
                    self.pos += 1;
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Scans template text after a backtick or after the `}` closing a `${...}`.
    fn scan_template(&mut self) {
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'\\' => self.pos += 2,
                b'`' => {
                    self.pos += 1;
                    self.set_prev(Prev::Value);
                    return;
                }
                b'$' if self.peek(1) == b'{' => {
                    self.pos += 2;
                    self.stack.push(Frame::TemplateExpr);
                    self.set_prev(Prev::Punct(b'{'));
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    fn skip_regex(&mut self) {
        self.pos += 1;
        let mut in_class = false;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'\\' => self.pos += 2,
                b'[' => {
                    in_class = true;
                    self.pos += 1;
                }
                b']' => {
                    in_class = false;
                    self.pos += 1;
                }
                b'\n' => return,
                b'/' if !in_class => {
                    self.pos += 1;
                    while self.pos < self.src.len() && is_ident_char(self.src[self.pos]) {
                        self.pos += 1;
                    }
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    fn read_word(&mut self) -> (usize, String) {
        let start = self.pos;
        while self.pos < self.src.len() && is_ident_char(self.src[self.pos]) {
            self.pos += if self.src[self.pos] == b'\\' { 2 } else { 1 };
        }
        self.pos = self.pos.min(self.src.len());
        (
            start,
            String::from_utf8_lossy(&self.src[start..self.pos]).into_owned(),
        )
    }

    /// Position of the next significant byte (skipping spaces and comments), without moving.
    fn next_significant(&self) -> usize {
        let mut p = self.pos;
        loop {
            match self.src.get(p) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => p += 1,
                Some(b'/') if self.src.get(p + 1) == Some(&b'/') => {
                    while p < self.src.len() && self.src[p] != b'\n' {
                        p += 1;
                    }
                }
                Some(b'/') if self.src.get(p + 1) == Some(&b'*') => {
                    p += 2;
                    while p < self.src.len()
                        && !(self.src[p] == b'*' && self.src.get(p + 1) == Some(&b'/'))
                    {
                        p += 1;
                    }
                    p += 2;
                }
                _ => return p,
            }
        }
    }

    fn at_statement_start(&self) -> bool {
        match &self.prev {
            Prev::None | Prev::Punct(b';' | b'}') => true,
            Prev::Punct(b')' | b']') | Prev::Value => self.newline,
            Prev::Word(w) => self.newline && !REGEX_AFTER.contains(&w.as_str()) && w != "extends",
            Prev::Punct(_) => false,
        }
    }

    fn word(&mut self) {
        let top = self.stack.is_empty() && self.prev != Prev::Punct(b'.');
        let statement_start = self.at_statement_start();
        let (start, word) = self.read_word();
        if top && self.decl == Decl::Name {
            self.decl = Decl::AfterName(self.pos);
        }
        if top {
            let next = self.next_significant();
            let next_byte = self.src.get(next).copied().unwrap_or(0);
            match word.as_str() {
                "let" | "const"
                    if (is_ident_start(next_byte) || next_byte == b'[' || next_byte == b'{')
                        && !self.src[next..].starts_with(b"in ")
                        && !self.src[next..].starts_with(b"instanceof") =>
                {
                    let text = if word == "let" { "var" } else { "var  " };
                    self.edits.push(Edit {
                        start,
                        end: self.pos,
                        text: text.to_owned(),
                    });
                    self.decl = match (word.as_str(), is_ident_start(next_byte)) {
                        ("let", true) => Decl::Name,
                        ("let", false) => Decl::Init,
                        _ => Decl::None,
                    };
                    self.set_prev(Prev::Word(word));
                    return;
                }
                "class" if statement_start && is_ident_start(next_byte) => {
                    let name_end = {
                        let mut p = next;
                        while p < self.src.len() && is_ident_char(self.src[p]) {
                            p += 1;
                        }
                        p
                    };
                    let name = String::from_utf8_lossy(&self.src[next..name_end]).into_owned();
                    if name != "extends" {
                        self.edits.push(Edit {
                            start,
                            end: start,
                            text: format!("var {name} = "),
                        });
                        self.class_pending = true;
                    }
                }
                _ => {}
            }
        }
        self.set_prev(Prev::Word(word));
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite_declarations as rw;

    #[test]
    fn top_level_declarations_become_var() {
        assert_eq!(rw("let x = 1"), "var x = 1");
        assert_eq!(rw("const x = 1;\nlet y"), "var   x = 1;\nvar y = undefined");
        assert_eq!(rw("const {a, b} = o"), "var   {a, b} = o");
        assert_eq!(rw("let [a] = o"), "var [a] = o");
        assert_eq!(
            rw("class A { m() { let z; } }\n(1)"),
            "var A = class A { m() { let z; } };\n(1)"
        );
        assert_eq!(rw("class B extends A {}"), "var B = class B extends A {};");
    }

    #[test]
    fn let_without_initializer_gets_undefined() {
        for (code, expected) in [
            ("let x;", "var x = undefined;"),
            ("let x", "var x = undefined"),
            ("let a, b = 1, c", "var a = undefined, b = 1, c = undefined"),
            ("let a = f(1, 2), b;", "var a = f(1, 2), b = undefined;"),
            ("let a = {p: 1, q}, b", "var a = {p: 1, q}, b = undefined"),
            ("let a = `${p, q}`, b", "var a = `${p, q}`, b = undefined"),
            ("let [a, b] = o, c;", "var [a, b] = o, c = undefined;"),
            ("let x\n(foo)", "var x = undefined;\n(foo)"),
            ("let x\nlet y", "var x = undefined;\nvar y = undefined"),
            ("let x // note\n= 5", "var x // note\n= 5"),
            ("let x = 1\nfoo, bar", "var x = 1\nfoo, bar"),
            ("let x = a\n, b", "var x = a\n, b = undefined"),
            ("let x = 1,\n    y;", "var x = 1,\n    y = undefined;"),
            ("{ let x }", "{ let x }"),
            ("const c = 1, d = 2", "var   c = 1, d = 2"),
        ] {
            assert_eq!(rw(code), expected, "{code}");
        }
    }

    #[test]
    fn nested_and_quoted_declarations_stay() {
        for code in [
            "for (let i = 0; i < 3; i++) {}",
            "{ let x = 1 }",
            "function f() { const y = 2; class C {} }",
            "'let x = 1'",
            "\"const y\"",
            "`let ${ {a: 1}.a } const z`",
            "// let x = 1",
            "/* const x */",
            "x = /let x = 1/g",
            "x = /[/]let x/",
            "o.let = 1",
            "x = class Y {}",
            "if (a) { let q = 1 }",
        ] {
            assert_eq!(rw(code), code, "{code}");
        }
    }

    #[test]
    fn scanning_resumes_after_strings_templates_and_regexes() {
        assert_eq!(rw("'}'; let a"), "'}'; var a = undefined");
        assert_eq!(rw("`${'}'}`; let a"), "`${'}'}`; var a = undefined");
        assert_eq!(
            rw("x = a / b / c; let a"),
            "x = a / b / c; var a = undefined"
        );
        assert_eq!(rw("x = /}/; let a"), "x = /}/; var a = undefined");
        assert_eq!(rw("/* { */ let a"), "/* { */ var a = undefined");
        assert_eq!(
            rw("let a = `x\n${`y${1}`}`\nconst b = 2"),
            "var a = `x\n${`y${1}`}`\nvar   b = 2"
        );
    }
}
