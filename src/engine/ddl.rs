//! Schema changes as statements: a class is a table, a field is a column, and `_SCHEMA` changes in
//! the same batch as the DDL so the registry never describes a table that is not there.

use super::schema::{ClassSchema, FieldType};
use crate::store::{ident, SqlValue, Statement};

/// The columns every class table starts with.
const BASE_COLUMNS_SQL: &str = "\"objectId\" TEXT PRIMARY KEY, \"createdAt\" TEXT NOT NULL, \"updatedAt\" TEXT NOT NULL, \"_rperm\" TEXT, \"_wperm\" TEXT";

pub fn create_class(schema: &ClassSchema) -> Vec<Statement> {
    let mut columns = vec![BASE_COLUMNS_SQL.to_string()];
    columns.extend(schema.fields.iter().map(|(name, ty)| format!("{} {}", ident(name), ty.sql_type())));
    vec![
        Statement::new(format!("CREATE TABLE {} ({})", ident(&schema.name), columns.join(", ")), vec![]),
        Statement::new(
            "INSERT INTO \"_SCHEMA\" (\"className\", \"schema\") VALUES (?, ?)",
            vec![SqlValue::from(schema.name.as_str()), SqlValue::Text(schema.to_document().to_string())],
        ),
    ]
}

pub fn add_field(class: &str, field: &str, ty: &FieldType) -> Vec<Statement> {
    vec![
        Statement::new(
            format!("ALTER TABLE {} ADD COLUMN {} {}", ident(class), ident(field), ty.sql_type()),
            vec![],
        ),
        // json_set on the stored document, not a rewrite of it, so concurrent additions of
        // different fields from other isolates are all kept.
        Statement::new(
            "UPDATE \"_SCHEMA\" SET \"schema\" = json_set(\"schema\", ?, json(?)) WHERE \"className\" = ?",
            vec![
                SqlValue::Text(format!("$.fields.{field}")),
                SqlValue::Text(ty.to_json().to_string()),
                SqlValue::from(class),
            ],
        ),
    ]
}

pub fn drop_field(class: &str, field: &str) -> Vec<Statement> {
    vec![
        Statement::new(format!("ALTER TABLE {} DROP COLUMN {}", ident(class), ident(field)), vec![]),
        Statement::new(
            "UPDATE \"_SCHEMA\" SET \"schema\" = json_remove(\"schema\", ?) WHERE \"className\" = ?",
            vec![SqlValue::Text(format!("$.fields.{field}")), SqlValue::from(class)],
        ),
    ]
}

pub fn set_class_level_permissions(class: &str, clp: &serde_json::Map<String, serde_json::Value>) -> Statement {
    Statement::new(
        "UPDATE \"_SCHEMA\" SET \"schema\" = json_set(\"schema\", '$.classLevelPermissions', json(?)) WHERE \"className\" = ?",
        vec![SqlValue::Text(serde_json::Value::Object(clp.clone()).to_string()), SqlValue::from(class)],
    )
}

pub fn drop_class(class: &str) -> Vec<Statement> {
    vec![
        Statement::new(format!("DROP TABLE {}", ident(class)), vec![]),
        Statement::new("DELETE FROM \"_SCHEMA\" WHERE \"className\" = ?", vec![SqlValue::from(class)]),
    ]
}

pub fn purge(class: &str) -> Statement {
    Statement::new(format!("DELETE FROM {}", ident(class)), vec![])
}

pub fn count(class: &str) -> Statement {
    Statement::new(format!("SELECT COUNT(*) AS count FROM {}", ident(class)), vec![])
}
