//! The type language of aims (`string | list<string>`, `map<number>`, `enum("a", "b")`): the one
//! type value and the one parser of type text, shared by the built-in schema files (`aims-facts`),
//! the checker (which lowers a policy's type syntax to it) and plugin manifests (`aims-plugin`).
//! A policy's own type syntax is parsed by the grammar (`aims-syntax`) with spans, then lowered to
//! this [`Type`]; nothing turns a `Type` into text to parse it again.

/// A type: of a schema field, a plugin function's parameter or result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// Any value; also the type of a field a schema does not list.
    Any,
    /// Text.
    String,
    /// Any number, integer or not.
    Number,
    /// An integer (a float with no fraction, `3.0`, is accepted).
    Int,
    /// `true` or `false`.
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A length of time in calendar months and days (`3mo`, `1y + 2d`).
    Duration,
    /// One of these strings: `enum("a", "b")`.
    Enum(Vec<String>),
    /// `list<T>`: a list of values of the type.
    List(Box<Type>),
    /// `map<T>`: string keys, values of the type.
    Map(Box<Type>),
    /// A nested record: the name of a schema (in the same `aims_facts::SchemaSet`).
    Record(String),
    /// Any of these types: `string | list<string>`.
    Union(Vec<Type>),
}

// ---------------------------------------------------------------------------------------------
// Type expressions
// ---------------------------------------------------------------------------------------------

/// Type expressions nest at most this deep (`list<list<...>>`).
const MAX_TYPE_DEPTH: usize = 64;

struct TypeParser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

impl TypeParser<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "expected `{c}` at column {} of `{}`",
                self.pos + 1,
                self.s
            ))
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let r = self.rest();
        let mut end = 0;
        for (i, c) in r.char_indices() {
            let ok = if i == 0 {
                c.is_ascii_alphabetic() || c == '_'
            } else {
                c.is_ascii_alphanumeric() || c == '_' || c == '.'
            };
            if !ok {
                break;
            }
            end = i + c.len_utf8();
        }
        if end == 0 {
            return None;
        }
        let id = r.get(..end)?.to_string();
        self.pos += end;
        Some(id)
    }

    fn string(&mut self) -> Result<String, String> {
        self.ws();
        if !self.rest().starts_with('"') {
            return Err(format!(
                "expected a quoted string at column {} of `{}`",
                self.pos + 1,
                self.s
            ));
        }
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(format!("unterminated string in `{}`", self.s))
    }

    fn union(&mut self) -> Result<Type, String> {
        self.depth += 1;
        if self.depth > MAX_TYPE_DEPTH {
            return Err(format!("type `{}` nests too deeply", self.s));
        }
        let mut alts = vec![self.term()?];
        while self.eat('|') {
            let t = self.term()?;
            match t {
                Type::Union(ts) => alts.extend(ts),
                t => alts.push(t),
            }
        }
        self.depth -= 1;
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Type::Any)
        } else {
            Type::Union(alts)
        })
    }

    fn term(&mut self) -> Result<Type, String> {
        if self.eat('(') {
            let t = self.union()?;
            self.expect(')')?;
            return Ok(t);
        }
        let at = self.pos;
        let Some(id) = self.ident() else {
            return Err(format!(
                "expected a type at column {} of `{}`",
                at + 1,
                self.s
            ));
        };
        if let Some(t) = Type::scalar(&id) {
            return Ok(t);
        }
        Ok(match id.as_str() {
            "list" | "map" => {
                self.expect('<')?;
                let inner = self.union()?;
                self.expect('>')?;
                if id == "list" {
                    Type::List(Box::new(inner))
                } else {
                    Type::Map(Box::new(inner))
                }
            }
            "enum" => {
                self.expect('(')?;
                let mut vs = vec![self.string()?];
                while self.eat(',') {
                    vs.push(self.string()?);
                }
                self.expect(')')?;
                Type::Enum(vs)
            }
            _ => Type::Record(id),
        })
    }
}

/// The names of the types that take no argument, in the order [`Type::scalar`] knows them.
pub const SCALARS: &[&str] = &["any", "string", "number", "int", "bool", "date", "duration"];

impl Type {
    /// The type a bare name stands for (`string`, `int`, ...); `None` for anything else (a
    /// record's name, or `list`/`map`/`enum`, which take arguments).
    pub fn scalar(name: &str) -> Option<Type> {
        Some(match name {
            "any" => Type::Any,
            "string" => Type::String,
            "number" => Type::Number,
            "int" => Type::Int,
            "bool" => Type::Bool,
            "date" => Type::Date,
            "duration" => Type::Duration,
            _ => return None,
        })
    }

    /// Parse a type expression such as `string | list<string>`, `map<number>` or
    /// `enum("a", "b")`.
    pub fn parse(s: &str) -> Result<Type, String> {
        let mut p = TypeParser {
            s,
            pos: 0,
            depth: 0,
        };
        let t = p.union()?;
        p.ws();
        if !p.rest().is_empty() {
            return Err(format!("unexpected `{}` in type `{s}`", p.rest()));
        }
        Ok(t)
    }

    /// The type as written in schemas and the language.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, false, &|_| None);
        out
    }

    /// The type for a message: `record` may spell a record out instead of its name.
    pub fn display_with(&self, record: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        self.write(&mut out, false, record);
        out
    }

    fn write(
        &self,
        out: &mut String,
        nested_in_union: bool,
        record: &dyn Fn(&str) -> Option<String>,
    ) {
        match self {
            Type::Any => out.push_str("any"),
            Type::String => out.push_str("string"),
            Type::Number => out.push_str("number"),
            Type::Int => out.push_str("int"),
            Type::Bool => out.push_str("bool"),
            Type::Date => out.push_str("date"),
            Type::Duration => out.push_str("duration"),
            Type::Enum(vs) => {
                out.push_str("enum(");
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push('"');
                    for c in v.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                }
                out.push(')');
            }
            Type::List(t) => {
                out.push_str("list<");
                t.write(out, false, record);
                out.push('>');
            }
            Type::Map(t) => {
                out.push_str("map<");
                t.write(out, false, record);
                out.push('>');
            }
            Type::Record(n) => match record(n) {
                Some(text) => out.push_str(&text),
                None => out.push_str(n),
            },
            Type::Union(ts) => {
                if nested_in_union {
                    out.push('(');
                }
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" | ");
                    }
                    t.write(out, true, record);
                }
                if nested_in_union {
                    out.push(')');
                }
            }
        }
    }

    /// Every record name this type mentions.
    pub fn records(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            match t {
                Type::Record(n) => out.push(n.as_str()),
                Type::List(t) | Type::Map(t) => stack.push(t),
                Type::Union(ts) => stack.extend(ts.iter()),
                _ => {}
            }
        }
        out
    }

    /// Rename every record the type mentions for which `f` gives a new name.
    pub fn rename_records(&mut self, f: &dyn Fn(&str) -> Option<String>) {
        match self {
            Type::Record(n) => {
                if let Some(new) = f(n) {
                    *n = new;
                }
            }
            Type::List(t) | Type::Map(t) => t.rename_records(f),
            Type::Union(ts) => ts.iter_mut().for_each(|t| t.rename_records(f)),
            _ => {}
        }
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}
