//! What a committed write changed, for live subscribers: the object after the write (before it,
//! for a delete) and, for an update, the object before it, decoded as Parse JSON with its ACL.

use super::find::decode_object;
use super::schema::ClassSchema;
use crate::store::Row;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub class: String,
    pub kind: ChangeKind,
    /// The object as it now is (as it was, for a delete).
    pub object: Map<String, Value>,
    /// The object before an update.
    pub original: Option<Map<String, Value>>,
}

/// Decodes a full stored row (`SELECT *` / `RETURNING *`) of `schema`'s table. Internal columns
/// (`_hashed_password`) are not fields, so they never appear.
pub fn decode_row(schema: &ClassSchema, row: &Row) -> Option<Map<String, Value>> {
    let mut columns: Vec<(&str, Option<&super::schema::FieldType>)> =
        vec![("objectId", None), ("createdAt", None), ("updatedAt", None)];
    columns.extend(schema.column_fields().map(|(f, t)| (f.as_str(), Some(t))));
    decode_object(row, &columns)
}
