//! Create, update and delete as *plans*: statements plus how to read the answer from their rows.
//!
//! A plan reads nothing while it is built, so a single write is one round trip and a transactional
//! `/batch` is the concatenation of its plans in one D1 batch. Field operations run inside the
//! UPDATE (`count = COALESCE(count, 0) + ?`, array ops in SQL) and their results come back through
//! `RETURNING`, so concurrent increments and adds never lose a write.

use super::access::Acl;
use super::account_names;
use super::change::{Change, ChangeKind};
use super::clp::{self, Operation, Permission};
use super::codec::{self, infer_type};
use super::ddl;
use super::field_ops::{
    array_op_objects, array_op_sql, check_array_length, initial_value, is_relation_op, relation_op,
    MAX_ARRAY_LENGTH,
};
use super::files;
pub use super::hooks::{Extras, Guard, Rules, WriteContext};
use super::schema::{
    validate_class_name, validate_field_name, ClassSchema, FieldType, DEFAULT_FIELDS,
};
use crate::error::{ParseError, Result};
use crate::platform::{iso_from_ms, new_object_id};
use crate::store::{ident, Row, SqlValue, Statement};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `201` with `{objectId, createdAt}` and the fields the server set or changed (as Parse
    /// Server answers with what beforeSave triggers changed), so SDKs see them without a fetch.
    Created {
        object_id: String,
        created_at: String,
        server_fields: Map<String, Value>,
    },
    /// `{updatedAt, ...results of field operations}`.
    Updated(Map<String, Value>),
    Deleted,
}

/// Statements to run in one batch, and which of their results carries the answer.
#[derive(Debug, Clone)]
pub struct WritePlan {
    pub class: String,
    pub statements: Vec<Statement>,
    /// Index of the statement whose `RETURNING` rows prove the row existed (update, delete).
    pub returning: Option<usize>,
    pub schema_changed: bool,
    /// The plan sets a `_User`'s username or email: a clash would tell the caller the name is
    /// taken, which the abuse limits count.
    pub claims_account_name: bool,
    /// The error when the `returning` statement matched no row.
    miss: ParseError,
    /// The error when the update names a locked field with a new value (`field_locked`).
    locked: Option<ParseError>,
    outcome: Outcome,
    /// Field operations whose resulting values the update answer includes, with their types.
    op_fields: Vec<(String, FieldType)>,
    /// Statements whose rows are the object after the write (the deleted row, for a delete)
    /// and, for an update, before it: what live subscribers are told.
    after: Option<usize>,
    before: Option<usize>,
    /// Statements whose `RETURNING` rows name the files this write left unreferenced (see
    /// `files::after_write`): their bucket objects are deleted once the batch commits.
    dropped_files: Vec<usize>,
}

impl WritePlan {
    /// Reads the answer from the batch results; an update or delete that matched no row (absent,
    /// or hidden by its ACL) is "Object not found", as Parse answers.
    pub fn outcome(&self, results: &[Vec<Row>]) -> Result<Outcome> {
        let Some(index) = self.returning else {
            return Ok(self.outcome.clone());
        };
        let row = results
            .get(index)
            .and_then(|rows| rows.first())
            .ok_or_else(|| self.miss.clone())?;
        Ok(match &self.outcome {
            Outcome::Updated(base) => {
                let mut answer = base.clone();
                for (field, ty) in &self.op_fields {
                    let stored = row.get(field).cloned().unwrap_or(Value::Null);
                    answer.insert(field.clone(), codec::decode(ty, stored));
                }
                Outcome::Updated(answer)
            }
            other => other.clone(),
        })
    }

    /// What the write changed, once its batch committed with `results`.
    pub fn change(&self, results: &[Vec<Row>]) -> Option<Change> {
        let row = |i: Option<usize>| i.and_then(|i| results.get(i)).and_then(|rows| rows.first());
        let kind = match self.outcome {
            Outcome::Created { .. } => ChangeKind::Created,
            Outcome::Updated(_) => ChangeKind::Updated,
            Outcome::Deleted => ChangeKind::Deleted,
        };
        Some(Change::new(
            &self.class,
            kind,
            row(self.after)?,
            row(self.before),
        ))
    }

