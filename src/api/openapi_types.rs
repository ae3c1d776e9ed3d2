//! Parse field types as JSON Schema (the OpenAPI 3.0 dialect), and a class of the schema registry
//! as the three shapes the API exchanges: the object it answers with, a create body and an
//! update body. Each field's schema carries `x-parse-type`, the registry's own description of
//! the field, so tools (and our tests) can tell `Pointer<Artisan>` from any other object.

use crate::engine::schema::{ClassSchema, FieldType, WRITE_ONLY_FIELDS};
use crate::marketplace::contract;
use serde_json::{json, Map, Value};

/// `{__type: <name>, …}`: the envelope of Parse's typed values.
fn typed(name: &str, required: &[&str], properties: Value) -> Value {
    let mut properties = properties.as_object().cloned().unwrap_or_default();
    properties.insert("__type".into(), json!({"type": "string", "enum": [name]}));
    let mut required: Vec<&str> = required.to_vec();
    required.insert(0, "__type");
    json!({"type": "object", "required": required, "properties": properties})
}

pub fn pointer(target: &str) -> Value {
    typed(
        "Pointer",
        &["className", "objectId"],
        json!({
            "className": {"type": "string", "enum": [target]},
            "objectId": {"type": "string", "minLength": 1},
        }),
    )
}

pub fn date() -> Value {
    typed(
        "Date",
        &["iso"],
        json!({"iso": {"type": "string", "format": "date-time"}}),
    )
}

/// `{"*": {"read": true}, "<userId>": {...}, "role:<name>": {...}}`.
pub fn acl() -> Value {
    json!({
        "type": "object",
        "description": "Who may read and write this object: `*` (everyone), a user id, or `role:<name>`. No ACL means public.",
        "additionalProperties": {
            "type": "object",
            "properties": {"read": {"type": "boolean"}, "write": {"type": "boolean"}},
            "additionalProperties": false,
        },
        "x-parse-type": {"type": "ACL"},
    })
}

/// The JSON Schema of a stored value of type `ty`, as the API answers with it.
pub fn field_value(ty: &FieldType) -> Value {
    let mut schema = match ty {
        FieldType::String => json!({"type": "string"}),
        FieldType::Number => json!({"type": "number"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Date => date(),
        FieldType::Object => json!({"type": "object"}),
        FieldType::Array => json!({"type": "array", "items": {}}),
        FieldType::Pointer(target) => pointer(target),
        FieldType::Relation(target) => typed(
            "Relation",
            &["className"],
            json!({"className": {"type": "string", "enum": [target]}}),
        ),
        FieldType::GeoPoint => typed(
            "GeoPoint",
            &["latitude", "longitude"],
            json!({
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            }),
        ),
        FieldType::File => typed(
            "File",
            &["name"],
            json!({"name": {"type": "string"}, "url": {"type": "string"}}),
        ),
        FieldType::Bytes => typed(
            "Bytes",
            &["base64"],
            json!({"base64": {"type": "string", "format": "byte"}}),
        ),
        FieldType::Polygon => typed(
            "Polygon",
            &["coordinates"],
            json!({"coordinates": {
                "type": "array",
                "minItems": 3,
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
            }}),
        ),
    };
    schema["x-parse-type"] = ty.to_json();
    schema
}

/// A relation changes only through its operations, on create and update alike.
fn relation_ops(target: &str) -> Value {
    json!({
        "type": "object",
        "required": ["__op", "objects"],
        "properties": {
            "__op": {"type": "string", "enum": ["AddRelation", "RemoveRelation"]},
            "objects": {"type": "array", "items": pointer(target)},
        },
    })
}

/// The operations Parse allows on a field of type `ty` in an update, besides setting it.
fn field_operations(ty: &FieldType) -> Vec<Value> {
    let mut ops = vec![json!({
        "type": "object",
        "required": ["__op"],
        "properties": {"__op": {"type": "string", "enum": ["Delete"]}},
    })];
    match ty {
        FieldType::Number => ops.push(json!({
            "type": "object",
            "required": ["__op", "amount"],
            "properties": {
                "__op": {"type": "string", "enum": ["Increment"]},
                "amount": {"type": "number"},
            },
        })),
        FieldType::Array => ops.push(json!({
            "type": "object",
            "required": ["__op", "objects"],
            "properties": {
                "__op": {"type": "string", "enum": ["Add", "AddUnique", "Remove"]},
                "objects": {"type": "array", "items": {}},
            },
        })),
        FieldType::Relation(target) => ops.push(relation_ops(target)),
        _ => {}
    }
    ops
}

/// A field as a body may write it: on create its value (or `null`, leaving it unset); on update
/// also one of its operations. `value` is the field's value schema, constraints included.
fn field_input(ty: &FieldType, updating: bool, mut value: Value) -> Value {
    if let FieldType::Relation(target) = ty {
        let mut ops = relation_ops(target);
        ops["x-parse-type"] = ty.to_json();
        return ops;
    }
    value["nullable"] = json!(true);
    if !updating {
        return value;
    }
    let mut alternatives = vec![value];
    alternatives.extend(field_operations(ty));
    json!({"anyOf": alternatives, "x-parse-type": ty.to_json()})
}

/// A class of the registry as the API exchanges it.
pub struct ClassShape<'a> {
    pub schema: &'a ClassSchema,
    /// Whether a body may carry fields the class does not have yet (they are added on write).
    pub open_to_new_fields: bool,
}

impl ClassShape<'_> {
    /// The field's value schema with the template's constraints on it.
    fn value(&self, field: &str, ty: &FieldType) -> Value {
        let mut schema = field_value(ty);
        let extra = contract::field_constraints(&self.schema.name, field);
        if let (Some(Value::Object(extra)), Some(target)) = (extra, schema.as_object_mut()) {
            target.extend(extra);
        }
        schema
    }

    /// The object as the API answers with it.
    pub fn object(&self) -> Value {
        let mut properties = Map::new();
        properties.insert(
            "objectId".into(),
            json!({"type": "string", "x-parse-type": {"type": "String"}}),
        );
        for stamp in ["createdAt", "updatedAt"] {
            properties.insert(
                stamp.into(),
                json!({"type": "string", "format": "date-time", "x-parse-type": {"type": "Date"}}),
            );
        }
        properties.insert("ACL".into(), acl());
        for (class, field) in WRITE_ONLY_FIELDS {
            if class == self.schema.name {
                // Listed, as GET /schemas lists it, but never in an answer.
                properties.insert(
                    field.into(),
                    json!({"type": "string", "writeOnly": true, "x-parse-type": {"type": "String"}}),
                );
            }
        }
        for (name, ty) in &self.schema.fields {
            let mut value = self.value(name, ty);
            if matches!(ty, FieldType::Pointer(_)) {
                // With `include`, the pointer comes back as the whole object, `__type: "Object"`.
                value["properties"]["__type"]["enum"] = json!(["Pointer", "Object"]);
            }
            properties.insert(name.clone(), value);
        }
        json!({
            "type": "object",
            "required": ["objectId"],
            "properties": properties,
            "x-parse-class": self.schema.name,
        })
    }

    /// A create (`updating == false`) or update body.
    pub fn input(&self, updating: bool) -> Value {
        let mut properties = Map::new();
        properties.insert("ACL".into(), acl());
        for (name, ty) in &self.schema.fields {
            let schema = field_input(ty, updating, self.value(name, ty));
            properties.insert(name.clone(), schema);
        }
        let mut required: Vec<&str> = contract::required_on_create(&self.schema.name).to_vec();
        if self.schema.name == "_User" {
            // Parse's own rule: a user is written with a password (hashed, never returned), and
            // a sign-up needs a username and a password.
            properties.insert(
                "password".into(),
                json!({"type": "string", "minLength": 1, "writeOnly": true}),
            );
            if !updating {
                required.extend(["username", "password"]);
            }
        }
        let mut body = json!({
            "type": "object",
            "properties": properties,
            "additionalProperties": self.open_to_new_fields,
        });
        if !updating && !required.is_empty() {
            for field in &required {
                // A required field cannot be left unset with `null`.
                if let Some(schema) = body["properties"][*field].as_object_mut() {
                    schema.remove("nullable");
                }
            }
            body["required"] = json!(required);
        }
        body
    }
}

