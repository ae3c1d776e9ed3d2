//! A Parse `where` evaluated against one object in memory, for live subscriptions: the same
//! operators the SQL compiler knows, with the same meaning (a missing field is null; an array
//! field equals a value it contains).

use crate::engine::query::{
    count_regexes, MAX_IN_LIST, MAX_PROBES_PER_QUERY, MAX_QUERY_DEPTH, MAX_REGEXES_PER_QUERY,
};
use crate::engine::regex_plan::{self, RegexPlan, SqlMatch};
use crate::error::{ParseError, Result};
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// A compiled subscription query. Regexes are compiled once, at subscribe time.
#[derive(Debug, Clone)]
pub struct Matcher {
    clause: Clause,
}

#[derive(Debug, Clone)]
enum Clause {
    All(Vec<Clause>),
    Any(Vec<Clause>),
    Not(Box<Clause>),
    Field(String, Vec<Test>),
}

#[derive(Debug, Clone)]
enum Test {
    Eq(Value),
    Ne(Value),
    Cmp(Ordering, bool, Value),
    In(Vec<Value>),
    Nin(Vec<Value>),
    All(Vec<Value>),
    ContainedBy(Vec<Value>),
    Exists(bool),
    Regex(Text),
}

#[derive(Debug, Clone)]
enum Text {
    /// A literal, anchored at the start and/or end, compared ASCII-case-insensitively if `fold`.
    Literal {
        text: String,
        fold: bool,
        start: bool,
        end: bool,
    },
    Engine(regex::Regex),
}

impl Matcher {
    /// Compiles a subscription's `where` under the limits a REST `where` has: nesting depth,
    /// list and `$or`/`$and`/`$nor` width, `$regex` count and length, and how many regexes
    /// need the regex engine (the rest are literal comparisons). The regexes are counted
    /// before any is compiled.
    pub fn compile(where_: &Value) -> Result<Matcher> {
        if count_regexes(where_) > MAX_REGEXES_PER_QUERY {
            return Err(ParseError::invalid_query(format!(
                "a query may hold at most {MAX_REGEXES_PER_QUERY} $regex constraints"
            )));
        }
        let mut engine_regexes = 0;
        Ok(Matcher {
            clause: compile(where_, 0, &mut engine_regexes)?,
        })
    }

    pub fn matches(&self, object: &Map<String, Value>) -> bool {
        eval(&self.clause, object)
    }
}

fn compile(where_: &Value, depth: usize, engine_regexes: &mut usize) -> Result<Clause> {
    if depth > MAX_QUERY_DEPTH {
        return Err(ParseError::invalid_query("query is nested too deeply"));
    }
    let object = match where_ {
        Value::Null => return Ok(Clause::All(vec![])),
        Value::Object(o) => o,
        _ => return Err(ParseError::invalid_query("where must be a JSON object")),
    };
    let mut clauses = Vec::new();
    for (key, value) in object {
        clauses.push(match key.as_str() {
            "$or" | "$and" | "$nor" => {
                let branches = value.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
                    ParseError::invalid_query(format!(
                        "Bad {key} format - use an array of at least 1 value."
                    ))
                })?;
                if branches.len() > MAX_IN_LIST {
                    return Err(ParseError::invalid_query(format!(
                        "{key} may hold at most {MAX_IN_LIST} branches"
                    )));
                }
                let branches = branches
                    .iter()
                    .map(|b| compile(b, depth + 1, engine_regexes))
                    .collect::<Result<Vec<_>>>()?;
                match key.as_str() {
                    "$or" => Clause::Any(branches),
                    "$and" => Clause::All(branches),
                    _ => Clause::Not(Box::new(Clause::Any(branches))),
                }
            }
            _ if key.starts_with('$') => {
                return Err(ParseError::invalid_query(format!(
                    "{key} is not supported in live queries"
                )))
            }
            _ => Clause::Field(key.clone(), tests(value, engine_regexes)?),
        });
    }
    Ok(Clause::All(clauses))
}

