//! Random cells for the differential test. A cell is valid JavaScript, runs without an
//! uncaught error, declares each top-level name once and reads it only after its
//! declaration (a rewritten cell has no temporal dead zone to compare).

use proptest::collection::vec;
use proptest::prelude::*;

/// One statement of a cell: `kind` picks what it is, `seed` its parts, `sep` what follows it.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    kind: u8,
    seed: u16,
    sep: u8,
}

/// Cells of 1 to 11 statements. Shrinking drops and simplifies statements.
pub(super) fn pieces() -> impl Strategy<Value = Vec<Piece>> {
    vec(
        (any::<u8>(), any::<u16>(), any::<u8>()).prop_map(|(kind, seed, sep)| Piece {
            kind,
            seed,
            sep,
        }),
        1..12,
    )
}

/// A rendered cell, and whether it has a top-level `let` / `const` / `class` to rewrite.
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) declares: bool,
}

/// Separators between statements, automatic semicolon insertion (a bare newline) included.
const SEPARATORS: &[&str] = &[
    ";",
    ";\n",
    "\n",
    " ; // const x = 1\n",
    "\n/* let y = 2 */ ",
    ";  \n\n",
];

pub(super) fn render(pieces: &[Piece]) -> Cell {
    let mut render = Render::default();
    let mut text = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mut choices = Choices((u64::from(piece.seed) << 8) | i as u64);
        text.push_str(&render.statement(piece.kind, &mut choices));
        if i + 1 < pieces.len() {
            text.push_str(SEPARATORS[usize::from(piece.sep) % SEPARATORS.len()]);
        }
    }
    Cell {
        text,
        declares: render.declares,
    }
}

/// Deterministic choices from a piece's seed (splitmix64).
struct Choices(u64);

impl Choices {
    fn pick(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Let,
    Const,
    Var,
    Function,
    Class,
}

#[derive(Default)]
struct Render {
    names: Vec<(String, Kind)>,
    next: usize,
    declares: bool,
}

impl Render {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn declare(&mut self, name: &str, kind: Kind) {
        self.declares |= matches!(kind, Kind::Let | Kind::Const | Kind::Class);
        self.names.push((name.to_owned(), kind));
    }

    fn name(&self, c: &mut Choices, kinds: &[Kind]) -> Option<String> {
        let names: Vec<&String> = self
            .names
            .iter()
            .filter(|(_, kind)| kinds.contains(kind))
            .map(|(name, _)| name)
            .collect();
        (!names.is_empty()).then(|| names[c.pick(names.len())].clone())
    }

    fn value(&self, c: &mut Choices) -> Option<String> {
        self.name(c, &[Kind::Let, Kind::Const, Kind::Var])
    }

    fn writable(&self, c: &mut Choices) -> Option<String> {
        self.name(c, &[Kind::Let, Kind::Var])
    }

    fn expr(&self, c: &mut Choices, depth: u8) -> String {
        if depth == 0 || c.pick(3) == 0 {
            return self.atom(c);
        }
        let a = self.expr(c, depth - 1);
        let b = self.expr(c, depth - 1);
        match c.pick(6) {
            0 => format!("{a} / {b}"),
            1 => format!("{a} + {b}"),
            2 => format!("{a}\n/ {b}"),
            3 => format!("{a} * ({b})"),
            4 => format!("({a}) / 2 / 1"),
            _ => format!("{a} - {b} / 4"),
        }
    }

    fn leaf(&self, c: &mut Choices) -> String {
        self.value(c).unwrap_or_else(|| c.pick(10).to_string())
    }

