//! Decides how a Parse `$regex` constraint is evaluated on SQLite (D1), which has no `REGEXP`.
//!
//! Almost every regex a Parse client sends is a literal: the JS SDK's `startsWith`, `contains`
//! and `endsWith` quote their argument as `\Q...\E`. SQLite answers those exactly with `=`,
//! `GLOB` or `LIKE`, which can use an index for prefixes. Anything else is compiled with the
//! linear-time `regex` crate and run on the candidate rows. Semantics follow Parse Server on
//! MongoDB (PCRE), except that `$` without `m` matches only at the very end, as in JavaScript
//! (PCRE also matches before a final `\n`), so that the SQL forms and the engine agree.
//!
//! The SQL forms compare text: the caller must apply them only to text values, as MongoDB
//! matches a regex against strings only.

use crate::error::ParseError;
use crate::store::SqlValue;
use regex::{Regex, RegexBuilder};

/// Longest pattern accepted, in characters; longer ones are rejected before any work.
const MAX_PATTERN_CHARS: usize = 1000;
/// Longest LIKE or GLOB pattern D1 accepts, in bytes (SQLite's LIKE_PATTERN_LENGTH limit);
/// beyond it a statement fails ("LIKE or GLOB pattern too complex").
const MAX_SQL_PATTERN_BYTES: usize = 50;
/// Bound on the compiled program and on the lazy DFA cache, so one query cannot eat the isolate.
const SIZE_LIMIT: usize = 1 << 20;

/// How one `$regex` constraint is evaluated: in SQL when a literal form says exactly the same,
/// so the query can use an index and skip the engine, otherwise by the engine over candidates.
pub enum RegexPlan {
    /// SQL can answer exactly: the column compared with the given pattern form.
    Sql(SqlMatch),
    /// Only a regex engine can answer: the compiled, size-limited regex (JS/PCRE-compatible flags applied).
    Engine(Regex),
}

/// The SQL comparison for an optionally anchored literal; bind the string as a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlMatch {
    /// column = literal
    Equals(String),
    /// column GLOB pattern (case-sensitive); the pattern is already escaped for GLOB (`*`, `?`, `[` wrapped as `[*]`, `[?]`, `[[]`) and ends or starts with `*` as needed
    Glob(String),
    /// column LIKE pattern ESCAPE '\' — only for case-insensitive matches of ASCII-only literals (SQLite LIKE folds ASCII case only); `%`, `_` and `\` escaped with `\`
    Like(String),
    /// A literal whose GLOB or LIKE pattern would be longer than D1 accepts: found with `instr`
    /// (anywhere, or at the start), `substr` (at the end) or `=`; with `fold` (only for ASCII
    /// literals) both sides in lower case, ASCII only, as LIKE folds.
    Substring {
        text: String,
        start: bool,
        end: bool,
        fold: bool,
    },
}

impl SqlMatch {
    /// The SQL test of `target` (a column or `value`) and its parameters, in order.
    pub fn to_sql(&self, target: &str) -> (String, Vec<SqlValue>) {
        let text = |t: &str| SqlValue::Text(t.to_string());
        match self {
            SqlMatch::Equals(literal) => (format!("{target} = ?"), vec![text(literal)]),
            SqlMatch::Glob(glob) => (format!("{target} GLOB ?"), vec![text(glob)]),
            SqlMatch::Like(like) => (format!("{target} LIKE ? ESCAPE '\\'"), vec![text(like)]),
            SqlMatch::Substring {
                text: literal,
                start,
                end,
                fold,
            } => {
                let (subject, literal) = if *fold {
                    (format!("lower({target})"), literal.to_ascii_lowercase())
                } else {
                    (target.to_string(), literal.clone())
                };
                match (start, end) {
                    (true, true) => (format!("{subject} = ?"), vec![text(&literal)]),
                    (true, false) => (format!("instr({subject}, ?) = 1"), vec![text(&literal)]),
                    (false, true) => {
                        // The last n characters; a shorter subject is itself, and differs.
                        let n = literal.chars().count() as i64;
                        (
                            format!("substr({subject}, ?) = ?"),
                            vec![SqlValue::Integer(-n), text(&literal)],
                        )
                    }
                    (false, false) => (format!("instr({subject}, ?) > 0"), vec![text(&literal)]),
                }
            }
        }
    }
}

