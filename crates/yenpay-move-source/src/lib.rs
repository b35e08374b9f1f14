//! What one of yenpay's Move sources (`move/sources/*.move`) declares, read
//! once for the client's generator (`yenpay-codegen`) and the client's drift
//! tests, so that both see the same module.
//!
//! [`parse`] gives the module's name, its constants (name, type, value, doc
//! comment), its `public entry` and `#[view]` functions (name, doc comment,
//! parameters, return type) and its structs (name, doc comment, fields,
//! whether `#[event]`). Items under `#[test]` or `#[test_only]` are skipped.
//! An item's `doc` is the `///` lines right above it, one entry a line,
//! without the `/// `.
//!
//! It is a line-oriented reader of the package's own style, not a Move
//! parser: one `module address::name` per file; a constant on one line; a
//! function's modifiers and `fun name(` on one line, a struct's `struct Name`
//! on one line, each with its attributes and `///` lines right above it;
//! `//` comments only (no `/* */`). It does not check syntax, resolve types
//! or imports, or read function bodies, `enum`s, specs, or private, `friend`
//! and `package` functions; a struct with positional fields is refused. The
//! compiler judges what is valid Move; this reads what valid Move in our
//! style declares.

/// Why a source could not be read. Lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The source declares no `module address::name`.
    #[error("no `module address::name` declaration")]
    NoModule,
    /// A declaration is not written the way this reader reads it.
    #[error("line {line}: expected {expected}, found `{found}`")]
    Malformed {
        line: usize,
        expected: &'static str,
        found: String,
    },
    /// A bracket opened on `line` is never closed.
    #[error("line {line}: the bracket opened here is not closed")]
    Unbalanced { line: usize },
    /// A struct without `{ name: type }` fields (positional fields are not read).
    #[error("line {line}: struct `{name}` has no `{{ name: type }}` fields")]
    NoNamedFields { line: usize, name: String },
}

/// A Move module, as far as its interface goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The name after `module address::`.
    pub name: String,
    /// Every constant, in source order.
    pub constants: Vec<Constant>,
    /// The `public entry` and `#[view]` functions, in source order.
    pub functions: Vec<Function>,
    /// Every struct with named fields, in source order.
    pub structs: Vec<Struct>,
}

impl Module {
    /// The constant called `name`.
    pub fn constant(&self, name: &str) -> Option<&Constant> {
        self.constants.iter().find(|c| c.name == name)
    }

    /// The struct called `name`.
    pub fn structure(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }

    /// The `public entry` functions.
    pub fn entries(&self) -> impl Iterator<Item = &Function> {
        self.functions
            .iter()
            .filter(|f| f.kind == FunctionKind::Entry)
    }

    /// The `#[view]` functions.
    pub fn views(&self) -> impl Iterator<Item = &Function> {
        self.functions
            .iter()
            .filter(|f| f.kind == FunctionKind::View)
    }

    /// The structs marked `#[event]`.
    pub fn events(&self) -> impl Iterator<Item = &Struct> {
        self.structs.iter().filter(|s| s.event)
    }
}

/// `const NAME: type = value;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    pub name: String,
    pub ty: String,
    /// The literal as written (`1_000`, `0x1`, `b"S"`).
    pub value: String,
    pub doc: Vec<String>,
}

impl Constant {
    /// The value as an unsigned integer (decimal or `0x` hex, `_` allowed).
    pub fn as_u64(&self) -> Option<u64> {
        let digits = self.value.replace('_', "");
        match digits.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => digits.parse().ok(),
        }
    }

    /// The bytes of a `b"..."` literal without escapes.
    pub fn as_byte_string(&self) -> Option<&[u8]> {
        let text = self.value.strip_prefix("b\"")?.strip_suffix('"')?;
        (!text.contains('\\')).then_some(text.as_bytes())
    }
}

/// Whether a function is called in a transaction or read as a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// `public entry fun`.
    Entry,
    /// `#[view] public fun`.
    View,
}

/// A `public entry` or `#[view]` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Without type parameters.
    pub name: String,
    pub doc: Vec<String>,
    pub kind: FunctionKind,
    /// In declaration order, the signer included.
    pub params: Vec<TypedName>,
    /// The type after `:` (`u64`, `(u64, u64)`), if any.
    pub returns: Option<String>,
}

/// A struct with named fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Struct {
    pub name: String,
    pub doc: Vec<String>,
    /// Marked `#[event]`.
    pub event: bool,
    /// In declaration order.
    pub fields: Vec<TypedName>,
}

/// A `name: type` pair: a parameter or a field. The type is written with
/// single spaces (`Table<address, u64>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedName {
    pub name: String,
    pub ty: String,
}

