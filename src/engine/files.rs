//! Parse File values and the file registry: how a `{"__type": "File", name, url}` value is
//! stored (its name only, so a client can never make a stored file point elsewhere) and read
//! back (with the URL this server serves it at), and the statements that keep `_File` and
//! `_FileRef` true in the same batch as every write.
//!
//! How a file is known to be unreferenced: `_FileRef` holds one row per (class, object, field,
//! file), derived from the stored value after each write of a File, Array or Object field, in
//! the write's own batch (never from what the client said it changed), and dropped with the
//! object. A file with no `_FileRef` row is referenced by nothing. The write that removes the
//! last reference marks the file deleted (`_File.deletedAt`) in that same batch and answers its
//! name, so the bucket's object is deleted after commit; an upload that no write ever
//! referenced stays `pendingSince` its upload and expires.

use super::schema::FieldType;
use crate::error::{ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::{ident, SqlValue, Statement};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

/// What JavaScript's `encodeURIComponent` leaves as it is: Parse's file URLs encode names so.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Longest file name a File value may carry.
pub const MAX_NAME_LENGTH: usize = 512;

/// Whether `value` is a File value (`{"__type": "File", …}`).
pub fn is_file(value: &Value) -> bool {
    value.get("__type").and_then(Value::as_str) == Some("File")
}

/// A File value as it is stored: its name only. A File without a usable name is a type error.
pub fn canonical(value: &Value) -> Result<Value> {
    match value.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() && name.len() <= MAX_NAME_LENGTH => {
            Ok(json!({"__type": "File", "name": name}))
        }
        _ => Err(ParseError::incorrect_type(
            "a File value needs the name the server gave the file when it was uploaded",
        )),
    }
}

