//! GraphQL inputs as the Parse REST values the services take: `where` inputs as a `where`,
//! `order` enums as an `order`, field inputs as a body (pointers, relations, ACLs, dates,
//! geopoints, bytes), global ids as objectIds. Pure functions over JSON and the registry.

use super::naming::{any_object_id, object_id_of};
use crate::engine::schema::{FieldType, Registry};
use crate::error::{Code, ParseError, Result};
use serde_json::{json, Map, Value};

/// `where` operators and their REST names.
const OPERATORS: [(&str, &str); 17] = [
    ("equalTo", "$eq"),
    ("notEqualTo", "$ne"),
    ("lessThan", "$lt"),
    ("lessThanOrEqualTo", "$lte"),
    ("greaterThan", "$gt"),
    ("greaterThanOrEqualTo", "$gte"),
    ("in", "$in"),
    ("notIn", "$nin"),
    ("exists", "$exists"),
    ("matchesRegex", "$regex"),
    ("options", "$options"),
    ("containedBy", "$containedBy"),
    ("contains", "$all"),
    ("nearSphere", "$nearSphere"),
    ("maxDistance", "$maxDistance"),
    ("maxDistanceInRadians", "$maxDistanceInRadians"),
    ("maxDistanceInMiles", "$maxDistanceInMiles"),
];

fn rest_operator(op: &str) -> Option<&'static str> {
    OPERATORS
        .iter()
        .find(|(name, _)| *name == op)
        .map(|(_, rest)| *rest)
        .or(match op {
            "maxDistanceInKilometers" => Some("$maxDistanceInKilometers"),
            "within" => Some("$within"),
            "geoWithin" => Some("$geoWithin"),
            "geoIntersects" => Some("$geoIntersects"),
            "text" => Some("$text"),
            "inQueryKey" => Some("$select"),
            "notInQueryKey" => Some("$dontSelect"),
            _ => None,
        })
}

fn pointer(class: &str, object_id: &str) -> Value {
    json!({"__type": "Pointer", "className": class, "objectId": object_id})
}

/// A `CWhereInput` of `class` as a REST `where`.
pub fn where_input(registry: &Registry, class: &str, input: &Value) -> Result<Value> {
    let Some(input) = input.as_object() else {
        return Ok(json!({}));
    };
    let schema = registry.get(class);
    let mut out = Map::new();
    for (key, value) in input {
        if value.is_null() {
            continue;
        }
        match key.as_str() {
            "OR" | "AND" | "NOR" => {
                let parts = value
                    .as_array()
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|part| where_input(registry, class, part))
                            .collect::<Result<Vec<_>>>()
                    })
                    .transpose()?
                    .unwrap_or_default();
                out.insert(
                    format!("${}", key.to_ascii_lowercase()),
                    Value::Array(parts),
                );
            }
            "id" | "objectId" => {
                out.insert("objectId".into(), id_constraint(class, value)?);
            }
            field => {
                let ty = schema.and_then(|s| s.field_type(field));
                match ty {
                    Some(FieldType::Pointer(target) | FieldType::Relation(target)) => {
                        out.insert(field.into(), relation_constraint(registry, &target, value)?);
                    }
                    Some(FieldType::Object) => {
                        for (path, constraint) in object_constraints(field, value)? {
                            merge(&mut out, path, constraint);
                        }
                    }
                    ty => {
                        out.insert(field.into(), constraint(ty.as_ref(), value)?);
                    }
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn merge(out: &mut Map<String, Value>, key: String, constraint: Value) {
    match (out.get_mut(&key), constraint) {
        (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
        (_, constraint) => {
            out.insert(key, constraint);
        }
    }
}

/// An `IdWhereInput`: global ids are decoded wherever an id is compared.
fn id_constraint(class: &str, value: &Value) -> Result<Value> {
    let decode = |v: &Value| match v {
        Value::String(id) => Value::String(object_id_of(class, id)),
        other => other.clone(),
    };
    let mut out = Map::new();
    for (op, operand) in value.as_object().into_iter().flatten() {
        if operand.is_null() {
            continue;
        }
        let rest = rest_operator(op).ok_or_else(|| unknown_operator(op))?;
        let operand = match (op.as_str(), operand) {
            ("in" | "notIn", Value::Array(ids)) => Value::Array(ids.iter().map(decode).collect()),
            ("inQueryKey" | "notInQueryKey", select) => select_input(select)?,
            (_, v) => decode(v),
        };
        out.insert(rest.into(), operand);
    }
    Ok(Value::Object(out))
}

fn unknown_operator(op: &str) -> ParseError {
    ParseError::invalid_query(format!("Unknown where operator: {op}"))
}

/// `SelectInput {query: {className, where}, key}` as `$select`'s operand.
fn select_input(value: &Value) -> Result<Value> {
    let query = value.get("query").cloned().unwrap_or(Value::Null);
    let key = value.get("key").cloned().unwrap_or(Value::Null);
    Ok(
        json!({"query": {"className": query.get("className"), "where": query.get("where").cloned().unwrap_or(json!({}))}, "key": key}),
    )
}

/// The constraint on a field of a plain type (String, Number, Date, Array, …).
fn constraint(ty: Option<&FieldType>, value: &Value) -> Result<Value> {
    let mut out = Map::new();
    for (op, operand) in value.as_object().into_iter().flatten() {
        if operand.is_null() {
            continue;
        }
        let rest = rest_operator(op).ok_or_else(|| unknown_operator(op))?;
        let operand = match op.as_str() {
            "inQueryKey" | "notInQueryKey" => select_input(operand)?,
            "text" => text_input(operand),
            "within" => {
                json!({"$box": operand.get("box").map(|b| json!([geo_point(b.get("bottomLeft")), geo_point(b.get("upperRight"))]))})
            }
            "geoWithin" => geo_within(operand),
            "geoIntersects" => json!({"$point": geo_point(operand.get("point"))}),
            "nearSphere" => geo_point(Some(operand)),
            "in" | "notIn" | "containedBy" | "contains" => match operand {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| scalar_value(ty, v)).collect())
                }
                other => scalar_value(ty, other),
            },
            "exists" | "options" | "matchesRegex" => operand.clone(),
            _ => scalar_value(ty, operand),
        };
        out.insert(rest.into(), operand);
    }
    Ok(Value::Object(out))
}