/// Reads one module's source.
///
/// # Errors
/// When there is no module declaration, or a declaration this reader reads
/// is not written the way it expects (see the crate documentation).
pub fn parse(source: &str) -> Result<Module, Error> {
    let source = Source::new(source);
    let mut name = None;
    let mut constants = Vec::new();
    let mut functions = Vec::new();
    let mut structs = Vec::new();
    for (index, raw) in source.lines.iter().enumerate() {
        let line = code_of(raw).trim();
        if let Some(rest) = line.strip_prefix("module ") {
            let qualified = rest.trim_end_matches('{').trim();
            let (_, module) = qualified
                .split_once("::")
                .ok_or_else(|| malformed(index, "`module address::name`", line))?;
            name = Some(module.trim().to_owned());
            continue;
        }
        let attributes = source.attributes_above(index);
        if attributes.iter().any(|a| a.starts_with("#[test")) {
            continue;
        }
        if let Some(declaration) = line.strip_prefix("const ") {
            constants.push(source.constant(index, declaration)?);
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(fun_at) = words.iter().position(|w| *w == "fun") {
            let modifiers = &words[..fun_at];
            let public = modifiers.first() == Some(&"public");
            let kind = if public && modifiers.contains(&"entry") {
                FunctionKind::Entry
            } else if public && attributes.contains(&"#[view]") {
                FunctionKind::View
            } else {
                continue;
            };
            functions.push(source.function(index, kind)?);
            continue;
        }
        if line.starts_with("struct ") {
            let event = attributes.contains(&"#[event]");
            structs.push(source.structure(index, event)?);
        }
    }
    Ok(Module {
        name: name.ok_or(Error::NoModule)?,
        constants,
        functions,
        structs,
    })
}

/// The source by lines, and its code without comments, where declarations
/// spanning lines (parameters, fields) are read.
struct Source<'a> {
    lines: Vec<&'a str>,
    /// Every line's [`code_of`], joined by `\n`.
    code: String,
    /// Where each line starts in `code`.
    starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut code = String::with_capacity(text.len());
        let mut starts = Vec::with_capacity(lines.len());
        for line in &lines {
            starts.push(code.len());
            code.push_str(code_of(line));
            code.push('\n');
        }
        Self {
            lines,
            code,
            starts,
        }
    }

    /// The 0-based line an offset of `code` falls on.
    fn index_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Where `keyword` (with its trailing space) ends on line `index`, in `code`.
    fn after_keyword(&self, index: usize, keyword: &'static str) -> Result<usize, Error> {
        let line = code_of(self.lines[index]);
        let at = line
            .find(keyword)
            .ok_or_else(|| malformed(index, keyword, line))?;
        Ok(self.starts[index] + at + keyword.len())
    }

    /// The `///` lines right above line `index` (attributes in between are skipped).
    fn doc_above(&self, index: usize) -> Vec<String> {
        let mut doc = Vec::new();
        for line in self.lines[..index].iter().rev() {
            let line = line.trim();
            if let Some(text) = line.strip_prefix("///") {
                doc.push(text.strip_prefix(' ').unwrap_or(text).trim_end().to_owned());
            } else if !line.starts_with("#[") {
                break;
            }
        }
        doc.reverse();
        doc
    }

    /// The attributes (`#[...]`) right above line `index` (doc lines in between are skipped).
    fn attributes_above(&self, index: usize) -> Vec<&'a str> {
        let mut attributes = Vec::new();
        for line in self.lines[..index].iter().rev() {
            let line = line.trim();
            if line.starts_with("#[") {
                attributes.push(line);
            } else if !line.starts_with("///") {
                break;
            }
        }
        attributes
    }

    /// The code after the bracket at `open` up to its match, and the offset after the match.
    fn enclosed(&self, open: usize) -> Result<(&str, usize), Error> {
        let bytes = self.code.as_bytes();
        let closing = match bytes[open] {
            b'(' => b')',
            b'{' => b'}',
            _ => unreachable!("called on a bracket"),
        };
        let mut depth = 0;
        for (at, &byte) in bytes.iter().enumerate().skip(open) {
            if byte == bytes[open] {
                depth += 1;
            } else if byte == closing {
                depth -= 1;
                if depth == 0 {
                    return Ok((&self.code[open + 1..at], at + 1));
                }
            }
        }
        Err(Error::Unbalanced {
            line: self.index_of(open) + 1,
        })
    }

    fn constant(&self, index: usize, declaration: &str) -> Result<Constant, Error> {
        let expected = "`const NAME: type = value;`";
        let (name, rest) = declaration
            .split_once(':')
            .ok_or_else(|| malformed(index, expected, declaration))?;
        let (ty, value) = rest
            .split_once('=')
            .ok_or_else(|| malformed(index, expected, declaration))?;
        Ok(Constant {
            name: name.trim().to_owned(),
            ty: single_spaced(ty),
            value: value.trim().trim_end_matches(';').trim().to_owned(),
            doc: self.doc_above(index),
        })
    }

    fn function(&self, index: usize, kind: FunctionKind) -> Result<Function, Error> {
        let start = self.after_keyword(index, "fun ")?;
        let paren = self.code[start..]
            .find('(')
            .ok_or_else(|| malformed(index, "`fun name(`", &self.code[start..]))?
            + start;
        let name = self.code[start..paren].trim();
        let name = name.split('<').next().unwrap_or(name).trim().to_owned();
        let (params, after) = self.enclosed(paren)?;
        let params = typed_names(params, index)?;
        let tail = &self.code[after..];
        let end = tail
            .find(['{', ';'])
            .ok_or_else(|| malformed(index, "a function body", tail))?;
        let signature_tail = single_spaced(&tail[..end]);
        let returns = signature_tail.strip_prefix(':').map(|returns| {
            let returns = returns.split(" acquires ").next().unwrap_or(returns);
            returns.trim().to_owned()
        });
        Ok(Function {
            name,
            doc: self.doc_above(index),
            kind,
            params,
            returns,
        })
    }

    fn structure(&self, index: usize, event: bool) -> Result<Struct, Error> {
        let start = self.after_keyword(index, "struct ")?;
        let name: String = self.code[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let open = self.code[start..]
            .find(['{', '(', ';'])
            .map(|at| at + start);
        let Some(open) = open.filter(|&open| self.code.as_bytes()[open] == b'{') else {
            return Err(Error::NoNamedFields {
                line: index + 1,
                name,
            });
        };
        let (body, _) = self.enclosed(open)?;
        Ok(Struct {
            name,
            doc: self.doc_above(index),
            event,
            fields: typed_names(body, index)?,
        })
    }
}