impl std::fmt::Debug for RegexPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegexPlan::Sql(m) => f.debug_tuple("Sql").field(m).finish(),
            RegexPlan::Engine(r) => f.debug_tuple("Engine").field(&r.as_str()).finish(),
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Flags {
    i: bool,
    m: bool,
    s: bool,
    x: bool,
}

/// Plans `{"$regex": pattern, "$options": options}`; an empty `options` means no flags.
///
/// Case-insensitive literals use `LIKE` only when ASCII, because SQLite's `LIKE` folds ASCII
/// only. That is JavaScript's `/i` (without `u`); the engine, like PCRE in UTF mode, also folds
/// `k` with U+212A KELVIN SIGN and `s` with U+017F LONG S, the only non-ASCII characters whose
/// case folds onto ASCII letters.
pub fn plan(pattern: &str, options: &str) -> Result<RegexPlan, ParseError> {
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(invalid(format!(
            "regex too long (over {MAX_PATTERN_CHARS} characters)"
        )));
    }
    let mut flags = Flags::default();
    for c in options.chars() {
        match c {
            'i' => flags.i = true,
            'm' => flags.m = true,
            's' => flags.s = true,
            'x' => flags.x = true,
            _ => {
                return Err(ParseError::invalid_query(format!(
                    "Bad $options value for query: {options}"
                )))
            }
        }
    }
    // `x` makes whitespace and `#` significant as syntax, so nothing is a plain literal.
    if !flags.x {
        if let Some(lit) = literal(pattern) {
            // With `m`, `^`/`$` also match at line breaks, which no index-friendly form expresses.
            let line_anchored = flags.m && (lit.start || lit.end);
            // SQLite's GLOB and LIKE read their pattern as a C string: a NUL would end it early.
            if !line_anchored && !lit.text.contains('\0') {
                let (start, end) = (lit.start, lit.end);
                if !flags.i {
                    if start && end {
                        return Ok(RegexPlan::Sql(SqlMatch::Equals(lit.text)));
                    }
                    let glob = wrap(&glob_escape(&lit.text), "*", start, end);
                    return Ok(RegexPlan::Sql(if glob.len() <= MAX_SQL_PATTERN_BYTES {
                        SqlMatch::Glob(glob)
                    } else {
                        SqlMatch::Substring {
                            text: lit.text,
                            start,
                            end,
                            fold: false,
                        }
                    }));
                }
                if lit.text.is_ascii() {
                    let like = wrap(&like_escape(&lit.text), "%", start, end);
                    return Ok(RegexPlan::Sql(if like.len() <= MAX_SQL_PATTERN_BYTES {
                        SqlMatch::Like(like)
                    } else {
                        SqlMatch::Substring {
                            text: lit.text,
                            start,
                            end,
                            fold: true,
                        }
                    }));
                }
            }
        }
    }
    engine(pattern, flags).map(RegexPlan::Engine)
}

fn invalid(why: impl std::fmt::Display) -> ParseError {
    ParseError::invalid_query(format!("Invalid regex: {why}"))
}

/// A pattern that is an optionally anchored literal string.
struct Literal {
    start: bool,
    text: String,
    end: bool,
}