/// A compared value as the REST type of the field: dates and bytes are typed objects.
fn scalar_value(ty: Option<&FieldType>, value: &Value) -> Value {
    match (ty, value) {
        (Some(FieldType::Date), Value::String(iso)) => json!({"__type": "Date", "iso": iso}),
        (Some(FieldType::Bytes), Value::String(b)) => json!({"__type": "Bytes", "base64": b}),
        (Some(FieldType::File), Value::String(name)) => json!({"__type": "File", "name": name}),
        (_, v) => v.clone(),
    }
}

fn text_input(value: &Value) -> Value {
    let search = value.get("search").cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    for (key, rest) in [
        ("term", "$term"),
        ("language", "$language"),
        ("caseSensitive", "$caseSensitive"),
        ("diacriticSensitive", "$diacriticSensitive"),
    ] {
        if let Some(v) = search.get(key).filter(|v| !v.is_null()) {
            out.insert(rest.into(), v.clone());
        }
    }
    json!({"$search": out})
}

fn geo_point(value: Option<&Value>) -> Value {
    let v = value.cloned().unwrap_or(Value::Null);
    json!({"__type": "GeoPoint", "latitude": v.get("latitude"), "longitude": v.get("longitude")})
}

fn geo_within(value: &Value) -> Value {
    if let Some(points) = value.get("polygon").and_then(Value::as_array) {
        return json!({"$polygon": points.iter().map(|p| geo_point(Some(p))).collect::<Vec<_>>()});
    }
    let center = value.get("centerSphere").cloned().unwrap_or(Value::Null);
    json!({"$centerSphere": [geo_point(center.get("center")), center.get("distance")]})
}

/// `ObjectWhereInput`: each operator takes `{key, value}` (or a list of them) and constrains
/// `"field.key"`.
fn object_constraints(field: &str, value: &Value) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (op, operand) in value.as_object().into_iter().flatten() {
        if operand.is_null() {
            continue;
        }
        let rest = rest_operator(op).ok_or_else(|| unknown_operator(op))?;
        let pairs: Vec<&Value> = match operand {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        for pair in pairs {
            match (pair.get("key").and_then(Value::as_str), pair.get("value")) {
                (Some(key), Some(v)) => out.push((format!("{field}.{key}"), json!({rest: v}))),
                (Some(key), None) if op == "exists" => {
                    out.push((format!("{field}.{key}"), json!({rest: true})))
                }
                _ => {
                    // `exists: true` on the whole object.
                    out.push((field.to_string(), json!({rest: pair})));
                }
            }
        }
    }
    Ok(out)
}