fn tests(value: &Value, engine_regexes: &mut usize) -> Result<Vec<Test>> {
    let Some(ops) = value
        .as_object()
        .filter(|o| o.keys().any(|k| k.starts_with('$')))
    else {
        return Ok(vec![Test::Eq(value.clone())]);
    };
    let list = |v: &Value, op: &str| -> Result<Vec<Value>> {
        let list = v
            .as_array()
            .ok_or_else(|| ParseError::invalid_query(format!("bad {op}: expected an array")))?;
        if list.len() > MAX_IN_LIST {
            return Err(ParseError::invalid_query(format!(
                "{op} may hold at most {MAX_IN_LIST} values"
            )));
        }
        Ok(list.clone())
    };
    let mut out = Vec::new();
    for (op, operand) in ops {
        out.push(match op.as_str() {
            "$eq" => Test::Eq(operand.clone()),
            "$ne" => Test::Ne(operand.clone()),
            "$lt" => Test::Cmp(Ordering::Less, false, operand.clone()),
            "$lte" => Test::Cmp(Ordering::Less, true, operand.clone()),
            "$gt" => Test::Cmp(Ordering::Greater, false, operand.clone()),
            "$gte" => Test::Cmp(Ordering::Greater, true, operand.clone()),
            "$in" => Test::In(list(operand, op)?),
            "$nin" => Test::Nin(list(operand, op)?),
            "$all" => Test::All(list(operand, op)?),
            "$containedBy" => Test::ContainedBy(list(operand, op)?),
            "$exists" => Test::Exists(
                operand
                    .as_bool()
                    .ok_or_else(|| ParseError::invalid_query("bad $exists"))?,
            ),
            "$options" => continue,
            "$regex" => {
                let pattern = operand
                    .as_str()
                    .ok_or_else(|| ParseError::invalid_query("$regex must be a string"))?;
                let options = ops.get("$options").and_then(Value::as_str).unwrap_or("");
                let plan = regex_plan::plan(pattern, options)?;
                if matches!(plan, RegexPlan::Engine(_)) {
                    *engine_regexes += 1;
                    if *engine_regexes > MAX_PROBES_PER_QUERY {
                        return Err(ParseError::invalid_query(format!(
                            "a query may hold at most {MAX_PROBES_PER_QUERY} regexes that are not literal, prefix or suffix forms"
                        )));
                    }
                }
                Test::Regex(text_test(plan))
            }
            other => {
                return Err(ParseError::invalid_query(format!(
                    "{other} is not supported in live queries"
                )))
            }
        });
    }
    Ok(out)
}

/// The in-memory form of a regex plan: the SQL forms are literal comparisons (LIKE being ASCII
/// case-insensitive), the rest the compiled regex.
fn text_test(plan: RegexPlan) -> Text {
    match plan {
        RegexPlan::Engine(re) => Text::Engine(re),
        RegexPlan::Sql(SqlMatch::Equals(s)) => Text::Literal {
            text: s,
            fold: false,
            start: true,
            end: true,
        },
        RegexPlan::Sql(SqlMatch::Glob(glob)) => shape(&glob, '*', false),
        RegexPlan::Sql(SqlMatch::Like(like)) => shape(&like, '%', true),
        RegexPlan::Sql(SqlMatch::Substring {
            text,
            start,
            end,
            fold,
        }) => Text::Literal {
            text,
            fold,
            start,
            end,
        },
    }
}

/// Reads a GLOB (`[*]` escapes) or LIKE (`\%` escapes) pattern of the planner's shapes back into
/// its literal and anchors.
fn shape(pattern: &str, wildcard: char, fold: bool) -> Text {
    let start = !pattern.starts_with(wildcard);
    let end = !(pattern.ends_with(wildcard)
        && !pattern.ends_with(&format!("\\{wildcard}"))
        && pattern.len() > usize::from(!start));
    let mut body = pattern;
    if !start {
        body = &body[1..];
    }
    if !end && !body.is_empty() {
        body = &body[..body.len() - 1];
    }
    let mut text = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (fold, c) {
            (false, '[') => {
                text.extend(chars.next());
                chars.next();
            }
            (true, '\\') => text.extend(chars.next()),
            _ => text.push(c),
        }
    }
    Text::Literal {
        text,
        fold,
        start,
        end,
    }
}

