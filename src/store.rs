//! The storage port: the whole engine reaches SQL through this trait, implemented by D1 at the edge
//! and by SQLite in native tests, so Parse semantics are tested natively against a real database.

use crate::error::{Code, ParseError};
use serde_json::{Map, Value};

/// A bound parameter. Numbers cross the JS boundary as doubles, so integers beyond 2^53 are never
/// produced by the codec (Parse numbers are doubles anyway).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(s: &str) -> Self {
        SqlValue::Text(s.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(s: String) -> Self {
        SqlValue::Text(s)
    }
}

impl From<i64> for SqlValue {
    fn from(n: i64) -> Self {
        SqlValue::Integer(n)
    }
}

impl From<bool> for SqlValue {
    fn from(b: bool) -> Self {
        SqlValue::Integer(b as i64)
    }
}

/// One SQL statement with its parameters. SQL text is built only from registry identifiers and
/// fixed fragments; every value travels as a parameter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Statement {
    /// The cheapest statement that proves the database answers.
    pub fn ping() -> Self {
        Statement::new("SELECT 1 AS ok", vec![])
    }

    pub fn new(sql: impl Into<String>, params: Vec<SqlValue>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// A result row, keyed by column name, with values as JSON scalars (what D1 gives back).
pub type Row = Map<String, Value>;

/// A result row as its values in the statement's column order (D1's `raw()`): for hot reads
/// that know their columns, naming every column of every row is pure cost.
pub type Values = Vec<Value>;

/// Why the database refused a statement, as far as the engine needs to tell.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// A UNIQUE constraint or primary key was violated; the text names the column when known.
    Unique(String),
    /// A CHECK constraint failed; the text is the constraint's name or expression.
    Check(String),
    /// The statement is beyond the database's limits on size (D1: 100 bound parameters,
    /// expressions 100 deep, 50-byte LIKE/GLOB patterns, 100 KB of SQL): the request asked for
    /// too much at once, which is the client's to narrow, not an outage to retry.
    TooLarge(String),
    /// Anything else: a bug or an outage, never the client's fault.
    Other(String),
}

impl StoreError {
    /// Classifies a database error message; SQLite and D1 word them the same way.
    pub fn from_message(message: &str) -> Self {
        if let Some(rest) = message.split("UNIQUE constraint failed: ").nth(1) {
            return StoreError::Unique(rest.trim().to_string());
        }
        // SQLite's words for a statement beyond one of its limits (sqlite3_limit).
        const LIMITS: [&str; 8] = [
            "too many SQL variables",
            "Expression tree is too large",
            "LIKE or GLOB pattern too complex",
            "string or blob too big",
            "statement too long",
            "too many columns",
            "too many arguments on function",
            "too many terms in compound SELECT",
        ];
        if LIMITS.iter().any(|limit| message.contains(limit)) {
            return StoreError::TooLarge(message.to_string());
        }
        for prefix in ["CHECK constraint failed: ", "NOT NULL constraint failed: "] {
            if let Some(rest) = message.split(prefix).nth(1) {
                let what = rest.split(':').next().unwrap_or(rest);
                return StoreError::Check(what.trim().to_string());
            }
        }
        StoreError::Other(message.to_string())
    }
}

impl From<StoreError> for ParseError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(_) => ParseError::new(
                Code::DuplicateValue,
                "A duplicate value for a field with unique values was provided",
            ),
            // The existence guard of a batch (see `WritePlan::guard_row_exists`).
            StoreError::Check(what) if what == "object_not_found" => ParseError::not_found(),
            StoreError::Check(what) => ParseError::new(Code::ValidationError, check_message(&what)),
            StoreError::TooLarge(_) => ParseError::invalid_query(
                "This request is too large for the database to run at once (too many values, or nested too deeply): narrow it or split it.",
            ),
            StoreError::Other(message) => ParseError::internal(format!("Storage error: {message}")),
        }
    }
}

/// What a client is told of a CHECK or NOT NULL constraint the database enforced: the rule in
/// words, never the constraint's name or the driver's text.
fn check_message(constraint: &str) -> &'static str {
    match constraint {
        "price_must_be_positive" => "Validation failed: price must be greater than 0.",
        "stock_must_be_a_non_negative_integer" => {
            "Validation failed: stock must be a whole number of at least 0."
        }
        "sku_must_not_be_empty" => "Validation failed: sku must not be empty.",
        // The array guard of an update (`engine::field_ops::MAX_ARRAY_LENGTH`).
        "array_too_long" => "An Array field would hold more than 10000 elements.",
        "role_must_be_buyer_artisan_or_admin" => {
            "Validation failed: role must be buyer, artisan or admin."
        }
        _ => "Validation failed: a value is missing or not allowed.",
    }
}

/// SQL storage. `batch` runs its statements as one transaction: all of them or none; an empty
/// batch answers at once, with no round trip (D1 itself refuses one).
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn query(&self, statement: &Statement) -> Result<Vec<Row>, StoreError>;
    /// `query`, each row as its values in column order.
    async fn query_values(&self, statement: &Statement) -> Result<Vec<Values>, StoreError>;
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, StoreError>;
}

/// Quotes a registry identifier for SQL. Identifiers are validated names (letters, digits, `_`)
/// before they reach here; the quoting makes reserved words like `Order` safe as table names.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A store that counts its round trips (a query or a batch is one), for the benchmark harness:
/// hot paths aim for one.
pub struct Counted<S> {
    pub inner: S,
    pub round_trips: std::cell::Cell<u32>,
}

impl<S: Store> Counted<S> {
    pub fn new(inner: S) -> Self {
        Counted {
            inner,
            round_trips: std::cell::Cell::new(0),
        }
    }
}

impl<S: Store> Store for Counted<S> {
    async fn query(&self, statement: &Statement) -> Result<Vec<Row>, StoreError> {
        self.round_trips.set(self.round_trips.get() + 1);
        self.inner.query(statement).await
    }

    async fn query_values(&self, statement: &Statement) -> Result<Vec<Values>, StoreError> {
        self.round_trips.set(self.round_trips.get() + 1);
        self.inner.query_values(statement).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, StoreError> {
        if !statements.is_empty() {
            self.round_trips.set(self.round_trips.get() + 1);
        }
        self.inner.batch(statements).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_and_check_failures_are_told_apart() {
        assert_eq!(
            StoreError::from_message(
                "D1_ERROR: UNIQUE constraint failed: Product.sku: SQLITE_CONSTRAINT"
            ),
            StoreError::Unique("Product.sku: SQLITE_CONSTRAINT".into())
        );
        assert!(matches!(
            StoreError::from_message("CHECK constraint failed: stock_not_negative"),
            StoreError::Check(_)
        ));
        assert!(matches!(
            StoreError::from_message("disk I/O error"),
            StoreError::Other(_)
        ));
    }

    #[test]
    fn a_statement_beyond_the_limits_is_the_clients_to_narrow() {
        for message in [
            "D1_ERROR: too many SQL variables at offset 587: SQLITE_ERROR",
            "D1_ERROR: Expression tree is too large (maximum depth 100): SQLITE_ERROR",
            "D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR",
        ] {
            let e = StoreError::from_message(message);
            assert!(matches!(e, StoreError::TooLarge(_)), "{message}");
            let e: ParseError = e.into();
            assert_eq!((e.code, e.status()), (Code::InvalidQuery, 400), "{message}");
        }
    }

    #[test]
    fn a_duplicate_is_parse_code_137() {
        let e: ParseError = StoreError::Unique("x".into()).into();
        assert_eq!(e.code, Code::DuplicateValue);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("Order"), "\"Order\"");
    }
}