/// A pointer or relation field's `{have, haveNot, exists}`. "Products of artisan X"
/// (`have: {objectId: {equalTo: X}}`) becomes the plain pointer comparison, not a subquery.
fn relation_constraint(registry: &Registry, target: &str, value: &Value) -> Result<Value> {
    let mut out = Map::new();
    let Some(input) = value.as_object() else {
        return Ok(Value::Object(out));
    };
    if let Some(have) = input.get("have").filter(|v| !v.is_null()) {
        match plain_ids(target, have) {
            Some(PlainIds::One(id)) if input.len() == 1 => return Ok(pointer(target, &id)),
            Some(PlainIds::One(id)) => {
                out.insert("$in".into(), json!([pointer(target, &id)]));
            }
            Some(PlainIds::Many(ids)) => {
                out.insert(
                    "$in".into(),
                    Value::Array(ids.iter().map(|id| pointer(target, id)).collect()),
                );
            }
            None => {
                out.insert(
                    "$inQuery".into(),
                    json!({"className": target, "where": where_input(registry, target, have)?}),
                );
            }
        }
    }
    if let Some(have_not) = input.get("haveNot").filter(|v| !v.is_null()) {
        match plain_ids(target, have_not) {
            Some(PlainIds::One(id)) => {
                out.insert("$nin".into(), json!([pointer(target, &id)]));
            }
            Some(PlainIds::Many(ids)) => {
                out.insert(
                    "$nin".into(),
                    Value::Array(ids.iter().map(|id| pointer(target, id)).collect()),
                );
            }
            None => {
                out.insert(
                    "$notInQuery".into(),
                    json!({"className": target, "where": where_input(registry, target, have_not)?}),
                );
            }
        }
    }
    if let Some(exists) = input.get("exists").filter(|v| !v.is_null()) {
        out.insert("$exists".into(), exists.clone());
    }
    Ok(Value::Object(out))
}

enum PlainIds {
    One(String),
    Many(Vec<String>),
}

/// The ids a `have` names when it is only `{objectId|id: {equalTo|in}}`.
fn plain_ids(target: &str, have: &Value) -> Option<PlainIds> {
    let have = have.as_object()?;
    let entries: Vec<(&String, &Value)> = have.iter().collect();
    let [(key, constraint)] = entries.as_slice() else {
        return None;
    };
    if !matches!(key.as_str(), "objectId" | "id") {
        return None;
    }
    let constraint = constraint.as_object()?;
    let live: Vec<(&String, &Value)> = constraint.iter().filter(|(_, v)| !v.is_null()).collect();
    match live.as_slice() {
        [(op, Value::String(id))] if op.as_str() == "equalTo" => {
            Some(PlainIds::One(object_id_of(target, id)))
        }
        [(op, Value::Array(ids))] if op.as_str() == "in" => Some(PlainIds::Many(
            ids.iter()
                .filter_map(Value::as_str)
                .map(|id| object_id_of(target, id))
                .collect(),
        )),
        _ => None,
    }
}

/// `order: [title_ASC, price_DESC]` as REST's `order` list (`id` sorts by objectId).
pub fn order(values: &Value) -> Vec<(String, bool)> {
    let items: Vec<&Value> = match values {
        Value::Array(items) => items.iter().collect(),
        Value::Null => vec![],
        single => vec![single],
    };
    items
        .into_iter()
        .filter_map(Value::as_str)
        .filter_map(|v| {
            let (field, descending) = match v.rsplit_once('_')? {
                (field, "ASC") => (field, false),
                (field, "DESC") => (field, true),
                _ => return None,
            };
            let field = if field == "id" { "objectId" } else { field };
            Some((field.to_string(), descending))
        })
        .collect()
}