    fn atom(&self, c: &mut Choices) -> String {
        let choice = c.pick(12);
        match choice {
            0 => c.pick(10).to_string(),
            1 => self.leaf(c),
            2 => match self.writable(c) {
                Some(w) if c.pick(2) == 0 => format!("({w}++ / 2)"),
                Some(w) => format!("({w}-- / 1)"),
                None => "3".to_owned(),
            },
            3 => "(/ab+c/i.test(\"ABBC\") ? 1 : 0)".to_owned(),
            4 => format!(
                "`${{{}}}let ${{`${{{}}}`}}`.length",
                self.leaf(c),
                self.leaf(c)
            ),
            5 => "({ a: 1, let: 2, \"const\": 3 }).let".to_owned(),
            6 => {
                if let Some(f) = self.name(c, &[Kind::Function]) {
                    format!("{f}({})", self.leaf(c))
                } else if let Some(k) = self.name(c, &[Kind::Class]) {
                    format!("new {k}().m({})", self.leaf(c))
                } else {
                    "7".to_owned()
                }
            }
            7 => "\"a/b//c\".split(/\\//).length".to_owned(),
            8 => "/[/]x/.source.length".to_owned(),
            9 => "[1, 2, 3].map(q => q / 2).length".to_owned(),
            10 => "({} / 2 || 4)".to_owned(),
            _ => "`const ${\"`\"}`.length".to_owned(),
        }
    }

    fn statement(&mut self, kind: u8, c: &mut Choices) -> String {
        match kind % 17 {
            0..=2 => {
                let e = self.expr(c, 2);
                let (keyword, kind) = [
                    ("let", Kind::Let),
                    ("const", Kind::Const),
                    ("var", Kind::Var),
                ][usize::from(kind % 17)];
                let n = self.fresh("v");
                self.declare(&n, kind);
                format!("{keyword} {n} = {e}")
            }
            3 => self.uninitialized(c),
            4 => {
                let n = self.fresh("v");
                self.declare(&n, Kind::Let);
                if c.pick(2) == 0 {
                    format!("let {n}\n(print(typeof {n}))")
                } else {
                    format!("let {n}\n[1, 2].forEach(q => print(q / 2, {n}))")
                }
            }
            5 => {
                let e = self.expr(c, 1);
                let f = self.fresh("f");
                self.declare(&f, Kind::Function);
                format!(
                    "function {f}(p) {{\n  let q = p * 2 + {e}\n  for (let i = 0; i < 2; i++) {{ q += i / 2 }}\n  const r = q\n  return r\n}}"
                )
            }
            6 => {
                let e = self.expr(c, 1);
                let k = self.fresh("K");
                self.declare(&k, Kind::Class);
                format!(
                    "class {k} {{\n  m(p) {{ let z = p + {e}; return z / 2 }}\n  static s() {{ const t = /x/.test(\"x\"); return t }}\n}}"
                )
            }
            7 => self.block(c),
            8 => self.for_loop(c),
            9 => self.print(c),
            10 => self.update(c),
            11 => {
                if c.pick(2) == 0 {
                    format!("if ({}) /[\"]/.test(\"s\")", self.expr(c, 1))
                } else {
                    "if (0) /a\\/b/g.exec(\"a/b\"); else print(1)".to_owned()
                }
            }
            12 => match c.pick(3) {
                0 => format!(
                    "print('let x = 1', \"const y = 2\", `class Z ${{{}}} {{}}`)",
                    self.expr(c, 1)
                ),
                1 => "// let zz = 1\nprint(\"c\")".to_owned(),
                _ => "/* const q = 2; class C {} */ print(\"b\")".to_owned(),
            },
            13 => {
                let init = if c.pick(2) == 0 {
                    format!(
                        "{{ a: {}, let: 2, b: [{}, {{ c: \"}}\" }}] }}",
                        self.expr(c, 1),
                        self.leaf(c)
                    )
                } else {
                    "{} / 2".to_owned()
                };
                let n = self.fresh("v");
                self.declare(&n, Kind::Let);
                format!("let {n} = {init}")
            }
            14 => self.const_write(c),
            15 => {
                let e = self.expr(c, 2);
                if e.starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
                    e
                } else {
                    format!("0, {e}")
                }
            }
            _ => self.destructuring(c),
        }
    }