/// Reads `pattern` as `^? literal $?`, or `None` when it uses any regex construct. `\Q...\E`
/// quotes a run (to the end if `\E` is missing, as in PCRE) and a stray `\E` is ignored; a
/// backslash makes any character but an ASCII letter or digit literal. `]` and `}` are treated
/// as syntax although PCRE reads them literally alone: the engine still gets them right.
fn literal(pattern: &str) -> Option<Literal> {
    let (start, rest) = match pattern.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let mut text = String::new();
    let mut chars = rest.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '\\' && chars.peek() == Some(&'E') {
                chars.next();
                quoted = false;
            } else {
                text.push(c);
            }
            continue;
        }
        match c {
            '\\' => match chars.next()? {
                'Q' => quoted = true,
                'E' => {}
                e if e.is_ascii_alphanumeric() => return None,
                e => text.push(e),
            },
            '$' if chars.peek().is_none() => {
                return Some(Literal {
                    start,
                    text,
                    end: true,
                })
            }
            '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}' => {
                return None
            }
            c => text.push(c),
        }
    }
    Some(Literal {
        start,
        text,
        end: false,
    })
}

fn wrap(body: &str, any: &str, start: bool, end: bool) -> String {
    if body.is_empty() && !(start && end) {
        // `^`, `$` and the empty pattern all match any string.
        return any.to_string();
    }
    let (head, tail) = (if start { "" } else { any }, if end { "" } else { any });
    format!("{head}{body}{tail}")
}

/// GLOB has no escape character; a one-character bracket set matches the character itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn engine(pattern: &str, flags: Flags) -> Result<Regex, ParseError> {
    let translated = translate(pattern, flags.x)?;
    RegexBuilder::new(&translated)
        .case_insensitive(flags.i)
        .multi_line(flags.m)
        .dot_matches_new_line(flags.s)
        .ignore_whitespace(flags.x)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => invalid("regex too complex"),
            // Syntax errors end with a line `error: <why>`; the rest echoes the rewritten pattern.
            e => invalid(
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim_start_matches("error: "),
            ),
        })
}

