//! The schema registry's changes, master key only: classes become tables, fields columns.

use super::context::Context;
use crate::engine::built_in;
use crate::engine::ddl;
use crate::engine::schema::{
    is_reserved_field, validate_class_name, validate_field_name, ClassSchema, FieldType,
};
use crate::error::{Code, ParseError, Result};
use crate::store::{Statement, Store};
use serde_json::{json, Map, Value};

/// Every class, as `GET /schemas` lists them.
pub fn list<S: Store>(ctx: &Context<'_, S>) -> Result<Value> {
    ctx.require_master()?;
    let results: Vec<Value> = ctx
        .registry
        .classes
        .values()
        .map(ClassSchema::to_api_json)
        .collect();
    Ok(json!({ "results": results }))
}

/// One class.
pub fn get<S: Store>(ctx: &Context<'_, S>, class: &str) -> Result<Value> {
    ctx.require_master()?;
    Ok(existing(ctx, class)?.to_api_json())
}

/// Removes every object of the class, keeping the class.
pub async fn purge<S: Store>(ctx: &mut Context<'_, S>, class: &str) -> Result<Value> {
    ctx.require_master()?;
    existing(ctx, class)?;
    // The files only this class's objects referenced go with them.
    let mut statements = crate::engine::files::forget_references(class, None, ctx.now_ms);
    statements.push(ddl::purge(class));
    let results = ctx.store.batch(&statements).await?;
    drop_files(ctx, results.first()).await;
    Ok(json!({}))
}

/// Deletes the bytes of the files a statement's `RETURNING "name"` rows name (marked deleted
/// by it); what fails is left to the files sweep.
async fn drop_files<S: Store>(ctx: &Context<'_, S>, rows: Option<&Vec<crate::store::Row>>) {
    let names = rows
        .map(|r| crate::engine::files::names(r))
        .unwrap_or_default();
    if !names.is_empty() {
        let _ = super::files::drop_objects(ctx.store, ctx.bucket, &names).await;
    }
}

fn existing<'a, S: Store>(ctx: &'a Context<'_, S>, class: &str) -> Result<&'a ClassSchema> {
    ctx.registry.get(class).ok_or_else(|| {
        ParseError::new(
            Code::InvalidClassName,
            format!("Class {class} does not exist."),
        )
    })
}

/// Creates a class (`className` may also come in the body) with its fields and permissions.
pub async fn create<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    body: &Map<String, Value>,
) -> Result<Value> {
    ctx.require_master()?;
    if let Some(named) = body.get("className").and_then(Value::as_str) {
        if !class.is_empty() && named != class {
            return Err(ParseError::new(
                Code::InvalidClassName,
                format!("Class name mismatch between {named} and {class}."),
            ));
        }
    }
    let class = if class.is_empty() {
        body.get("className")
            .and_then(Value::as_str)
            .unwrap_or_default()
    } else {
        class
    };
    if class.is_empty() {
        return Err(ParseError::new(
            Code::MissingObjectId,
            "POST /schemas needs a className",
        ));
    }
    validate_class_name(class)?;
    if ctx.registry.get(class).is_some() {
        return Err(ParseError::new(
            Code::InvalidClassName,
            format!("Class {class} already exists."),
        ));
    }
    let mut schema = ClassSchema::new(class);
    if let Some(fields) = body.get("fields") {
        let fields = fields
            .as_object()
            .ok_or_else(|| ParseError::invalid_json_field("fields must be an object"))?;
        for (name, spec) in fields {
            if is_reserved_field(class, name) {
                continue;
            }
            validate_field_name(name)?;
            schema
                .fields
                .insert(name.clone(), FieldType::from_json(spec)?);
        }
    }
    if let Some(clp) = body.get("classLevelPermissions") {
        schema.clp = class_level_permissions(clp)?;
    }
    ctx.store.batch(&ddl::create_class(&schema)).await?;
    ctx.reload_registry().await?;
    Ok(existing(ctx, class)?.to_api_json())
}