/// Replaces every File value inside `value` (at any depth) by its stored form.
pub fn canonicalize(value: &mut Value) -> Result<()> {
    match value {
        Value::Object(o) if o.get("__type").and_then(Value::as_str) == Some("File") => {
            *value = canonical(value)?;
        }
        Value::Object(o) => {
            for v in o.values_mut() {
                canonicalize(v)?;
            }
        }
        Value::Array(items) => {
            for v in items {
                canonicalize(v)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a File value appears anywhere inside `value`.
pub fn contains_file(value: &Value) -> bool {
    match value {
        Value::Object(o) => is_file(value) || o.values().any(contains_file),
        Value::Array(items) => items.iter().any(contains_file),
        _ => false,
    }
}

/// The URL of a stored file: `prefix` (`<public URL>/files/<app id>/`) and the name encoded as
/// `encodeURIComponent` encodes it, as Parse Server's file adapters build it.
pub fn url(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", utf8_percent_encode(name, URI_COMPONENT))
}

/// Sets the `url` of every File value inside `value` from its name (stored Files have none).
pub fn add_urls(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(o) => {
            if o.get("__type").and_then(Value::as_str) == Some("File") {
                if let Some(name) = o.get("name").and_then(Value::as_str) {
                    let url = url(prefix, name);
                    o.insert("url".into(), Value::String(url));
                }
                return;
            }
            for v in o.values_mut() {
                add_urls(v, prefix);
            }
        }
        Value::Array(items) => {
            for v in items {
                add_urls(v, prefix);
            }
        }
        _ => {}
    }
}

/// `add_urls` over the fields of an object.
pub fn add_urls_to_fields(object: &mut Map<String, Value>, prefix: &str) {
    for v in object.values_mut() {
        add_urls(v, prefix);
    }
}

/// Whether a field of this type can hold a File: a File, or one inside an Array or an Object.
pub fn may_hold_files(ty: &FieldType) -> bool {
    matches!(ty, FieldType::File | FieldType::Array | FieldType::Object)
}

/// The names of the files one stored field references: every File value in it, at any depth.
/// One row per name; `?` is the object's id.
fn referenced(class: &str, field: &str) -> String {
    format!(
        "SELECT DISTINCT json_extract(t.\"value\", '$.name') AS \"name\" \
         FROM {} AS o, json_tree(CASE WHEN json_valid(o.{f}) THEN o.{f} END) AS t \
         WHERE o.\"objectId\" = ? AND t.\"type\" = 'object' \
         AND json_extract(t.\"value\", '$.__type') = 'File' \
         AND json_type(t.\"value\", '$.name') = 'text'",
        ident(class),
        f = ident(field)
    )
}

/// The statements that follow a write of `field` of object `object_id` (after its INSERT or
/// UPDATE, in the same batch), and the index among them of the one whose `RETURNING` rows name
/// the files it dropped. They read the stored value, not the request, so an update the ACL
/// refused (the row unchanged) leaves everything as it was:
///
/// 1. a file the field references now, and did not before, must be one this server holds: the
///    batch aborts (`file_not_found`) otherwise;
/// 2. files the field referenced before and no longer does, that nothing else references, are
///    marked deleted, and their names answered;
/// 3. the field's references are replaced by the ones its value holds now;
/// 4. its files stop being pending uploads.
///
/// `created`: the object is new, so it referenced nothing before (steps 2 and 3's delete go).
pub fn after_write(
    class: &str,
    field: &str,
    object_id: &str,
    now_ms: i64,
    created: bool,
) -> (Vec<Statement>, Option<usize>) {
    let now = iso_from_ms(now_ms);
    let files = referenced(class, field);
    let this = || {
        vec![
            SqlValue::from(class),
            SqlValue::from(object_id),
            SqlValue::from(field),
        ]
    };
    let mut statements = Vec::new();
    let mut guard_params = vec![SqlValue::from(object_id)];
    guard_params.extend(this());
    statements.push(Statement::new(
        format!(
            "INSERT INTO \"_Guard\" (\"fileMissing\") SELECT 1 FROM ({files}) AS n \
             WHERE NOT EXISTS (SELECT 1 FROM \"_File\" AS f WHERE f.\"name\" = n.\"name\" AND f.\"deletedAt\" IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM \"_FileRef\" AS r WHERE r.\"className\" = ? AND r.\"objectId\" = ? AND r.\"field\" = ? AND r.\"file\" = n.\"name\") \
             LIMIT 1"
        ),
        guard_params,
    ));
    let mut dropped = None;
    if !created {
        let mut params = vec![SqlValue::from(now.as_str())];
        params.extend(this());
        params.push(SqlValue::from(object_id));
        params.extend(this());
        statements.push(Statement::new(
            format!(
                "UPDATE \"_File\" SET \"deletedAt\" = ? WHERE \"deletedAt\" IS NULL \
                 AND \"name\" IN (SELECT r.\"file\" FROM \"_FileRef\" AS r WHERE r.\"className\" = ? AND r.\"objectId\" = ? AND r.\"field\" = ?) \
                 AND \"name\" NOT IN ({files}) \
                 AND NOT EXISTS (SELECT 1 FROM \"_FileRef\" AS r WHERE r.\"file\" = \"_File\".\"name\" \
                   AND NOT (r.\"className\" = ? AND r.\"objectId\" = ? AND r.\"field\" = ?)) \
                 RETURNING \"name\""
            ),
            params,
        ));
        dropped = Some(statements.len() - 1);
        statements.push(Statement::new(
            "DELETE FROM \"_FileRef\" WHERE \"className\" = ? AND \"objectId\" = ? AND \"field\" = ?",
            this(),
        ));
    }
    let mut params = this();
    params.push(SqlValue::from(object_id));
    statements.push(Statement::new(
        format!(
            "INSERT OR IGNORE INTO \"_FileRef\" (\"className\", \"objectId\", \"field\", \"file\") \
             SELECT ?, ?, ?, n.\"name\" FROM ({files}) AS n"
        ),
        params,
    ));
    statements.push(Statement::new(
        "UPDATE \"_File\" SET \"pendingSince\" = NULL WHERE \"pendingSince\" IS NOT NULL \
         AND \"name\" IN (SELECT \"file\" FROM \"_FileRef\" WHERE \"className\" = ? AND \"objectId\" = ? AND \"field\" = ?)",
        this(),
    ));
    (statements, dropped)
}

/// The statements that follow the delete of an object of `class` (in the same batch): its
/// files that nothing else references are marked deleted (the first statement answers their
/// names), then its references go. Both only once the row is really gone: a delete the ACL
/// refused changes nothing here either.
pub fn after_delete(class: &str, object_id: &str, now_ms: i64) -> Vec<Statement> {
    let gone = format!(
        "NOT EXISTS (SELECT 1 FROM {} WHERE \"objectId\" = ?)",
        ident(class)
    );
    vec![
        Statement::new(
            format!(
                "UPDATE \"_File\" SET \"deletedAt\" = ? WHERE \"deletedAt\" IS NULL AND {gone} \
                 AND \"name\" IN (SELECT \"file\" FROM \"_FileRef\" WHERE \"className\" = ? AND \"objectId\" = ?) \
                 AND NOT EXISTS (SELECT 1 FROM \"_FileRef\" AS r WHERE r.\"file\" = \"_File\".\"name\" \
                   AND NOT (r.\"className\" = ? AND r.\"objectId\" = ?)) \
                 RETURNING \"name\""
            ),
            vec![
                SqlValue::from(iso_from_ms(now_ms)),
                SqlValue::from(object_id),
                SqlValue::from(class),
                SqlValue::from(object_id),
                SqlValue::from(class),
                SqlValue::from(object_id),
            ],
        ),
        Statement::new(
            format!(
                "DELETE FROM \"_FileRef\" WHERE \"className\" = ? AND \"objectId\" = ? AND {gone}"
            ),
            vec![
                SqlValue::from(class),
                SqlValue::from(object_id),
                SqlValue::from(object_id),
            ],
        ),
    ]
}

/// When every object of `class` goes (a purge), or one of its fields (`field`): the files only
/// they referenced are marked deleted (the first statement answers their names) and the
/// references go. Run in the same batch as the purge or the column's drop.
pub fn forget_references(class: &str, field: Option<&str>, now_ms: i64) -> Vec<Statement> {
    let (scope, outside, mut params) = match field {
        Some(field) => (
            "\"className\" = ? AND \"field\" = ?",
            "NOT (r.\"className\" = ? AND r.\"field\" = ?)",
            vec![SqlValue::from(class), SqlValue::from(field)],
        ),
        None => (
            "\"className\" = ?",
            "r.\"className\" <> ?",
            vec![SqlValue::from(class)],
        ),
    };
    let mut mark = vec![SqlValue::from(iso_from_ms(now_ms))];
    mark.extend(params.clone());
    mark.extend(params.clone());
    let delete = Statement::new(
        format!("DELETE FROM \"_FileRef\" WHERE {scope}"),
        std::mem::take(&mut params),
    );
    vec![
        Statement::new(
            format!(
                "UPDATE \"_File\" SET \"deletedAt\" = ? WHERE \"deletedAt\" IS NULL \
                 AND \"name\" IN (SELECT \"file\" FROM \"_FileRef\" WHERE {scope}) \
                 AND NOT EXISTS (SELECT 1 FROM \"_FileRef\" AS r WHERE r.\"file\" = \"_File\".\"name\" AND {outside}) \
                 RETURNING \"name\""
            ),
            mark,
        ),
        delete,
    ]
}

/// The names a statement's `RETURNING "name"` rows carry.
pub fn names(rows: &[crate::store::Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r.get("name").and_then(Value::as_str).map(String::from))
        .collect()
}

/// A new upload in the registry, pending until a write references it.
pub struct Upload<'a> {
    pub name: &'a str,
    pub user: Option<&'a str>,
    pub content_type: &'a str,
    pub size: u64,
    pub now_ms: i64,
}

pub fn register(upload: &Upload) -> Statement {
    let now = iso_from_ms(upload.now_ms);
    Statement::new(
        "INSERT INTO \"_File\" (\"name\", \"createdAt\", \"user\", \"contentType\", \"size\", \"pendingSince\") \
         VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            SqlValue::from(upload.name),
            SqlValue::from(now.as_str()),
            upload.user.map_or(SqlValue::Null, SqlValue::from),
            SqlValue::from(upload.content_type),
            SqlValue::Integer(upload.size.min(i64::MAX as u64) as i64),
            SqlValue::from(now.as_str()),
        ],
    )
}

/// Marks one file deleted (the master key's `DELETE /files/:name`), answering its name when the
/// registry held it. References to it stay: the objects still name it, and a later write of
/// their field keeps them without asking for the file again.
pub fn mark_deleted(name: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE \"_File\" SET \"deletedAt\" = COALESCE(\"deletedAt\", ?) WHERE \"name\" = ? RETURNING \"name\"",
        vec![SqlValue::from(iso_from_ms(now_ms)), SqlValue::from(name)],
    )
}