/// A character as an escape that is literal in every context, in or out of a class, with `x`.
fn push_literal(out: &mut String, c: char) {
    if c.is_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

/// Rewrites PCRE syntax into the `regex` crate's where the two differ, exactly, or fails with
/// 102 where no exact rewrite is easy. `\d \w \b` (and negations) are ASCII in PCRE and JS but
/// Unicode in the crate, so they are spelled as ASCII sets (inside a class with `i`, `\w`/`\W`
/// still differ from PCRE on U+212A and U+017F). `x` is tracked through inline flag groups,
/// ignoring their scope.
fn translate(pattern: &str, mut extended: bool) -> Result<String, ParseError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let next = chars.get(i).copied();
        match c {
            '\\' => {
                let Some(e) = next else {
                    return Err(invalid("trailing backslash"));
                };
                i += 1;
                match e {
                    'Q' => {
                        while let Some(&q) = chars.get(i) {
                            i += 1;
                            if q == '\\' && chars.get(i) == Some(&'E') {
                                i += 1;
                                break;
                            }
                            push_literal(&mut out, q);
                        }
                    }
                    'E' => {}
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    'w' if in_class => out.push_str("[0-9A-Za-z_]"),
                    'w' => out.push_str(r"(?-u:\w)"),
                    'W' if in_class => out.push_str("[^0-9A-Za-z_]"),
                    'W' => out.push_str("(?-i:[^0-9A-Za-z_])"),
                    'b' if in_class => out.push_str(r"\x08"),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' if !in_class => out.push_str(r"(?-u:\B)"),
                    'x' | 'u' | 'U' | 'p' | 'P' if chars.get(i) == Some(&'{') => {
                        let len = chars[i..]
                            .iter()
                            .position(|&b| b == '}')
                            .map_or(0, |p| p + 1);
                        out.push('\\');
                        out.push(e);
                        out.extend(&chars[i..i + len]);
                        i += len;
                    }
                    e if e.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(e);
                    }
                    // PCRE: backslash + non-alphanumeric is that character (the crate reads `\<`
                    // as a word boundary and rejects escaped non-ASCII).
                    e => push_literal(&mut out, e),
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
            }
            // A POSIX class `[:name:]` / `[:^name:]` means the same in both; any other `[` in a
            // class is literal in PCRE but opens a nested class in the crate.
            '[' => match next {
                Some(':') => match posix_class(&chars[i..])? {
                    Some(len) => {
                        out.push('[');
                        out.extend(&chars[i..i + len]);
                        i += len;
                    }
                    None => out.push_str(r"\["),
                },
                Some('.' | '=') => {
                    return Err(invalid("POSIX collating elements are not supported"))
                }
                _ => out.push_str(r"\["),
            },
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            // The crate's class set operators `&&` `~~` `--` are literal text in PCRE.
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && next == Some('-') => {
                return Err(invalid("'--' in a character class is not supported"))
            }
            // The crate ignores whitespace and `#` inside classes under `x`; PCRE does not.
            c if in_class && (c.is_whitespace() || c == '#') => push_literal(&mut out, c),
            _ if in_class => out.push(c),
            '#' if extended => {
                let len = chars[i..]
                    .iter()
                    .position(|&b| b == '\n')
                    .unwrap_or(chars.len() - i);
                i += len;
            }
            '(' if next == Some('?') => {
                i += 1;
                if chars.get(i) == Some(&'#') {
                    // PCRE comment group: dropped.
                    let Some(len) = chars[i..].iter().position(|&b| b == ')') else {
                        return Err(invalid("missing ) after comment"));
                    };
                    i += len + 1;
                    continue;
                }
                out.push_str("(?");
                let flags: Vec<char> = chars[i..]
                    .iter()
                    .copied()
                    .take_while(|f| f.is_ascii_alphabetic() || *f == '-')
                    .collect();
                let mut on = true;
                for f in flags {
                    match f {
                        '-' => on = false,
                        'x' => extended = on,
                        _ => {}
                    }
                }
            }
            // `{` starts a quantifier only as `{n}`, `{n,}` or `{n,m}`; otherwise PCRE and JS
            // read it literally while the crate rejects it.
            '{' => match counted_repetition(&chars[i..]) {
                Some(len) => {
                    out.push('{');
                    out.extend(&chars[i..i + len]);
                    i += len;
                    if chars.get(i) == Some(&'+') {
                        return Err(invalid("possessive quantifiers are not supported"));
                    }
                }
                None => out.push_str(r"\{"),
            },
            // `a*+` is possessive in PCRE; the crate would read it as `(a*)+`.
            '*' | '+' | '?' if next == Some('+') => {
                return Err(invalid("possessive quantifiers are not supported"))
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Length of `:name:]` / `:^name:]` at the start of `rest`, if it is one; an unknown name is an
/// error in PCRE, and the crate would read it as a nested class.
fn posix_class(rest: &[char]) -> Result<Option<usize>, ParseError> {
    const NAMES: [&str; 14] = [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
        "space", "upper", "word", "xdigit",
    ];
    let body = rest.get(1..).unwrap_or_default();
    let len = body
        .iter()
        .take_while(|c| c.is_ascii_alphabetic() || **c == '^')
        .count();
    if body.get(len) != Some(&':') || body.get(len + 1) != Some(&']') {
        return Ok(None);
    }
    let name: String = body[..len].iter().collect();
    if NAMES.contains(&name.strip_prefix('^').unwrap_or(&name)) {
        Ok(Some(len + 3))
    } else {
        Err(invalid(format!("unknown POSIX class name '{name}'")))
    }
}

/// Length of `n}`, `n,}` or `n,m}` at the start of `rest`, if it is one.
fn counted_repetition(rest: &[char]) -> Option<usize> {
    let digits = |from: usize| {
        rest.iter()
            .skip(from)
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let min = digits(0);
    if min == 0 {
        return None;
    }
    let mut at = min;
    if rest.get(at) == Some(&',') {
        at += 1 + digits(at + 1);
    }
    (rest.get(at) == Some(&'}')).then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use rusqlite::Connection;

    fn sql(pattern: &str, options: &str) -> SqlMatch {
        match plan(pattern, options) {
            Ok(RegexPlan::Sql(m)) => m,
            other => panic!("{pattern:?}/{options:?}: expected SQL, got {other:?}"),
        }
    }

    fn eng(pattern: &str, options: &str) -> Regex {
        match plan(pattern, options) {
            Ok(RegexPlan::Engine(r)) => r,
            other => panic!("{pattern:?}/{options:?}: expected the engine, got {other:?}"),
        }
    }

    fn rejected(pattern: &str, options: &str) -> String {
        match plan(pattern, options) {
            Err(e) if e.code == Code::InvalidQuery => e.message,
            other => panic!("{pattern:?}/{options:?}: expected 102, got {other:?}"),
        }
    }

    fn glob(p: &str) -> SqlMatch {
        SqlMatch::Glob(p.into())
    }

    fn like(p: &str) -> SqlMatch {
        SqlMatch::Like(p.into())
    }

    /// A connection with D1's limit on LIKE and GLOB patterns.
    fn d1() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.set_limit(
            rusqlite::limits::Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH,
            50,
        )
        .unwrap();
        db
    }

    /// What SQLite answers for the match's SQL on `value`, as D1 would run it.
    fn sqlite_matches(db: &Connection, value: &str, m: &SqlMatch) -> bool {
        let (test, params) = m.to_sql("?1");
        let mut all = vec![rusqlite::types::Value::Text(value.to_string())];
        all.extend(params.into_iter().map(|p| match p {
            SqlValue::Integer(n) => rusqlite::types::Value::Integer(n),
            SqlValue::Text(t) => rusqlite::types::Value::Text(t),
            other => panic!("unexpected parameter {other:?}"),
        }));
        db.query_row(
            &format!("SELECT {test}"),
            rusqlite::params_from_iter(all),
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn the_sdk_string_helpers_become_globs_or_equality() {
        assert_eq!(sql(r"^\Qabc\E", ""), glob("abc*"));
        assert_eq!(sql(r"\Qa.b\E", ""), glob("*a.b*"));
        assert_eq!(sql(r"\Qx\E$", ""), glob("*x"));
        assert_eq!(sql(r"^\Qa b\E$", ""), SqlMatch::Equals("a b".into()));
        assert_eq!(sql("^plain$", "s"), SqlMatch::Equals("plain".into()));
    }

    #[test]
    fn a_quote_without_its_end_runs_to_the_end_of_the_pattern() {
        assert_eq!(sql(r"^\Qa$", ""), glob("a$*"));
        assert_eq!(sql(r"\Qa\Eb\Ec", ""), glob("*abc*"));
    }

    #[test]
    fn escaped_metacharacters_are_literal_but_escaped_letters_are_not() {
        assert_eq!(sql(r"a\.b\\c\/d\$", ""), glob(r"*a.b\c/d$*"));
        assert_eq!(sql(r"\<é\>", ""), glob("*<é>*"));
        for p in [r"\d", r"a\w", r"\bx", r"\s", r"\n"] {
            eng(p, "");
        }
    }

    #[test]
    fn glob_special_characters_inside_literals_are_bracketed() {
        assert_eq!(sql(r"a\*b", ""), glob("*a[*]b*"));
        assert_eq!(sql(r"^\Q[x]?\E", ""), glob("[[]x][?]*"));
        assert_eq!(sql(r"\Q50%_off\E$", ""), glob("*50%_off"));
    }

    #[test]
    fn like_special_characters_inside_literals_are_escaped() {
        assert_eq!(sql(r"\Q50%_off\\\E", "i"), like(r"%50\%\_off\\\\%"));
        assert_eq!(sql(r"^\Q[x]*\E", "i"), like("[x]*%"));
    }

    #[test]
    fn the_empty_pattern_matches_any_string() {
        assert_eq!(sql("", ""), glob("*"));
        assert_eq!(sql("^", ""), glob("*"));
        assert_eq!(sql("^$", ""), SqlMatch::Equals(String::new()));
        assert_eq!(sql("", "i"), like("%"));
        assert_eq!(sql("^$", "i"), like(""));
    }

    #[test]
    fn case_insensitive_ascii_literals_use_like_with_the_same_anchoring() {
        assert_eq!(sql(r"^\QAbc\E", "i"), like("Abc%"));
        assert_eq!(sql(r"\QAbc\E", "i"), like("%Abc%"));
        assert_eq!(sql(r"\QAbc\E$", "i"), like("%Abc"));
        assert_eq!(sql(r"^Abc$", "i"), like("Abc"));
    }

    #[test]
    fn case_insensitive_non_ascii_literals_use_the_engine() {
        let re = eng(r"^\QÉcole\E", "i");
        assert!(re.is_match("école primaire"));
        assert!(!re.is_match("ecole"));
        assert_eq!(sql(r"^\QÉcole\E", ""), glob("École*"));
    }

    #[test]
    fn multiline_anchors_need_the_engine_but_unanchored_literals_do_not() {
        let re = eng("^b$", "m");
        assert!(re.is_match("a\nb\nc"));
        assert_eq!(sql("^b$", ""), SqlMatch::Equals("b".into()));
        eng(r"^\Qb\E", "m");
        eng(r"\Qb\E$", "mi");
        assert_eq!(sql(r"\Qb\E", "m"), glob("*b*"));
        assert_eq!(sql(r"\Qb\E", "im"), like("%b%"));
    }

    #[test]
    fn extended_mode_always_uses_the_engine() {
        let re = eng("a b # the comment", "x");
        assert!(re.is_match("ab"));
        assert!(!re.is_match("a b"));
        // PCRE keeps whitespace inside classes and in quotes under `x`; the crate alone would not.
        assert!(eng("^a[ ]b$", "x").is_match("a b"));
        assert!(eng(r"^\Qa b\E$", "x").is_match("a b"));
        assert!(eng("^a\\ b # [ unclosed\n$", "x").is_match("a b"));
        assert!(eng("^(?x) a # [ unclosed\n b$", "").is_match("ab"));
    }

    #[test]
    fn dotall_does_not_change_a_literal_but_changes_the_dot() {
        assert_eq!(sql(r"\Qa.b\E", "s"), glob("*a.b*"));
        assert!(eng("a.b", "s").is_match("a\nb"));
        assert!(!eng("a.b", "").is_match("a\nb"));
    }

    #[test]
    fn options_other_than_imsx_are_rejected() {
        for o in ["g", "u", "iu", "i ", "I"] {
            let msg = rejected("abc", o);
            assert!(msg.starts_with("Bad $options value"), "{msg}");
        }
        for o in ["", "i", "m", "s", "x", "imsx", "ii"] {
            assert!(plan("abc", o).is_ok(), "{o}");
        }
    }

    #[test]
    fn regex_constructs_fall_back_to_the_engine() {
        let re = eng("a.c", "");
        assert!(re.is_match("xabcx") && !re.is_match("ac"));
        let re = eng("^(ab)+$", "");
        assert!(re.is_match("abab") && !re.is_match("aba"));
        let re = eng(r"\d+", "");
        assert!(re.is_match("x12") && !re.is_match("x"));
        assert!(eng("a|b", "").is_match("b"));
        assert!(eng(r"^\Qa.b\E+$", "").is_match("a.bbb"));
        assert!(!eng(r"^\Qa.b\E+$", "").is_match("axbb"));
    }

    #[test]
    fn perl_classes_and_word_boundaries_are_ascii_as_in_pcre_and_js() {
        assert!(!eng(r"\d", "").is_match("\u{663}"));
        assert!(!eng(r"\w", "i").is_match("é\u{212A}"));
        assert!(eng(r"^\W$", "i").is_match("\u{212A}"));
        assert!(eng(r"^[\w-]+$", "").is_match("a-b_9"));
        assert!(eng(r"\bé", "").is_match("aé"));
        assert!(eng(r"^[\b]$", "").is_match("\u{8}"));
    }

    #[test]
    fn pcre_literal_syntax_the_crate_lacks_is_rewritten() {
        assert!(eng("^[[]$", "").is_match("["));
        assert!(eng("^[a&&b]+$", "").is_match("a&b"));
        assert!(eng("^[]a]+$", "").is_match("]a"));
        assert!(eng("^[[:digit:]x]+$", "").is_match("1x"));
        assert!(eng("^a{$", "").is_match("a{"));
        assert!(eng("^a{,2}$", "").is_match("a{,2}"));
        assert!(eng("^x{2}$", "").is_match("xx"));
        assert!(!eng("^x{2}$", "").is_match("x"));
        assert!(eng(r"^\<a+\>$", "").is_match("<aa>"));
        assert!(eng(r"^(?#note)a\x{41}\u{42}$", "").is_match("aAB"));
    }

    #[test]
    fn invalid_or_unsupported_regexes_are_invalid_queries() {
        assert!(rejected("(", "").starts_with("Invalid regex"));
        for p in [
            r"(a)\1",
            r"(?<n>a)\k<n>",
            "(?=a)",
            "(?<!a)b",
            "a*+",
            "a{2}+",
            r"abc\",
            "[a--b]",
            "[[.a.]]",
            "[[:foo:]]",
            "(?#open",
        ] {
            rejected(p, "");
        }
        assert_eq!(
            rejected("(?:a{1000}){1000}", ""),
            "Invalid regex: regex too complex"
        );
    }

    #[test]
    fn patterns_over_a_thousand_characters_are_rejected() {
        assert!(rejected(&"a".repeat(1001), "").contains("regex too long"));
        assert_eq!(
            sql(&"é".repeat(1000), ""),
            SqlMatch::Substring {
                text: "é".repeat(1000),
                start: false,
                end: false,
                fold: false
            }
        );
    }

    #[test]
    fn a_nul_in_a_literal_uses_the_engine() {
        assert!(eng("a\0b", "").is_match("xa\0b"));
    }

    #[test]
    fn sql_plans_agree_with_the_regex_engine() {
        let db = d1();
        let patterns = [
            r"^\Qabc\E",
            r"\Qa.b\E",
            r"\Qx\E$",
            r"^\Q[x]*?\E$",
            r"\Q50%_off\\\E",
            r"a\*b",
            r"^\$5",
            r"\\d",
            r"\Qa$",
            "",
            "^",
            "$",
            "^$",
            "ü",
            "^Ünï",
            r"\/path\/",
            r"^\Qa\nb\E$",
            "Ab",
        ];
        let samples = [
            "",
            "abc",
            "ABC",
            "xabcx",
            "a.b",
            "axb",
            "x",
            "X\n",
            "[x]*?",
            "[X]*?",
            "[x]ab",
            "50%_off\\",
            "50x_off\\",
            "50%_OFF\\\\",
            "a*b",
            "ab",
            "$5",
            "\\d",
            "\\D",
            "a$",
            "ü",
            "Ü",
            "Ünïcode",
            "/path/",
            "a\nb",
            "a\\nb",
            "xaB",
            "é",
            "\u{2028}ab",
        ];
        let mut compared = 0;
        for p in patterns {
            for o in ["", "i", "s", "m", "is"] {
                let Ok(RegexPlan::Sql(m)) = plan(p, o) else {
                    continue;
                };
                let re = engine(
                    p,
                    Flags {
                        i: o.contains('i'),
                        m: o.contains('m'),
                        s: o.contains('s'),
                        x: false,
                    },
                )
                .unwrap();
                for v in samples {
                    assert_eq!(
                        sqlite_matches(&db, v, &m),
                        re.is_match(v),
                        "{p:?}/{o:?} {m:?} on {v:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1500, "{compared}");
    }

    #[test]
    fn literals_too_long_for_a_d1_pattern_use_substrings_and_agree_with_the_engine() {
        let db = d1();
        let long = "Ab*%_é".repeat(10);
        let quoted = format!(r"\Q{long}\E");
        let ascii = "Ab*%_.".repeat(10);
        let quoted_ascii = format!(r"\Q{ascii}\E");
        let mut planned = 0;
        for (p, o) in [
            (format!("^{quoted}"), ""),
            (quoted.clone(), ""),
            (format!("{quoted}$"), ""),
            (format!("^{quoted_ascii}"), "i"),
            (quoted_ascii.clone(), "i"),
            (format!("{quoted_ascii}$"), "i"),
            (format!("^{quoted_ascii}$"), "i"),
        ] {
            let m = sql(&p, o);
            assert!(matches!(m, SqlMatch::Substring { .. }), "{p}/{o}: {m:?}");
            let re = engine(
                &p,
                Flags {
                    i: o == "i",
                    ..Flags::default()
                },
            )
            .unwrap();
            for text in [&long, &ascii] {
                for v in [
                    text.clone(),
                    format!("x{text}"),
                    format!("{text}x"),
                    format!("x{text}x"),
                    text.to_uppercase(),
                    text[1..].to_string(),
                    "short".to_string(),
                    String::new(),
                ] {
                    assert_eq!(
                        sqlite_matches(&db, &v, &m),
                        re.is_match(&v),
                        "{p}/{o} on {v}"
                    );
                    planned += 1;
                }
            }
        }
        assert_eq!(planned, 7 * 16);
        // At the limit, still a pattern (an index can serve a prefix GLOB).
        assert_eq!(
            sql(&format!("^{}", "a".repeat(49)), ""),
            glob(&format!("{}*", "a".repeat(49)))
        );
    }

    /// xorshift64: deterministic, so a failure reproduces.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_and_malformed_patterns_never_panic_and_literals_agree_with_the_engine() {
        let db = d1();
        let alphabet: Vec<char> = r"abAB\\QE^$.*+?()[]{}|,12:#-&~<> %_é"
            .chars()
            .chain(['\n', 'K', 'ü', 'd', 'x'])
            .collect();
        let options = ["", "i", "m", "s", "x", "im", "imsx"];
        let mut state = 0x9E37_79B9_7F4A_7C15;
        let (mut sql_plans, mut engines, mut errors, mut matched) = (0, 0, 0, 0);
        for n in 0..3000 {
            let len = (rng(&mut state) % 14) as usize;
            let pattern: String = (0..len)
                .map(|_| {
                    let r = rng(&mut state);
                    // One character in eight is any Unicode scalar value at all.
                    if r.is_multiple_of(8) {
                        char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('\u{FFFD}')
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let o = options[n % options.len()];
            match plan(&pattern, o) {
                Ok(RegexPlan::Sql(m)) => {
                    sql_plans += 1;
                    let flags = Flags {
                        i: o.contains('i'),
                        m: o.contains('m'),
                        s: o.contains('s'),
                        x: false,
                    };
                    let re = engine(&pattern, flags).unwrap();
                    // The literal itself, around other text and case-swapped, then random text.
                    let text = literal(&pattern).map(|l| l.text).unwrap_or_default();
                    let mut values = vec![
                        text.clone(),
                        format!("x{text}"),
                        format!("{text}\n"),
                        text.to_uppercase(),
                    ];
                    values.extend((0..4).map(|_| {
                        let len = (rng(&mut state) % 8) as usize;
                        (0..len)
                            .map(|_| alphabet[rng(&mut state) as usize % alphabet.len()])
                            .collect()
                    }));
                    for v in values {
                        let got = sqlite_matches(&db, &v, &m);
                        matched += usize::from(got);
                        assert_eq!(got, re.is_match(&v), "{pattern:?}/{o:?} {m:?} on {v:?}");
                    }
                }
                Ok(RegexPlan::Engine(re)) => {
                    engines += 1;
                    re.is_match(&pattern);
                }
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.code, Code::InvalidQuery);
                }
            }
        }
        eprintln!(
            "{sql_plans} SQL plans ({matched} rows matched), {engines} engines, {errors} errors"
        );
        assert!(sql_plans > 100 && matched > 500 && engines > 100 && errors > 100);
    }
}