    fn uninitialized(&mut self, c: &mut Choices) -> String {
        let e = self.expr(c, 1);
        let a = self.fresh("v");
        self.declare(&a, Kind::Let);
        match c.pick(3) {
            0 => format!("let {a}"),
            pick => {
                let b = self.fresh("v");
                self.declare(&b, Kind::Let);
                if pick == 1 {
                    format!("let {a}, {b} = {e}")
                } else {
                    format!("let {a} = {e}, {b}")
                }
            }
        }
    }

    fn block(&mut self, c: &mut Choices) -> String {
        let shadowed = self.name(c, &[Kind::Let, Kind::Const]);
        match shadowed {
            Some(n) if c.pick(2) == 0 => format!("{{ let {n} = 4; {n} += 1; print({n}) }}"),
            _ => {
                let e = self.expr(c, 1);
                let b = self.fresh("b");
                format!("{{ let {b} = {e}; const {b}c = {b} / 2; print({b}, {b}c) }}")
            }
        }
    }

    fn for_loop(&self, c: &mut Choices) -> String {
        let e = self.expr(c, 1);
        match (c.pick(3), self.writable(c)) {
            (0, _) => format!("for (let i = 0; i < 3; i++) {{ print(i / 2, {e}) }}"),
            (1, _) => format!("for (const q of [{e}, 2]) print(q)"),
            (_, Some(w)) => format!("for (let i = 0, j = 2; i < j; i++) {w} += i"),
            (_, None) => format!("for (let i = 0; i < 1; i++) print({e})"),
        }
    }

    fn print(&self, c: &mut Choices) -> String {
        match c.pick(3) {
            0 => format!("print({})", self.expr(c, 2)),
            1 => match self.value(c) {
                Some(n) => format!("print(typeof {n}, {n})"),
                None => "print(typeof undefined)".to_owned(),
            },
            _ => match (
                self.name(c, &[Kind::Function]),
                self.name(c, &[Kind::Class]),
            ) {
                (Some(f), Some(k)) => format!("print({f}(1), new {k}().m(2), {k}.s(), typeof {k})"),
                (Some(f), None) => format!("print({f}(1), typeof {f})"),
                (None, Some(k)) => format!("print(new {k}().m(2), {k}.s())"),
                (None, None) => "print(\"no calls\")".to_owned(),
            },
        }
    }

    fn update(&self, c: &mut Choices) -> String {
        let Some(w) = self.writable(c) else {
            return "print(0)".to_owned();
        };
        match c.pick(5) {
            0 => format!("{w}++"),
            1 => format!("--{w}"),
            2 => format!("++{w}"),
            3 => format!("{w}++ / 2"),
            _ => format!("{w}--\n/ 1"),
        }
    }

    fn const_write(&mut self, c: &mut Choices) -> String {
        let Some(k) = self.name(c, &[Kind::Const]) else {
            return "print(\"no const\")".to_owned();
        };
        let report = "catch (e) { print(e.name, e.message) }";
        let body = match c.pick(8) {
            0 => format!("{k} = {}", self.expr(c, 1)),
            1 => format!("{k} += 1"),
            2 => format!("{k} ||= 2"),
            3 => format!("[{k}] = [1]"),
            4 => format!("({{ {k} }} = {{ {k}: 1 }})"),
            5 => format!("for ({k} of [1]) print(\"body\")"),
            6 => format!("{k}++"),
            _ => {
                let g = self.fresh("g");
                return format!(
                    "function {g}() {{ {k} = 1 }}\ntry {{ {g}() }} {report}\nprint({k})"
                );
            }
        };
        format!("try {{ {body} }} {report}\nprint({k})")
    }

    fn destructuring(&mut self, c: &mut Choices) -> String {
        let e = self.expr(c, 1);
        let a = self.fresh("v");
        let b = self.fresh("v");
        if c.pick(2) == 0 {
            self.declare(&a, Kind::Const);
            self.declare(&b, Kind::Const);
            format!("const {{ {a}, x: [{b}] }} = {{ {a}: {e}, x: [2] }}")
        } else {
            self.declare(&a, Kind::Let);
            self.declare(&b, Kind::Let);
            format!("let [{a}, ...{b}] = [{e}, 2, 3]")
        }
    }
}
