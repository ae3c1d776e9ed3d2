//! Field operations: how `Increment`, `Add`, `AddUnique`, `Remove`, `AddRelation` and
//! `RemoveRelation` become values on a new object and SQL inside an update, so concurrent
//! operations on one object never lose a write.

use super::codec;
use super::schema::FieldType;
use crate::error::{ParseError, Result};
use crate::store::{ident, SqlValue, Statement};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Most `objects` one `Add`, `AddUnique` or `Remove` may carry (400, code 107 beyond it).
pub const MAX_ARRAY_OP_OBJECTS: usize = 1000;
/// Most elements an Array field may hold after a write (400, code 142 beyond it).
pub const MAX_ARRAY_LENGTH: usize = 10_000;

/// The `objects` of an array operation, refused beyond [`MAX_ARRAY_OP_OBJECTS`]; `AddUnique`'s
/// are deduplicated here, in linear time, so the SQL never compares them with each other.
pub fn array_op_objects<'a>(op: &str, value: &'a Value) -> Result<Vec<&'a Value>> {
    let objects = value
        .get("objects")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::invalid_json_field("objects must be an array"))?;
    if objects.len() > MAX_ARRAY_OP_OBJECTS {
        return Err(ParseError::invalid_json_field(&format!(
            "{op} takes at most {MAX_ARRAY_OP_OBJECTS} objects at once"
        )));
    }
    if op != "AddUnique" {
        return Ok(objects.iter().collect());
    }
    let mut seen = HashSet::new();
    Ok(objects
        .iter()
        .filter(|o| seen.insert(o.to_string()))
        .collect())
}

/// Refuses an array value longer than [`MAX_ARRAY_LENGTH`].
pub fn check_array_length(key: &str, value: &Value) -> Result<()> {
    match value.as_array() {
        Some(items) if items.len() > MAX_ARRAY_LENGTH => Err(array_too_long(key)),
        _ => Ok(()),
    }
}

pub fn array_too_long(key: &str) -> ParseError {
    ParseError::new(
        crate::error::Code::ValidationError,
        format!("{key} would hold more than {MAX_ARRAY_LENGTH} elements"),
    )
}

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
            let objects = array_op_objects(op, value)?;
            match op {
                "Add" | "AddUnique" => Value::Array(objects.into_iter().cloned().collect()),
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
/// `objects` is the JSON array of [`array_op_objects`] (for `AddUnique`, already without
/// duplicates). Every form runs in time linear in the arrays (a sort at most): `Remove` tests
/// each element against one set built once from the bound objects, and `AddUnique` keeps a new
/// element only when no element of its (type, value) comes before it in the current array, which
/// one window over both arrays tells, never a subquery per element.
pub fn array_op_sql(op: &str, column: &str, objects: String) -> (String, Vec<SqlValue>) {
    // json_each gives objects, arrays and booleans as SQL text/integers; turn them back into JSON.
    const ELEMENT: &str =
        "CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') \
        WHEN 'object' THEN json(value) WHEN 'array' THEN json(value) ELSE value END";
    let current = format!("json_each(COALESCE({column}, '[]'))");
    let both = format!(
        "SELECT 0 AS part, key, value, type FROM {current} UNION ALL SELECT 1, key, value, type FROM json_each(?)"
    );
    let (rows, binds) = match op {
        "Add" => (both, vec![SqlValue::Text(objects)]),
        "AddUnique" => (
            format!(
                "SELECT part, key, value, type FROM (SELECT part, key, value, type, \
                 min(part) OVER (PARTITION BY type, value) AS first FROM ({both})) \
                 WHERE part = 0 OR first = 1"
            ),
            vec![SqlValue::Text(objects)],
        ),
        _ => (
            format!(
                "SELECT 0 AS part, key, value, type FROM {current} \
                 WHERE type || ' ' || quote(value) NOT IN \
                 (SELECT type || ' ' || quote(value) FROM json_each(?))"
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