    /// The files the committed write left unreferenced, already marked deleted.
    pub fn dropped_files(&self, results: &[Vec<Row>]) -> Vec<String> {
        self.dropped_files
            .iter()
            .filter_map(|i| results.get(*i))
            .flat_map(|rows| files::names(rows))
            .collect()
    }

    /// Appends the statements that keep the file registry true after a write of `fields`.
    fn track_files(&mut self, fields: &[String], object_id: &str, now_ms: i64, created: bool) {
        for field in fields {
            let (statements, dropped) =
                files::after_write(&self.class, field, object_id, now_ms, created);
            if let Some(i) = dropped {
                self.dropped_files.push(self.statements.len() + i);
            }
            self.statements.extend(statements);
        }
    }

    /// The error to answer when the batch failed on `field_locked`: this plan's, if it has one.
    pub fn locked_error(&self) -> Option<&ParseError> {
        self.locked.as_ref()
    }

    /// The objectId a create will give its object.
    pub fn created_id(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Created { object_id, .. } => Some(object_id),
            _ => None,
        }
    }

    /// Appends a guard that aborts the whole batch when this write touched no row, for
    /// transactional batches where a later statement must not commit after an earlier miss.
    pub fn guard_row_exists(&mut self) {
        if let Some(index) = self.returning {
            self.statements.insert(index + 1, existence_guard());
        }
    }
}

/// `POST /classes/:class`.
pub fn plan_create(
    ctx: &WriteContext,
    class: &str,
    body: &Map<String, Value>,
    mut extras: Extras,
) -> Result<WritePlan> {
    // Permissions first: a client the CLP refuses learns nothing from the rules' checks.
    if let Some(schema) = ctx.registry.get(class) {
        clp::check(schema, ctx.access, Operation::Create)?;
        check_field_types(schema, body)?;
    }
    let original = body;
    let mut body = body.clone();
    ctx.rules
        .before_create(ctx, class, &mut body, &mut extras)?;
    let mut plan = plan_create_with(ctx, class, &body, extras)?;
    if let Outcome::Created { server_fields, .. } = &mut plan.outcome {
        *server_fields = body
            .into_iter()
            .filter(|(k, v)| original.get(k) != Some(v))
            .collect();
    }
    Ok(plan)
}

