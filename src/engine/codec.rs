//! Parse JSON values ⇄ SQL column values, per field type.
//!
//! Writes are checked against the field's type (code 111 on a mismatch) and canonicalised (dates to
//! one ISO form, pointers to their objectId) so that stored values compare correctly in SQL.

use super::files;
use super::schema::FieldType;
use crate::error::{ParseError, Result};
use crate::platform::canonical_iso;
use crate::store::SqlValue;
use serde_json::{json, Value};

/// The objectId of a `json_each` element that is a pointer, else NULL. `json_extract` on an
/// element that is not an object (a bare string, a number) is malformed JSON, an SQL error that
/// would fail the whole statement; CASE evaluates it only for objects.
pub const ELEMENT_OBJECT_ID: &str =
    "CASE WHEN type = 'object' THEN json_extract(value, '$.objectId') END";

/// Largest integer a double holds exactly; D1 hands numbers to JS as doubles.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The type a value written to a new field gives it (schema inference on write).
pub fn infer_type(value: &Value) -> Option<FieldType> {
    Some(match value {
        Value::String(_) => FieldType::String,
        Value::Number(_) => FieldType::Number,
        Value::Bool(_) => FieldType::Boolean,
        Value::Array(_) => FieldType::Array,
        Value::Null => return None,
        Value::Object(o) => match (
            o.get("__type").and_then(Value::as_str),
            o.get("__op").and_then(Value::as_str),
        ) {
            (Some("Date"), _) => FieldType::Date,
            (Some("Pointer"), _) => FieldType::Pointer(o.get("className")?.as_str()?.to_string()),
            (Some("GeoPoint"), _) => FieldType::GeoPoint,
            (Some("File"), _) => FieldType::File,
            (Some("Bytes"), _) => FieldType::Bytes,
            (Some("Polygon"), _) => FieldType::Polygon,
            (Some(_), _) => return None,
            (None, Some("Increment")) => FieldType::Number,
            (None, Some("Add" | "AddUnique" | "Remove")) => FieldType::Array,
            (None, Some("AddRelation" | "RemoveRelation")) => {
                let first = o.get("objects")?.as_array()?.first()?;
                FieldType::Relation(first.get("className")?.as_str()?.to_string())
            }
            (None, Some(_)) => return None,
            (None, None) => FieldType::Object,
        },
    })
}

/// Encodes a value for storage in a column of type `ty`. `null` stores NULL (unset).
pub fn encode(field: &str, ty: &FieldType, value: &Value) -> Result<SqlValue> {
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    let mismatch = || {
        ParseError::incorrect_type(format!(
            "schema mismatch for {field}; expected {} but got {}",
            type_text(ty),
            describe(value)
        ))
    };
    Ok(match ty {
        FieldType::String => SqlValue::Text(value.as_str().ok_or_else(mismatch)?.to_string()),
        FieldType::Number => number(value).ok_or_else(mismatch)?,
        FieldType::Boolean => SqlValue::from(value.as_bool().ok_or_else(mismatch)?),
        FieldType::Date => SqlValue::Text(date_iso(value).ok_or_else(mismatch)?),
        FieldType::Pointer(target) => {
            SqlValue::Text(pointer_id(value, target).ok_or_else(mismatch)?)
        }
        FieldType::Object if value.is_object() && value.get("__type").is_none() => {
            with_stored_files(value)?
        }
        FieldType::Array if value.is_array() => with_stored_files(value)?,
        FieldType::File if files::is_file(value) => json_text(&files::canonical(value)?),
        FieldType::GeoPoint | FieldType::Bytes | FieldType::Polygon
            if value.get("__type").and_then(Value::as_str) == Some(ty.name()) =>
        {
            json_text(value)
        }
        _ => return Err(mismatch()),
    })
}

/// Decodes a stored column back to its Parse JSON form.
pub fn decode(ty: &FieldType, stored: Value) -> Value {
    match (ty, stored) {
        (_, Value::Null) => Value::Null,
        (FieldType::Number, v) => normalize_number(&v),
        (FieldType::Boolean, v) => {
            Value::Bool(v.as_f64().is_some_and(|n| n != 0.0) || v.as_bool() == Some(true))
        }
        (FieldType::Date, Value::String(iso)) => json!({"__type": "Date", "iso": iso}),
        (FieldType::Pointer(target), Value::String(id)) => pointer(target, &id),
        (FieldType::String, v) => v,
        (_, Value::String(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
        (_, v) => v,
    }
}

pub fn pointer(class: &str, id: &str) -> Value {
    json!({"__type": "Pointer", "className": class, "objectId": id})
}

/// A number as a parameter: integers stay integers, so they compare and read back exactly.
pub fn number(value: &Value) -> Option<SqlValue> {
    let n = value.as_f64()?;
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        Some(SqlValue::Integer(n as i64))
    } else {
        Some(SqlValue::Real(n))
    }
}

/// Whole doubles from D1 (`3.0`) are rendered as integers (`3`), as Parse Server does.
pub fn normalize_number(v: &Value) -> Value {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER => Value::from(n as i64),
        Some(n) => Value::from(n),
        None => v.clone(),
    }
}

