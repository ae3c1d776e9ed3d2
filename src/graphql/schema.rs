//! The GraphQL schema, built at run time from the schema registry as Parse Server builds it:
//! per class an object type, a connection, a `where` input, an `order` enum, field inputs and
//! Relay mutations; shared types; users, cloud functions and the master-only schema
//! operations. Names that collide are skipped, the later definition losing, in Parse's order
//! (`_` classes first, then alphabetical), so a bad class never breaks the whole schema.

use super::bridge::Call;
use super::naming::{find_name, from_global_id, get_name, global_id, type_name};
use super::resolve::{
    self, args, calls, children, connection, error, future, gql, object, page_info, parent,
    payload, read_back, require_master, viewer, Conn, Edge,
};
use crate::engine::schema::{ClassSchema, FieldType, Registry};
use crate::error::{Code, ParseError};
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Interface, InterfaceField,
    Object, Scalar, Schema, SchemaBuilder, TypeRef, Union,
};
use async_graphql::Value as GqlValue;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The marketplace's cloud functions (`callCloudCode`'s `CloudCodeFunction` enum).
pub const FUNCTIONS: [&str; 1] = ["checkout"];

/// Type names of the shared types and GraphQL's own: a class that would generate one of
/// them gets no types.
const RESERVED_TYPES: [&str; 79] = [
    "String",
    "Boolean",
    "Int",
    "Float",
    "ID",
    "Query",
    "Mutation",
    "Subscription",
    "PageInfo",
    "Viewer",
    "ArrayResult",
    "Node",
    "ParseObject",
    "Element",
    "ACL",
    "ACLInput",
    "UserACL",
    "RoleACL",
    "PublicACL",
    "UserACLInput",
    "RoleACLInput",
    "PublicACLInput",
    "Date",
    "File",
    "FileInfo",
    "Object",
    "Any",
    "Bytes",
    "GeoPoint",
    "GeoPointInput",
    "Upload",
    "Class",
    "ConfigValue",
    "SchemaField",
    "SchemaFieldInput",
    "SchemaPointerFieldInput",
    "SchemaFieldsInput",
    "ReadPreference",
    "ReadOptionsInput",
    "IdWhereInput",
    "StringWhereInput",
    "NumberWhereInput",
    "BooleanWhereInput",
    "ArrayWhereInput",
    "ObjectWhereInput",
    "DateWhereInput",
    "BytesWhereInput",
    "FileWhereInput",
    "GeoPointWhereInput",
    "PolygonWhereInput",
    "KeyValueInput",
    "SelectInput",
    "SubqueryInput",
    "TextInput",
    "SearchInput",
    "BoxInput",
    "WithinInput",
    "CenterSphereInput",
    "GeoWithinInput",
    "GeoIntersectsInput",
    "SignUpInput",
    "SignUpPayload",
    "LogInInput",
    "LogInPayload",
    "LogOutInput",
    "LogOutPayload",
    "ResetPasswordInput",
    "ResetPasswordPayload",
    "SendVerificationEmailInput",
    "SendVerificationEmailPayload",
    "CallCloudCodeInput",
    "CallCloudCodePayload",
    "CloudCodeFunction",
    "CreateClassInput",
    "CreateClassPayload",
    "UpdateClassInput",
    "UpdateClassPayload",
    "DeleteClassInput",
    "DeleteClassPayload",
];

const SCHEMA_FIELD_KINDS: [(&str, &str); 13] = [
    ("String", "SchemaStringField"),
    ("Number", "SchemaNumberField"),
    ("Boolean", "SchemaBooleanField"),
    ("Array", "SchemaArrayField"),
    ("Object", "SchemaObjectField"),
    ("Date", "SchemaDateField"),
    ("File", "SchemaFileField"),
    ("GeoPoint", "SchemaGeoPointField"),
    ("Polygon", "SchemaPolygonField"),
    ("Bytes", "SchemaBytesField"),
    ("Pointer", "SchemaPointerField"),
    ("Relation", "SchemaRelationField"),
    ("ACL", "SchemaACLField"),
];

const RESERVED_QUERIES: [&str; 6] = [
    "health",
    "viewer",
    "class",
    "classes",
    "cloudConfig",
    "node",
];
const RESERVED_MUTATIONS: [&str; 11] = [
    "signUp",
    "logIn",
    "logOut",
    "createFile",
    "callCloudCode",
    "createClass",
    "updateClass",
    "deleteClass",
    "updateCloudConfig",
    "resetPassword",
    "sendVerificationEmail",
];

/// The names one class generates.
struct Names {
    class: String,
    ty: String,
    get: String,
    find: Option<String>,
}

impl Names {
    fn types(&self) -> Vec<String> {
        let t = &self.ty;
        [
            t.clone(),
            format!("{t}Connection"),
            format!("{t}Edge"),
            format!("{t}WhereInput"),
            format!("{t}RelationWhereInput"),
            format!("{t}Order"),
            format!("Create{t}FieldsInput"),
            format!("Update{t}FieldsInput"),
            format!("{t}PointerInput"),
            format!("{t}RelationInput"),
            format!("Create{t}Input"),
            format!("Create{t}Payload"),
            format!("Update{t}Input"),
            format!("Update{t}Payload"),
            format!("Delete{t}Input"),
            format!("Delete{t}Payload"),
        ]
        .into()
    }
}

/// What the resolvers of one schema share: the registry it was built from, and which classes
/// have types (and their names).
struct Shared {
    registry: Arc<Registry>,
    typed: BTreeMap<String, String>,
}

fn nn(name: &str) -> TypeRef {
    TypeRef::named_nn(name)
}

fn named(name: &str) -> TypeRef {
    TypeRef::named(name)
}

/// A field read from its parent's JSON, as it is.
fn value_field(name: &str, ty: TypeRef) -> Field {
    let key = name.to_string();
    Field::new(name, ty, move |ctx| {
        FieldFuture::from_value(
            parent(&ctx)
                .and_then(|o| o.get(&key))
                .filter(|v| !v.is_null())
                .map(gql),
        )
    })
}

/// A field whose value is a JSON object the child fields read.
fn object_field(name: &str, ty: TypeRef) -> Field {
    let key = name.to_string();
    Field::new(name, ty, move |ctx| {
        FieldFuture::Value(
            parent(&ctx)
                .and_then(|o| o.get(&key))
                .and_then(Value::as_object)
                .map(|m| FieldValue::borrowed_any(m)),
        )
    })
}

/// A field whose value is a list of JSON objects.
fn object_list_field(name: &str, ty: TypeRef) -> Field {
    let key = name.to_string();
    Field::new(name, ty, move |ctx| {
        FieldFuture::Value(
            parent(&ctx)
                .and_then(|o| o.get(&key))
                .and_then(Value::as_array)
                .map(|items| {
                    FieldValue::list(
                        items
                            .iter()
                            .filter_map(Value::as_object)
                            .map(|m| FieldValue::borrowed_any(m)),
                    )
                }),
        )
    })
}