/// A create with what the server adds; the rules have already run.
pub fn plan_create_with(
    ctx: &WriteContext,
    class: &str,
    body: &Map<String, Value>,
    extras: Extras,
) -> Result<WritePlan> {
    validate_class_name(class)?;
    let mut statements = Vec::new();
    let mut schema = match ctx.registry.get(class) {
        Some(schema) => schema.clone(),
        None if ctx.may_change_schema => {
            let schema = ClassSchema::new(class);
            statements.extend(ddl::create_class(&schema));
            schema
        }
        None => {
            return Err(ParseError::forbidden(format!(
                "This user is not allowed to access non-existent class: {class}"
            )))
        }
    };
    if let Permission::OnlyWhere(fields) = clp::check(&schema, ctx.access, Operation::Create)? {
        // Creating is allowed only when the object names the user in one of those fields.
        let user = ctx.access.user_id().unwrap_or_default();
        let names_user = fields.iter().any(|f| {
            body.get(f)
                .and_then(|v| v.get("objectId"))
                .and_then(Value::as_str)
                == Some(user)
        });
        if !names_user {
            return Err(ParseError::forbidden(format!(
                "Permission denied for action create on class {class}."
            )));
        }
    }
    let object_id = match extras.object_id {
        Some(id) => id,
        None => new_object_id()?,
    };
    let now = iso_from_ms(ctx.now_ms);
    let mut columns = vec![
        "objectId".to_string(),
        "createdAt".into(),
        "updatedAt".into(),
    ];
    let mut relation_statements = Vec::new();
    let mut params = vec![
        SqlValue::from(object_id.as_str()),
        SqlValue::from(now.as_str()),
        SqlValue::from(now.as_str()),
    ];
    let mut file_fields = Vec::new();

    for (key, value) in body {
        match key.as_str() {
            "objectId" => return Err(ParseError::invalid_key("objectId")),
            "createdAt" | "updatedAt" => continue,
            "ACL" => {
                let acl = Acl::from_json(value)?;
                columns.extend(["_rperm".to_string(), "_wperm".to_string()]);
                params.extend([Acl::list_param(&acl.read), Acl::list_param(&acl.write)]);
                continue;
            }
            _ => {}
        }
        validate_field_name(key)?;
        if is_relation_op(value) {
            let ty = field_type_for_write(ctx, &mut schema, &mut statements, key, value)?;
            relation_statements.extend(relation_op(&schema.name, key, &ty, &object_id, value)?);
            continue;
        }
        let value = initial_value(key, value)?;
        if value.is_null() {
            continue;
        }
        check_array_length(key, &value)?;
        let ty = field_type_for_write(ctx, &mut schema, &mut statements, key, &value)?;
        if let FieldType::Relation(_) = ty {
            return Err(ParseError::incorrect_type(format!(
                "{key} is a relation: change it with AddRelation or RemoveRelation"
            )));
        }
        if files::may_hold_files(&ty) && files::contains_file(&value) {
            file_fields.push(key.clone());
        }
        columns.push(key.clone());
        params.push(codec::encode(key, &ty, &value)?);
    }
    let names = if class == "_User" {
        account_names::key_columns(body)?
    } else {
        Vec::new()
    };
    let claims_account_name = !names.is_empty();
    for (column, value) in extras.columns.into_iter().chain(names) {
        columns.push(column);
        params.push(value);
    }
    let mut marks = vec!["?".to_string(); columns.len()];
    for (column, expression, expression_params) in extras.computed {
        if let Some(at) = columns.iter().position(|c| *c == column) {
            // The computed value replaces a client-given one; drop that parameter.
            columns.remove(at);
            marks.remove(at);
            params.remove(at);
        }
        columns.push(column);
        marks.push(format!("({expression})"));
        params.extend(expression_params);
    }
    let schema_changed = !statements.is_empty();
    let marks = marks.join(", ");
    let column_list = columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let (returning, miss) = match extras.guard {
        None => {
            statements.push(Statement::new(
                format!(
                    "INSERT INTO {} ({column_list}) VALUES ({marks}) RETURNING *",
                    ident(class)
                ),
                params,
            ));
            (None, ParseError::not_found())
        }
        Some(guard) => {
            params.extend(guard.params);
            statements.push(Statement::new(
                format!(
                    "INSERT INTO {} ({column_list}) SELECT {marks} WHERE {} RETURNING *",
                    ident(class),
                    guard.sql
                ),
                params,
            ));
            (Some(statements.len() - 1), guard.error)
        }
    };
    let after = Some(statements.len() - 1);
    if !relation_statements.is_empty() {
        statements.push(existence_guard());
        statements.extend(relation_statements);
    }
    let mut plan = WritePlan {
        class: class.to_string(),
        statements,
        returning,
        schema_changed,
        claims_account_name,
        miss,
        locked: None,
        outcome: Outcome::Created {
            object_id: object_id.clone(),
            created_at: now,
            server_fields: Map::new(),
        },
        op_fields: vec![],
        after,
        before: None,
        dropped_files: vec![],
    };
    plan.track_files(&file_fields, &object_id, ctx.now_ms, true);
    Ok(plan)
}