/// The sweep's two statements, run as one batch: uploads pending since before `expired_before`
/// that nothing references are marked deleted (answering their names), and files marked deleted
/// before `retry_before` whose bucket object a failed delete may have left are named again. At
/// most `limit` of each.
pub fn sweep(
    now_ms: i64,
    expired_before_ms: i64,
    retry_before_ms: i64,
    limit: u32,
) -> Vec<Statement> {
    vec![
        Statement::new(
            "UPDATE \"_File\" SET \"deletedAt\" = ?, \"pendingSince\" = NULL WHERE \"name\" IN \
             (SELECT \"name\" FROM \"_File\" WHERE \"pendingSince\" < ? AND \"deletedAt\" IS NULL LIMIT ?) \
             AND NOT EXISTS (SELECT 1 FROM \"_FileRef\" AS r WHERE r.\"file\" = \"_File\".\"name\") \
             RETURNING \"name\"",
            vec![
                SqlValue::from(iso_from_ms(now_ms)),
                SqlValue::from(iso_from_ms(expired_before_ms)),
                SqlValue::Integer(limit.into()),
            ],
        ),
        Statement::new(
            "SELECT \"name\" FROM \"_File\" WHERE \"deletedAt\" < ? LIMIT ?",
            vec![
                SqlValue::from(iso_from_ms(retry_before_ms)),
                SqlValue::Integer(limit.into()),
            ],
        ),
    ]
}

