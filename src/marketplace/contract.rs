//! The template's field rules as JSON Schema keywords, for the OpenAPI document: the registry
//! says a field's type, these say what values of it the template accepts. They are built from
//! the constants the checks themselves use, so the document and the checks agree.

use super::order_status::Status;
use super::validation::{MAX_IMAGES, MAX_PRICE_CENTS, MAX_SKU_LENGTH, MAX_STOCK};
use serde_json::{json, Value};

/// Extra keywords for `class.field`, or `None` when the type says it all.
pub fn field_constraints(class: &str, field: &str) -> Option<Value> {
    Some(match (class, field) {
        ("Product", "sku") => {
            json!({"minLength": 1, "maxLength": MAX_SKU_LENGTH, "pattern": "\\S"})
        }
        ("Product", "price") => json!({
            "minimum": 0,
            "exclusiveMinimum": true,
            "maximum": MAX_PRICE_CENTS / 100.0,
            "description": "At most two decimals.",
        }),
        ("Product", "stock") => json!({"type": "integer", "minimum": 0, "maximum": MAX_STOCK}),
        ("Product", "images") => json!({
            "maxItems": MAX_IMAGES,
            "items": file(),
            "description": "Photos: File values of uploads (POST /files/:name).",
        }),
        ("_User", "role") => json!({
            "enum": ["buyer", "artisan", "admin"],
            "description": "A sign-up may choose buyer or artisan; only the master key makes admins.",
        }),
        ("_User", "email") => json!({"format": "email"}),
        ("Order", "status") => json!({"enum": Status::ALL.map(Status::as_str)}),
        _ => return None,
    })
}

/// A File value, as the template's file fields take it.
fn file() -> Value {
    json!({"type": "object", "required": ["__type", "name"], "properties": {
        "__type": {"type": "string", "enum": ["File"]},
        "name": {"type": "string"},
        "url": {"type": "string", "readOnly": true}}})
}

/// Fields a create must carry (beyond what Parse itself requires, such as a user's password).
pub fn required_on_create(class: &str) -> &'static [&'static str] {
    match class {
        "Product" => &["sku"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::validation::{price_cents, validate_product};

    fn product(body: Value) -> bool {
        validate_product(body.as_object().unwrap(), true).is_ok()
    }

    #[test]
    fn the_documented_bounds_are_the_checked_ones() {
        let sku = field_constraints("Product", "sku").unwrap();
        let longest = "x".repeat(sku["maxLength"].as_u64().unwrap() as usize);
        assert!(product(json!({"sku": longest})));
        assert!(!product(json!({"sku": format!("{longest}x")})));
        let stock = field_constraints("Product", "stock").unwrap();
        assert!(product(
            json!({"sku": "a", "stock": stock["maximum"].as_f64().unwrap()})
        ));
        assert!(!product(
            json!({"sku": "a", "stock": stock["maximum"].as_f64().unwrap() + 1.0})
        ));
        let price = field_constraints("Product", "price").unwrap();
        assert!(price_cents(&price["maximum"]).is_ok());
        assert!(price_cents(&json!(price["maximum"].as_f64().unwrap() + 1.0)).is_err());
        assert_eq!(required_on_create("Product"), ["sku"]);
    }

    #[test]
    fn every_documented_status_parses() {
        let statuses = field_constraints("Order", "status").unwrap();
        for status in statuses["enum"].as_array().unwrap() {
            assert!(Status::parse(status.as_str().unwrap()).is_ok());
        }
    }
}