fn eval(clause: &Clause, object: &Map<String, Value>) -> bool {
    match clause {
        Clause::All(cs) => cs.iter().all(|c| eval(c, object)),
        Clause::Any(cs) => cs.iter().any(|c| eval(c, object)),
        Clause::Not(c) => !eval(c, object),
        Clause::Field(key, tests) => {
            let value = lookup(object, key);
            tests.iter().all(|t| test(t, value))
        }
    }
}

/// A field, or a dotted path into an Object field; absent is null.
fn lookup<'a>(object: &'a Map<String, Value>, key: &str) -> &'a Value {
    let mut parts = key.split('.');
    let mut current = parts.next().and_then(|p| object.get(p));
    for part in parts {
        current = current.and_then(|v| v.get(part));
    }
    current.unwrap_or(&Value::Null)
}

fn test(t: &Test, value: &Value) -> bool {
    match t {
        Test::Eq(expected) => equals(value, expected),
        Test::Ne(expected) => !equals(value, expected),
        Test::Cmp(direction, or_equal, bound) => match compare(value, bound) {
            Some(Ordering::Equal) => *or_equal,
            Some(o) => o == *direction,
            None => false,
        },
        Test::In(list) => list.iter().any(|e| equals(value, e)),
        Test::Nin(list) => !list.iter().any(|e| equals(value, e)),
        Test::All(list) => value
            .as_array()
            .is_some_and(|a| list.iter().all(|e| a.iter().any(|v| same(v, e)))),
        Test::ContainedBy(list) => value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| list.iter().any(|e| same(v, e)))),
        Test::Exists(wanted) => value.is_null() != *wanted,
        Test::Regex(text) => {
            let check = |s: &str| match text {
                Text::Engine(re) => re.is_match(s),
                Text::Literal {
                    text,
                    fold,
                    start,
                    end,
                } => {
                    let (s, t) = if *fold {
                        (s.to_ascii_lowercase(), text.to_ascii_lowercase())
                    } else {
                        (s.to_string(), text.clone())
                    };
                    match (start, end) {
                        (true, true) => s == t,
                        (true, false) => s.starts_with(&t),
                        (false, true) => s.ends_with(&t),
                        (false, false) => s.contains(&t),
                    }
                }
            };
            match value {
                Value::String(s) => check(s),
                Value::Array(items) => items.iter().filter_map(Value::as_str).any(check),
                _ => false,
            }
        }
    }
}

/// Parse equality: an array field equals a scalar it contains; pointers compare by class and id.
fn equals(value: &Value, expected: &Value) -> bool {
    if let (Value::Array(items), false) = (value, expected.is_array()) {
        return items.iter().any(|v| same(v, expected));
    }
    same(value, expected)
}