/// A Date field: `{__type: Date, iso}` (or the ISO string of `createdAt`) as its ISO string.
fn date_field(name: &str, ty: TypeRef) -> Field {
    let key = name.to_string();
    Field::new(name, ty, move |ctx| {
        FieldFuture::from_value(
            parent(&ctx)
                .and_then(|o| o.get(&key))
                .and_then(|v| match v {
                    Value::String(s) => Some(GqlValue::from(s.as_str())),
                    other => other.get("iso").and_then(Value::as_str).map(GqlValue::from),
                }),
        )
    })
}

fn input_fields(obj: InputObject, fields: &[(&str, TypeRef)]) -> InputObject {
    fields.iter().fold(obj, |o, (name, ty)| {
        o.field(InputValue::new(*name, ty.clone()))
    })
}

fn object_with(name: &str, fields: &[(&str, TypeRef)]) -> Object {
    fields.iter().fold(Object::new(name), |o, (field, ty)| {
        o.field(value_field(field, ty.clone()))
    })
}

/// The where input of a plain type: comparisons on `operand`, `in`/`notIn` on lists of it,
/// `exists`, `inQueryKey`/`notInQueryKey`, and `extra`.
fn where_input(name: &str, operand: &str, extra: &[(&str, TypeRef)], ordered: bool) -> InputObject {
    let mut fields: Vec<(&str, TypeRef)> =
        vec![("equalTo", named(operand)), ("notEqualTo", named(operand))];
    if ordered {
        for op in [
            "lessThan",
            "lessThanOrEqualTo",
            "greaterThan",
            "greaterThanOrEqualTo",
        ] {
            fields.push((op, named(operand)));
        }
        fields.push(("in", TypeRef::named_list(operand)));
        fields.push(("notIn", TypeRef::named_list(operand)));
    }
    fields.push(("exists", named(TypeRef::BOOLEAN)));
    fields.push(("inQueryKey", named("SelectInput")));
    fields.push(("notInQueryKey", named("SelectInput")));
    fields.extend(extra.iter().cloned());
    input_fields(InputObject::new(name), &fields)
}

