//! What a committed write changed, for live subscribers: the stored row after the write (as it
//! was, for a delete) and, for an update, before it. Rows travel to the live hubs as stored and
//! are decoded there against the schema; internal columns never leave the write path.

use super::find::{decode_object, BASE_COLUMNS};
use super::schema::{ClassSchema, FieldType};
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

/// An object after a change, and before it when it existed.
pub type Versions = (Map<String, Value>, Option<Map<String, Value>>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub class: String,
    pub kind: ChangeKind,
    pub row: Row,
    pub before: Option<Row>,
}

impl Change {
    pub fn new(class: &str, kind: ChangeKind, row: &Row, before: Option<&Row>) -> Self {
        Change {
            class: class.to_string(),
            kind,
            row: public_columns(row),
            before: before.map(public_columns),
        }
    }

    /// The object and its original as Parse JSON (with ACL), per `schema`.
    pub fn decode(&self, schema: &ClassSchema) -> Option<Versions> {
        Some((
            decode_row(schema, &self.row)?,
            self.before.as_ref().and_then(|b| decode_row(schema, b)),
        ))
    }

    /// The artisan whose hub also hears of this change, when the object belongs to one.
    pub fn artisan(&self) -> Option<&str> {
        let column = match self.class.as_str() {
            "Order" => "artisan",
            "Product" => "owner",
            "Artisan" => "objectId",
            _ => return None,
        };
        self.row.get(column).and_then(Value::as_str)
    }
}

/// Drops the engine's own columns (a password hash), keeping the ACL lists.
fn public_columns(row: &Row) -> Row {
    row.iter()
        .filter(|(k, _)| !k.starts_with('_') || *k == "_rperm" || *k == "_wperm")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Decodes a full stored row of `schema`'s table.
pub fn decode_row(schema: &ClassSchema, row: &Row) -> Option<Map<String, Value>> {
    let mut columns: Vec<(&str, Option<&FieldType>)> = BASE_COLUMNS.map(|c| (c, None)).to_vec();
    columns.extend(schema.column_fields().map(|(f, t)| (f.as_str(), Some(t))));
    let values = columns
        .iter()
        .map(|(field, _)| row.get(*field).cloned().unwrap_or(Value::Null));
    decode_object(&columns, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn internal_columns_never_travel() {
        let row: Row = json!({"objectId": "u1", "_hashed_password": "$pbkdf2...", "_rperm": "[\"u1\"]", "username": "ana"}).as_object().unwrap().clone();
        let change = Change::new("_User", ChangeKind::Created, &row, None);
        assert!(change.row.get("_hashed_password").is_none());
        assert!(change.row.get("_rperm").is_some());
    }
}

/// A batch whose statements are tagged with what their rows say about changes: rows "before"
/// (a `SELECT *` ahead of the writes) and rows "after" (`RETURNING *` of the writes), paired by
/// class and objectId once the batch has committed.
#[derive(Debug, Clone, Default)]
pub struct Tracked {
    pub statements: Vec<crate::store::Statement>,
    roles: Vec<Role>,
}

#[derive(Debug, Clone)]
enum Role {
    Plain,
    Before(String),
    After(String, ChangeKind),
}

impl Tracked {
    pub fn push(&mut self, statement: crate::store::Statement) {
        self.statements.push(statement);
        self.roles.push(Role::Plain);
    }

    /// Appends a statement that changes no tracked row, when there is one.
    pub fn extend_plain(&mut self, statement: Option<crate::store::Statement>) {
        if let Some(statement) = statement {
            self.push(statement);
        }
    }

    pub fn push_before(&mut self, class: &str, statement: crate::store::Statement) {
        self.statements.push(statement);
        self.roles.push(Role::Before(class.to_string()));
    }

    pub fn push_after(
        &mut self,
        class: &str,
        kind: ChangeKind,
        statement: crate::store::Statement,
    ) {
        self.statements.push(statement);
        self.roles.push(Role::After(class.to_string(), kind));
    }

    /// The changes, in statement order, from the committed batch's results.
    pub fn changes(&self, results: &[Vec<Row>]) -> Vec<Change> {
        let id = |row: &Row| {
            row.get("objectId")
                .and_then(Value::as_str)
                .map(String::from)
        };
        let mut before: Vec<(&str, String, &Row)> = Vec::new();
        let mut changes = Vec::new();
        for (role, rows) in self.roles.iter().zip(results) {
            match role {
                Role::Plain => {}
                Role::Before(class) => before.extend(
                    rows.iter()
                        .filter_map(|r| Some((class.as_str(), id(r)?, r))),
                ),
                Role::After(class, kind) => {
                    for row in rows {
                        let original = id(row).and_then(|i| {
                            before
                                .iter()
                                .find(|(c, b, _)| c == class && *b == i)
                                .map(|(_, _, r)| *r)
                        });
                        changes.push(Change::new(class, *kind, row, original));
                    }
                }
            }
        }
        changes
    }
}
