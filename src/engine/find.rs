//! A Parse query (`where`, `order`, `limit`, `skip`, `keys`, `excludeKeys`, `include`, `count`)
//! as one SQL round trip: the rows and their count in one batch, included pointers resolved by
//! `LEFT JOIN`s (ACL-filtered in the join condition), never a query per row.

use super::access::{Access, Acl};
use super::clp::{self, Operation, Permission};
use super::codec;
pub use super::find_options::{FindOptions, FIND_PARAMETERS, MAX_LIMIT};
use super::query::{RegexProbe, WhereCompiler};
use super::schema::{validate_field_name, ClassSchema, FieldType, Registry};
use crate::error::{ParseError, Result};
use crate::store::{ident, Row, SqlValue, Statement, Values};
use serde_json::{Map, Value};

/// Levels of `include` (`a.b.c` is three): each level is one more join.
pub const MAX_INCLUDE_DEPTH: usize = 3;

/// One object in a result row: the queried class (node 0) or an included pointer target.
struct Node {
    class: String,
    alias: String,
    /// Relation fields to show as `{"__type":"Relation","className":...}` markers.
    relations: Vec<(String, String)>,
    /// For an included node: its parent node and the pointer field it replaces there.
    parent: Option<(usize, String)>,
}

/// A selected column: which node and field it belongs to.
struct Selected {
    node: usize,
    field: String,
    ty: Option<FieldType>,
}

/// Where a node's columns are in a result row, and their fields and types, in the same order.
type NodeLayout<'a> = (Vec<usize>, Vec<(&'a str, Option<&'a FieldType>)>);

/// A compiled query, waiting for its regex probes (if any) before it can run.
pub struct FindPlan {
    nodes: Vec<Node>,
    columns: Vec<Selected>,
    select_from: String,
    join_params: Vec<SqlValue>,
    predicate: String,
    pub where_params: Vec<SqlValue>,
    pub probes: Vec<RegexProbe>,
    order_by: String,
    limit: i64,
    skip: i64,
    count: bool,
}

/// The base columns every object carries, apart from its fields.
pub const BASE_COLUMNS: [&str; 5] = ["objectId", "createdAt", "updatedAt", "_rperm", "_wperm"];