pub(super) fn reference(kind: &str, name: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{name}")})
}

pub(super) fn schema_ref(name: &str) -> Value {
    reference("schemas", name)
}

pub(super) fn answer(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_name_their_type_and_target() {
        let p = field_value(&FieldType::Pointer("Artisan".into()));
        assert_eq!(p["properties"]["__type"]["enum"], json!(["Pointer"]));
        assert_eq!(p["properties"]["className"]["enum"], json!(["Artisan"]));
        assert_eq!(
            p["x-parse-type"],
            json!({"type": "Pointer", "targetClass": "Artisan"})
        );
        let d = field_value(&FieldType::Date);
        assert_eq!(d["required"], json!(["__type", "iso"]));
        assert_eq!(d["properties"]["iso"]["format"], "date-time");
        assert_eq!(field_value(&FieldType::Number)["type"], "number");
    }

    #[test]
    fn a_sign_up_needs_a_username_and_a_write_only_password() {
        let mut user = ClassSchema::new("_User");
        user.fields.insert("username".into(), FieldType::String);
        let shape = ClassShape {
            schema: &user,
            open_to_new_fields: false,
        };
        let create = shape.input(false);
        assert_eq!(create["required"], json!(["username", "password"]));
        assert_eq!(create["properties"]["password"]["writeOnly"], true);
        assert!(create["properties"]["username"].get("nullable").is_none());
        assert!(shape.input(true).get("required").is_none());
        // Listed in the object as GET /schemas lists it, and marked as never answered.
        assert_eq!(shape.object()["properties"]["password"]["writeOnly"], true);
    }

    #[test]
    fn updates_accept_the_operations_of_the_type() {
        let number = FieldType::Number;
        let ops = field_input(&number, true, field_value(&number));
        let names: Vec<Value> = ops["anyOf"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["properties"]["__op"]["enum"].get(0).cloned())
            .collect();
        assert_eq!(names, vec![json!("Delete"), json!("Increment")]);
        let text = FieldType::String;
        assert_eq!(
            field_input(&text, false, field_value(&text))["nullable"],
            true
        );
        let users = FieldType::Relation("_User".into());
        let relation = field_input(&users, false, field_value(&users));
        assert_eq!(
            relation["properties"]["__op"]["enum"],
            json!(["AddRelation", "RemoveRelation"])
        );
    }
}
