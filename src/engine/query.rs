//! `where` → a parameterised SQL predicate.
//!
//! Identifiers come only from the schema registry; every value is a bound parameter. A field the
//! class does not have compiles to the constant `NULL`: no row has it, so equality is false and
//! `$exists: false` is true, exactly as for an unset field, and no unknown name ever reaches SQL.
//! Regexes SQL cannot answer exactly become *probes*: a pre-query whose matching ids are bound
//! into the predicate, so `limit`, `skip` and `count` stay exact.

use super::access::Access;
use super::clp::{self, Operation};
use super::codec;
use super::regex_plan::{self, RegexPlan};
use super::schema::{validate_field_name, ClassSchema, FieldType, Registry};
use crate::error::{ParseError, Result};
use crate::store::{ident, SqlValue, Statement};
use serde_json::{Map, Value};

/// How deep `$or`/`$and`/`$nor` and subqueries may nest in all: a bound on compile work and SQL
/// size (D1 alone would run about 44 levels of two-branch `$nor`, 89 of `$or` or `$and`).
pub const MAX_QUERY_DEPTH: usize = 8;
/// How deep subqueries (`$inQuery`, `$notInQuery`, `$select`, `$dontSelect`) may nest, by kind:
/// as deep as D1 runs them. SQLite adds up the expression height of every enclosing `WHERE`
/// when it resolves a subquery, so each level costs more than the one above it and D1's
/// expression depth of 100 is reached after a few; measured for the costliest caller (a
/// signed-in user, whose ACL test is the largest) by the tests at the end of this file. A chain
/// of mixed kinds may be as deep as its costliest kind allows.
pub const MAX_SUBQUERY_DEPTH: usize = 5;
/// `$notInQuery` and `$dontSelect`: the negation adds a NULL test around every level.
pub const MAX_NEGATED_SUBQUERY_DEPTH: usize = 4;
/// `$inQuery` and `$select` on an Array field: every level scans the array with `json_each`.
pub const MAX_ARRAY_SUBQUERY_DEPTH: usize = 3;
/// `$notInQuery` and `$dontSelect` on an Array field.
pub const MAX_NEGATED_ARRAY_SUBQUERY_DEPTH: usize = 2;
/// Most values an `$in`, `$nin` or `$all` list may hold.
pub const MAX_IN_LIST: usize = 1000;
/// Most rows a regex probe reads before asking the client for a narrower query.
pub const MAX_PROBE_ROWS: usize = 50_000;
/// Most `$regex` constraints one query (its subqueries included) may hold; each is compiled.
pub const MAX_REGEXES_PER_QUERY: usize = 20;
/// Most regexes SQL cannot answer (each a probe that scans up to `MAX_PROBE_ROWS` rows) in one
/// query, and in one request (see `objects::RequestBudget`).
pub const MAX_PROBES_PER_QUERY: usize = 2;

/// How many `$regex` constraints a `where` holds, at any depth (subqueries included): counted
/// before anything is compiled.
pub fn count_regexes(value: &Value) -> usize {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| usize::from(k == "$regex") + count_regexes(v))
            .sum(),
        Value::Array(items) => items.iter().map(count_regexes).sum(),
        _ => 0,
    }
}

/// A regex the SQL engine cannot evaluate, to be run over one column before the main query.
pub struct RegexProbe {
    /// Index of the parameter that receives the JSON array of matching objectIds.
    pub param_index: usize,
    pub class: String,
    pub column_sql: String,
    pub regex: regex::Regex,
}

impl RegexProbe {
    pub fn statement(&self) -> Statement {
        Statement::new(
            format!(
                "SELECT \"objectId\" AS id, {col} AS v FROM {table} AS p WHERE {col} IS NOT NULL LIMIT {limit}",
                col = self.column_sql,
                table = ident(&self.class),
                limit = MAX_PROBE_ROWS + 1
            ),
            vec![],
        )
    }

    /// Turns the probe's rows into the id list bound in place of its parameter.
    pub fn resolve(&self, rows: &[crate::store::Row], params: &mut [SqlValue]) -> Result<()> {
        if rows.len() > MAX_PROBE_ROWS {
            return Err(ParseError::invalid_query(
                "This regex cannot use an index and the class is too large to scan; use a prefix (^) or add another constraint.",
            ));
        }
        let ids: Vec<&str> = rows
            .iter()
            .filter(|r| {
                r.get("v")
                    .and_then(Value::as_str)
                    .is_some_and(|v| self.regex.is_match(v))
            })
            .filter_map(|r| r.get("id").and_then(Value::as_str))
            .collect();
        if let Some(slot) = params.get_mut(self.param_index) {
            *slot = SqlValue::Text(Value::from(ids).to_string());
        }
        Ok(())
    }
}