/// `PUT /classes/:class/:objectId`; `internal` sets columns only the server writes (a new
/// password hash).
pub fn plan_update(
    ctx: &WriteContext,
    class: &str,
    object_id: &str,
    body: &Map<String, Value>,
    internal: Vec<(String, SqlValue)>,
) -> Result<WritePlan> {
    let mut schema = ctx
        .registry
        .get(class)
        .cloned()
        .ok_or_else(ParseError::not_found)?;
    // Permissions first: a client the CLP refuses learns nothing from the rules' checks.
    let permission = clp::check(&schema, ctx.access, Operation::Update)?;
    check_field_types(&schema, body)?;
    let mut body = body.clone();
    ctx.rules.before_update(ctx, class, object_id, &mut body)?;
    let locked: Vec<(String, Value)> = ctx
        .rules
        .locked_fields(ctx, class)
        .iter()
        .filter_map(|field| body.remove(*field).map(|value| (field.to_string(), value)))
        .collect();
    let mut statements = Vec::new();
    let locked_error = if locked.is_empty() {
        None
    } else {
        let (guard, refusal) = locked_guard(ctx, &schema, &permission, object_id, &locked)?;
        statements.push(guard);
        Some(refusal)
    };
    let now = iso_from_ms(ctx.now_ms);
    let mut sets = vec!["\"updatedAt\" = ?".to_string()];
    let mut params = vec![SqlValue::from(now.as_str())];
    let mut op_fields = Vec::new();
    let mut grown: Vec<String> = Vec::new();
    let mut relation_statements = Vec::new();
    let mut file_fields = Vec::new();

    for (key, value) in &body {
        match key.as_str() {
            "objectId" | "createdAt" | "updatedAt" => continue,
            "ACL" => {
                let acl = Acl::from_json(value)?;
                sets.push("\"_rperm\" = ?, \"_wperm\" = ?".into());
                params.extend([Acl::list_param(&acl.read), Acl::list_param(&acl.write)]);
                continue;
            }
            _ => {}
        }
        validate_field_name(key)?;
        let column = ident(key);
        let op = value.get("__op").and_then(Value::as_str);
        if op == Some("Delete") {
            match schema.field_type(key) {
                Some(FieldType::Relation(_)) => relation_statements.push(Statement::new(
                    format!(
                        "DELETE FROM {} WHERE \"owningId\" = ?",
                        ident(&super::schema::relation_table(class, key))
                    ),
                    vec![SqlValue::from(object_id)],
                )),
                Some(ty) => {
                    if files::may_hold_files(&ty) {
                        file_fields.push(key.clone());
                    }
                    sets.push(format!("{column} = NULL"))
                }
                None => {}
            }
            continue;
        }
        let ty = field_type_for_write(ctx, &mut schema, &mut statements, key, value)?;
        if let FieldType::Relation(_) = ty {
            relation_statements.extend(relation_op(&schema.name, key, &ty, object_id, value)?);
            continue;
        }
        match op {
            None => {
                check_array_length(key, value)?;
                if files::may_hold_files(&ty) {
                    file_fields.push(key.clone());
                }
                sets.push(format!("{column} = ?"));
                params.push(codec::encode(key, &ty, value)?);
            }
            Some("Increment") => {
                if ty != FieldType::Number {
                    return Err(ParseError::incorrect_type(format!(
                        "Increment needs a Number field; {key} is {}",
                        ty.name()
                    )));
                }
                let amount = value.get("amount").and_then(codec::number).ok_or_else(|| {
                    ParseError::invalid_json_field("Increment amount must be a number")
                })?;
                sets.push(format!("{column} = COALESCE({column}, 0) + ?"));
                params.push(amount);
                op_fields.push((key.clone(), ty));
            }
            Some(array_op @ ("Add" | "AddUnique" | "Remove")) => {
                if ty != FieldType::Array {
                    return Err(ParseError::incorrect_type(format!(
                        "{array_op} needs an Array field; {key} is {}",
                        ty.name()
                    )));
                }
                let objects = stored_op_objects(array_op, value)?;
                if array_op == "Remove" || files::contains_file(&objects) {
                    file_fields.push(key.clone());
                }
                let objects = objects.to_string();
                let (sql, binds) = array_op_sql(array_op, &column, objects);
                sets.push(format!("{column} = {sql}"));
                params.extend(binds);
                if array_op != "Remove" {
                    grown.push(column.clone());
                }
                op_fields.push((key.clone(), ty));
            }
            Some(other) => {
                return Err(ParseError::invalid_json_field(&format!(
                    "unknown operation {other}"
                )))
            }
        }
    }
    let names = if class == "_User" {
        account_names::key_columns(&body)?
    } else {
        Vec::new()
    };
    let claims_account_name = !names.is_empty();
    for (column, value) in internal.into_iter().chain(names) {
        sets.push(format!("{} = ?", ident(&column)));
        params.push(value);
    }
    let mut predicate_params = vec![SqlValue::from(object_id)];
    let write_acl = row_restriction(ctx, &schema, &permission, &mut predicate_params);
    params.extend(predicate_params);
    let schema_changed = !statements.is_empty();
    // The row as it was, read in the same transaction, for live subscribers' enter/leave.
    statements.push(Statement::new(
        format!("SELECT * FROM {} WHERE \"objectId\" = ?", ident(class)),
        vec![SqlValue::from(object_id)],
    ));
    let before = Some(statements.len() - 1);
    statements.push(Statement::new(
        format!(
            "UPDATE {} SET {} WHERE \"objectId\" = ? AND {write_acl} RETURNING *",
            ident(class),
            sets.join(", ")
        ),
        params,
    ));
    let returning = Some(statements.len() - 1);
    if !relation_statements.is_empty() {
        // Links change only when the object itself was found and writable.
        statements.push(existence_guard());
        statements.extend(relation_statements);
    }
    if !grown.is_empty() {
        // An array that grew past its cap aborts the write (see `_ArrayGuard`).
        let too_long: Vec<String> = grown
            .iter()
            .map(|c| format!("json_array_length({c}) > {MAX_ARRAY_LENGTH}"))
            .collect();
        statements.push(Statement::new(
            format!(
                "INSERT INTO \"_ArrayGuard\" (\"tooLong\") SELECT 1 FROM {} WHERE \"objectId\" = ? AND ({})",
                ident(class),
                too_long.join(" OR ")
            ),
            vec![SqlValue::from(object_id)],
        ));
    }
    let mut answer = Map::new();
    answer.insert("updatedAt".into(), Value::from(now));
    let mut plan = WritePlan {
        class: class.to_string(),
        returning,
        statements,
        schema_changed,
        claims_account_name,
        miss: ParseError::not_found(),
        locked: locked_error,
        outcome: Outcome::Updated(answer),
        op_fields,
        after: returning,
        before,
        dropped_files: vec![],
    };
    plan.track_files(&file_fields, object_id, ctx.now_ms, false);
    Ok(plan)
}