fn shared_types(builder: SchemaBuilder, shared: &Arc<Shared>) -> SchemaBuilder {
    let mut b = builder;
    for scalar in ["Any", "Object", "Date", "Bytes", "File", "Upload"] {
        b = b.register(Scalar::new(scalar));
    }
    b = b
        .register(Interface::new("Node").field(InterfaceField::new("id", nn(TypeRef::ID))))
        .register(
            Interface::new("ParseObject")
                .field(InterfaceField::new("id", nn(TypeRef::ID)))
                .field(InterfaceField::new("objectId", nn(TypeRef::ID)))
                .field(InterfaceField::new("createdAt", nn("Date")))
                .field(InterfaceField::new("updatedAt", nn("Date")))
                .field(InterfaceField::new("ACL", nn("ACL"))),
        )
        .register(object_with(
            "PageInfo",
            &[
                ("hasPreviousPage", nn(TypeRef::BOOLEAN)),
                ("hasNextPage", nn(TypeRef::BOOLEAN)),
                ("startCursor", named(TypeRef::STRING)),
                ("endCursor", named(TypeRef::STRING)),
            ],
        ))
        .register(
            Object::new("Element").field(Field::new("value", nn("Any"), |ctx| {
                FieldFuture::from_value(ctx.parent_value.downcast_ref::<Value>().map(gql))
            })),
        )
        .register(
            Object::new("ACL")
                .field(object_list_field(
                    "users",
                    TypeRef::named_nn_list("UserACL"),
                ))
                .field(object_list_field(
                    "roles",
                    TypeRef::named_nn_list("RoleACL"),
                ))
                .field(object_field("public", named("PublicACL"))),
        )
        .register(object_with(
            "UserACL",
            &[
                ("userId", nn(TypeRef::ID)),
                ("read", nn(TypeRef::BOOLEAN)),
                ("write", nn(TypeRef::BOOLEAN)),
            ],
        ))
        .register(object_with(
            "RoleACL",
            &[
                ("roleName", nn(TypeRef::ID)),
                ("read", nn(TypeRef::BOOLEAN)),
                ("write", nn(TypeRef::BOOLEAN)),
            ],
        ))
        .register(object_with(
            "PublicACL",
            &[
                ("read", named(TypeRef::BOOLEAN)),
                ("write", named(TypeRef::BOOLEAN)),
            ],
        ))
        .register(input_fields(
            InputObject::new("ACLInput"),
            &[
                ("users", TypeRef::named_nn_list("UserACLInput")),
                ("roles", TypeRef::named_nn_list("RoleACLInput")),
                ("public", named("PublicACLInput")),
            ],
        ))
        .register(input_fields(
            InputObject::new("UserACLInput"),
            &[
                ("userId", nn(TypeRef::ID)),
                ("read", nn(TypeRef::BOOLEAN)),
                ("write", nn(TypeRef::BOOLEAN)),
            ],
        ))
        .register(input_fields(
            InputObject::new("RoleACLInput"),
            &[
                ("roleName", nn(TypeRef::STRING)),
                ("read", nn(TypeRef::BOOLEAN)),
                ("write", nn(TypeRef::BOOLEAN)),
            ],
        ))
        .register(input_fields(
            InputObject::new("PublicACLInput"),
            &[
                ("read", nn(TypeRef::BOOLEAN)),
                ("write", nn(TypeRef::BOOLEAN)),
            ],
        ))
        .register(object_with(
            "FileInfo",
            &[("name", nn(TypeRef::STRING)), ("url", nn(TypeRef::STRING))],
        ))
        .register(object_with(
            "GeoPoint",
            &[
                ("latitude", nn(TypeRef::FLOAT)),
                ("longitude", nn(TypeRef::FLOAT)),
            ],
        ))
        .register(input_fields(
            InputObject::new("GeoPointInput"),
            &[
                ("latitude", nn(TypeRef::FLOAT)),
                ("longitude", nn(TypeRef::FLOAT)),
            ],
        ))
        .register(Enum::new("ReadPreference").items([
            "PRIMARY",
            "PRIMARY_PREFERRED",
            "SECONDARY",
            "SECONDARY_PREFERRED",
            "NEAREST",
        ]))
        .register(input_fields(
            InputObject::new("ReadOptionsInput"),
            &[
                ("readPreference", named("ReadPreference")),
                ("includeReadPreference", named("ReadPreference")),
                ("subqueryReadPreference", named("ReadPreference")),
            ],
        ))
        .register(object_with(
            "ConfigValue",
            &[
                ("value", named("Any")),
                ("isMasterKeyOnly", named(TypeRef::BOOLEAN)),
            ],
        ));
    // Where inputs.
    b = b
        .register(input_fields(
            InputObject::new("SubqueryInput"),
            &[("className", nn(TypeRef::STRING)), ("where", nn("Object"))],
        ))
        .register(input_fields(
            InputObject::new("SelectInput"),
            &[("query", nn("SubqueryInput")), ("key", nn(TypeRef::STRING))],
        ))
        .register(input_fields(
            InputObject::new("SearchInput"),
            &[
                ("term", nn(TypeRef::STRING)),
                ("language", named(TypeRef::STRING)),
                ("caseSensitive", named(TypeRef::BOOLEAN)),
                ("diacriticSensitive", named(TypeRef::BOOLEAN)),
            ],
        ))
        .register(input_fields(
            InputObject::new("TextInput"),
            &[("search", nn("SearchInput"))],
        ))
        .register(input_fields(
            InputObject::new("KeyValueInput"),
            &[("key", nn(TypeRef::STRING)), ("value", nn("Any"))],
        ))
        .register(input_fields(
            InputObject::new("BoxInput"),
            &[
                ("bottomLeft", nn("GeoPointInput")),
                ("upperRight", nn("GeoPointInput")),
            ],
        ))
        .register(input_fields(
            InputObject::new("WithinInput"),
            &[("box", nn("BoxInput"))],
        ))
        .register(input_fields(
            InputObject::new("CenterSphereInput"),
            &[
                ("center", nn("GeoPointInput")),
                ("distance", nn(TypeRef::FLOAT)),
            ],
        ))
        .register(input_fields(
            InputObject::new("GeoWithinInput"),
            &[
                ("polygon", TypeRef::named_nn_list("GeoPointInput")),
                ("centerSphere", named("CenterSphereInput")),
            ],
        ))
        .register(input_fields(
            InputObject::new("GeoIntersectsInput"),
            &[("point", named("GeoPointInput"))],
        ))
        .register(where_input("IdWhereInput", TypeRef::ID, &[], true))
        .register(where_input(
            "StringWhereInput",
            TypeRef::STRING,
            &[
                ("matchesRegex", named(TypeRef::STRING)),
                ("options", named(TypeRef::STRING)),
                ("text", named("TextInput")),
            ],
            true,
        ))
        .register(where_input("NumberWhereInput", TypeRef::FLOAT, &[], true))
        .register(where_input(
            "BooleanWhereInput",
            TypeRef::BOOLEAN,
            &[],
            false,
        ))
        .register(where_input(
            "ArrayWhereInput",
            "Any",
            &[
                ("containedBy", TypeRef::named_list("Any")),
                ("contains", TypeRef::named_list("Any")),
            ],
            true,
        ))
        .register(where_input("DateWhereInput", "Date", &[], true))
        .register(where_input("BytesWhereInput", "Bytes", &[], true))
        .register(where_input(
            "FileWhereInput",
            "File",
            &[
                ("matchesRegex", named(TypeRef::STRING)),
                ("options", named(TypeRef::STRING)),
            ],
            true,
        ))
        .register(input_fields(
            InputObject::new("ObjectWhereInput"),
            &[
                ("equalTo", named("KeyValueInput")),
                ("notEqualTo", named("KeyValueInput")),
                ("in", TypeRef::named_nn_list("KeyValueInput")),
                ("notIn", TypeRef::named_nn_list("KeyValueInput")),
                ("lessThan", named("KeyValueInput")),
                ("lessThanOrEqualTo", named("KeyValueInput")),
                ("greaterThan", named("KeyValueInput")),
                ("greaterThanOrEqualTo", named("KeyValueInput")),
                ("exists", named(TypeRef::BOOLEAN)),
                ("inQueryKey", named("SelectInput")),
                ("notInQueryKey", named("SelectInput")),
            ],
        ))
        .register(input_fields(
            InputObject::new("GeoPointWhereInput"),
            &[
                ("exists", named(TypeRef::BOOLEAN)),
                ("nearSphere", named("GeoPointInput")),
                ("maxDistance", named(TypeRef::FLOAT)),
                ("maxDistanceInRadians", named(TypeRef::FLOAT)),
                ("maxDistanceInMiles", named(TypeRef::FLOAT)),
                ("maxDistanceInKilometers", named(TypeRef::FLOAT)),
                ("within", named("WithinInput")),
                ("geoWithin", named("GeoWithinInput")),
            ],
        ))
        .register(input_fields(
            InputObject::new("PolygonWhereInput"),
            &[
                ("exists", named(TypeRef::BOOLEAN)),
                ("geoIntersects", named("GeoIntersectsInput")),
            ],
        ));
    // The schema registry's types.
    let schema_field =
        Interface::new("SchemaField").field(InterfaceField::new("name", nn(TypeRef::STRING)));
    for (_, kind) in SCHEMA_FIELD_KINDS {
        let mut object = Object::new(kind)
            .implement("SchemaField")
            .field(value_field("name", nn(TypeRef::STRING)));
        if matches!(kind, "SchemaPointerField" | "SchemaRelationField") {
            object = object.field(value_field("targetClassName", nn(TypeRef::STRING)));
        }
        b = b.register(object);
    }
    b = b
        .register(schema_field)
        .register(
            Object::new("Class")
                .field(value_field("name", nn(TypeRef::STRING)))
                .field(Field::new(
                    "schemaFields",
                    TypeRef::named_nn_list_nn("SchemaField"),
                    |ctx| {
                        FieldFuture::Value(
                            parent(&ctx)
                                .and_then(|o| o.get("schemaFields"))
                                .and_then(Value::as_array)
                                .map(|fields| {
                                    FieldValue::list(fields.iter().filter_map(|f| {
                                        let kind = f.get("__kind")?.as_str()?.to_string();
                                        Some(
                                            FieldValue::borrowed_any(f.as_object()?)
                                                .with_type(kind),
                                        )
                                    }))
                                }),
                        )
                    },
                )),
        )
        .register(input_fields(
            InputObject::new("SchemaFieldInput"),
            &[("name", nn(TypeRef::STRING))],
        ))
        .register(input_fields(
            InputObject::new("SchemaPointerFieldInput"),
            &[
                ("name", nn(TypeRef::STRING)),
                ("targetClassName", nn(TypeRef::STRING)),
            ],
        ))
        .register(input_fields(
            InputObject::new("SchemaFieldsInput"),
            &[
                ("addStrings", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addNumbers", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addBooleans", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addArrays", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addObjects", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addDates", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addFiles", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addGeoPoint", named("SchemaFieldInput")),
                ("addPolygons", TypeRef::named_nn_list("SchemaFieldInput")),
                ("addBytes", TypeRef::named_nn_list("SchemaFieldInput")),
                (
                    "addPointers",
                    TypeRef::named_nn_list("SchemaPointerFieldInput"),
                ),
                (
                    "addRelations",
                    TypeRef::named_nn_list("SchemaPointerFieldInput"),
                ),
                ("remove", TypeRef::named_nn_list("SchemaFieldInput")),
            ],
        ));
    for (action, required_fields) in [("Create", true), ("Update", true), ("Delete", false)] {
        let mut input = InputObject::new(format!("{action}ClassInput"))
            .field(InputValue::new("name", nn(TypeRef::STRING)))
            .field(InputValue::new("clientMutationId", named(TypeRef::STRING)));
        if required_fields {
            input = input.field(InputValue::new("schemaFields", named("SchemaFieldsInput")));
        }
        b = b.register(input).register(
            Object::new(format!("{action}ClassPayload"))
                .field(object_field("class", nn("Class")))
                .field(value_field("clientMutationId", named(TypeRef::STRING))),
        );
    }
    // Users and cloud functions.
    let user = shared.typed.get("_User").cloned();
    if let Some(user) = &user {
        b = b.register(
            Object::new("Viewer")
                .field(value_field("sessionToken", nn(TypeRef::STRING)))
                .field(object_field("user", nn(user))),
        );
        for (name, input) in [
            ("SignUp", vec![("fields", named("CreateUserFieldsInput"))]),
            (
                "LogIn",
                vec![
                    ("username", nn(TypeRef::STRING)),
                    ("password", nn(TypeRef::STRING)),
                    ("authData", named("Object")),
                ],
            ),
        ] {
            b = b
                .register(input_fields(
                    InputObject::new(format!("{name}Input"))
                        .field(InputValue::new("clientMutationId", named(TypeRef::STRING))),
                    &input,
                ))
                .register(
                    Object::new(format!("{name}Payload"))
                        .field(object_field("viewer", nn("Viewer")))
                        .field(value_field("clientMutationId", named(TypeRef::STRING))),
                );
        }
    }
    for (name, input) in [
        ("LogOut", vec![]),
        ("ResetPassword", vec![("email", nn(TypeRef::STRING))]),
        (
            "SendVerificationEmail",
            vec![("email", nn(TypeRef::STRING))],
        ),
    ] {
        b = b
            .register(input_fields(
                InputObject::new(format!("{name}Input"))
                    .field(InputValue::new("clientMutationId", named(TypeRef::STRING))),
                &input,
            ))
            .register(object_with(
                &format!("{name}Payload"),
                &[
                    ("ok", nn(TypeRef::BOOLEAN)),
                    ("clientMutationId", named(TypeRef::STRING)),
                ],
            ));
    }
    b.register(Enum::new("CloudCodeFunction").items(FUNCTIONS))
        .register(input_fields(
            InputObject::new("CallCloudCodeInput"),
            &[
                ("functionName", nn("CloudCodeFunction")),
                ("params", named("Object")),
                ("clientMutationId", named(TypeRef::STRING)),
            ],
        ))
        .register(object_with(
            "CallCloudCodePayload",
            &[
                ("result", named("Any")),
                ("clientMutationId", named(TypeRef::STRING)),
            ],
        ))
}

/// Fields a class type never shows under their own name.
fn hidden_field(class: &str, field: &str) -> bool {
    matches!(field, "id" | "objectId" | "createdAt" | "updatedAt" | "ACL")
        || (class == "_User" && matches!(field, "password" | "authData" | "authDataResponse"))
}

/// The arguments of a find (a connection).
fn find_arguments(field: Field, ty: &str) -> Field {
    field
        .argument(InputValue::new("where", named(&format!("{ty}WhereInput"))))
        .argument(InputValue::new(
            "order",
            TypeRef::named_nn_list(format!("{ty}Order")),
        ))
        .argument(InputValue::new("skip", named(TypeRef::INT)))
        .argument(InputValue::new("after", named(TypeRef::STRING)))
        .argument(InputValue::new("first", named(TypeRef::INT)))
        .argument(InputValue::new("before", named(TypeRef::STRING)))
        .argument(InputValue::new("last", named(TypeRef::INT)))
        .argument(InputValue::new("options", named("ReadOptionsInput")))
}

/// The output field of one class field.
fn output_field(shared: &Arc<Shared>, class: &str, name: &str, ty: &FieldType) -> Option<Field> {
    Some(match ty {
        FieldType::String => value_field(name, named(TypeRef::STRING)),
        FieldType::Number => value_field(name, named(TypeRef::FLOAT)),
        FieldType::Boolean => value_field(name, named(TypeRef::BOOLEAN)),
        FieldType::Object => value_field(name, named("Object")),
        FieldType::Date => date_field(name, named("Date")),
        FieldType::File => object_field(name, named("FileInfo")),
        FieldType::GeoPoint => object_field(name, named("GeoPoint")),
        FieldType::Bytes => {
            let key = name.to_string();
            Field::new(name, named("Bytes"), move |ctx| {
                FieldFuture::from_value(
                    parent(&ctx)
                        .and_then(|o| o.get(&key))
                        .and_then(|v| v.get("base64"))
                        .map(gql),
                )
            })
        }
        FieldType::Polygon => {
            let key = name.to_string();
            Field::new(name, TypeRef::named_nn_list("GeoPoint"), move |ctx| {
                let points = parent(&ctx)
                    .and_then(|o| o.get(&key))
                    .and_then(|v| v.get("coordinates"))
                    .and_then(Value::as_array)
                    .map(|points| {
                        FieldValue::list(points.iter().map(|p| {
                            object(
                                json!({"latitude": p.get(0), "longitude": p.get(1)})
                                    .as_object()
                                    .cloned()
                                    .unwrap_or_default(),
                            )
                        }))
                    });
                FieldFuture::Value(points)
            })
        }
        FieldType::Array => {
            let key = name.to_string();
            let shared = shared.clone();
            Field::new(name, TypeRef::named_list("ArrayResult"), move |ctx| {
                let items = parent(&ctx)
                    .and_then(|o| o.get(&key))
                    .and_then(Value::as_array)
                    .map(|items| {
                        FieldValue::list(items.iter().map(|item| {
                            let class = (item.get("__type").and_then(Value::as_str)
                                == Some("Object"))
                            .then(|| item.get("className").and_then(Value::as_str))
                            .flatten()
                            .and_then(|c| shared.typed.get(c));
                            match (class, item.as_object()) {
                                (Some(ty), Some(map)) => {
                                    FieldValue::borrowed_any(map).with_type(ty.clone())
                                }
                                _ => FieldValue::borrowed_any(item).with_type("Element"),
                            }
                        }))
                    });
                FieldFuture::Value(items)
            })
        }
        FieldType::Pointer(target) => match shared.typed.get(target) {
            Some(ty) => object_field(name, named(ty)),
            // A pointer to a class this caller's schema does not show: the pointer as JSON.
            None => value_field(name, named("Object")),
        },
        FieldType::Relation(target) => {
            let ty = shared.typed.get(target)?;
            let (key, class, target) = (name.to_string(), class.to_string(), target.clone());
            let shared = shared.clone();
            find_arguments(
                Field::new(name, nn(&format!("{ty}Connection")), move |ctx| {
                    let (key, class, target, shared) =
                        (key.clone(), class.clone(), target.clone(), shared.clone());
                    future(async move {
                        let calls = calls(&ctx)?;
                        let id = parent(&ctx)
                            .and_then(|o| o.get("objectId"))
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let related = json!({
                            "object": {"__type": "Pointer", "className": class, "objectId": id},
                            "key": key,
                        });
                        let conn = connection(
                            calls,
                            &shared.registry,
                            &target,
                            &args(&ctx),
                            ctx.field(),
                            Some(("$relatedTo".into(), related)),
                        )
                        .await
                        .map_err(error)?;
                        Ok(Some(FieldValue::owned_any(conn)))
                    })
                }),
                ty,
            )
        }
    })
}

/// The type a field takes in a where input, and in a create or update input.
fn input_types(shared: &Shared, ty: &FieldType) -> (Option<String>, Option<TypeRef>) {
    let plain = |w: &str, i: TypeRef| (Some(w.to_string()), Some(i));
    match ty {
        FieldType::String => plain("StringWhereInput", named(TypeRef::STRING)),
        FieldType::Number => plain("NumberWhereInput", named(TypeRef::FLOAT)),
        FieldType::Boolean => plain("BooleanWhereInput", named(TypeRef::BOOLEAN)),
        FieldType::Object => plain("ObjectWhereInput", named("Object")),
        FieldType::Date => plain("DateWhereInput", named("Date")),
        FieldType::Array => plain("ArrayWhereInput", TypeRef::named_list("Any")),
        FieldType::File => plain("FileWhereInput", named("File")),
        FieldType::Bytes => plain("BytesWhereInput", named("Bytes")),
        FieldType::GeoPoint => plain("GeoPointWhereInput", named("GeoPointInput")),
        FieldType::Polygon => plain("PolygonWhereInput", TypeRef::named_nn_list("GeoPointInput")),
        FieldType::Pointer(target) => match shared.typed.get(target) {
            Some(t) => (
                Some(format!("{t}RelationWhereInput")),
                Some(named(&format!("{t}PointerInput"))),
            ),
            None => (None, None),
        },
        FieldType::Relation(target) => match shared.typed.get(target) {
            Some(t) => (
                Some(format!("{t}RelationWhereInput")),
                Some(named(&format!("{t}RelationInput"))),
            ),
            None => (None, None),
        },
    }
}

/// Every type of one class, and its root fields.
fn class_types(
    mut b: SchemaBuilder,
    shared: &Arc<Shared>,
    schema: &ClassSchema,
    names: &Names,
    query: &mut Object,
    mutation: &mut Object,
    mutations_taken: &mut BTreeSet<String>,
) -> SchemaBuilder {
    let t = names.ty.as_str();
    let class = schema.name.clone();
    let fields: Vec<(&String, &FieldType)> = schema
        .fields
        .iter()
        .filter(|(name, _)| !hidden_field(&class, name))
        .collect();

    // The object type.
    let id_class = class.clone();
    let mut class_object = Object::new(t)
        .implement("ParseObject")
        .implement("Node")
        .field(Field::new("id", nn(TypeRef::ID), move |ctx| {
            FieldFuture::from_value(
                parent(&ctx)
                    .and_then(|o| o.get("objectId"))
                    .and_then(Value::as_str)
                    .map(|id| GqlValue::from(global_id(&id_class, id))),
            )
        }))
        .field(value_field("objectId", nn(TypeRef::ID)))
        .field(date_field("createdAt", nn("Date")))
        .field(date_field("updatedAt", nn("Date")))
        .field(Field::new("ACL", nn("ACL"), |ctx| {
            FieldFuture::Value(Some(object(resolve::acl(
                parent(&ctx).and_then(|o| o.get("ACL")),
            ))))
        }));
    for (name, ty) in &fields {
        if let Some(field) = output_field(shared, &class, name, ty) {
            class_object = class_object.field(field);
        }
    }
    if class == "_User" {
        class_object = class_object.field(value_field("authDataResponse", named("Object")));
    }
    b = b.register(class_object);

    // The connection and its edges.
    b = b
        .register(
            Object::new(format!("{t}Connection"))
                .field(Field::new("count", nn(TypeRef::INT), |ctx| {
                    FieldFuture::from_value(
                        ctx.parent_value
                            .downcast_ref::<Conn>()
                            .map(|c| GqlValue::from(c.count.unwrap_or(0))),
                    )
                }))
                .field(Field::new(
                    "edges",
                    TypeRef::named_list(format!("{t}Edge")),
                    |ctx| {
                        FieldFuture::Value(ctx.parent_value.downcast_ref::<Conn>().map(|c| {
                            FieldValue::list(c.edges.iter().map(|m| FieldValue::borrowed_any(m)))
                        }))
                    },
                ))
                .field(Field::new("pageInfo", nn("PageInfo"), |ctx| {
                    FieldFuture::Value(ctx.parent_value.downcast_ref::<Conn>().map(page_info))
                })),
        )
        .register(
            Object::new(format!("{t}Edge"))
                .field(Field::new("cursor", nn(TypeRef::STRING), |ctx| {
                    FieldFuture::from_value(
                        ctx.parent_value
                            .downcast_ref::<Edge>()
                            .map(|e| GqlValue::from(e.cursor.as_str())),
                    )
                }))
                .field(Field::new("node", named(t), |ctx| {
                    FieldFuture::Value(
                        ctx.parent_value
                            .downcast_ref::<Edge>()
                            .map(|e| FieldValue::borrowed_any(&e.node)),
                    )
                })),
        );

    // Where, order, and field inputs.
    let mut where_ = InputObject::new(format!("{t}WhereInput"))
        .field(InputValue::new("id", named("IdWhereInput")))
        .field(InputValue::new("objectId", named("IdWhereInput")))
        .field(InputValue::new("createdAt", named("DateWhereInput")))
        .field(InputValue::new("updatedAt", named("DateWhereInput")));
    let mut order = Enum::new(format!("{t}Order"));
    for base in ["id", "objectId", "createdAt", "updatedAt"] {
        order = order
            .item(format!("{base}_ASC"))
            .item(format!("{base}_DESC"));
    }
    let mut create = InputObject::new(format!("Create{t}FieldsInput"))
        .field(InputValue::new("ACL", named("ACLInput")));
    let mut update = InputObject::new(format!("Update{t}FieldsInput"))
        .field(InputValue::new("ACL", named("ACLInput")));
    if class == "_User" {
        create = create.field(InputValue::new("password", named(TypeRef::STRING)));
        update = update.field(InputValue::new("password", named(TypeRef::STRING)));
    }
    for (name, ty) in &fields {
        let (where_type, input_type) = input_types(shared, ty);
        if let Some(w) = where_type {
            if !matches!(name.as_str(), "OR" | "AND" | "NOR") {
                where_ = where_.field(InputValue::new(name.as_str(), named(&w)));
            }
        }
        if let Some(i) = input_type {
            create = create.field(InputValue::new(name.as_str(), i.clone()));
            update = update.field(InputValue::new(name.as_str(), i));
        }
        if !matches!(ty, FieldType::Relation(_)) {
            order = order
                .item(format!("{name}_ASC"))
                .item(format!("{name}_DESC"));
        }
    }
    for logic in ["OR", "AND", "NOR"] {
        where_ = where_.field(InputValue::new(
            logic,
            TypeRef::named_nn_list(format!("{t}WhereInput")),
        ));
    }
    b = b
        .register(where_)
        .register(order)
        .register(create)
        .register(update)
        .register(input_fields(
            InputObject::new(format!("{t}RelationWhereInput")),
            &[
                ("have", named(&format!("{t}WhereInput"))),
                ("haveNot", named(&format!("{t}WhereInput"))),
                ("exists", named(TypeRef::BOOLEAN)),
            ],
        ))
        .register(input_fields(
            InputObject::new(format!("{t}PointerInput")),
            &[
                ("link", named(TypeRef::ID)),
                ("createAndLink", named(&format!("Create{t}FieldsInput"))),
            ],
        ))
        .register(input_fields(
            InputObject::new(format!("{t}RelationInput")),
            &[
                ("add", TypeRef::named_nn_list(TypeRef::ID)),
                ("remove", TypeRef::named_nn_list(TypeRef::ID)),
                (
                    "createAndAdd",
                    TypeRef::named_nn_list(format!("Create{t}FieldsInput")),
                ),
            ],
        ));

    // Mutations: inputs, payloads, root fields.
    let get = names.get.clone();
    for (action, with_id, fields_input) in [
        ("Create", false, Some(format!("Create{t}FieldsInput"))),
        ("Update", true, Some(format!("Update{t}FieldsInput"))),
        ("Delete", true, None),
    ] {
        let mut input = InputObject::new(format!("{action}{t}Input"))
            .field(InputValue::new("clientMutationId", named(TypeRef::STRING)));
        if with_id {
            input = input.field(InputValue::new("id", nn(TypeRef::ID)));
        }
        if let Some(fields_input) = fields_input {
            input = input.field(InputValue::new("fields", named(&fields_input)));
        }
        b = b.register(input).register(
            Object::new(format!("{action}{t}Payload"))
                .field(object_field(&get, nn(t)))
                .field(value_field("clientMutationId", named(TypeRef::STRING))),
        );
        let root = format!("{}{t}", action.to_ascii_lowercase());
        if !mutations_taken.insert(root.clone()) {
            continue;
        }
        let (shared, class, get) = (shared.clone(), class.clone(), get.clone());
        let field = Field::new(root, named(&format!("{action}{t}Payload")), move |ctx| {
            let (shared, class, get) = (shared.clone(), class.clone(), get.clone());
            future(async move {
                let calls = calls(&ctx)?;
                let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                let selections = children(ctx.field(), &get);
                let object = mutate(calls, &shared, &class, action, &input, &selections).await?;
                Ok(Some(payload(&get, Some(object), &input)))
            })
        })
        .argument(InputValue::new("input", nn(&format!("{action}{t}Input"))));
        *mutation = std::mem::replace(mutation, Object::new("Mutation")).field(field);
    }

    // Queries: get and find.
    let (get_shared, get_class) = (shared.clone(), class.clone());
    let get_field = Field::new(names.get.as_str(), nn(t), move |ctx| {
        let (shared, class) = (get_shared.clone(), get_class.clone());
        future(async move {
            let calls = calls(&ctx)?;
            let id = args(&ctx)
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let found = resolve::get(calls, &shared.registry, &class, &id, &[ctx.field()])
                .await
                .map_err(error)?;
            Ok(Some(object(found)))
        })
    })
    .argument(InputValue::new("id", nn(TypeRef::ID)))
    .argument(InputValue::new("options", named("ReadOptionsInput")));
    *query = std::mem::replace(query, Object::new("Query")).field(get_field);
    if let Some(find) = &names.find {
        let (find_shared, find_class) = (shared.clone(), class.clone());
        let find_field = Field::new(find.as_str(), nn(&format!("{t}Connection")), move |ctx| {
            let (shared, class) = (find_shared.clone(), find_class.clone());
            future(async move {
                let calls = calls(&ctx)?;
                let conn = connection(
                    calls,
                    &shared.registry,
                    &class,
                    &args(&ctx),
                    ctx.field(),
                    None,
                )
                .await
                .map_err(error)?;
                Ok(Some(FieldValue::owned_any(conn)))
            })
        });
        *query =
            std::mem::replace(query, Object::new("Query")).field(find_arguments(find_field, t));
    }
    b
}

/// A create, update or delete of `class`, as its payload's object.
async fn mutate(
    calls: &dyn super::bridge::Calls,
    shared: &Shared,
    class: &str,
    action: &str,
    input: &Value,
    selections: &[async_graphql::SelectionField<'_>],
) -> Result<Map<String, Value>, async_graphql::Error> {
    let registry = &shared.registry;
    let id = input
        .get("id")
        .and_then(Value::as_str)
        .map(|id| super::naming::object_id_of(class, id));
    let fields = input.get("fields").cloned().unwrap_or(json!({}));
    match (action, id) {
        ("Create", _) => {
            let body = resolve::fields_body(calls, registry, class, &fields, false)
                .await
                .map_err(error)?;
            let answer = calls
                .call(Call::Create {
                    class: class.into(),
                    body,
                })
                .await
                .map_err(error)?;
            let answer = answer.as_object().cloned().unwrap_or_default();
            Ok(read_back(calls, registry, class, selections, answer).await)
        }
        ("Update", Some(id)) => {
            let body = resolve::fields_body(calls, registry, class, &fields, true)
                .await
                .map_err(error)?;
            let answer = calls
                .call(Call::Update {
                    class: class.into(),
                    object_id: id.clone(),
                    body,
                })
                .await
                .map_err(error)?;
            let mut answer = answer.as_object().cloned().unwrap_or_default();
            answer.insert("objectId".into(), Value::String(id));
            Ok(read_back(calls, registry, class, selections, answer).await)
        }
        ("Delete", Some(id)) => {
            let (keys, include) = resolve::selected_keys(registry, class, selections);
            // The object as it was: read before it goes, when more than its id is asked.
            let before = if keys.len() > 1 || !include.is_empty() {
                resolve::get(calls, registry, class, &id, selections)
                    .await
                    .map_err(error)?
            } else {
                json!({"objectId": id})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            };
            calls
                .call(Call::Delete {
                    class: class.into(),
                    object_id: id,
                })
                .await
                .map_err(error)?;
            Ok(before)
        }
        _ => Err(error(ParseError::new(
            Code::MissingObjectId,
            "id is required",
        ))),
    }
}

/// A class as the `Class` type shows it, from its `/schemas` document.
fn class_value(document: &Value) -> Map<String, Value> {
    let fields: Vec<Value> = document
        .get("fields")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.as_str() != "password")
        .filter_map(|(name, spec)| {
            let ty = spec.get("type").and_then(Value::as_str)?;
            let kind = SCHEMA_FIELD_KINDS.iter().find(|(t, _)| *t == ty)?.1;
            Some(json!({
                "name": name,
                "__kind": kind,
                "targetClassName": spec.get("targetClass"),
            }))
        })
        .collect();
    json!({"name": document.get("className"), "schemaFields": fields})
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// `SchemaFieldsInput` as a `/schemas` body's `fields`.
fn schema_fields(input: &Value) -> Map<String, Value> {
    let mut fields = Map::new();
    let Some(input) = input.as_object() else {
        return fields;
    };
    for (key, ty) in [
        ("addStrings", "String"),
        ("addNumbers", "Number"),
        ("addBooleans", "Boolean"),
        ("addArrays", "Array"),
        ("addObjects", "Object"),
        ("addDates", "Date"),
        ("addFiles", "File"),
        ("addGeoPoint", "GeoPoint"),
        ("addPolygons", "Polygon"),
        ("addBytes", "Bytes"),
        ("addPointers", "Pointer"),
        ("addRelations", "Relation"),
    ] {
        let items: Vec<&Value> = match input.get(key) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => vec![],
        };
        for item in items {
            if let Some(name) = item.get("name").and_then(Value::as_str) {
                let spec = match item.get("targetClassName") {
                    Some(target) if !target.is_null() => json!({"type": ty, "targetClass": target}),
                    _ => json!({ "type": ty }),
                };
                fields.insert(name.into(), spec);
            }
        }
    }
    for item in input
        .get("remove")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = item.get("name").and_then(Value::as_str) {
            fields.insert(name.into(), json!({"__op": "Delete"}));
        }
    }
    fields
}