/// Compiles predicates; one compiler serves a whole statement so parameters and aliases are shared.
pub struct WhereCompiler<'a> {
    pub registry: &'a Registry,
    pub access: &'a Access,
    pub params: Vec<SqlValue>,
    pub probes: Vec<RegexProbe>,
    /// `$regex` constraints compiled so far (see `MAX_REGEXES_PER_QUERY`).
    regexes: usize,
    next_alias: usize,
    /// The depth limit of each subquery enclosing the one being compiled, outermost first.
    subquery_limits: Vec<usize>,
    /// Whether the nesting limits apply: only tests that measure D1's own boundary lift them.
    limited: bool,
}

impl<'a> WhereCompiler<'a> {
    pub fn new(registry: &'a Registry, access: &'a Access) -> Self {
        WhereCompiler {
            registry,
            access,
            params: Vec::new(),
            probes: Vec::new(),
            regexes: 0,
            next_alias: 0,
            subquery_limits: Vec::new(),
            limited: true,
        }
    }

    /// A compiler without nesting limits, to show that D1 refuses what the limits refuse.
    #[cfg(test)]
    pub(crate) fn unlimited(registry: &'a Registry, access: &'a Access) -> Self {
        WhereCompiler {
            limited: false,
            ..Self::new(registry, access)
        }
    }