fn same(a: &Value, b: &Value) -> bool {
    match (identity(a), identity(b)) {
        (Some(x), Some(y)) => x == y,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// Pointers and included objects are the same object when class and id agree; dates by instant.
fn identity(v: &Value) -> Option<(String, String)> {
    let o = v.as_object()?;
    match o.get("__type").and_then(Value::as_str)? {
        "Pointer" | "Object" => Some((
            o.get("className")?.as_str()?.into(),
            o.get("objectId")?.as_str()?.into(),
        )),
        "Date" => Some((
            "Date".into(),
            crate::platform::canonical_iso(o.get("iso")?.as_str()?)?,
        )),
        _ => None,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x.partial_cmp(&y);
    }
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            _ => identity(v)
                .filter(|(kind, _)| kind == "Date")
                .map(|(_, iso)| iso),
        }
    };
    Some(text(a)?.cmp(&text(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object() -> Map<String, Value> {
        json!({
            "title": "Blue Bowl", "price": 25.5, "stock": 1, "tags": ["ceramic", "blue"],
            "owner": {"__type": "Pointer", "className": "Artisan", "objectId": "a1"},
            "when": {"__type": "Date", "iso": "2024-05-01T00:00:00.000Z"}, "meta": {"color": "blue"},
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn is(where_: Value) -> bool {
        Matcher::compile(&where_).unwrap().matches(&object())
    }

    #[test]
    fn comparisons_and_membership_match_like_the_sql_compiler() {
        assert!(is(json!({"price": {"$gt": 20, "$lte": 25.5}})));
        assert!(!is(json!({"price": {"$lt": 25.5}})));
        assert!(is(json!({"tags": "blue"})));
        assert!(is(json!({"tags": {"$all": ["blue", "ceramic"]}})));
        assert!(is(json!({"title": {"$in": ["x", "Blue Bowl"]}})));
        assert!(is(
            json!({"missing": {"$exists": false}, "stock": {"$ne": 0}})
        ));
        assert!(is(
            json!({"owner": {"__type": "Pointer", "className": "Artisan", "objectId": "a1"}})
        ));
        assert!(is(
            json!({"when": {"$gte": {"__type": "Date", "iso": "2024-05-01T00:00:00Z"}}})
        ));
        assert!(is(json!({"meta.color": "blue"})));
        assert!(is(
            json!({"$or": [{"price": 1}, {"stock": 1}], "$nor": [{"title": "x"}]})
        ));
    }

    #[test]
    fn regexes_match_as_the_sdk_sends_them() {
        assert!(is(json!({"title": {"$regex": "^\\QBlue\\E"}})));
        assert!(is(json!({"title": {"$regex": "\\QBowl\\E$"}})));
        assert!(is(json!({"title": {"$regex": "bowl", "$options": "i"}})));
        assert!(!is(json!({"title": {"$regex": "bowl"}})));
        assert!(is(json!({"title": {"$regex": "^B.+l$"}})));
        assert!(is(
            json!({"title": {"$regex": "^\\Qblue b\\E", "$options": "i"}})
        ));
        assert!(!is(json!({"title": {"$regex": "^\\QBowl\\E"}})));
        assert!(is(json!({"title": {"$regex": "^Blue Bowl$"}})));
    }

    #[test]
    fn a_subscription_query_has_the_limits_of_a_rest_where() {
        let or = |n: usize, pattern: &dyn Fn(usize) -> String| json!({"$or": (0..n).map(|i| json!({"title": {"$regex": pattern(i)}})).collect::<Vec<_>>()});
        let literal = |i: usize| format!("^t{i}");
        let engine = |i: usize| format!("(a|b)z{i}");
        assert!(Matcher::compile(&or(MAX_REGEXES_PER_QUERY, &literal)).is_ok());
        assert!(Matcher::compile(&or(MAX_REGEXES_PER_QUERY + 1, &literal)).is_err());
        assert!(Matcher::compile(&or(MAX_PROBES_PER_QUERY, &engine)).is_ok());
        assert!(Matcher::compile(&or(MAX_PROBES_PER_QUERY + 1, &engine)).is_err());
        let long = "a".repeat(1001);
        assert!(Matcher::compile(&json!({"title": {"$regex": long}})).is_err());
        let values: Vec<usize> = (0..=MAX_IN_LIST).collect();
        assert!(Matcher::compile(&json!({"stock": {"$in": values}})).is_err());
        let branches: Vec<Value> = (0..=MAX_IN_LIST).map(|i| json!({"stock": i})).collect();
        assert!(Matcher::compile(&json!({"$or": branches})).is_err());
        let mut deep = json!({"stock": 1});
        for _ in 0..=MAX_QUERY_DEPTH {
            deep = json!({"$or": [deep]});
        }
        assert!(Matcher::compile(&deep).is_err());
    }

    #[test]
    fn the_review_frame_of_1900_heavy_regexes_is_refused_before_compiling() {
        // Before: each such subscribe frame took about 2.5 s of the hub's CPU to compile.
        let branches: Vec<Value> = (0..1900)
            .map(|i| json!({"title": {"$regex": format!("\\w{{{}}}", 4980 - i % 50)}}))
            .collect();
        let started = std::time::Instant::now();
        assert!(Matcher::compile(&json!({"$or": branches})).is_err());
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn unsupported_operators_are_refused_at_subscribe_time() {
        assert!(Matcher::compile(&json!({"owner": {"$inQuery": {}}})).is_err());
        assert!(Matcher::compile(&json!({"$relatedTo": {}})).is_err());
        assert!(Matcher::compile(&json!([1])).is_err());
    }
}
