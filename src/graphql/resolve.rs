//! What the resolvers do: read a field's selection into the `keys` and `include` of one engine
//! call, run it through the request's services, and hand back the objects the child fields
//! read from. Child fields never call anything: they read their parent's JSON.

use super::bridge::{AssertSend, Call, Calls, Lent};
use super::inputs::{self, FieldInput};
use super::naming::{global_id, object_id_of};
use crate::engine::find::{FindOptions, MAX_INCLUDE_DEPTH, MAX_LIMIT};
use crate::engine::schema::{FieldType, Registry};
use crate::error::{Code, ParseError, Result};
use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Error as GqlError, ErrorExtensions, SelectionField, Value as GqlValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::future::Future;

/// An object (or any JSON object an output type reads its fields from).
pub struct Obj(pub Map<String, Value>);

/// A connection's page.
pub struct Conn {
    pub edges: Vec<Edge>,
    pub count: Option<i64>,
    pub skip: i64,
    pub has_next: bool,
}

/// One edge: the object and its offset cursor.
pub struct Edge {
    pub cursor: String,
    pub node: Map<String, Value>,
}

pub type Resolved<'a> = Result<Option<FieldValue<'a>>, GqlError>;

/// A resolver's future, as async-graphql takes it (see `bridge::AssertSend`).
pub fn future<'a>(f: impl Future<Output = Resolved<'a>> + 'a) -> FieldFuture<'a> {
    FieldFuture::Future(Box::pin(AssertSend(f)))
}

/// A Parse error as a GraphQL error: `extensions.code` is the Parse code. An internal fault's
/// own words stay in the request log.
pub fn error(e: ParseError) -> GqlError {
    let (code, message) = match e.code {
        Code::Internal => (1, "Internal server error.".to_string()),
        Code::Unauthorized => (Code::OperationForbidden as i32, "Permission denied".into()),
        code => (code as i32, e.message),
    };
    let retry_after = e.retry_after_secs;
    GqlError::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(secs) = retry_after {
            ext.set("retryAfter", secs);
        }
    })
}

pub fn calls<'a>(ctx: &ResolverContext<'a>) -> Result<&'a dyn Calls, GqlError> {
    let lent: &'a Lent = ctx.ctx.data::<Lent>()?;
    Ok(lent.get())
}

/// The parent object a field of an object type reads: an `Obj`, or a JSON object lent by its
/// own parent (an included pointer, an edge's node), never copied.
pub fn parent<'a>(ctx: &ResolverContext<'a>) -> Option<&'a Map<String, Value>> {
    ctx.parent_value
        .downcast_ref::<Obj>()
        .map(|o| &o.0)
        .or_else(|| ctx.parent_value.downcast_ref::<Map<String, Value>>())
}

pub fn gql(value: &Value) -> GqlValue {
    GqlValue::from_json(value.clone()).unwrap_or_default()
}