impl FindPlan {
    /// Compiles `options` on `schema`; `permission` is the CLP verdict for this read.
    pub fn compile(
        registry: &Registry,
        access: &Access,
        schema: &ClassSchema,
        options: &FindOptions,
        permission: &Permission,
    ) -> Result<Self> {
        let mut compiler = WhereCompiler::new(registry, access);
        let where_predicate = compiler.compile(schema, "t", &options.where_)?;
        let acl = access.read_predicate("t", &mut compiler.params);
        let clp = permission.predicate(schema, "t", access, &mut compiler.params);
        let predicate = format!("{where_predicate} AND {acl} AND {clp}");

        let mut nodes = vec![Node {
            class: schema.name.clone(),
            alias: "t".into(),
            relations: vec![],
            parent: None,
        }];
        let mut join_params = Vec::new();
        let mut joins = String::new();
        for path in include_paths(&options.include, options.keys.as_deref())? {
            let (parent, field) = match path.rsplit_once('.') {
                Some((parent_path, field)) => match node_index(&nodes, parent_path) {
                    Some(i) => (i, field.to_string()),
                    None => continue,
                },
                None => (0, path.clone()),
            };
            let parent_schema = registry.get(&nodes[parent].class);
            let Some(FieldType::Pointer(target)) = parent_schema.and_then(|s| s.field_type(&field))
            else {
                continue; // Parse ignores includes of fields that are not pointers.
            };
            let Some(target_schema) = registry.get(&target) else {
                continue;
            };
            // An included object is a read of its class: its CLP and ACL apply, in the join.
            let Ok(target_permission) = clp::check(target_schema, access, Operation::Get) else {
                continue;
            };
            let alias = format!("j{}", nodes.len());
            let acl = access.read_predicate(&alias, &mut join_params);
            let restriction =
                target_permission.predicate(target_schema, &alias, access, &mut join_params);
            joins.push_str(&format!(
                " LEFT JOIN {} AS {alias} ON {alias}.\"objectId\" = {}.{} AND {acl} AND {restriction}",
                ident(&target),
                nodes[parent].alias,
                ident(&field)
            ));
            nodes.push(Node {
                class: target,
                alias,
                relations: vec![],
                parent: Some((parent, field)),
            });
        }

        let mut columns = Vec::new();
        let mut select_params = Vec::new();
        let mut select = Vec::new();
        for index in 0..nodes.len() {
            let Some(node_schema) = registry.get(&nodes[index].class) else {
                continue;
            };
            let path = node_path(&nodes, index);
            nodes[index].relations = node_schema
                .fields
                .iter()
                .filter(|(field, _)| wanted(field, &path, options))
                .filter_map(|(field, ty)| match ty {
                    FieldType::Relation(target) => Some((field.clone(), target.clone())),
                    _ => None,
                })
                .collect();
            let node = &nodes[index];
            let protected = clp::protected_fields(node_schema, access);
            for base in BASE_COLUMNS {
                select.push(format!("{}.{}", node.alias, ident(base)));
                columns.push(Selected {
                    node: index,
                    field: base.into(),
                    ty: None,
                });
            }
            for (field, ty) in node_schema.column_fields() {
                if !wanted(field, &path, options) {
                    continue;
                }
                let column = format!("{}.{}", node.alias, ident(field));
                if protected.contains(field) {
                    // A user always sees its own protected fields (its email), nobody else does.
                    let Some(user) = access.user_id().filter(|_| node.class == "_User") else {
                        continue;
                    };
                    select_params.push(SqlValue::Text(user.to_string()));
                    select.push(format!(
                        "CASE WHEN {}.\"objectId\" = ? THEN {column} END",
                        node.alias
                    ));
                } else {
                    select.push(column);
                }
                columns.push(Selected {
                    node: index,
                    field: field.clone(),
                    ty: Some(ty.clone()),
                });
            }
        }
        let select_list = select
            .iter()
            .enumerate()
            .map(|(i, expr)| format!("{expr} AS c{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        join_params.splice(0..0, select_params);
        let select_from = format!(
            "SELECT {select_list} FROM {} AS t{joins}",
            ident(&schema.name)
        );

        let mut order = Vec::new();
        // Sorting by a field is querying it: a binary search over the order recovers its value.
        let protected = clp::protected_fields(schema, access);
        for (field, descending) in &options.order {
            if field == "$score" {
                continue;
            }
            let base = field.split('.').next().unwrap_or(field);
            if protected.iter().any(|f| f == base) {
                return Err(ParseError::forbidden(format!(
                    "This user is not allowed to sort by {base} on class {}",
                    schema.name
                )));
            }
            if !matches!(field.as_str(), "objectId" | "createdAt" | "updatedAt") {
                validate_field_name(field)?;
                // Unknown fields sort nothing, as in Parse; nor do relations, which have no
                // column (they live in their join table).
                if matches!(
                    schema.field_type(field),
                    None | Some(FieldType::Relation(_))
                ) {
                    continue;
                }
            }
            order.push(format!(
                "t.{}{}",
                ident(field),
                if *descending { " DESC" } else { "" }
            ));
        }
        // Insertion order breaks ties, so paging through equal keys is stable. It runs in the
        // direction of the last key, so an index on that key (which ends in the rowid) still
        // yields the rows in order without a sort.
        let last_descending = options
            .order
            .last()
            .is_some_and(|(_, descending)| *descending);
        order.push(
            if last_descending {
                "t.rowid DESC"
            } else {
                "t.rowid"
            }
            .into(),
        );

        Ok(FindPlan {
            nodes,
            columns,
            select_from,
            join_params,
            predicate,
            where_params: compiler.params,
            probes: compiler.probes,
            order_by: order.join(", "),
            limit: options.limit,
            skip: options.skip,
            count: options.count,
        })
    }

    /// The statements to run once probes are resolved: the rows (unless `limit` is 0), then the count.
    pub fn statements(&self) -> Vec<Statement> {
        let mut out = Vec::new();
        if self.limit > 0 {
            let mut params = self.join_params.clone();
            params.extend(self.where_params.iter().cloned());
            params.push(SqlValue::Integer(self.limit));
            params.push(SqlValue::Integer(self.skip));
            out.push(Statement::new(
                format!(
                    "{} WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
                    self.select_from, self.predicate, self.order_by
                ),
                params,
            ));
        }
        if self.count {
            out.push(Statement::new(
                format!(
                    "SELECT COUNT(*) AS count FROM {} AS t WHERE {}",
                    ident(&self.nodes[0].class),
                    self.predicate
                ),
                self.where_params.clone(),
            ));
        }
        out
    }

    /// Whether the plan is one query for rows, without a count: the store can then answer its
    /// rows as bare values (`Store::query_values`), the cheapest shape D1 has.
    pub fn rows_only(&self) -> bool {
        self.limit > 0 && !self.count
    }

    /// The Parse response `{results, count?}` from the statements' rows, named by column (as a
    /// batch answers them).
    pub fn respond(&self, mut results: Vec<Vec<Row>>) -> Value {
        let count = if self.count { results.pop() } else { None }.map(|rows| {
            rows.first()
                .and_then(|r| r.get("count"))
                .and_then(Value::as_f64)
                .unwrap_or(0.0) as i64
        });
        let rows = if self.limit > 0 {
            results.pop().unwrap_or_default()
        } else {
            vec![]
        };
        // Columns are aliased `c0`, `c1`, … in `columns` order.
        let aliases: Vec<String> = (0..self.columns.len()).map(|i| format!("c{i}")).collect();
        let rows = rows
            .into_iter()
            .map(|mut row| {
                aliases
                    .iter()
                    .map(|alias| row.remove(alias).unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        self.respond_values(rows, count)
    }

    /// The Parse response `{results, count?}` from the rows' values in `columns` order.
    pub fn respond_values(&self, rows: Vec<Values>, count: Option<i64>) -> Value {
        // What is the same for every row is worked out once per response, not once per row:
        // each node's columns, as positions in the row and as (field, type).
        let layout: Vec<NodeLayout> = (0..self.nodes.len())
            .map(|index| {
                self.columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.node == index)
                    .map(|(position, c)| (position, (c.field.as_str(), c.ty.as_ref())))
                    .unzip()
            })
            .collect();
        let objects: Vec<Value> = rows
            .into_iter()
            .filter_map(|row| self.decode(row, &layout))
            .collect();
        let mut out = Map::new();
        out.insert("results".into(), Value::Array(objects));
        if let Some(n) = count {
            out.insert("count".into(), Value::from(n));
        }
        Value::Object(out)
    }

    /// One result row as a Parse object with its includes folded in.
    fn decode(&self, mut row: Values, layout: &[NodeLayout]) -> Option<Value> {
        let mut objects: Vec<Option<Map<String, Value>>> = layout
            .iter()
            .zip(&self.nodes)
            .enumerate()
            .map(|(index, ((positions, columns), node))| {
                // Each column belongs to one node: its value is moved, never cloned.
                let values = positions
                    .iter()
                    .map(|&p| row.get_mut(p).map(std::mem::take).unwrap_or(Value::Null));
                let mut object = decode_object(columns, values)?;
                for (field, target) in &node.relations {
                    object.insert(
                        field.clone(),
                        serde_json::json!({"__type": "Relation", "className": target}),
                    );
                }
                if index > 0 {
                    object.insert("__type".into(), Value::from("Object"));
                    object.insert("className".into(), Value::from(node.class.as_str()));
                }
                Some(object)
            })
            .collect();
        // Children have higher indexes than their parents: fold included objects in bottom-up.
        for index in (1..self.nodes.len()).rev() {
            let Some((parent, field)) = &self.nodes[index].parent else {
                continue;
            };
            let child = objects[index].take();
            if let Some(parent_object) = objects[*parent].as_mut() {
                // A pointer whose target is gone or unreadable is dropped, as Parse Server does.
                match child {
                    Some(child) => parent_object.insert(field.clone(), Value::Object(child)),
                    None => parent_object.remove(field),
                };
            }
        }
        objects.swap_remove(0).map(Value::Object)
    }
}

/// Builds a Parse object from one row's stored values, the n-th value being the column the
/// n-th entry of `columns` names (base columns have no type); `None` when the row is absent
/// (a LEFT JOIN miss).
pub fn decode_object(
    columns: &[(&str, Option<&FieldType>)],
    values: impl IntoIterator<Item = Value>,
) -> Option<Map<String, Value>> {
    let mut object = Map::new();
    let (mut rperm, mut wperm) = (Value::Null, Value::Null);
    for ((field, ty), value) in columns.iter().zip(values) {
        match (*field, ty) {
            ("objectId", None) if !value.is_string() => return None,
            ("objectId" | "createdAt" | "updatedAt", None) => {
                object.insert(field.to_string(), value);
            }
            ("_rperm", None) => rperm = value,
            ("_wperm", None) => wperm = value,
            (_, Some(ty)) if !value.is_null() => {
                object.insert(field.to_string(), codec::decode(ty, value));
            }
            _ => {}
        }
    }
    if !object.contains_key("objectId") {
        return None;
    }
    if let Some(acl) = Acl::from_columns(&rperm, &wperm) {
        object.insert("ACL".into(), acl.to_json());
    }
    Some(object)
}

/// Expands `include` into join paths, parents first; `*` means every pointer of the class.
fn include_paths(include: &[String], keys: Option<&[String]>) -> Result<Vec<String>> {
    let mut paths: Vec<String> = Vec::new();
    for path in include {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > MAX_INCLUDE_DEPTH {
            return Err(ParseError::invalid_query(format!(
                "include is limited to {MAX_INCLUDE_DEPTH} levels"
            )));
        }
        for depth in 1..=segments.len() {
            let prefix = segments[..depth].join(".");
            if segments[depth - 1] != "*" {
                validate_field_name(segments[depth - 1])?;
            }
            if !paths.contains(&prefix) {
                paths.push(prefix);
            }
        }
    }
    // `keys=owner.name` implies `include=owner` only when asked to include; nothing to add here,
    // but a restricted key list that omits a pointer makes its include a no-op.
    if let Some(keys) = keys {
        paths.retain(|p| {
            let top = p.split('.').next().unwrap_or(p);
            keys.iter()
                .any(|k| k == top || k.starts_with(&format!("{top}.")))
        });
    }
    Ok(paths)
}

fn node_index(nodes: &[Node], path: &str) -> Option<usize> {
    (0..nodes.len()).find(|&i| node_path(nodes, i) == path)
}

/// The include path of a node: "" for the queried class, "owner.user" for a nested include.
fn node_path(nodes: &[Node], index: usize) -> String {
    match &nodes[index].parent {
        None => String::new(),
        Some((parent, field)) => match node_path(nodes, *parent) {
            p if p.is_empty() => field.clone(),
            p => format!("{p}.{field}"),
        },
    }
}

/// Whether `field` of the node at `path` is selected under `keys`/`excludeKeys`.
fn wanted(field: &str, path: &str, options: &FindOptions) -> bool {
    let full = if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    };
    if path.is_empty() && options.exclude_keys.iter().any(|k| k == field) {
        return false;
    }
    let Some(keys) = &options.keys else {
        return true;
    };
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    };
    // Keys that name something inside this node; none means the whole node was asked for.
    let inside: Vec<&String> = keys
        .iter()
        .filter(|k| prefix.is_empty() || k.starts_with(&prefix))
        .collect();
    if !prefix.is_empty() && inside.is_empty() {
        return true;
    }
    inside
        .iter()
        .any(|k| **k == full || k.starts_with(&format!("{full}.")))
}