/// An `ACLInput` as REST's ACL: user ids may be global ids.
pub fn acl(value: &Value) -> Value {
    let mut out = Map::new();
    let rights = |rule: &Value| {
        let mut r = Map::new();
        for right in ["read", "write"] {
            if rule.get(right).and_then(Value::as_bool) == Some(true) {
                r.insert(right.into(), Value::Bool(true));
            }
        }
        r
    };
    if let Some(public) = value.get("public").filter(|v| v.is_object()) {
        let r = rights(public);
        if !r.is_empty() {
            out.insert("*".into(), Value::Object(r));
        }
    }
    for user in value
        .get("users")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(id) = user.get("userId").and_then(Value::as_str) {
            let r = rights(user);
            if !r.is_empty() {
                out.insert(any_object_id(id), Value::Object(r));
            }
        }
    }
    for role in value
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = role.get("roleName").and_then(Value::as_str) {
            let r = rights(role);
            if !r.is_empty() {
                out.insert(format!("role:{name}"), Value::Object(r));
            }
        }
    }
    Value::Object(out)
}

/// What a field input asks, once its nested creates (`createAndLink`, `createAndAdd`) are
/// known: the REST value, or the objects to create first.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldInput {
    Value(Value),
    /// `{createAndLink: fields}` on a pointer to `class`.
    CreateAndLink {
        class: String,
        fields: Value,
    },
    /// A relation's `{add, remove, createAndAdd}`: ids to add and remove, objects to create
    /// and add.
    Relation {
        class: String,
        add: Vec<String>,
        remove: Vec<String>,
        create: Vec<Value>,
    },
}

/// A field of a `CreateCFieldsInput`/`UpdateCFieldsInput` as REST takes it. `null` on an
/// update unsets the field.
pub fn field_input(
    ty: Option<&FieldType>,
    field: &str,
    value: &Value,
    update: bool,
) -> Result<Option<FieldInput>> {
    if value.is_null() {
        return Ok(update.then(|| FieldInput::Value(json!({"__op": "Delete"}))));
    }
    if field == "ACL" {
        return Ok(Some(FieldInput::Value(acl(value))));
    }
    let input = |v: Value| Ok(Some(FieldInput::Value(v)));
    match (ty, value) {
        (Some(FieldType::Pointer(target)), v) => {
            let link = v.get("link").filter(|l| !l.is_null());
            let create = v.get("createAndLink").filter(|c| !c.is_null());
            match (link, create) {
                (Some(Value::String(id)), None) => {
                    input(pointer(target, &object_id_of(target, id)))
                }
                (None, Some(fields)) => Ok(Some(FieldInput::CreateAndLink {
                    class: target.clone(),
                    fields: fields.clone(),
                })),
                _ => Err(ParseError::new(
                    Code::InvalidPointer,
                    "You need to provide link OR createLink on the pointer field.",
                )),
            }
        }
        (Some(FieldType::Relation(target)), v) => {
            let ids = |key: &str| -> Vec<String> {
                v.get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|id| object_id_of(target, id))
                    .collect()
            };
            let create: Vec<Value> = v
                .get("createAndAdd")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let (add, remove) = (ids("add"), ids("remove"));
            if add.is_empty() && remove.is_empty() && create.is_empty() {
                return Err(ParseError::new(
                    Code::InvalidPointer,
                    "You need to provide at least one operation on the relation mutation of field "
                        .to_string()
                        + field,
                ));
            }
            Ok(Some(FieldInput::Relation {
                class: target.clone(),
                add,
                remove,
                create,
            }))
        }
        (Some(FieldType::Date), Value::String(iso)) => input(json!({"__type": "Date", "iso": iso})),
        (Some(FieldType::Bytes), Value::String(b)) => {
            input(json!({"__type": "Bytes", "base64": b}))
        }
        (Some(FieldType::File), Value::String(name)) => {
            input(json!({"__type": "File", "name": name}))
        }
        (Some(FieldType::GeoPoint), v) if v.get("__type").is_none() => input(geo_point(Some(v))),
        (Some(FieldType::Polygon), Value::Array(points)) => input(json!({
            "__type": "Polygon",
            "coordinates": points.iter().map(|p| json!([p.get("latitude"), p.get("longitude")])).collect::<Vec<_>>(),
        })),
        (_, v) => input(v.clone()),
    }
}