/// The field arguments as JSON.
pub fn args(ctx: &ResolverContext<'_>) -> Map<String, Value> {
    match GqlValue::Object(ctx.args.as_index_map().clone()).into_json() {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

pub fn object(map: Map<String, Value>) -> FieldValue<'static> {
    FieldValue::owned_any(Obj(map))
}

/// The master key, or 119 `Permission denied` as Parse 9 answers the schema operations.
pub fn require_master(calls: &dyn Calls) -> Result<(), GqlError> {
    if calls.is_master() {
        Ok(())
    } else {
        Err(error(ParseError::forbidden("Permission denied")))
    }
}

// ---------------------------------------------------------------------------------------------
// Selections

/// The `keys` and `include` a selection of an object of `class` asks for: every selected
/// field, and every pointer whose selection reads more than its id, to the engine's include
/// depth.
pub fn selected_keys(
    registry: &Registry,
    class: &str,
    selections: &[SelectionField<'_>],
) -> (Vec<String>, Vec<String>) {
    let mut keys = vec!["objectId".to_string()];
    let mut include = Vec::new();
    for selection in selections {
        collect_keys(registry, class, *selection, "", 0, &mut keys, &mut include);
    }
    keys.dedup();
    let mut unique = Vec::new();
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    (unique, include)
}

fn collect_keys(
    registry: &Registry,
    class: &str,
    selection: SelectionField<'_>,
    prefix: &str,
    depth: usize,
    keys: &mut Vec<String>,
    include: &mut Vec<String>,
) {
    let schema = registry.get(class);
    for field in selection.selection_set() {
        let name = field.name();
        match name {
            "__typename" | "id" | "objectId" | "ACL" | "authDataResponse" => {}
            "createdAt" | "updatedAt" => keys.push(format!("{prefix}{name}")),
            _ => match schema.and_then(|s| s.fields.get(name)) {
                Some(FieldType::Pointer(target)) => {
                    let path = format!("{prefix}{name}");
                    keys.push(path.clone());
                    let reads_more = field
                        .selection_set()
                        .any(|f| !matches!(f.name(), "__typename" | "id" | "objectId"));
                    if reads_more && depth < MAX_INCLUDE_DEPTH && !include.contains(&path) {
                        include.push(path.clone());
                        collect_keys(
                            registry,
                            target,
                            field,
                            &format!("{path}."),
                            depth + 1,
                            keys,
                            include,
                        );
                    }
                }
                Some(FieldType::Relation(_)) | None => {}
                Some(_) => keys.push(format!("{prefix}{name}")),
            },
        }
    }
}

/// The sub-selections named `name` (aliases included) of a selection.
pub fn children<'a>(selection: SelectionField<'a>, name: &str) -> Vec<SelectionField<'a>> {
    selection
        .selection_set()
        .filter(|f| f.name() == name)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Queries

/// Objects a connection answers when it says nothing of `first`, as Parse does.
const DEFAULT_PAGE: i64 = 100;

fn cursor(offset: i64) -> String {
    STANDARD.encode(format!("arrayconnection:{offset}"))
}

fn cursor_offset(cursor: &str) -> Option<i64> {
    let text = String::from_utf8(STANDARD.decode(cursor).ok()?).ok()?;
    text.strip_prefix("arrayconnection:")?.parse().ok()
}

fn non_negative(args: &Map<String, Value>, name: &str, message: &str) -> Result<Option<i64>> {
    match args.get(name).and_then(Value::as_i64) {
        Some(n) if n < 0 => Err(ParseError::invalid_query(message)),
        other => Ok(other),
    }
}

/// Parse's offset pagination (`skip`, `after`, `first`, `before`, `last`): the skip, the limit
/// when one is set, and whether `last` needs the count first.
struct Page {
    skip: i64,
    limit: Option<i64>,
    last_of_all: Option<i64>,
}

fn page(args: &Map<String, Value>) -> Result<Page> {
    let mut skip = non_negative(args, "skip", "Skip should be a positive number")?;
    if let Some(after) = args.get("after").and_then(Value::as_str) {
        let offset = cursor_offset(after)
            .filter(|o| *o >= 0)
            .ok_or_else(|| ParseError::invalid_query("After is not a valid cursor"))?;
        skip = Some(skip.unwrap_or(0) + offset + 1);
    }
    let mut limit = non_negative(args, "first", "First should be a positive number")?;
    if let Some(before) = args.get("before").and_then(Value::as_str) {
        let before = cursor_offset(before)
            .filter(|o| *o >= 0)
            .ok_or_else(|| ParseError::invalid_query("Before is not a valid cursor"))?;
        let from = skip.unwrap_or(0);
        if from >= before {
            limit = Some(0);
        } else if limit.is_none_or(|l| from + l > before) {
            limit = Some(before - from);
        }
    }
    let mut last_of_all = None;
    if let Some(last) = non_negative(args, "last", "Last should be a positive number")? {
        let last = last.min(MAX_LIMIT);
        match limit {
            Some(l) if last < l => {
                skip = Some(skip.unwrap_or(0) + (l - last));
                limit = Some(last);
            }
            Some(_) => {}
            None if last == 0 => limit = Some(0),
            None => {
                limit = Some(last);
                last_of_all = Some(last);
            }
        }
    }
    Ok(Page {
        skip: skip.unwrap_or(0),
        limit: limit.map(|l| l.min(MAX_LIMIT)),
        last_of_all,
    })
}

/// A find connection of `class`: one engine call (two for `last` without `first`, which needs
/// the count first), `count` only when selected.
pub async fn connection(
    calls: &dyn Calls,
    registry: &Registry,
    class: &str,
    args: &Map<String, Value>,
    selection: SelectionField<'_>,
    extra_where: Option<(String, Value)>,
) -> Result<Conn> {
    let mut where_ =
        inputs::where_input(registry, class, args.get("where").unwrap_or(&Value::Null))?;
    if let (Some((key, constraint)), Some(w)) = (extra_where, where_.as_object_mut()) {
        w.insert(key, constraint);
    }
    let order = inputs::order(args.get("order").unwrap_or(&Value::Null));
    let page = page(args)?;

    let count_selected = !children(selection, "count").is_empty();
    let edges = children(selection, "edges");
    let nodes: Vec<SelectionField<'_>> = edges.iter().flat_map(|e| children(*e, "node")).collect();
    let page_info = children(selection, "pageInfo");
    let wants_next = page_info
        .iter()
        .any(|p| !children(*p, "hasNextPage").is_empty());
    let wants_rows = !edges.is_empty() || !page_info.is_empty();
    let (keys, include) = selected_keys(registry, class, &nodes);

    let mut skip = page.skip;
    if let Some(last) = page.last_of_all {
        let counted = calls
            .call(Call::Find {
                class: class.into(),
                options: FindOptions {
                    where_: where_.clone(),
                    limit: 0,
                    count: true,
                    ..FindOptions::default()
                },
            })
            .await?;
        let total = counted.get("count").and_then(Value::as_i64).unwrap_or(0);
        skip = skip.max(total - last);
    }
    let limit = if wants_rows {
        page.limit.unwrap_or(DEFAULT_PAGE)
    } else {
        0
    };
    // hasNextPage without the count: one row more than the page says whether there is more.
    let peek = wants_next && !count_selected && limit > 0;
    let found = calls
        .call(Call::Find {
            class: class.into(),
            options: FindOptions {
                where_,
                order,
                limit: if peek { limit + 1 } else { limit },
                skip,
                keys: Some(keys),
                exclude_keys: vec![],
                include,
                count: count_selected || (wants_next && limit == 0),
            },
        })
        .await?;
    let count = found.get("count").and_then(Value::as_i64);
    let mut results = match found {
        Value::Object(mut o) => match o.remove("results") {
            Some(Value::Array(rows)) => rows,
            _ => vec![],
        },
        _ => vec![],
    };
    let has_next = match count {
        Some(total) => skip + (results.len().min(limit as usize) as i64) < total,
        None => results.len() as i64 > limit,
    };
    results.truncate(limit as usize);
    let edges = results
        .into_iter()
        .enumerate()
        .map(|(i, node)| Edge {
            cursor: cursor(skip + i as i64),
            node: match node {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        })
        .collect();
    Ok(Conn {
        edges,
        count,
        skip,
        has_next,
    })
}

/// A connection's `pageInfo`.
pub fn page_info(conn: &Conn) -> FieldValue<'static> {
    let n = conn.edges.len() as i64;
    object(
        json!({
            "hasPreviousPage": conn.skip > 0,
            "hasNextPage": conn.has_next,
            "startCursor": (n > 0).then(|| cursor(conn.skip)),
            "endCursor": (n > 0).then(|| cursor(conn.skip + n - 1)),
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    )
}

/// One object by id (global or objectId), with what its selection asks.
pub async fn get(
    calls: &dyn Calls,
    registry: &Registry,
    class: &str,
    id: &str,
    selections: &[SelectionField<'_>],
) -> Result<Map<String, Value>> {
    let (keys, include) = selected_keys(registry, class, selections);
    let found = calls
        .call(Call::Get {
            class: class.into(),
            object_id: object_id_of(class, id),
            options: FindOptions {
                where_: json!({}),
                limit: 1,
                keys: Some(keys),
                include,
                ..FindOptions::default()
            },
        })
        .await?;
    Ok(found.as_object().cloned().unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// A `CreateCFieldsInput`/`UpdateCFieldsInput` as a REST body; nested creates
/// (`createAndLink`, `createAndAdd`) run first, through the same services.
pub async fn fields_body(
    calls: &dyn Calls,
    registry: &Registry,
    class: &str,
    fields: &Value,
    update: bool,
) -> Result<Map<String, Value>> {
    let schema = registry.get(class);
    let mut body = Map::new();
    for (name, value) in fields.as_object().into_iter().flatten() {
        let ty = schema.and_then(|s| s.fields.get(name));
        let Some(input) = inputs::field_input(ty, name, value, update)? else {
            continue;
        };
        let value = match input {
            FieldInput::Value(v) => v,
            FieldInput::CreateAndLink { class, fields } => {
                let id = create_nested(calls, registry, &class, &fields).await?;
                json!({"__type": "Pointer", "className": class, "objectId": id})
            }
            FieldInput::Relation {
                class,
                mut add,
                remove,
                create,
            } => {
                for fields in &create {
                    add.push(create_nested(calls, registry, &class, fields).await?);
                }
                inputs::relation_op(&class, &add, &remove)
            }
        };
        body.insert(name.clone(), value);
    }
    Ok(body)
}

async fn create_nested(
    calls: &dyn Calls,
    registry: &Registry,
    class: &str,
    fields: &Value,
) -> Result<String> {
    let body = Box::pin(fields_body(calls, registry, class, fields, false)).await?;
    let created = calls
        .call(Call::Create {
            class: class.into(),
            body,
        })
        .await?;
    created
        .get("objectId")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| ParseError::internal("a create answered no objectId"))
}

/// The object a mutation answers: what the write answered, and a read of the selected fields
/// it did not (server-computed fields are the stored ones). A read the caller may not make
/// leaves the write's answer as it is.
pub async fn read_back(
    calls: &dyn Calls,
    registry: &Registry,
    class: &str,
    selections: &[SelectionField<'_>],
    mut answer: Map<String, Value>,
) -> Map<String, Value> {
    if selections.is_empty() {
        return answer;
    }
    let (keys, include) = selected_keys(registry, class, selections);
    let missing = !include.is_empty()
        || keys
            .iter()
            .any(|k| !k.contains('.') && !answer.contains_key(k));
    let Some(id) = answer
        .get("objectId")
        .and_then(Value::as_str)
        .map(String::from)
    else {
        return answer;
    };
    if missing {
        if let Ok(Value::Object(found)) = calls
            .call(Call::Get {
                class: class.into(),
                object_id: id,
                options: FindOptions {
                    where_: json!({}),
                    limit: 1,
                    keys: Some(keys),
                    include,
                    ..FindOptions::default()
                },
            })
            .await
        {
            answer.extend(found);
        }
    }
    answer
}

/// A payload `{<object field>: object, clientMutationId}`.
pub fn payload(
    field: &str,
    found: Option<Map<String, Value>>,
    input: &Value,
) -> FieldValue<'static> {
    let mut map = Map::new();
    if let Some(found) = found {
        map.insert(field.into(), Value::Object(found));
    }
    map.insert(
        "clientMutationId".into(),
        input
            .get("clientMutationId")
            .cloned()
            .unwrap_or(Value::Null),
    );
    object(map)
}

/// A viewer: the user (as itself sees it) and its session token.
pub fn viewer(mut user: Value) -> Map<String, Value> {
    let token = user
        .as_object_mut()
        .and_then(|u| u.remove("sessionToken"))
        .unwrap_or(Value::Null);
    let mut map = Map::new();
    map.insert("sessionToken".into(), token);
    map.insert("user".into(), user);
    map
}

// ---------------------------------------------------------------------------------------------
// Output values

/// A Parse ACL as the `ACL` type shows it; no ACL reads as public read and write.
pub fn acl(value: Option<&Value>) -> Map<String, Value> {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut public = json!({"read": false, "write": false});
    match value.and_then(Value::as_object) {
        None => public = json!({"read": true, "write": true}),
        Some(rules) => {
            for (who, rights) in rules {
                let read = rights.get("read").and_then(Value::as_bool) == Some(true);
                let write = rights.get("write").and_then(Value::as_bool) == Some(true);
                if who == "*" {
                    public = json!({"read": read, "write": write});
                } else if let Some(role) = who.strip_prefix("role:") {
                    roles.push(json!({"roleName": role, "read": read, "write": write}));
                } else {
                    users.push(
                        json!({"userId": global_id("_User", who), "read": read, "write": write}),
                    );
                }
            }
        }
    }
    json!({"users": users, "roles": roles, "public": public})
        .as_object()
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_parse_offsets() {
        let p =
            |args: Value| page(args.as_object().unwrap()).map(|p| (p.skip, p.limit, p.last_of_all));
        assert_eq!(p(json!({})).unwrap(), (0, None, None));
        assert_eq!(p(json!({"first": 5000})).unwrap(), (0, Some(1000), None));
        assert_eq!(
            p(json!({"after": cursor(4), "first": 2})).unwrap(),
            (5, Some(2), None)
        );
        assert_eq!(
            p(json!({"skip": 2, "before": cursor(5)})).unwrap(),
            (2, Some(3), None)
        );
        assert_eq!(
            p(json!({"first": 10, "last": 3})).unwrap(),
            (7, Some(3), None)
        );
        assert_eq!(p(json!({"last": 3})).unwrap(), (0, Some(3), Some(3)));
        assert_eq!(
            p(json!({"skip": -1})).unwrap_err().message,
            "Skip should be a positive number"
        );
        assert_eq!(
            p(json!({"after": "nope"})).unwrap_err().code,
            Code::InvalidQuery
        );
    }

    #[test]
    fn a_missing_acl_is_public_read_and_write() {
        assert_eq!(acl(None)["public"], json!({"read": true, "write": true}));
        let a = acl(Some(
            &json!({"u1": {"read": true}, "role:admin": {"write": true}}),
        ));
        assert_eq!(a["public"], json!({"read": false, "write": false}));
        assert_eq!(a["users"][0]["userId"], global_id("_User", "u1"));
        assert_eq!(a["roles"][0]["roleName"], "admin");
    }
}