/// A statement that aborts the batch (`field_locked`) when one of `locked` differs from the
/// stored value of an object the caller may read, and the error to answer then. Objects hidden
/// from the caller pass, so the update after it answers 101 as for any hidden object: the guard
/// reveals nothing the caller could not read already. An operation on a locked field (`Delete`,
/// `Increment`…) can never leave it unchanged, so it is refused at once.
fn locked_guard(
    ctx: &WriteContext,
    schema: &ClassSchema,
    permission: &Permission,
    object_id: &str,
    locked: &[(String, Value)],
) -> Result<(Statement, ParseError)> {
    let names: Vec<&str> = locked.iter().map(|(field, _)| field.as_str()).collect();
    let refusal = ParseError::forbidden(format!(
        "{} of a {} cannot be changed by a client.",
        names.join(", "),
        schema.name
    ));
    let mut params = vec![SqlValue::from(object_id)];
    let table = ident(&schema.name);
    let readable = ctx.access.read_predicate(&table, &mut params);
    let clp = permission.predicate(schema, &table, ctx.access, &mut params);
    let mut differs = Vec::with_capacity(locked.len());
    for (field, value) in locked {
        let ty = match schema.field_type(field) {
            Some(ty) if value.get("__op").is_none() => ty,
            _ => return Err(refusal),
        };
        params.push(codec::encode(field, &ty, value)?);
        differs.push(format!("NOT ({} IS ?)", ident(field)));
    }
    let guard = Statement::new(
        format!(
            "INSERT INTO \"_Guard\" (\"locked\") SELECT 1 FROM {table} WHERE \"objectId\" = ? AND {readable} AND {clp} AND ({})",
            differs.join(" OR ")
        ),
        params,
    );
    Ok((guard, refusal))
}