/// A relation's operation once its new objects exist.
pub fn relation_op(class: &str, add: &[String], remove: &[String]) -> Value {
    let pointers =
        |ids: &[String]| -> Vec<Value> { ids.iter().map(|id| pointer(class, id)).collect() };
    match (add.is_empty(), remove.is_empty()) {
        (false, true) => json!({"__op": "AddRelation", "objects": pointers(add)}),
        (true, false) => json!({"__op": "RemoveRelation", "objects": pointers(remove)}),
        _ => json!({"__op": "Batch", "ops": [
            {"__op": "AddRelation", "objects": pointers(add)},
            {"__op": "RemoveRelation", "objects": pointers(remove)},
        ]}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::ClassSchema;

    fn registry() -> Registry {
        let mut product = ClassSchema::new("Product");
        product.fields.insert("title".into(), FieldType::String);
        product.fields.insert("price".into(), FieldType::Number);
        product
            .fields
            .insert("owner".into(), FieldType::Pointer("Artisan".into()));
        product.fields.insert("meta".into(), FieldType::Object);
        product.fields.insert("made".into(), FieldType::Date);
        let mut artisan = ClassSchema::new("Artisan");
        artisan.fields.insert("name".into(), FieldType::String);
        let mut registry = Registry::default();
        registry.classes.insert("Product".into(), product);
        registry.classes.insert("Artisan".into(), artisan);
        registry
    }

    #[test]
    fn a_pointer_have_by_id_is_a_plain_pointer_test() {
        let w = where_input(
            &registry(),
            "Product",
            &json!({"owner": {"have": {"objectId": {"equalTo": "abc"}}}, "price": {"lessThan": 10}}),
        )
        .unwrap();
        assert_eq!(
            w,
            json!({"owner": {"__type": "Pointer", "className": "Artisan", "objectId": "abc"}, "price": {"$lt": 10}})
        );
        let global = super::super::naming::global_id("Artisan", "abc");
        let w = where_input(
            &registry(),
            "Product",
            &json!({"owner": {"have": {"id": {"equalTo": global}}}}),
        )
        .unwrap();
        assert_eq!(w["owner"]["objectId"], "abc");
    }

    #[test]
    fn other_haves_are_subqueries_and_logic_nests() {
        let w = where_input(
            &registry(),
            "Product",
            &json!({"OR": [{"owner": {"have": {"name": {"matchesRegex": "^M"}}}}, {"title": {"in": ["a"]}}], "made": {"greaterThan": "2020-01-01T00:00:00.000Z"}, "meta": {"equalTo": {"key": "a", "value": 1}}}),
        )
        .unwrap();
        assert_eq!(
            w,
            json!({
                "$or": [
                    {"owner": {"$inQuery": {"className": "Artisan", "where": {"name": {"$regex": "^M"}}}}},
                    {"title": {"$in": ["a"]}}
                ],
                "made": {"$gt": {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}},
                "meta.a": {"$eq": 1}
            })
        );
    }

    #[test]
    fn order_enums_and_acl_inputs_become_rest_values() {
        assert_eq!(
            order(&json!(["price_DESC", "id_ASC", "created_at_ASC"])),
            vec![
                ("price".to_string(), true),
                ("objectId".to_string(), false),
                ("created_at".to_string(), false)
            ]
        );
        let user = super::super::naming::global_id("_User", "u1");
        assert_eq!(
            acl(
                &json!({"public": {"read": true, "write": false}, "users": [{"userId": user, "read": true, "write": true}], "roles": [{"roleName": "admin", "read": true, "write": false}]})
            ),
            json!({"*": {"read": true}, "u1": {"read": true, "write": true}, "role:admin": {"read": true}})
        );
    }

    #[test]
    fn a_pointer_input_needs_link_or_create_and_link() {
        let ty = FieldType::Pointer("Artisan".into());
        assert_eq!(
            field_input(Some(&ty), "owner", &json!({"link": "abc"}), false).unwrap(),
            Some(FieldInput::Value(pointer("Artisan", "abc")))
        );
        let e = field_input(Some(&ty), "owner", &json!({}), false).unwrap_err();
        assert_eq!(e.code, Code::InvalidPointer);
        assert_eq!(
            field_input(Some(&FieldType::String), "title", &Value::Null, true).unwrap(),
            Some(FieldInput::Value(json!({"__op": "Delete"})))
        );
    }
}
