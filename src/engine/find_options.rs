//! The parameters of a Parse query (`where`, `order`, `limit`, `skip`, `keys`, `excludeKeys`,
//! `include`, `count`), decoded from a query string (all strings) or an SDK body (typed).

use crate::error::{ParseError, Result};
use serde_json::{Map, Value};

pub const DEFAULT_LIMIT: i64 = 100;
/// Rows one query may return; larger `limit`s are clamped, as Parse Server's `maxLimit` does.
pub const MAX_LIMIT: i64 = 1000;
/// The largest integer a double holds exactly (JavaScript's `Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The parameters a query acts on (the OpenAPI document lists these).
pub const FIND_PARAMETERS: [&str; 8] = [
    "where",
    "order",
    "limit",
    "skip",
    "keys",
    "excludeKeys",
    "include",
    "count",
];

/// Read-preference and hint parameters of Parse's MongoDB adapter: accepted, no effect on SQLite.
const IGNORED_PARAMETERS: [&str; 5] = [
    "readPreference",
    "includeReadPreference",
    "subqueryReadPreference",
    "hint",
    "explain",
];

/// The query parameters, decoded from either a query string (all strings) or an SDK body (typed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindOptions {
    pub where_: Value,
    pub order: Vec<(String, bool)>,
    pub limit: i64,
    pub skip: i64,
    pub keys: Option<Vec<String>>,
    pub exclude_keys: Vec<String>,
    pub include: Vec<String>,
    pub count: bool,
}

impl FindOptions {
    pub fn from_params(params: &Map<String, Value>) -> Result<Self> {
        if let Some(unknown) = params
            .keys()
            // Anything else is a client mistake (102), as in Parse Server.
            .find(|k| {
                !FIND_PARAMETERS.contains(&k.as_str()) && !IGNORED_PARAMETERS.contains(&k.as_str())
            })
        {
            return Err(ParseError::invalid_query(format!(
                "Invalid parameter for query: {unknown}"
            )));
        }
        let where_ = match params.get("where") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(Value::String(text)) if text.trim().is_empty() => Value::Object(Map::new()),
            Some(Value::String(text)) => serde_json::from_str(text).map_err(|_| {
                ParseError::new(crate::error::Code::InvalidJson, "where is not valid JSON")
            })?,
            Some(other) => other.clone(),
        };
        if !where_.is_object() {
            return Err(ParseError::invalid_query("where must be a JSON object"));
        }
        let limit = integer(params.get("limit"), "limit")?
            .unwrap_or(DEFAULT_LIMIT)
            .min(MAX_LIMIT);
        let skip = integer(params.get("skip"), "skip")?.unwrap_or(0);
        let count = match params.get("count") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64() == Some(1.0),
            Some(Value::String(s)) => s == "1" || s == "true",
            Some(_) => return Err(ParseError::invalid_query("count must be 1 or true")),
        };
        let order = list(params.get("order"), "order")?
            .into_iter()
            .map(|k| match k.strip_prefix('-') {
                Some(field) => (field.to_string(), true),
                None => (k, false),
            })
            .collect();
        Ok(FindOptions {
            where_,
            order,
            limit,
            skip,
            keys: params
                .get("keys")
                .map(|k| list(Some(k), "keys"))
                .transpose()?,
            exclude_keys: list(params.get("excludeKeys"), "excludeKeys")?,
            include: list(params.get("include"), "include")?,
            count,
        })
    }
}

fn integer(value: Option<&Value>, name: &str) -> Result<Option<i64>> {
    let n = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match n {
        // Parameters cross to D1 as doubles: beyond 2^53 they would arrive as reals, which
        // SQLite refuses for LIMIT and OFFSET.
        Some(n) if (0.0..=MAX_SAFE_INTEGER).contains(&n) && n.fract() == 0.0 => Ok(Some(n as i64)),
        _ => Err(ParseError::invalid_query(format!(
            "{name} must be a non-negative integer below 2^53"
        ))),
    }
}

/// `"a,b"` or `["a","b"]` as a list of trimmed, non-empty names.
fn list(value: Option<&Value>, name: &str) -> Result<Vec<String>> {
    let items: Vec<String> = match value {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect::<Option<_>>()
            .ok_or_else(|| ParseError::invalid_query(format!("{name} must be a list of names")))?,
        Some(_) => {
            return Err(ParseError::invalid_query(format!(
                "{name} must be a comma-separated string"
            )))
        }
    };
    Ok(items.into_iter().filter(|s| !s.is_empty()).collect())
}