/// The root fields every schema has.
fn shared_roots(shared: &Arc<Shared>, mut query: Object, mut mutation: Object) -> (Object, Object) {
    query = query
        .field(Field::new("health", nn(TypeRef::BOOLEAN), |_| {
            FieldFuture::from_value(Some(GqlValue::from(true)))
        }))
        .field({
            let shared = shared.clone();
            Field::new("node", named("Node"), move |ctx| {
                let shared = shared.clone();
                future(async move {
                    let calls = calls(&ctx)?;
                    let id = args(&ctx)
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let Some((class, _)) = from_global_id(&id) else {
                        return Err(error(ParseError::not_found()));
                    };
                    let Some(ty) = shared.typed.get(&class) else {
                        return Err(error(ParseError::not_found()));
                    };
                    let found = resolve::get(calls, &shared.registry, &class, &id, &[ctx.field()])
                        .await
                        .map_err(error)?;
                    Ok(Some(object(found).with_type(ty.clone())))
                })
            })
            .argument(InputValue::new("id", nn(TypeRef::ID)))
        })
        .field(
            Field::new("class", nn("Class"), |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    require_master(calls)?;
                    let name = args(&ctx)
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let document = calls
                        .call(Call::GetSchema { class: name })
                        .await
                        .map_err(error)?;
                    Ok(Some(object(class_value(&document))))
                })
            })
            .argument(InputValue::new("name", nn(TypeRef::STRING))),
        )
        .field(Field::new(
            "classes",
            TypeRef::named_nn_list_nn("Class"),
            |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    require_master(calls)?;
                    let all = calls.call(Call::ListSchemas).await.map_err(error)?;
                    let classes: Vec<FieldValue> = all
                        .get("results")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|document| object(class_value(document)))
                        .collect();
                    Ok(Some(FieldValue::list(classes)))
                })
            },
        ))
        .field(
            Field::new("cloudConfig", nn("ConfigValue"), |ctx| {
                future(async move {
                    require_master(calls(&ctx)?)?;
                    // No config parameters are stored on this server.
                    Ok(Some(object(Map::new())))
                })
            })
            .argument(InputValue::new("paramName", nn(TypeRef::STRING))),
        );
    if shared.typed.contains_key("_User") {
        query = query.field(Field::new("viewer", nn("Viewer"), |ctx| {
            future(async move {
                let calls = calls(&ctx)?;
                let user = calls.call(Call::Viewer).await.map_err(|e| {
                    error(match e.code {
                        Code::InvalidSessionToken => {
                            ParseError::new(Code::InvalidSessionToken, "Permission denied")
                        }
                        _ => e,
                    })
                })?;
                Ok(Some(object(viewer(user))))
            })
        }));
        let shared_up = shared.clone();
        mutation = mutation
            .field(
                Field::new("signUp", named("SignUpPayload"), move |ctx| {
                    let shared = shared_up.clone();
                    future(async move {
                        let calls = calls(&ctx)?;
                        let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                        let fields = input.get("fields").cloned().unwrap_or(json!({}));
                        let body =
                            resolve::fields_body(calls, &shared.registry, "_User", &fields, false)
                                .await
                                .map_err(error)?;
                        let answer = calls.call(Call::SignUp { body }).await.map_err(error)?;
                        let token = answer
                            .get("sessionToken")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let user = calls.call(Call::ViewerOf { token }).await.map_err(error)?;
                        Ok(Some(viewer_payload(user, &input)))
                    })
                })
                .argument(InputValue::new("input", nn("SignUpInput"))),
            )
            .field(
                Field::new("logIn", named("LogInPayload"), |ctx| {
                    future(async move {
                        let calls = calls(&ctx)?;
                        let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                        if input.get("authData").is_some_and(|a| !a.is_null()) {
                            return Err(error(ParseError::forbidden(
                                "Third-party authentication is not configured on this server.",
                            )));
                        }
                        let mut credentials = Map::new();
                        for key in ["username", "password"] {
                            if let Some(v) = input.get(key) {
                                credentials.insert(key.into(), v.clone());
                            }
                        }
                        let user = calls
                            .call(Call::LogIn { credentials })
                            .await
                            .map_err(error)?;
                        Ok(Some(viewer_payload(user, &input)))
                    })
                })
                .argument(InputValue::new("input", nn("LogInInput"))),
            );
    }
    mutation = mutation
        .field(
            Field::new("logOut", named("LogOutPayload"), |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                    calls.call(Call::LogOut).await.map_err(error)?;
                    Ok(Some(ok_payload(&input)))
                })
            })
            .argument(InputValue::new("input", named("LogOutInput"))),
        )
        .field(
            Field::new("callCloudCode", named("CallCloudCodePayload"), |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                    let params = match input.get("params") {
                        Some(Value::Object(p)) => p.clone(),
                        _ => Map::new(),
                    };
                    let result = match input.get("functionName").and_then(Value::as_str) {
                        Some("checkout") => calls
                            .call(Call::Checkout { body: params })
                            .await
                            .map_err(error)?,
                        other => {
                            return Err(error(ParseError::new(
                                Code::ScriptFailed,
                                format!("Invalid function: \"{}\"", other.unwrap_or_default()),
                            )))
                        }
                    };
                    let mut map = Map::new();
                    map.insert("result".into(), result);
                    map.insert(
                        "clientMutationId".into(),
                        input
                            .get("clientMutationId")
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                    Ok(Some(object(map)))
                })
            })
            .argument(InputValue::new("input", nn("CallCloudCodeInput"))),
        );
    for (name, input_type) in [
        ("resetPassword", "ResetPasswordInput"),
        ("sendVerificationEmail", "SendVerificationEmailInput"),
    ] {
        let payload_type = format!("{}Payload", input_type.trim_end_matches("Input"));
        mutation = mutation.field(
            Field::new(name, named(&payload_type), move |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                    let mut body = Map::new();
                    if let Some(email) = input.get("email") {
                        body.insert("email".into(), email.clone());
                    }
                    let call = if name == "resetPassword" {
                        Call::RequestPasswordReset { body }
                    } else {
                        Call::RequestVerificationEmail { body }
                    };
                    calls.call(call).await.map_err(error)?;
                    Ok(Some(ok_payload(&input)))
                })
            })
            .argument(InputValue::new("input", nn(input_type))),
        );
    }
    for action in ["create", "update", "delete"] {
        let input_type = format!("{}ClassInput", upper(action));
        let payload_type = format!("{}ClassPayload", upper(action));
        mutation = mutation.field(
            Field::new(format!("{action}Class"), named(&payload_type), move |ctx| {
                future(async move {
                    let calls = calls(&ctx)?;
                    require_master(calls)?;
                    let input = args(&ctx).remove("input").unwrap_or(Value::Null);
                    let name = input
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let mut body = Map::new();
                    body.insert("className".into(), Value::String(name.clone()));
                    body.insert(
                        "fields".into(),
                        Value::Object(schema_fields(
                            input.get("schemaFields").unwrap_or(&Value::Null),
                        )),
                    );
                    let document = match action {
                        "create" => calls.call(Call::CreateSchema { class: name, body }).await,
                        "update" => calls.call(Call::UpdateSchema { class: name, body }).await,
                        _ => {
                            let before = calls
                                .call(Call::GetSchema {
                                    class: name.clone(),
                                })
                                .await
                                .map_err(error)?;
                            calls
                                .call(Call::DropSchema { class: name })
                                .await
                                .map(|_| before)
                        }
                    }
                    .map_err(error)?;
                    let mut map = Map::new();
                    map.insert("class".into(), Value::Object(class_value(&document)));
                    map.insert(
                        "clientMutationId".into(),
                        input
                            .get("clientMutationId")
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                    Ok(Some(object(map)))
                })
            })
            .argument(InputValue::new("input", nn(&input_type))),
        );
    }
    (query, mutation)
}