    /// A fresh table alias for a subquery or join.
    pub fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    fn bind(&mut self, value: SqlValue) -> &'static str {
        self.params.push(value);
        "?"
    }

    /// The predicate for `where` on `schema`'s rows under `alias`.
    pub fn compile(&mut self, schema: &ClassSchema, alias: &str, where_: &Value) -> Result<String> {
        self.compile_at(schema, alias, where_, 0)
    }

    fn compile_at(
        &mut self,
        schema: &ClassSchema,
        alias: &str,
        where_: &Value,
        depth: usize,
    ) -> Result<String> {
        if depth > MAX_QUERY_DEPTH && self.limited {
            return Err(ParseError::invalid_query("query is nested too deeply"));
        }
        let object = match where_ {
            Value::Object(o) => o,
            Value::Null => return Ok("1".into()),
            _ => return Err(ParseError::invalid_query("where must be a JSON object")),
        };
        let mut parts = Vec::new();
        for (key, value) in object {
            parts.push(match key.as_str() {
                "$or" | "$and" | "$nor" => self.logical(schema, alias, key, value, depth)?,
                "ACL" => return Err(ParseError::invalid_query("Cannot query on ACL.")),
                "$relatedTo" => self.related_to(schema, alias, value)?,
                "$text" => {
                    return Err(ParseError::invalid_query(format!("{key} is not supported")))
                }
                _ if key.starts_with('$') => {
                    return Err(ParseError::invalid_query(format!(
                        "Invalid key {key} for find"
                    )))
                }
                _ => self.field(schema, alias, key, value, depth)?,
            });
        }
        Ok(join_all(parts, " AND ", "1"))
    }

    /// `{"$relatedTo": {"object": <pointer>, "key": "users"}}`: the objects that `object`'s
    /// relation `key` links to.
    fn related_to(&mut self, schema: &ClassSchema, alias: &str, value: &Value) -> Result<String> {
        let bad = || ParseError::invalid_query("$relatedTo needs an object pointer and a key");
        let owner = value.get("object").ok_or_else(bad)?;
        let key = value.get("key").and_then(Value::as_str).ok_or_else(bad)?;
        let owner_class = owner
            .get("className")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let owner_id = owner
            .get("objectId")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let owner_schema = self.registry.get(owner_class).ok_or_else(bad)?;
        match owner_schema.field_type(key) {
            Some(FieldType::Relation(target)) if target == schema.name => {
                let mark = self.bind(SqlValue::from(owner_id));
                Ok(format!(
                    "{alias}.\"objectId\" IN (SELECT \"relatedId\" FROM {} WHERE \"owningId\" = {mark})",
                    ident(&super::schema::relation_table(owner_class, key))
                ))
            }
            _ => Err(ParseError::invalid_query(format!(
                "{owner_class}.{key} is not a relation to {}",
                schema.name
            ))),
        }
    }

    /// `{relation: <pointer>}` and `{relation: {$in|$nin: [pointers]}}`: objects whose relation
    /// holds (or holds none of) those objects, as Parse Server answers them.
    fn relation_membership(
        &mut self,
        schema: &ClassSchema,
        alias: &str,
        key: &str,
        target: &str,
        value: &Value,
    ) -> Result<String> {
        let bad = || {
            ParseError::invalid_query(format!(
                "{key} is a relation: compare it with pointers to {target}, or use $relatedTo"
            ))
        };
        let (pointers, negate): (Vec<&Value>, bool) = match value.as_object() {
            Some(o) if o.contains_key("$in") => {
                (o["$in"].as_array().ok_or_else(bad)?.iter().collect(), false)
            }
            Some(o) if o.contains_key("$nin") => {
                (o["$nin"].as_array().ok_or_else(bad)?.iter().collect(), true)
            }
            Some(o) if o.contains_key("$eq") => (vec![&o["$eq"]], false),
            Some(o) if !o.keys().any(|k| k.starts_with('$')) => (vec![value], false),
            _ => return Err(bad()),
        };
        let ids = pointers
            .into_iter()
            .map(|p| codec::pointer_id(p, target))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        let mark = self.bind(SqlValue::Text(Value::from(ids).to_string()));
        let test = format!(
            "EXISTS (SELECT 1 FROM {} AS r WHERE r.\"owningId\" = {alias}.\"objectId\" AND r.\"relatedId\" IN (SELECT value FROM json_each({mark})))",
            ident(&super::schema::relation_table(&schema.name, key))
        );
        Ok(if negate { format!("NOT {test}") } else { test })
    }

    fn logical(
        &mut self,
        schema: &ClassSchema,
        alias: &str,
        op: &str,
        value: &Value,
        depth: usize,
    ) -> Result<String> {
        let branches = value.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
            ParseError::invalid_query(format!(
                "Bad {op} format - use an array of at least 1 value."
            ))
        })?;
        let mut parts = Vec::with_capacity(branches.len());
        for branch in branches {
            parts.push(self.compile_at(schema, alias, branch, depth + 1)?);
        }
        Ok(match op {
            "$or" => join_all(parts, " OR ", "0"),
            "$and" => join_all(parts, " AND ", "1"),
            _ => format!("NOT ({})", join_all(parts, " OR ", "0")),
        })
    }

    fn field(
        &mut self,
        schema: &ClassSchema,
        alias: &str,
        key: &str,
        value: &Value,
        depth: usize,
    ) -> Result<String> {
        if let Some(FieldType::Relation(target)) = schema.field_type(key) {
            return self.relation_membership(schema, alias, key, &target, value);
        }
        let column = self.column(schema, alias, key)?;
        match value.as_object() {
            Some(ops) if ops.keys().any(|k| k.starts_with('$')) => {
                if let Some(plain) = ops.keys().find(|k| !k.starts_with('$')) {
                    return Err(ParseError::invalid_query(format!(
                        "cannot mix {plain} with operators on {key}"
                    )));
                }
                let mut parts = Vec::with_capacity(ops.len());
                for (op, operand) in ops {
                    if op == "$options" {
                        if !ops.contains_key("$regex") {
                            return Err(ParseError::invalid_query("$options needs a $regex"));
                        }
                        continue;
                    }
                    parts.push(self.constraint(&column, op, operand, ops, depth)?);
                }
                Ok(join_all(parts, " AND ", "1"))
            }
            _ => self.equals(&column, value),
        }
    }

    /// Resolves a key (`field`, or `objectField.path` into an Object) to the column it reads.
    fn column(&mut self, schema: &ClassSchema, alias: &str, key: &str) -> Result<Column> {
        let (base, path) = match key.split_once('.') {
            Some((base, path)) => (base, Some(path)),
            None => (key, None),
        };
        if !matches!(base, "objectId" | "createdAt" | "updatedAt") {
            validate_field_name(base)?;
        }
        if clp::protected_fields(schema, self.access)
            .iter()
            .any(|f| f == base)
        {
            return Err(ParseError::forbidden(format!(
                "This user is not allowed to query {base} on class {}",
                schema.name
            )));
        }
        let Some(ty) = schema.field_type(base) else {
            return Ok(Column {
                base: "NULL".into(),
                path: None,
                ty: None,
                class: schema.name.clone(),
            });
        };
        if let FieldType::Relation(_) = ty {
            return Err(ParseError::invalid_query(format!(
                "{base} is a relation: query it with $relatedTo"
            )));
        }
        let sql = format!("{alias}.{}", ident(base));
        match path {
            None => Ok(Column {
                base: sql,
                path: None,
                ty: Some(ty),
                class: schema.name.clone(),
            }),
            Some(path) => {
                if ty != FieldType::Object {
                    return Err(ParseError::invalid_query(format!(
                        "{base} is not an Object; dotted keys need one"
                    )));
                }
                for segment in path.split('.') {
                    validate_field_name(segment)?;
                }
                Ok(Column {
                    base: sql,
                    path: Some(format!("$.{path}")),
                    ty: None,
                    class: schema.name.clone(),
                })
            }
        }
    }

    /// The column's value, binding its path (a dotted key) at this point of the statement: a
    /// predicate that names the column twice binds the path twice, so placeholders and
    /// parameters stay one for one. Callers bind in the order their SQL reads.
    fn value_of(&mut self, column: &Column) -> String {
        match &column.path {
            Some(path) => {
                let mark = self.bind(SqlValue::Text(path.clone()));
                format!("json_extract({}, {mark})", column.base)
            }
            None => column.base.clone(),
        }
    }

    /// The column's elements as `json_each` rows: an array's elements; at a dotted key, those
    /// of the array there, or the scalar there as one row (MongoDB reads a scalar as a
    /// one-element array). Only Array columns and paths into Objects hold JSON.
    fn elements_of(&mut self, column: &Column) -> String {
        match &column.path {
            Some(path) => {
                let mark = self.bind(SqlValue::Text(path.clone()));
                format!("json_each({}, {mark})", column.base)
            }
            None => format!("json_each({})", column.base),
        }
    }

    fn equals(&mut self, column: &Column, value: &Value) -> Result<String> {
        if value.is_null() {
            return Ok(format!("{} IS NULL", self.value_of(column)));
        }
        if column.ty == Some(FieldType::Array) && !value.is_array() {
            let elements = self.elements_of(column);
            let mark = self.bind(element_param(value));
            return Ok(format!(
                "EXISTS (SELECT 1 FROM {elements} WHERE value = {mark})"
            ));
        }
        let param = self.param(column, value)?;
        let col = self.value_of(column);
        let mark = self.bind(param);
        Ok(format!("{col} = {mark}"))
    }

    fn constraint(
        &mut self,
        column: &Column,
        op: &str,
        operand: &Value,
        ops: &Map<String, Value>,
        depth: usize,
    ) -> Result<String> {
        let is_array = column.ty == Some(FieldType::Array);
        Ok(match op {
            "$eq" => self.equals(column, operand)?,
            "$ne" if operand.is_null() => format!("{} IS NOT NULL", self.value_of(column)),
            "$ne" if is_array && !operand.is_array() => {
                format!("NOT {}", self.equals(column, operand)?)
            }
            "$ne" => {
                let param = self.param(column, operand)?;
                let col = self.value_of(column);
                // `IS NOT` is `<>` that also holds for an unset (NULL) field.
                format!("{col} IS NOT {}", self.bind(param))
            }
            "$lt" | "$lte" | "$gt" | "$gte" => {
                if operand.is_null() {
                    return Err(ParseError::invalid_query(format!("{op} needs a value")));
                }
                let sql_op = match op {
                    "$lt" => "<",
                    "$lte" => "<=",
                    "$gt" => ">",
                    _ => ">=",
                };
                let param = self.param(column, operand)?;
                let col = self.value_of(column);
                format!("{col} {sql_op} {}", self.bind(param))
            }
            "$in" | "$nin" => {
                let (list, has_null) = self.list(column, op, operand)?;
                // A `null` in the list matches an unset field, as in Parse.
                let guard = match (op == "$in", has_null && !is_array) {
                    (true, true) => Some("IS NULL OR"),
                    (true, false) => None,
                    (false, true) => Some("IS NOT NULL AND NOT"),
                    (false, false) => Some("IS NULL OR NOT"),
                };
                let guard = guard.map(|g| format!("{} {g} ", self.value_of(column)));
                let test = if is_array {
                    let elements = self.elements_of(column);
                    let mark = self.bind(list);
                    format!("EXISTS (SELECT 1 FROM {elements} WHERE value IN (SELECT value FROM json_each({mark})))")
                } else {
                    let col = self.value_of(column);
                    let mark = self.bind(list);
                    format!("{col} IN (SELECT value FROM json_each({mark}))")
                };
                match guard {
                    Some(guard) => format!("({guard}{test})"),
                    None => test,
                }
            }
            "$all" | "$containedBy" => {
                if column.ty.as_ref().is_some_and(|ty| *ty != FieldType::Array) {
                    return Err(ParseError::invalid_query(format!(
                        "{op} needs an Array field"
                    )));
                }
                let items = operand.as_array().ok_or_else(|| {
                    ParseError::invalid_query(format!("bad {op}: expected an array"))
                })?;
                if op == "$all" {
                    if items.is_empty() || items.len() > MAX_IN_LIST {
                        return Err(ParseError::invalid_query(format!(
                            "bad $all: between 1 and {MAX_IN_LIST} values"
                        )));
                    }
                    // No wanted value is missing from the field's elements.
                    let list = json_list(items.iter().map(element_param));
                    let mark = self.bind(list);
                    let elements = self.elements_of(column);
                    format!(
                        "NOT EXISTS (SELECT 1 FROM json_each({mark}) AS w WHERE NOT EXISTS \
                         (SELECT 1 FROM {elements} AS h WHERE h.value = w.value))"
                    )
                } else {
                    let (list, _) = self.list(column, op, operand)?;
                    let elements = self.elements_of(column);
                    let mark = self.bind(list);
                    format!(
                        "NOT EXISTS (SELECT 1 FROM {elements} WHERE value NOT IN (SELECT value FROM json_each({mark})))"
                    )
                }
            }
            "$exists" => match operand {
                Value::Bool(true) => format!("{} IS NOT NULL", self.value_of(column)),
                Value::Bool(false) => format!("{} IS NULL", self.value_of(column)),
                _ => {
                    return Err(ParseError::invalid_query(
                        "bad $exists: expected true or false",
                    ))
                }
            },
            "$regex" => self.regex(column, operand, ops.get("$options"))?,
            "$inQuery" | "$notInQuery" => {
                let (head, tail) = self.membership(column, op == "$inQuery");
                let sub = self.nested_subquery(column, op, operand, "objectId", depth)?;
                format!("{head}{sub}{tail}")
            }
            "$select" | "$dontSelect" => {
                let key = operand
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ParseError::invalid_query(format!("improper usage of {op}")))?;
                let query = operand
                    .get("query")
                    .ok_or_else(|| ParseError::invalid_query(format!("improper usage of {op}")))?;
                let (head, tail) = self.membership(column, op == "$select");
                let sub = self.nested_subquery(column, op, query, key, depth)?;
                format!("{head}{sub}{tail}")
            }
            "$nearSphere"
            | "$within"
            | "$geoWithin"
            | "$geoIntersects"
            | "$maxDistance"
            | "$maxDistanceInRadians"
            | "$maxDistanceInMiles"
            | "$maxDistanceInKilometers" => {
                return Err(ParseError::invalid_query(format!("{op} is not supported")))
            }
            _ => return Err(ParseError::invalid_query(format!("bad constraint: {op}"))),
        })
    }

    /// An `$in`/`$nin`/`$containedBy` list as one parameter, a JSON array of the values as the
    /// column compares them (read back with `json_each`), and whether it held `null`. One
    /// parameter whatever the list's length: D1 binds at most 100 per statement.
    fn list(&self, column: &Column, op: &str, operand: &Value) -> Result<(SqlValue, bool)> {
        let items = operand
            .as_array()
            .ok_or_else(|| ParseError::invalid_query(format!("bad {op}: expected an array")))?;
        if items.len() > MAX_IN_LIST {
            return Err(ParseError::invalid_query(format!(
                "bad {op}: at most {MAX_IN_LIST} values"
            )));
        }
        let mut params = Vec::with_capacity(items.len());
        for item in items.iter().filter(|v| !v.is_null()) {
            params.push(if column.ty == Some(FieldType::Array) {
                element_param(item)
            } else {
                self.param(column, item)?
            });
        }
        Ok((json_list(params), items.iter().any(Value::is_null)))
    }

    /// The SQL around a subquery for `column IN (sub)` (or its negation; for an array of
    /// pointers, membership of any element), with the column bound before the subquery is.
    fn membership(&mut self, column: &Column, inside: bool) -> (String, String) {
        let guard = if inside {
            String::new()
        } else {
            format!("({} IS NULL OR NOT ", self.value_of(column))
        };
        let close = if inside { "" } else { ")" };
        if column.ty == Some(FieldType::Array) {
            let elements = self.elements_of(column);
            (
                format!(
                    "{guard}EXISTS (SELECT 1 FROM {elements} WHERE {} IN (",
                    codec::ELEMENT_OBJECT_ID
                ),
                format!(")){close}"),
            )
        } else {
            let col = self.value_of(column);
            (format!("{guard}{col} IN ("), format!("){close}"))
        }
    }

    /// `subquery` within the nesting limit of its kind (`op` on `column`) and of every subquery
    /// around it: a deeper one is 102 here rather than an expression D1 refuses.
    fn nested_subquery(
        &mut self,
        column: &Column,
        op: &str,
        spec: &Value,
        key: &str,
        depth: usize,
    ) -> Result<String> {
        let negated = matches!(op, "$notInQuery" | "$dontSelect");
        let limit = match (column.ty == Some(FieldType::Array), negated) {
            (false, false) => MAX_SUBQUERY_DEPTH,
            (false, true) => MAX_NEGATED_SUBQUERY_DEPTH,
            (true, false) => MAX_ARRAY_SUBQUERY_DEPTH,
            (true, true) => MAX_NEGATED_ARRAY_SUBQUERY_DEPTH,
        };
        self.subquery_limits.push(limit);
        let deepest = self.subquery_limits.iter().copied().min().unwrap_or(limit);
        if self.subquery_limits.len() > deepest && self.limited {
            return Err(ParseError::invalid_query(format!(
                "query is nested too deeply: these subqueries may nest {deepest} deep"
            )));
        }
        let sub = self.subquery(spec, key, depth);
        self.subquery_limits.pop();
        sub
    }

    /// `SELECT s.<key> FROM <class> s WHERE <where> AND <read ACL>` for `$inQuery`/`$select`.
    fn subquery(&mut self, spec: &Value, key: &str, depth: usize) -> Result<String> {
        let class = spec
            .get("className")
            .and_then(Value::as_str)
            .ok_or_else(|| ParseError::invalid_query("a subquery needs a className"))?;
        let Some(schema) = self.registry.get(class) else {
            return Ok("SELECT NULL WHERE 0".into());
        };
        let schema = schema.clone();
        let alias = self.alias("s");
        if clp::protected_fields(&schema, self.access)
            .iter()
            .any(|f| f == key)
        {
            return Err(ParseError::forbidden(format!(
                "This user is not allowed to query {key} on class {class}"
            )));
        }
        let column = match schema.field_type(key) {
            Some(FieldType::Relation(_)) => {
                return Err(ParseError::invalid_query(format!(
                    "{key} is a relation: it has no values to select"
                )))
            }
            Some(_) => format!("{alias}.{}", ident(key)),
            None => {
                validate_field_name(key)?;
                "NULL".into()
            }
        };
        let permission = clp::check(&schema, self.access, Operation::Find)?;
        let predicate = self.compile_at(
            &schema,
            &alias,
            spec.get("where").unwrap_or(&Value::Null),
            depth + 1,
        )?;
        let acl = self.access.read_predicate(&alias, &mut self.params);
        let restriction = permission.predicate(&schema, &alias, self.access, &mut self.params);
        Ok(format!(
            "SELECT {column} FROM {} AS {alias} WHERE ({predicate}) AND {acl} AND {restriction}",
            ident(class)
        ))
    }

    fn regex(
        &mut self,
        column: &Column,
        pattern: &Value,
        options: Option<&Value>,
    ) -> Result<String> {
        let pattern = pattern
            .as_str()
            .ok_or_else(|| ParseError::invalid_query("$regex must be a string"))?;
        self.regexes += 1;
        if self.regexes > MAX_REGEXES_PER_QUERY {
            return Err(ParseError::invalid_query(format!(
                "a query may hold at most {MAX_REGEXES_PER_QUERY} $regex constraints"
            )));
        }
        let options = match options {
            None => "",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(ParseError::invalid_query("$options must be a string")),
        };
        let sql_match = match regex_plan::plan(pattern, options)? {
            RegexPlan::Sql(sql_match) => sql_match,
            RegexPlan::Engine(regex) => return self.regex_probe(column, regex),
        };
        let is_array = column.ty == Some(FieldType::Array);
        let (elements, target) = if is_array {
            (Some(self.elements_of(column)), "value".to_string())
        } else {
            (None, self.value_of(column))
        };
        let (test, params) = sql_match.to_sql(&target);
        self.params.extend(params);
        Ok(match elements {
            Some(elements) => format!("EXISTS (SELECT 1 FROM {elements} WHERE {test})"),
            None => test,
        })
    }

    /// A regex SQL cannot answer: the ids of the rows whose column matches, found by a probe
    /// before the query runs, are bound in place of the predicate.
    fn regex_probe(&mut self, column: &Column, regex: regex::Regex) -> Result<String> {
        if column.ty != Some(FieldType::String) && column.ty.is_some() {
            return Err(ParseError::invalid_query(
                "this $regex is only supported on String fields",
            ));
        }
        if column.base == "NULL" {
            return Ok("0".into());
        }
        if column.ty.is_none() {
            return Err(ParseError::invalid_query(
                "on nested keys $regex supports exact, prefix, suffix and contains forms only",
            ));
        }
        let (alias, bare) = column
            .base
            .split_once('.')
            .unwrap_or(("t", column.base.as_str()));
        if self.probes.len() >= MAX_PROBES_PER_QUERY {
            return Err(ParseError::invalid_query(format!(
                "a query may hold at most {MAX_PROBES_PER_QUERY} regexes that need a scan; use literal, prefix (^) or suffix forms"
            )));
        }
        self.params.push(SqlValue::Text("[]".into()));
        self.probes.push(RegexProbe {
            param_index: self.params.len() - 1,
            class: column.class.clone(),
            column_sql: format!("p.{bare}"),
            regex,
        });
        Ok(format!(
            "{alias}.\"objectId\" IN (SELECT value FROM json_each(?))"
        ))
    }

    /// The parameter a constraint value becomes, checked against the field's type.
    fn param(&self, column: &Column, value: &Value) -> Result<SqlValue> {
        let bad = || {
            ParseError::invalid_query(format!(
                "bad value for a constraint on {}: {value}",
                column.base
            ))
        };
        match &column.ty {
            None => Ok(element_param(value)),
            Some(FieldType::Date) => match value {
                Value::String(s) => crate::platform::canonical_iso(s)
                    .map(SqlValue::Text)
                    .ok_or_else(bad),
                _ => codec::date_iso(value).map(SqlValue::Text).ok_or_else(bad),
            },
            Some(FieldType::Pointer(target)) => codec::pointer_id(value, target)
                .map(SqlValue::Text)
                .or_else(|| value.as_str().map(|s| SqlValue::Text(s.to_string())))
                .ok_or_else(bad),
            Some(FieldType::Array | FieldType::Object) if value.is_array() || value.is_object() => {
                Ok(SqlValue::Text(value.to_string()))
            }
            Some(ty) => codec::encode("constraint", ty, value).map_err(|_| bad()),
        }
    }
}