/// The `objects` of an array operation as JSON to bind, with File values in their stored form
/// (so `AddUnique` and `Remove` compare a File by its name, whatever URL the client sent).
fn stored_op_objects(op: &str, value: &Value) -> Result<Value> {
    let objects = array_op_objects(op, value)?;
    if !objects.iter().any(|o| files::contains_file(o)) {
        return Ok(Value::Array(objects.into_iter().cloned().collect()));
    }
    let mut seen = std::collections::HashSet::new();
    let mut stored = Vec::with_capacity(objects.len());
    for object in objects {
        let mut object = object.clone();
        files::canonicalize(&mut object)?;
        if op != "AddUnique" || seen.insert(object.to_string()) {
            stored.push(object);
        }
    }
    Ok(Value::Array(stored))
}

/// Refuses a value that does not match its field's type in the schema with Parse's 111,
/// `schema mismatch for Class.field; expected T but got U`, before the rules run: a wrong type is
/// a type error whatever the application's rules would say of the value (a price of `"x"` is not
/// a badly formed price). Field operations, `null` (unset), relations and the fields every class
/// has are the planner's to check, as are fields the schema does not have yet.
fn check_field_types(schema: &ClassSchema, body: &Map<String, Value>) -> Result<()> {
    for (key, value) in body {
        if value.is_null() || value.get("__op").is_some() || DEFAULT_FIELDS.contains(&key.as_str())
        {
            continue;
        }
        match schema.field_type(key) {
            None | Some(FieldType::Relation(_)) => {}
            Some(ty) => {
                codec::encode(&format!("{}.{key}", schema.name), &ty, value)?;
            }
        }
    }
    Ok(())
}

/// A statement that aborts its batch when the write just before it touched no row: it inserts
/// into `_Guard`, whose CHECK refuses every row, only when `changes()` is 0.
fn existence_guard() -> Statement {
    Statement::new(
        "INSERT INTO \"_Guard\" (\"missing\") SELECT 1 WHERE changes() = 0",
        vec![],
    )
}

/// `DELETE /classes/:class/:objectId`.
pub fn plan_delete(ctx: &WriteContext, class: &str, object_id: &str) -> Result<WritePlan> {
    let schema = ctx.registry.get(class).ok_or_else(ParseError::not_found)?;
    let permission = clp::check(schema, ctx.access, Operation::Delete)?;
    let mut params = vec![SqlValue::from(object_id)];
    let write_acl = row_restriction(ctx, schema, &permission, &mut params);
    let mut statements = vec![Statement::new(
        format!(
            "DELETE FROM {} WHERE \"objectId\" = ? AND {write_acl} RETURNING *",
            ident(class)
        ),
        params,
    )];
    let mut dropped_files = vec![];
    if schema
        .column_fields()
        .any(|(_, ty)| files::may_hold_files(ty))
    {
        dropped_files.push(statements.len());
        statements.extend(files::after_delete(class, object_id, ctx.now_ms));
    }
    Ok(WritePlan {
        class: class.to_string(),
        statements,
        returning: Some(0),
        schema_changed: false,
        claims_account_name: false,
        miss: ParseError::not_found(),
        locked: None,
        outcome: Outcome::Deleted,
        op_fields: vec![],
        after: Some(0),
        before: None,
        dropped_files,
    })
}

/// Which rows an update or delete may touch: the object's write ACL and the CLP's pointer
/// fields, qualified by the table itself (UPDATE and DELETE have no alias of their own).
fn row_restriction(
    ctx: &WriteContext,
    schema: &ClassSchema,
    permission: &Permission,
    params: &mut Vec<SqlValue>,
) -> String {
    let table = ident(&schema.name);
    let acl = ctx.access.write_predicate(&table, params);
    let clp = permission.predicate(schema, &table, ctx.access, params);
    format!("{acl} AND {clp}")
}

