//! Schema changes as statements: a class is a table, a field is a column, and `_SCHEMA` changes in
//! the same batch as the DDL so the registry never describes a table that is not there.

use super::schema::{relation_table, ClassSchema, FieldType};
use crate::store::{ident, SqlValue, Statement};

/// The columns every class table starts with.
const BASE_COLUMNS_SQL: &str = "\"objectId\" TEXT PRIMARY KEY, \"createdAt\" TEXT NOT NULL, \"updatedAt\" TEXT NOT NULL, \"_rperm\" TEXT, \"_wperm\" TEXT";

pub fn create_class(schema: &ClassSchema) -> Vec<Statement> {
    let mut columns = vec![BASE_COLUMNS_SQL.to_string()];
    columns.extend(
        schema
            .column_fields()
            .map(|(name, ty)| format!("{} {}", ident(name), ty.sql_type())),
    );
    let mut statements = vec![
        Statement::new(
            format!(
                "CREATE TABLE {} ({})",
                ident(&schema.name),
                columns.join(", ")
            ),
            vec![],
        ),
        Statement::new(
            "INSERT INTO \"_SCHEMA\" (\"className\", \"schema\") VALUES (?, ?)",
            vec![
                SqlValue::from(schema.name.as_str()),
                SqlValue::Text(schema.to_document().to_string()),
            ],
        ),
    ];
    for (name, ty) in &schema.fields {
        if matches!(ty, FieldType::Relation(_)) {
            statements.extend(create_relation(&schema.name, name));
        }
    }
    statements
}

/// A relation's join table: which `relatedId`s the object `owningId` links to.
fn create_relation(class: &str, field: &str) -> Vec<Statement> {
    let table = relation_table(class, field);
    vec![
        Statement::new(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\"owningId\" TEXT NOT NULL, \"relatedId\" TEXT NOT NULL, PRIMARY KEY (\"owningId\", \"relatedId\"))",
                ident(&table)
            ),
            vec![],
        ),
        Statement::new(
            format!("CREATE INDEX IF NOT EXISTS {} ON {} (\"relatedId\")", ident(&format!("{table}_related")), ident(&table)),
            vec![],
        ),
    ]
}

pub fn add_field(class: &str, field: &str, ty: &FieldType) -> Vec<Statement> {
    let storage = match ty {
        FieldType::Relation(_) => create_relation(class, field),
        _ => vec![Statement::new(
            format!(
                "ALTER TABLE {} ADD COLUMN {} {}",
                ident(class),
                ident(field),
                ty.sql_type()
            ),
            vec![],
        )],
    };
    storage
        .into_iter()
        .chain([
        // json_set on the stored document, not a rewrite of it, so concurrent additions of
        // different fields from other isolates are all kept.
        Statement::new(
            "UPDATE \"_SCHEMA\" SET \"schema\" = json_set(\"schema\", ?, json(?)) WHERE \"className\" = ?",
            vec![
                SqlValue::Text(format!("$.fields.{field}")),
                SqlValue::Text(ty.to_json().to_string()),
                SqlValue::from(class),
            ],
        )])
        .collect()
}

pub fn drop_field(class: &str, field: &str, ty: &FieldType) -> Vec<Statement> {
    let storage = match ty {
        FieldType::Relation(_) => format!(
            "DROP TABLE IF EXISTS {}",
            ident(&relation_table(class, field))
        ),
        _ => format!("ALTER TABLE {} DROP COLUMN {}", ident(class), ident(field)),
    };
    vec![
        Statement::new(storage, vec![]),
        Statement::new(
            "UPDATE \"_SCHEMA\" SET \"schema\" = json_remove(\"schema\", ?) WHERE \"className\" = ?",
            vec![SqlValue::Text(format!("$.fields.{field}")), SqlValue::from(class)],
        ),
    ]
}

pub fn set_class_level_permissions(
    class: &str,
    clp: &serde_json::Map<String, serde_json::Value>,
) -> Statement {
    Statement::new(
        "UPDATE \"_SCHEMA\" SET \"schema\" = json_set(\"schema\", '$.classLevelPermissions', json(?)) WHERE \"className\" = ?",
        vec![SqlValue::Text(serde_json::Value::Object(clp.clone()).to_string()), SqlValue::from(class)],
    )
}

pub fn drop_class(schema: &ClassSchema) -> Vec<Statement> {
    let mut statements = vec![Statement::new(
        format!("DROP TABLE {}", ident(&schema.name)),
        vec![],
    )];
    for (name, ty) in &schema.fields {
        if matches!(ty, FieldType::Relation(_)) {
            statements.push(Statement::new(
                format!(
                    "DROP TABLE IF EXISTS {}",
                    ident(&relation_table(&schema.name, name))
                ),
                vec![],
            ));
        }
    }
    statements.push(Statement::new(
        "DELETE FROM \"_SCHEMA\" WHERE \"className\" = ?",
        vec![SqlValue::from(schema.name.as_str())],
    ));
    statements
}

pub fn purge(class: &str) -> Statement {
    Statement::new(format!("DELETE FROM {}", ident(class)), vec![])
}

pub fn count(class: &str) -> Statement {
    Statement::new(
        format!("SELECT COUNT(*) AS count FROM {}", ident(class)),
        vec![],
    )
}