/// A resolved key: the column it reads and its type (`None` when the class lacks it or it is a
/// path into an Object).
struct Column {
    /// `t."field"`, or `NULL` for a field the class does not have.
    base: String,
    /// For a dotted key, the JSON path into `base`; bound wherever the column is used.
    path: Option<String>,
    ty: Option<FieldType>,
    class: String,
}

/// An array element or untyped value as `json_each` yields it: scalars as themselves, booleans as
/// 0/1, objects and arrays as their (key-sorted, minified) JSON text, which is how they are stored.
fn element_param(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::from(*b),
        Value::Number(_) => codec::number(value).unwrap_or(SqlValue::Null),
        Value::String(s) => SqlValue::Text(s.clone()),
        _ => SqlValue::Text(value.to_string()),
    }
}

/// Parameters as one JSON array, for `json_each`: integers and reals as numbers, text as
/// strings, NULL as null, so each element reads back as the parameter it stands for.
fn json_list(params: impl IntoIterator<Item = SqlValue>) -> SqlValue {
    let items: Vec<Value> = params
        .into_iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(n) => Value::from(n),
            SqlValue::Real(r) => serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number),
            SqlValue::Text(t) => Value::String(t),
        })
        .collect();
    SqlValue::Text(Value::Array(items).to_string())
}