/// Drops the registry rows of files marked deleted whose bucket objects are gone.
pub fn forget(names: &[String]) -> Statement {
    Statement::new(
        "DELETE FROM \"_File\" WHERE \"deletedAt\" IS NOT NULL AND \"name\" IN (SELECT \"value\" FROM json_each(?))",
        vec![SqlValue::Text(Value::from(names.to_vec()).to_string())],
    )
}

/// A file's registry row, for the tests.
#[cfg(test)]
pub fn lookup(name: &str) -> Statement {
    Statement::new(
        "SELECT \"name\", \"user\", \"contentType\", \"size\", \"pendingSince\", \"deletedAt\" FROM \"_File\" WHERE \"name\" = ?",
        vec![SqlValue::from(name)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_stored_by_its_name_alone_whatever_url_the_client_sent() {
        let mut value = json!({"images": [{"__type": "File", "name": "a.png", "url": "https://evil.test/x"}, "x"],
                               "deep": {"photo": {"__type": "File", "name": "b.jpg", "other": 1}}});
        canonicalize(&mut value).unwrap();
        assert_eq!(
            value,
            json!({"images": [{"__type": "File", "name": "a.png"}, "x"],
                   "deep": {"photo": {"__type": "File", "name": "b.jpg"}}})
        );
        assert!(contains_file(&value));
        assert!(!contains_file(&json!(["a", {"b": 1}])));
        let mut nameless = json!([{"__type": "File", "url": "https://x"}]);
        assert_eq!(
            canonicalize(&mut nameless).unwrap_err().code,
            crate::error::Code::IncorrectType
        );
    }

    #[test]
    fn urls_are_the_prefix_and_the_name_encoded_as_encode_uri_component_does() {
        let mut value = json!([{"__type": "File", "name": "0a_Vase bleu é#?.png"}]);
        add_urls(&mut value, "https://api.test/parse/files/app/");
        assert_eq!(
            value[0]["url"],
            "https://api.test/parse/files/app/0a_Vase%20bleu%20%C3%A9%23%3F.png"
        );
        assert_eq!(url("/p/", "a-b_c.d!~*'()"), "/p/a-b_c.d!~*'()");
    }
}
