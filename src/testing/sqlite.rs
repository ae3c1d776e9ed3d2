//! A real SQLite behind the `Store` trait, for native tests of the engine. It applies the same
//! migrations D1 gets, so tests run against the product's real schema and constraints, and it
//! enforces D1's limits, so a statement D1 would refuse fails here too.

use crate::store::{Row, SqlValue, Statement, Store, StoreError, Values};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use serde_json::Value;
use std::cell::RefCell;

/// D1's limits on one statement (developers.cloudflare.com/d1/platform/limits), as `wrangler dev`
/// enforces them too: a query beyond them is an SQL error there, so it must be one here. Seen
/// locally: 100 bound parameters ("too many SQL variables"), expression depth 100 ("Expression
/// tree is too large"), 50 bytes of LIKE/GLOB pattern ("pattern too complex").
const D1_LIMITS: [(Limit, i32); 7] = [
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 32),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
    (Limit::SQLITE_LIMIT_LENGTH, 2_000_000),
    (Limit::SQLITE_LIMIT_COLUMN, 100),
];

pub struct SqliteStore {
    conn: RefCell<rusqlite::Connection>,
}

impl SqliteStore {
    /// An in-memory database with every migration in `migrations/` applied, in order.
    pub fn migrated() -> Self {
        let conn = rusqlite::Connection::open_in_memory().expect("in-memory sqlite");
        for (limit, value) in D1_LIMITS {
            conn.set_limit(limit, value).expect("a SQLite limit");
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        for file in files {
            let sql = std::fs::read_to_string(&file).expect("migration file");
            conn.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        SqliteStore {
            conn: RefCell::new(conn),
        }
    }

    /// The statement's column names and its rows as values in column order.
    fn run_values(
        conn: &rusqlite::Connection,
        statement: &Statement,
    ) -> Result<(Vec<String>, Vec<Values>), StoreError> {
        let err = |e: rusqlite::Error| StoreError::from_message(&e.to_string());
        let mut stmt = conn.prepare(&statement.sql).map_err(err)?;
        let params: Vec<rusqlite::types::Value> = statement
            .params
            .iter()
            .map(|p| match p {
                SqlValue::Null => rusqlite::types::Value::Null,
                SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
                SqlValue::Real(r) => rusqlite::types::Value::Real(*r),
                SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
            })
            .collect();
        let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut values = Values::with_capacity(names.len());
            for i in 0..names.len() {
                values.push(match row.get_ref(i).map_err(err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::from(n),
                    ValueRef::Real(r) => Value::from(r),
                    ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(_) => Value::Null,
                });
            }
            out.push(values);
        }
        Ok((names, out))
    }

    fn run(conn: &rusqlite::Connection, statement: &Statement) -> Result<Vec<Row>, StoreError> {
        let (names, rows) = Self::run_values(conn, statement)?;
        Ok(rows
            .into_iter()
            .map(|values| names.iter().cloned().zip(values).collect())
            .collect())
    }
}

impl Store for SqliteStore {
    async fn query(&self, statement: &Statement) -> Result<Vec<Row>, StoreError> {
        Self::run(&self.conn.borrow(), statement)
    }

    async fn query_values(&self, statement: &Statement) -> Result<Vec<Values>, StoreError> {
        Ok(Self::run_values(&self.conn.borrow(), statement)?.1)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, StoreError> {
        // The `Store` contract (D1 itself would refuse an empty batch; its adapter answers it).
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.borrow_mut();
        let tx = conn
            .transaction()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let mut out = Vec::with_capacity(statements.len());
        for statement in statements {
            out.push(Self::run(&tx, statement)?);
        }
        tx.commit().map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn statements_beyond_d1_limits_fail_as_they_would_on_d1() {
        let store = SqliteStore::migrated();
        let marks = vec!["?"; 101].join(", ");
        let too_many = Statement::new(
            format!("SELECT 1 WHERE 1 IN ({marks})"),
            vec![SqlValue::Integer(1); 101],
        );
        assert!(block_on(store.query(&too_many)).is_err());
        let deep = Statement::new(format!("SELECT 1{}", " + 1".repeat(120)), vec![]);
        assert!(block_on(store.query(&deep)).is_err());
        let long_pattern =
            Statement::new("SELECT 'a' GLOB ?", vec![SqlValue::Text("a".repeat(51))]);
        assert!(block_on(store.query(&long_pattern)).is_err());
        let within = Statement::new("SELECT 'a' GLOB ?", vec![SqlValue::Text("a".repeat(50))]);
        assert!(block_on(store.query(&within)).is_ok());
    }
}