/// `parts` joined by `separator` (AND, OR), as a balanced tree: SQLite nests `a OR b OR c ...`
/// one level per operand and D1 refuses expressions nested over 100 deep, so a flat `$or` of
/// 100 branches failed; balanced, n parts nest log2(n) deep. The parts keep their order, and
/// so their parameters theirs.
fn join_all(parts: Vec<String>, separator: &str, empty: &str) -> String {
    fn balanced(parts: &[String], separator: &str) -> String {
        match parts {
            [] => String::new(),
            [only] => only.clone(),
            _ => {
                let (left, right) = parts.split_at(parts.len() / 2);
                format!(
                    "({}{separator}{})",
                    balanced(left, separator),
                    balanced(right, separator)
                )
            }
        }
    }
    if parts.is_empty() {
        empty.to_string()
    } else {
        balanced(&parts, separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::find::FindOptions;
    use crate::error::Code;
    use crate::store::Store;
    use crate::testing::fuzz::access;
    use crate::testing::World;
    use futures::executor::block_on;
    use serde_json::json;

    const MASTER: u8 = 0;
    const PUBLIC: u8 = 1;
    const SIGNED_IN: u8 = 2;

    /// Each subquery kind on `Fuzz` (`ptr` points to Fuzz, `arr` is an Array, `str` a String):
    /// the operator, the field it constrains, and its limit.
    const KINDS: [(&str, &str, usize); 8] = [
        ("$inQuery", "ptr", MAX_SUBQUERY_DEPTH),
        ("$select", "str", MAX_SUBQUERY_DEPTH),
        ("$notInQuery", "ptr", MAX_NEGATED_SUBQUERY_DEPTH),
        ("$dontSelect", "str", MAX_NEGATED_SUBQUERY_DEPTH),
        ("$inQuery", "arr", MAX_ARRAY_SUBQUERY_DEPTH),
        ("$select", "arr", MAX_ARRAY_SUBQUERY_DEPTH),
        ("$notInQuery", "arr", MAX_NEGATED_ARRAY_SUBQUERY_DEPTH),
        ("$dontSelect", "arr", MAX_NEGATED_ARRAY_SUBQUERY_DEPTH),
    ];

    /// `kinds` nested around `{"num": 1}`, the first outermost.
    fn chain(kinds: &[(&str, &str, usize)]) -> Value {
        kinds
            .iter()
            .rev()
            .fold(json!({"num": 1}), |inner, (op, field, _)| {
                let query = json!({"className": "Fuzz", "where": inner});
                match *op {
                    "$inQuery" | "$notInQuery" => json!({ *field: { *op: query } }),
                    _ => json!({ *field: { *op: {"query": query, "key": "str"} } }),
                }
            })
    }

    /// A find with rows, order and count, as the caller `kind`: through the engine's limits.
    fn find(world: &World, kind: u8, where_: &Value) -> Result<Value> {
        let registry = world.registry();
        let access = access(kind);
        let params = json!({"where": where_, "limit": 10, "count": 1, "order": "-num"});
        let options = FindOptions::from_params(params.as_object().unwrap())?;
        block_on(world.objects(&registry, &access).find("Fuzz", &options))
    }

    /// Whether the database runs the count of `where_` for the caller `kind`, compiled as a find
    /// compiles it but without the engine's nesting limits: D1's own answer.
    fn database_runs(world: &World, kind: u8, where_: &Value) -> bool {
        let registry = world.registry();
        let access = access(kind);
        let schema = registry.get("Fuzz").unwrap();
        let permission = clp::check(schema, &access, Operation::Find).unwrap();
        let mut compiler = WhereCompiler::unlimited(&registry, &access);
        let predicate = compiler.compile(schema, "t", where_).unwrap();
        let acl = access.read_predicate("t", &mut compiler.params);
        let restriction = permission.predicate(schema, "t", &access, &mut compiler.params);
        let statement = Statement::new(
            format!(
                "SELECT COUNT(*) AS count FROM \"Fuzz\" AS t WHERE {predicate} AND {acl} AND {restriction}"
            ),
            compiler.params,
        );
        block_on(world.store.query(&statement)).is_ok()
    }

    fn refused_by_the_engine(result: Result<Value>) -> bool {
        matches!(result, Err(e) if e.code == Code::InvalidQuery && e.message.starts_with("query is nested too deeply"))
    }

    #[test]
    fn each_subquery_kind_nests_exactly_as_deep_as_d1_runs_it_for_a_signed_in_user() {
        let world = World::fuzz();
        for kind in KINDS {
            let (op, field, limit) = kind;
            let at_limit = chain(&vec![kind; limit]);
            let beyond = chain(&vec![kind; limit + 1]);
            for caller in [MASTER, PUBLIC, SIGNED_IN] {
                let found = find(&world, caller, &at_limit);
                assert!(
                    found.is_ok(),
                    "{op} on {field} x{limit}, caller {caller}: {found:?}"
                );
                let refused = find(&world, caller, &beyond);
                assert!(
                    refused_by_the_engine(refused.clone()),
                    "{op} on {field} x{}, caller {caller}: {refused:?}",
                    limit + 1
                );
            }
            // The boundary is D1's: one level more and the database refuses it itself.
            assert!(
                database_runs(&world, SIGNED_IN, &at_limit),
                "{op} on {field}"
            );
            assert!(
                !database_runs(&world, SIGNED_IN, &beyond),
                "{op} on {field}: D1 runs {} levels, the limit could be higher",
                limit + 1
            );
        }
    }

    #[test]
    fn mixed_subquery_kinds_nest_as_deep_as_their_costliest_kind_allows() {
        let world = World::fuzz();
        let mut open = vec![vec![]];
        let mut tried = 0;
        while let Some(path) = open.pop() {
            for kind in KINDS {
                let mut next: Vec<(&str, &str, usize)> = path.clone();
                next.push(kind);
                let deepest = next.iter().map(|k| k.2).min().unwrap();
                let result = find(&world, SIGNED_IN, &chain(&next));
                if next.len() <= deepest {
                    assert!(result.is_ok(), "{next:?}: {result:?}");
                    tried += 1;
                    open.push(next);
                } else {
                    assert!(
                        refused_by_the_engine(result.clone()),
                        "{next:?}: {result:?}"
                    );
                }
            }
        }
        assert!(tried > 500, "{tried} chains");
    }

    #[test]
    fn the_readme_states_the_nesting_limits_the_engine_enforces() {
        let readme = include_str!("../../README.md");
        for row in [
            format!("| `$or`/`$and`/`$nor` nesting | {MAX_QUERY_DEPTH} levels"),
            format!("| `$inQuery`/`$select` nesting | {MAX_SUBQUERY_DEPTH} levels ({MAX_ARRAY_SUBQUERY_DEPTH} on an Array field)"),
            format!("| `$notInQuery`/`$dontSelect` nesting | {MAX_NEGATED_SUBQUERY_DEPTH} levels ({MAX_NEGATED_ARRAY_SUBQUERY_DEPTH} on an Array field)"),
        ] {
            assert!(readme.contains(&row), "README.md lacks {row:?}");
        }
    }
}
