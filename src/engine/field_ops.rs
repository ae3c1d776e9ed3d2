//! Field operations: how `Increment`, `Add`, `AddUnique`, `Remove`, `AddRelation` and
//! `RemoveRelation` become values on a new object and SQL inside an update, so concurrent
//! operations on one object never lose a write.

use super::codec;
use super::schema::FieldType;
use crate::error::{ParseError, Result};
use crate::store::{ident, SqlValue, Statement};
use serde_json::{json, Value};

/// A field operation on a new object becomes its plain result, as Parse applies it.
pub fn initial_value(key: &str, value: &Value) -> Result<Value> {
    let Some(op) = value.get("__op").and_then(Value::as_str) else {
        return Ok(value.clone());
    };
    Ok(match op {
        "Delete" => Value::Null,
        "Increment" => value
            .get("amount")
            .filter(|a| a.is_number())
            .cloned()
            .ok_or_else(|| ParseError::invalid_json_field("Increment amount must be a number"))?,
        "Add" | "AddUnique" | "Remove" => {
            let objects = value
                .get("objects")
                .and_then(Value::as_array)
                .ok_or_else(|| ParseError::invalid_json_field("objects must be an array"))?;
            match op {
                "Add" => Value::Array(objects.clone()),
                "AddUnique" => {
                    let mut unique: Vec<Value> = Vec::new();
                    for o in objects {
                        if !unique.contains(o) {
                            unique.push(o.clone());
                        }
                    }
                    Value::Array(unique)
                }
                _ => json!([]),
            }
        }
        other => {
            return Err(ParseError::invalid_json_field(&format!(
                "unknown operation {other} on {key}"
            )))
        }
    })
}

pub fn is_relation_op(value: &Value) -> bool {
    matches!(
        value.get("__op").and_then(Value::as_str),
        Some("AddRelation" | "RemoveRelation" | "Batch")
    )
}

/// AddRelation / RemoveRelation (or a Batch of them) on relation `field` of `owner`.
pub fn relation_op(
    class: &str,
    field: &str,
    ty: &FieldType,
    owner: &str,
    value: &Value,
) -> Result<Vec<Statement>> {
    let FieldType::Relation(target) = ty else {
        return Err(ParseError::incorrect_type(format!(
            "{field} is not a relation"
        )));
    };
    let table = ident(&super::schema::relation_table(class, field));
    match value.get("__op").and_then(Value::as_str) {
        Some("Batch") => {
            let ops = value
                .get("ops")
                .and_then(Value::as_array)
                .ok_or_else(|| ParseError::invalid_json_field("Batch needs ops"))?;
            let mut out = Vec::new();
            for op in ops {
                out.extend(relation_op(class, field, ty, owner, op)?);
            }
            Ok(out)
        }
        Some(op @ ("AddRelation" | "RemoveRelation")) => {
            let objects = value
                .get("objects")
                .and_then(Value::as_array)
                .ok_or_else(|| ParseError::invalid_json_field("objects must be an array"))?;
            let ids = objects
                .iter()
                .map(|o| codec::pointer_id(o, target))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    ParseError::incorrect_type(format!(
                        "{field} relates to {target}: objects must be pointers to {target}"
                    ))
                })?;
            let ids = SqlValue::Text(Value::from(ids).to_string());
            Ok(vec![if op == "AddRelation" {
                Statement::new(
                    format!("INSERT OR IGNORE INTO {table} (\"owningId\", \"relatedId\") SELECT ?, value FROM json_each(?)"),
                    vec![SqlValue::from(owner), ids],
                )
            } else {
                Statement::new(
                    format!("DELETE FROM {table} WHERE \"owningId\" = ? AND \"relatedId\" IN (SELECT value FROM json_each(?))"),
                    vec![SqlValue::from(owner), ids],
                )
            }])
        }
        _ => Err(ParseError::incorrect_type(format!(
            "{field} is a relation: change it with AddRelation or RemoveRelation"
        ))),
    }
}

/// SQL for an array operation on `column`, with its parameters. Elements are compared as
/// `json_each` presents them (value and JSON type), and the result keeps the array's order.
pub fn array_op_sql(op: &str, column: &str, objects: String) -> (String, Vec<SqlValue>) {
    // json_each gives objects, arrays and booleans as SQL text/integers; turn them back into JSON.
    const ELEMENT: &str =
        "CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') \
        WHEN 'object' THEN json(value) WHEN 'array' THEN json(value) ELSE value END";
    let current = format!("json_each(COALESCE({column}, '[]'))");
    let same = "x.value IS y.value AND x.type = y.type";
    let (rows, binds) = match op {
        "Add" => (
            format!("SELECT 0 AS part, key, value, type FROM {current} UNION ALL SELECT 1, key, value, type FROM json_each(?)"),
            vec![SqlValue::Text(objects)],
        ),
        "AddUnique" => (
            format!(
                "SELECT 0 AS part, key, value, type FROM {current} UNION ALL \
                 SELECT 1, y.key, y.value, y.type FROM json_each(?) AS y \
                 WHERE NOT EXISTS (SELECT 1 FROM {current} AS x WHERE {same}) \
                 AND NOT EXISTS (SELECT 1 FROM json_each(?) AS x WHERE x.key < y.key AND {same})"
            ),
            vec![SqlValue::Text(objects.clone()), SqlValue::Text(objects)],
        ),
        _ => (
            format!(
                "SELECT 0 AS part, y.key, y.value, y.type FROM {current} AS y \
                 WHERE NOT EXISTS (SELECT 1 FROM json_each(?) AS x WHERE {same})"
            ),
            vec![SqlValue::Text(objects)],
        ),
    };
    (
        format!(
            "(SELECT COALESCE(json_group_array({ELEMENT} ORDER BY part, key), '[]') FROM ({rows}))"
        ),
        binds,
    )
}
