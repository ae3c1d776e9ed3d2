//! The storage port over D1. `batch` is D1's only transaction: all statements or none.

use crate::store::{Row, SqlValue, Statement, Store, StoreError};
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement};

pub struct D1Store {
    pub db: D1Database,
}

impl D1Store {
    fn prepare(&self, statement: &Statement) -> Result<D1PreparedStatement, StoreError> {
        let params: Vec<JsValue> = statement
            .params
            .iter()
            .map(|p| match p {
                SqlValue::Null => JsValue::NULL,
                // Integers from the codec are within ±2^53, so a double carries them exactly.
                SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
                SqlValue::Real(r) => JsValue::from_f64(*r),
                SqlValue::Text(t) => JsValue::from_str(t),
            })
            .collect();
        self.db.prepare(&statement.sql).bind(&params).map_err(error)
    }
}

impl Store for D1Store {
    async fn query(&self, statement: &Statement) -> Result<Vec<Row>, StoreError> {
        let result = self.prepare(statement)?.all().await.map_err(error)?;
        result.results::<Row>().map_err(error)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, StoreError> {
        let prepared = statements
            .iter()
            .map(|s| self.prepare(s))
            .collect::<Result<Vec<_>, _>>()?;
        let results = self.db.batch(prepared).await.map_err(error)?;
        results
            .iter()
            .map(|r| r.results::<Row>().map_err(error))
            .collect()
    }
}

/// D1 reports constraint failures in the error's message or its cause; classify both.
fn error(e: worker::Error) -> StoreError {
    let message = match &e {
        // Not `d1.to_string()`: it formats the error's `cause` as a string even when the cause
        // is not one, which traps the isolate.
        worker::Error::D1(d1) => {
            let js: &js_sys::Error = d1.as_ref();
            let cause = js
                .cause()
                .dyn_into::<js_sys::Error>()
                .map(|c| String::from(c.message()))
                .unwrap_or_default();
            format!("{} {cause}", String::from(js.message()))
        }
        other => other.to_string(),
    };
    StoreError::from_message(&message)
}