/// Adds and deletes fields, and sets the class-level permissions.
pub async fn update<S: Store>(
    ctx: &mut Context<'_, S>,
    class: &str,
    body: &Map<String, Value>,
) -> Result<Value> {
    ctx.require_master()?;
    let schema = existing(ctx, class)?.clone();
    let mut statements: Vec<Statement> = Vec::new();
    let mut dropped_files: Vec<usize> = Vec::new();
    if let Some(fields) = body.get("fields") {
        let fields = fields
            .as_object()
            .ok_or_else(|| ParseError::invalid_json_field("fields must be an object"))?;
        for (name, spec) in fields {
            validate_field_name(name)?;
            let exists = schema.fields.contains_key(name);
            if spec.get("__op").and_then(Value::as_str) == Some("Delete") {
                if !exists {
                    return Err(ParseError::new(
                        Code::ClassNotEmpty,
                        format!("Field {name} does not exist, cannot delete."),
                    ));
                }
                built_in::check_field_delete(class, name)?;
                if crate::engine::files::may_hold_files(&schema.fields[name]) {
                    dropped_files.push(statements.len());
                    statements.extend(crate::engine::files::forget_references(
                        class,
                        Some(name),
                        ctx.now_ms,
                    ));
                }
                statements.extend(ddl::drop_field(class, name, &schema.fields[name]));
            } else {
                if exists || is_reserved_field(class, name) {
                    return Err(ParseError::new(
                        Code::ClassNotEmpty,
                        format!("Field {name} exists, cannot update."),
                    ));
                }
                statements.extend(ddl::add_field(class, name, &FieldType::from_json(spec)?));
            }
        }
    }
    if let Some(clp) = body.get("classLevelPermissions") {
        statements.push(ddl::set_class_level_permissions(
            class,
            &class_level_permissions(clp)?,
        ));
    }
    if !statements.is_empty() {
        let results = ctx.store.batch(&statements).await.map_err(|e| match e {
            // SQLite refuses to drop a column that an index or constraint uses.
            crate::store::StoreError::Other(m)
                if m.contains("DROP COLUMN") || m.contains("cannot drop") =>
            {
                ParseError::new(
                    Code::ClassNotEmpty,
                    "This field is indexed or constrained and cannot be deleted.",
                )
            }
            other => other.into(),
        })?;
        for i in dropped_files {
            drop_files(ctx, results.get(i)).await;
        }
        ctx.reload_registry().await?;
    }
    Ok(existing(ctx, class)?.to_api_json())
}

/// Drops an empty class.
pub async fn drop_class<S: Store>(ctx: &mut Context<'_, S>, class: &str) -> Result<Value> {
    ctx.require_master()?;
    validate_class_name(class)?;
    built_in::check_class_drop(class)?;
    let Some(schema) = ctx.registry.get(class).cloned() else {
        return Ok(json!({}));
    };
    let rows = ctx.store.query(&ddl::count(class)).await?;
    let count = rows
        .first()
        .and_then(|r| r.get("count"))
        .and_then(Value::as_f64)
        .unwrap_or(0.0) as i64;
    if count > 0 {
        return Err(ParseError::new(
            Code::ClassNotEmpty,
            format!("Class {class} is not empty, contains {count} objects, cannot drop schema."),
        ));
    }
    ctx.store.batch(&ddl::drop_class(&schema)).await?;
    ctx.reload_registry().await?;
    Ok(json!({}))
}

/// Checks a CLP document's shape: known operations, each a map of principals to `true` (or the
/// pointer-field lists Parse allows).
fn class_level_permissions(value: &Value) -> Result<Map<String, Value>> {
    const OPERATIONS: [&str; 10] = [
        "find",
        "count",
        "get",
        "create",
        "update",
        "delete",
        "addField",
        "protectedFields",
        "readUserFields",
        "writeUserFields",
    ];
    let clp = value
        .as_object()
        .ok_or_else(|| ParseError::invalid_json_field("classLevelPermissions must be an object"))?;
    for (op, rule) in clp {
        if !OPERATIONS.contains(&op.as_str()) {
            return Err(ParseError::invalid_json_field(&format!(
                "{op} is not a valid operation for class level permissions"
            )));
        }
        let valid = match op.as_str() {
            "readUserFields" | "writeUserFields" => rule
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            _ => rule.is_object(),
        };
        if !valid {
            return Err(ParseError::invalid_json_field(&format!(
                "invalid permission for {op}"
            )));
        }
    }
    let mut merged = crate::engine::schema::default_clp();
    merged.extend(clp.clone());
    Ok(merged)
}