/// `line` without a trailing `//` comment; `//` inside a string literal
/// (`b"https://..."`) is code.
fn code_of(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    for (at, &byte) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        } else if byte == b'/' && bytes.get(at + 1) == Some(&b'/') {
            return &line[..at];
        }
    }
    line
}

/// `text` trimmed, with every run of whitespace made one space.
fn single_spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn malformed(index: usize, expected: &'static str, found: &str) -> Error {
    Error::Malformed {
        line: index + 1,
        expected,
        found: single_spaced(found),
    }
}

/// Splits on commas outside brackets, dropping empty pieces (a trailing comma).
fn split_top_level(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '<' | '(' | '{' | '[' => depth += 1,
            '>' | ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
        .iter()
        .map(|piece| single_spaced(piece))
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// `name: type, ...` of the declaration on line `index`.
fn typed_names(list: &str, index: usize) -> Result<Vec<TypedName>, Error> {
    split_top_level(list)
        .into_iter()
        .map(|piece| {
            let (name, ty) = piece
                .split_once(':')
                .ok_or_else(|| malformed(index, "`name: type`", &piece))?;
            Ok(TypedName {
                name: name.trim().to_owned(),
                ty: ty.trim().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
/// A sample.
module yenpay_client::sample {
    /// First line.
    /// Second line.
    const EFIRST: u64 = 0x1;
    /// Seed, not an error.
    const SEED: vector<u8> = b"S";
    const MAX: u64 = 1_000; // a trailing comment
    const URI: vector<u8> = b"https://yenpay.example";

    #[event]
    /// Something happened.
    struct Happened has drop, store { who: address, amount: u64 }
    struct Other has key { table: Table<address,
        u64>, }

    /// Does it.
    public entry fun act(actor: &signer, order_ref: String, amount: u64) {}
    public entry fun go(s: &signer, to: address, items: vector<Object<T>>,) { abort 1 }
    fun refund_internal(x: u64) {}
    public(package) entry fun inside(s: &signer) {}

    #[view]
    /// How much.
    public fun how_much(owner: address): u64 acquires Thing { 0 }

    #[view]
    /// The split.
    public fun quote(merchant: address, amount: u64): (u64, u64) { (0, 0) }

    public fun not_a_view(): u64 { 2 }

    #[test]
    public entry fun test_it(s: &signer) {}

    #[test_only]
    /// Not shipped.
    public entry fun test_helper(s: &signer) {}

    #[test_only]
    struct TestOnly has drop { x: u64 }
}
"#;

    fn typed(name: &str, ty: &str) -> TypedName {
        TypedName {
            name: name.to_owned(),
            ty: ty.to_owned(),
        }
    }

    #[test]
    fn reads_constants_with_their_docs() {
        let module = parse(SAMPLE).unwrap();
        assert_eq!(module.name, "sample");
        let names: Vec<&str> = module.constants.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["EFIRST", "SEED", "MAX", "URI"]);
        assert_eq!(
            module.constants[0],
            Constant {
                name: "EFIRST".into(),
                ty: "u64".into(),
                value: "0x1".into(),
                doc: vec!["First line.".into(), "Second line.".into()],
            }
        );
        assert_eq!(module.constant("EFIRST").unwrap().as_u64(), Some(1));
        assert_eq!(module.constant("MAX").unwrap().as_u64(), Some(1000));
        assert!(module.constant("MAX").unwrap().doc.is_empty());
        let seed = module.constant("SEED").unwrap();
        assert_eq!(seed.ty, "vector<u8>");
        assert_eq!(seed.as_byte_string(), Some(&b"S"[..]));
        assert_eq!(seed.as_u64(), None);
        // `//` in a byte string is not a comment.
        let uri = module.constant("URI").unwrap();
        assert_eq!(uri.as_byte_string(), Some(&b"https://yenpay.example"[..]));
    }

    #[test]
    fn reads_public_entry_and_view_functions_but_not_tests() {
        let module = parse(SAMPLE).unwrap();
        let entries: Vec<&str> = module.entries().map(|f| f.name.as_str()).collect();
        assert_eq!(entries, ["act", "go"]);
        let views: Vec<&str> = module.views().map(|f| f.name.as_str()).collect();
        assert_eq!(views, ["how_much", "quote"]);
        let all: Vec<&str> = module.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(all, ["act", "go", "how_much", "quote"]);

        let act = &module.functions[0];
        assert_eq!(act.doc, ["Does it."]);
        assert_eq!(act.returns, None);
        assert_eq!(act.params[0], typed("actor", "&signer"));
        let go = &module.functions[1];
        assert_eq!(go.params.len(), 3, "a trailing comma adds no parameter");
        assert_eq!(go.params[2], typed("items", "vector<Object<T>>"));
        let how_much = &module.functions[2];
        assert_eq!(how_much.kind, FunctionKind::View);
        assert_eq!(how_much.doc, ["How much."]);
        assert_eq!(how_much.returns.as_deref(), Some("u64"));
        assert_eq!(module.functions[3].returns.as_deref(), Some("(u64, u64)"));
    }

    #[test]
    fn reads_structs_and_marks_events() {
        let module = parse(SAMPLE).unwrap();
        let names: Vec<&str> = module.structs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["Happened", "Other"],
            "test-only structs are skipped"
        );
        let events: Vec<&str> = module.events().map(|s| s.name.as_str()).collect();
        assert_eq!(events, ["Happened"]);
        let happened = module.structure("Happened").unwrap();
        assert_eq!(happened.doc, ["Something happened."]);
        assert_eq!(
            happened.fields,
            [typed("who", "address"), typed("amount", "u64")]
        );
        let other = module.structure("Other").unwrap();
        assert!(!other.event);
        assert_eq!(other.fields, [typed("table", "Table<address, u64>")]);
    }

    #[test]
    fn what_it_does_not_read_is_an_error_naming_the_line() {
        assert_eq!(parse("const X: u64 = 1;"), Err(Error::NoModule));
        assert_eq!(
            parse("module sample {\n}").unwrap_err().to_string(),
            "line 1: expected `module address::name`, found `module sample {`"
        );
        assert_eq!(
            parse("module a::b {\n    const BROKEN = 1;\n}"),
            Err(Error::Malformed {
                line: 2,
                expected: "`const NAME: type = value;`",
                found: "BROKEN = 1;".into(),
            })
        );
        assert_eq!(
            parse("module a::b {\n    struct Pair(u64, u64) has drop;\n}"),
            Err(Error::NoNamedFields {
                line: 2,
                name: "Pair".into()
            })
        );
        assert_eq!(
            parse("module a::b {\n    public entry fun f(s: &signer, bad) {}\n}"),
            Err(Error::Malformed {
                line: 2,
                expected: "`name: type`",
                found: "bad".into(),
            })
        );
        assert_eq!(
            parse("module a::b {\n\n    public entry fun f(s: &signer {}\n}"),
            Err(Error::Unbalanced { line: 3 })
        );
    }

    #[test]
    fn every_module_of_the_package_reads() {
        let sources = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../move/sources");
        let mut read = 0;
        for entry in std::fs::read_dir(&sources).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "move") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let module = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let stem = path.file_stem().unwrap().to_str().unwrap();
            assert_eq!(module.name, stem, "{}", path.display());
            read += 1;
        }
        assert!(read >= 6, "read {read} modules from {}", sources.display());
    }
}