/// The canonical ISO text of a `{"__type":"Date","iso":...}` value.
pub fn date_iso(value: &Value) -> Option<String> {
    if value.get("__type")?.as_str()? != "Date" {
        return None;
    }
    canonical_iso(value.get("iso")?.as_str()?)
}

/// The objectId of a pointer to `target`; a pointer to another class is a type error.
pub fn pointer_id(value: &Value, target: &str) -> Option<String> {
    let o = value.as_object()?;
    let is_pointer = matches!(
        o.get("__type").and_then(Value::as_str),
        Some("Pointer") | Some("Object")
    );
    let id = o.get("objectId")?.as_str()?;
    (is_pointer && o.get("className")?.as_str()? == target && !id.is_empty())
        .then(|| id.to_string())
}

/// An Array or Object as stored: the File values inside it by their names alone.
fn with_stored_files(value: &Value) -> Result<SqlValue> {
    if !files::contains_file(value) {
        return Ok(json_text(value));
    }
    let mut stored = value.clone();
    files::canonicalize(&mut stored)?;
    Ok(json_text(&stored))
}

fn json_text(value: &Value) -> SqlValue {
    SqlValue::Text(value.to_string())
}

/// Describes a value the way Parse's type errors do.
pub fn describe(value: &Value) -> String {
    match infer_type(value) {
        Some(t) => type_text(&t),
        None if value.is_null() => "null".into(),
        None => "an invalid value".into(),
    }
}

/// A type as Parse's type errors write it: `Number`, `Pointer<Artisan>`.
fn type_text(ty: &FieldType) -> String {
    match ty {
        FieldType::Pointer(target) => format!("Pointer<{target}>"),
        FieldType::Relation(target) => format!("Relation<{target}>"),
        other => other.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_columns() {
        let cases = [
            (FieldType::String, json!("clay")),
            (FieldType::Number, json!(3)),
            (FieldType::Number, json!(2.5)),
            (FieldType::Boolean, json!(true)),
            (
                FieldType::Date,
                json!({"__type":"Date","iso":"2024-05-01T08:00:00.000Z"}),
            ),
            (
                FieldType::Pointer("Artisan".into()),
                json!({"__type":"Pointer","className":"Artisan","objectId":"abc"}),
            ),
            (FieldType::Object, json!({"a": [1, {"b": null}]})),
            (FieldType::Array, json!(["x", 1, {"y": true}])),
            (
                FieldType::GeoPoint,
                json!({"__type":"GeoPoint","latitude":1.5,"longitude":2}),
            ),
        ];
        for (ty, value) in cases {
            let stored = match encode("f", &ty, &value).unwrap() {
                SqlValue::Text(t) => Value::String(t),
                SqlValue::Integer(i) => Value::from(i),
                SqlValue::Real(r) => Value::from(r),
                SqlValue::Null => Value::Null,
            };
            assert_eq!(decode(&ty, stored.clone()), value, "{ty:?}");
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_error_111() {
        let err = encode("price", &FieldType::Number, &json!("12")).unwrap_err();
        assert_eq!(err.code, crate::error::Code::IncorrectType);
        assert!(encode(
            "when",
            &FieldType::Date,
            &json!({"__type":"Date","iso":"soon"})
        )
        .is_err());
        assert!(encode(
            "owner",
            &FieldType::Pointer("Artisan".into()),
            &pointer("_User", "u1")
        )
        .is_err());
        assert!(encode("meta", &FieldType::Object, &json!([1])).is_err());
    }

    #[test]
    fn a_type_error_names_both_types_as_parse_does() {
        let message = |ty: FieldType, value: Value| encode("Product.f", &ty, &value).unwrap_err();
        assert_eq!(
            message(FieldType::Number, json!("x")).message,
            "schema mismatch for Product.f; expected Number but got String"
        );
        assert_eq!(
            message(FieldType::Number, pointer("Artisan", "a1")).message,
            "schema mismatch for Product.f; expected Number but got Pointer<Artisan>"
        );
        assert_eq!(
            message(FieldType::Pointer("Artisan".into()), json!(5)).message,
            "schema mismatch for Product.f; expected Pointer<Artisan> but got Number"
        );
    }

    #[test]
    fn dates_are_stored_in_one_canonical_form() {
        let v = encode(
            "d",
            &FieldType::Date,
            &json!({"__type":"Date","iso":"2024-05-01T10:00:00+02:00"}),
        )
        .unwrap();
        assert_eq!(v, SqlValue::Text("2024-05-01T08:00:00.000Z".into()));
    }

    #[test]
    fn whole_doubles_read_back_as_integers() {
        assert_eq!(normalize_number(&json!(3.0)), json!(3));
        assert_eq!(normalize_number(&json!(0.1)), json!(0.1));
    }

    #[test]
    fn types_are_inferred_from_values_and_ops() {
        assert_eq!(
            infer_type(&json!({"__op":"Increment","amount":1})),
            Some(FieldType::Number)
        );
        assert_eq!(
            infer_type(&pointer("Artisan", "a")),
            Some(FieldType::Pointer("Artisan".into()))
        );
        assert_eq!(infer_type(&json!({"k": 1})), Some(FieldType::Object));
        assert_eq!(infer_type(&Value::Null), None);
    }
}