/// The type of `key`, adding the field (ALTER TABLE) when it is new and schema changes are allowed.
fn field_type_for_write(
    ctx: &WriteContext,
    schema: &mut ClassSchema,
    statements: &mut Vec<Statement>,
    key: &str,
    value: &Value,
) -> Result<FieldType> {
    if let Some(ty) = schema.field_type(key) {
        return Ok(ty);
    }
    if !ctx.may_change_schema {
        return Err(ParseError::forbidden(format!(
            "Permission denied for action addField on class {}.",
            schema.name
        )));
    }
    clp::check(schema, ctx.access, Operation::AddField)?;
    let ty = infer_type(value)
        .ok_or_else(|| ParseError::incorrect_type(format!("cannot infer a type for {key}")))?;
    // A new field's target becomes part of the stored schema, which would not read back with
    // an invalid class name in it.
    if let FieldType::Pointer(target) | FieldType::Relation(target) = &ty {
        validate_class_name(target)?;
    }
    statements.extend(ddl::add_field(&schema.name, key, &ty));
    schema.fields.insert(key.to_string(), ty.clone());
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Access;
    use crate::engine::codec::pointer;
    use crate::engine::schema::Registry;
    use crate::error::Code;
    use crate::store::Store;
    use crate::testing::SqliteStore;
    use futures::executor::block_on;
    use serde_json::json;

    /// Rules that refuse every write with a validation error (142): a write that reaches them
    /// answers 142, one refused before them answers with its own code.
    struct RefuseAll;

    impl Rules for RefuseAll {
        fn before_create(
            &self,
            _: &WriteContext,
            _: &str,
            _: &mut Map<String, Value>,
            _: &mut Extras,
        ) -> Result<()> {
            Err(ParseError::new(Code::ValidationError, "the rules ran"))
        }
        fn before_update(
            &self,
            _: &WriteContext,
            _: &str,
            _: &str,
            _: &mut Map<String, Value>,
        ) -> Result<()> {
            Err(ParseError::new(Code::ValidationError, "the rules ran"))
        }
    }

    fn migrated_registry() -> Registry {
        let store = SqliteStore::migrated();
        let rows = block_on(store.query(&Statement::new(Registry::LOAD_SQL, vec![]))).unwrap();
        Registry::from_rows(&rows).unwrap()
    }

    /// The code a create and an update of a Product with `body` answer, in that order.
    fn codes(body: &Value) -> (Code, Code) {
        let registry = migrated_registry();
        let ctx = WriteContext {
            registry: &registry,
            access: &Access::Master,
            may_change_schema: true,
            now_ms: 1_700_000_000_000,
            rules: &RefuseAll,
        };
        let body = body.as_object().unwrap();
        let created = plan_create(&ctx, "Product", body, Extras::default()).unwrap_err();
        let updated = plan_update(&ctx, "Product", "p1", body, vec![]).unwrap_err();
        (created.code, updated.code)
    }

    #[test]
    fn a_value_of_the_wrong_type_is_111_before_the_rules_run_on_create_and_update() {
        for body in [
            json!({"price": "x"}),
            json!({"stock": "2"}),
            json!({"title": 5}),
            json!({"sku": 5}),
            json!({"price": pointer("Artisan", "a1")}),
            json!({"owner": pointer("_User", "u1")}),
            json!({"owner": "a1"}),
            json!({"tags": "clay"}),
            json!({"sku": "A-1", "price": {"__type": "Date", "iso": "2024-01-01T00:00:00Z"}}),
        ] {
            assert_eq!(
                codes(&body),
                (Code::IncorrectType, Code::IncorrectType),
                "{body}"
            );
        }
        let registry = migrated_registry();
        let ctx = WriteContext {
            registry: &registry,
            access: &Access::Master,
            may_change_schema: true,
            now_ms: 0,
            rules: &RefuseAll,
        };
        let body = json!({"price": "x"});
        let err =
            plan_update(&ctx, "Product", "p1", body.as_object().unwrap(), vec![]).unwrap_err();
        assert_eq!(
            err.message,
            "schema mismatch for Product.price; expected Number but got String"
        );
    }

    #[test]
    fn values_of_the_right_type_operations_nulls_and_new_fields_reach_the_rules() {
        for body in [
            json!({"price": 0}),
            json!({"price": -1.234, "stock": 1.5, "sku": " "}),
            json!({"price": {"__op": "Increment", "amount": 1}}),
            json!({"stock": {"__op": "Delete"}}),
            json!({"title": null}),
            json!({"owner": pointer("Artisan", "a1")}),
            json!({"brandNew": "x"}),
            json!({"ACL": {"*": {"read": true}}}),
        ] {
            assert_eq!(
                codes(&body),
                (Code::ValidationError, Code::ValidationError),
                "{body}"
            );
        }
    }
}