fn upper(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn viewer_payload(user: Value, input: &Value) -> FieldValue<'static> {
    let mut map = Map::new();
    map.insert("viewer".into(), Value::Object(viewer(user)));
    map.insert(
        "clientMutationId".into(),
        input
            .get("clientMutationId")
            .cloned()
            .unwrap_or(Value::Null),
    );
    object(map)
}

fn ok_payload(input: &Value) -> FieldValue<'static> {
    let mut map = Map::new();
    map.insert("ok".into(), Value::Bool(true));
    map.insert(
        "clientMutationId".into(),
        input
            .get("clientMutationId")
            .cloned()
            .unwrap_or(Value::Null),
    );
    object(map)
}

/// The schema for the classes `visible` lets through (the master key sees every class; other
/// callers the ones the OpenAPI document shows them).
pub fn build(
    registry: &Registry,
    visible: impl Fn(&ClassSchema) -> bool,
    master: bool,
) -> Result<Schema, String> {
    let mut classes: Vec<&ClassSchema> = registry.classes.values().filter(|s| visible(s)).collect();
    classes.sort_by(|a, b| {
        (!a.name.starts_with('_'), &a.name).cmp(&(!b.name.starts_with('_'), &b.name))
    });
    let mut taken_types: BTreeSet<String> = RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
    taken_types.extend(SCHEMA_FIELD_KINDS.iter().map(|(_, k)| k.to_string()));
    let mut taken_queries: BTreeSet<String> =
        RESERVED_QUERIES.iter().map(|s| s.to_string()).collect();
    let mut taken_mutations: BTreeSet<String> =
        RESERVED_MUTATIONS.iter().map(|s| s.to_string()).collect();
    let mut accepted = Vec::new();
    for schema in classes {
        let ty = type_name(&schema.name);
        let get = get_name(&schema.name);
        let names = Names {
            class: schema.name.clone(),
            find: Some(find_name(&schema.name)).filter(|f| *f != get),
            ty,
            get,
        };
        let types = names.types();
        if names.ty.ends_with("Connection")
            || types.iter().any(|t| taken_types.contains(t))
            || taken_queries.contains(&names.get)
        {
            continue; // Parse skips the later definition, and so do we.
        }
        taken_types.extend(types);
        taken_queries.insert(names.get.clone());
        let names = Names {
            find: names.find.filter(|f| taken_queries.insert(f.clone())),
            ..names
        };
        accepted.push((schema, names));
    }
    let shared = Arc::new(Shared {
        registry: Arc::new(registry.clone()),
        typed: accepted
            .iter()
            .map(|(_, n)| (n.class.clone(), n.ty.clone()))
            .collect(),
    });
    let mut builder = Schema::build("Query", Some("Mutation"), None);
    if !master {
        builder = builder.disable_suggestions();
    }
    builder = shared_types(builder, &shared);
    let mut union = Union::new("ArrayResult").possible_type("Element");
    let (mut query, mut mutation) = (Object::new("Query"), Object::new("Mutation"));
    for (schema, names) in &accepted {
        union = union.possible_type(names.ty.clone());
        builder = class_types(
            builder,
            &shared,
            schema,
            names,
            &mut query,
            &mut mutation,
            &mut taken_mutations,
        );
    }
    let (query, mutation) = shared_roots(&shared, query, mutation);
    builder
        .register(union)
        .register(query)
        .register(mutation)
        .finish()
        .map_err(|e| e.to_string())
}
