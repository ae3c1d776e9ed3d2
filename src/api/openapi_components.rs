//! The parts of the OpenAPI document that are not about one class or one route: Parse's error
//! answers and envelopes, and the bodies of the marketplace's own endpoints (carts, order steps).

use super::batch::MAX_BATCH_REQUESTS;
use super::openapi_types::{answer, pointer, schema_ref};
use crate::marketplace::checkout::{MAX_ITEMS, MAX_QUANTITY};
use crate::marketplace::order_status::Status;
use serde_json::{json, Map, Value};

/// The error answers every operation may give, by status.
pub const ERRORS: [(u16, &str); 6] = [
    (400, "BadRequest"),
    (403, "Forbidden"),
    (404, "NotFound"),
    (413, "PayloadTooLarge"),
    (429, "TooManyRequests"),
    (500, "InternalError"),
];

pub fn error_responses() -> Value {
    let error = |description: &str| answer(description, schema_ref("Parse.Error"));
    json!({
        "BadRequest": error("A client mistake: `code` says which (e.g. 102 invalid query, 107 invalid JSON, 111 incorrect type, 119 operation forbidden, 137 duplicate value, 142 validation error, 209 invalid session token)."),
        "Forbidden": answer("No or a wrong application id, or the master key is required.", schema_ref("Parse.Unauthorized")),
        "NotFound": error("Code 101: no such object, or one the caller may not read."),
        "PayloadTooLarge": error("Code 116: the body is larger than MAX_BODY_BYTES."),
        "TooManyRequests": error("Code 155: a rate limit was hit; retry later."),
        "InternalError": error("Code 1: a fault of the server, never of the request."),
    })
}

/// Schemas that are not a class: Parse's envelopes and the marketplace's custom bodies.
pub fn shared_schemas() -> Map<String, Value> {
    let check = json!({"type": "object", "required": ["status"], "properties": {
        "status": {"type": "string", "enum": ["ok", "error"]},
        "error": {"type": "string"}, "latencyMs": {"type": "integer"}}});
    let product = json!({"anyOf": [pointer("Product"), {"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"}]});
    let quantity = json!({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY, "default": 1});
    let item = json!({"type": "object", "required": ["product"], "additionalProperties": false,
        "properties": {"product": product, "quantity": quantity}});
    // Every status but the first can be stepped to.
    let steps: Vec<&str> = Status::ALL[1..].iter().map(|s| s.as_str()).collect();
    let schemas = json!({
        "Parse.Error": {"type": "object", "required": ["code", "error"], "properties": {
            "code": {"type": "integer"}, "error": {"type": "string"}}},
        "Parse.Unauthorized": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "Parse.Empty": {"type": "object"},
        "Parse.FileSaved": {"type": "object", "required": ["name", "url"], "properties": {
            "name": {"type": "string", "description": "The stored name: 32 hex characters, `_`, and the sanitised name sent."},
            "url": {"type": "string"}}},
        "Parse.Created": {"type": "object", "required": ["objectId", "createdAt"], "properties": {
            "objectId": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}},
        "Parse.Updated": {"type": "object", "required": ["updatedAt"], "properties": {
            "updatedAt": {"type": "string", "format": "date-time"}}},
        "Parse.Health": {"type": "object", "required": ["status", "checks"], "properties": {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "checks": {"type": "object", "properties": {
                "database": check,
                "durableObjects": {"type": "object", "additionalProperties": check}}}}},
        "Parse.Login": {"type": "object", "required": ["password"], "properties": {
            "username": {"type": "string"}, "email": {"type": "string"},
            "password": {"type": "string", "writeOnly": true}}},
        "Parse.CartItem": {"type": "object", "required": ["product"], "additionalProperties": false, "properties": {
            "product": product, "quantity": quantity, "totalAmount": {"type": "number"}}},
        "Parse.Cart": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": item},
            "totalAmount": {"type": "number", "description": "Optional: must equal the server's total."}},
            "additionalProperties": false},
        "Parse.OrderStep": {"type": "object", "required": ["status"], "additionalProperties": false, "properties": {
            "status": {"type": "string", "enum": steps}}},
        "Parse.CheckoutResult": {"type": "object", "properties": {"result": {"type": "object", "properties": {
            "checkoutId": {"type": "string"},
            "orders": {"type": "array", "items": {"type": "object", "properties": {
                "objectId": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"},
                "artisan": pointer("Artisan")}}}}}}},
        "Parse.Batch": {"type": "object", "required": ["requests"], "properties": {
            "requests": {"type": "array", "maxItems": MAX_BATCH_REQUESTS, "items": {"type": "object", "required": ["method", "path"], "properties": {
                "method": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE"]},
                "path": {"type": "string", "description": "With or without the mount path, e.g. /parse/classes/Product."},
                "body": {"type": "object"}}}},
            "transaction": {"type": "boolean"}}},
        "Parse.ClassSchema": {"type": "object", "properties": {
            "className": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["String", "Number", "Boolean", "Date", "Object", "Array", "Pointer", "Relation", "GeoPoint", "File", "Bytes", "Polygon", "ACL"]},
                "targetClass": {"type": "string"}, "__op": {"type": "string", "enum": ["Delete"]}}}},
            "classLevelPermissions": {"type": "object"},
            "indexes": {"type": "object"}}},
    });
    schemas.as_object().cloned().unwrap_or_default()
}
