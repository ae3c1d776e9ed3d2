//! The storage port over D1. `batch` is D1's only transaction: all statements or none.

use crate::store::{Row, SqlValue, Statement, Store, StoreError, Values};
use js_sys::futures::JsFuture;
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::D1Database as D1DatabaseSys;
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
        let promise = self.prepare(statement)?.inner().all().map_err(js_error)?;
        let result = JsFuture::from(promise).await.map_err(js_error)?;
        rows(&result)
    }

    async fn query_values(&self, statement: &Statement) -> Result<Vec<Values>, StoreError> {
        // `raw()` answers arrays: D1's client builds no object per row, and the JSON text
        // that crosses into Rust carries no column names.
        let promise = self.prepare(statement)?.inner().raw().map_err(js_error)?;
        let result = JsFuture::from(promise).await.map_err(js_error)?;
        from_js_json(&result)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, StoreError> {
        // D1 answers an empty batch with "No SQL statements detected" (a `limit=0` query without
        // `count`, an empty `/batch`): nothing to run is an empty answer, not an error.
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let prepared = statements
            .iter()
            .map(|s| self.prepare(s).map(|p| JsValue::from(p.inner().clone())))
            .collect::<Result<Array, _>>()?;
        let db: &D1DatabaseSys = self.db.as_ref().unchecked_ref();
        let promise = db.batch(prepared).map_err(js_error)?;
        let results = JsFuture::from(promise).await.map_err(js_error)?;
        Array::from(&results).iter().map(|r| rows(&r)).collect()
    }
}

/// The rows of one D1 result. One `JSON.stringify` of the whole result set and one parse here
/// cost far less than converting every row and column across the JS boundary one value at a
/// time (most of a browse request's CPU went there).
fn rows(result: &JsValue) -> Result<Vec<Row>, StoreError> {
    let results = Reflect::get(result, &JsValue::from_str("results")).map_err(js_error)?;
    from_js_json(&results)
}

/// A JS value holding only JSON data (D1's rows), as `T`; nothing (`undefined`, `null`) is an
/// empty list.
fn from_js_json<T: serde::de::DeserializeOwned + Default>(
    value: &JsValue,
) -> Result<T, StoreError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let text = JSON::stringify(value).map_err(js_error)?;
    serde_json::from_str(&String::from(text))
        .map_err(|e| StoreError::Other(format!("unreadable D1 result: {e}")))
}

/// D1 reports constraint failures in the error's message or its cause; classify both.
fn js_error(e: JsValue) -> StoreError {
    let message = match e.dyn_ref::<js_sys::Error>() {
        Some(js) => {
            // Not a string conversion of the whole error: its `cause` need not be an Error.
            let cause = js
                .cause()
                .dyn_into::<js_sys::Error>()
                .map(|c| String::from(c.message()))
                .unwrap_or_default();
            format!("{} {cause}", String::from(js.message()))
        }
        None => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    };
    StoreError::from_message(&message)
}

fn error(e: worker::Error) -> StoreError {
    match e {
        worker::Error::D1(d1) => {
            js_error(JsValue::from(AsRef::<js_sys::Error>::as_ref(&d1).clone()))
        }
        other => StoreError::from_message(&other.to_string()),
    }
}
