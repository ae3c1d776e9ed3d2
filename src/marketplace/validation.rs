//! Field rules of the template: prices in at most two decimals, whole non-negative stock,
//! non-empty SKUs, and the roles a sign-up may choose. Errors are Parse's 142 with a clear message.

use crate::engine::access::Access;
use crate::error::{Code, ParseError, Result};
use serde_json::{Map, Value};

/// Longest SKU accepted.
pub const MAX_SKU_LENGTH: usize = 64;
/// Most units of one product in stock.
pub const MAX_STOCK: f64 = 1e9;
/// Largest price, in cents: beyond it cents would lose precision as JS numbers.
pub const MAX_PRICE_CENTS: f64 = 1e13;
/// Most photos a product is given at once (a set, or one Add).
pub const MAX_IMAGES: usize = 12;

fn invalid(message: impl Into<String>) -> ParseError {
    ParseError::new(Code::ValidationError, message)
}

/// A price as integer cents: positive, with at most two decimals.
pub fn price_cents(value: &Value) -> Result<i64> {
    let price = value
        .as_f64()
        .filter(|p| p.is_finite())
        .ok_or_else(|| invalid("price must be a number"))?;
    let cents = (price * 100.0).round();
    if (price * 100.0 - cents).abs() > 1e-6 {
        return Err(invalid("price must have at most 2 decimals"));
    }
    if cents <= 0.0 {
        return Err(invalid("price must be greater than 0"));
    }
    if cents > MAX_PRICE_CENTS {
        return Err(invalid("price is too large"));
    }
    Ok(cents as i64)
}

/// Checks an operation on a Product's price or stock: an `Increment` whose amount keeps a valid
/// value valid (whole cents, whole units); a `Delete` is refused, since a product without a
/// price or stock could be neither shown nor sold. Whether the result stays above zero is the
/// database's to check (`price_must_be_positive`, `stock_must_be_a_non_negative_integer`), in
/// the write itself.
fn validate_increment(field: &str, op: &Value) -> Result<()> {
    match op.get("__op").and_then(Value::as_str) {
        Some("Increment") => {}
        Some("Delete") => return Err(invalid(format!("{field} cannot be removed"))),
        _ => return Ok(()),
    }
    let Some(amount) = op.get("amount").and_then(Value::as_f64) else {
        return Ok(()); // not a number: the engine's 111 or 107
    };
    let (scale, message) = match field {
        "price" => (
            100.0,
            "price must have at most 2 decimals, so an Increment of it too",
        ),
        _ => (
            1.0,
            "stock must be a whole number, so an Increment of it too",
        ),
    };
    let scaled = amount * scale;
    if !scaled.is_finite() || (scaled - scaled.round()).abs() > 1e-6 {
        return Err(invalid(message));
    }
    let limit = if field == "price" {
        MAX_PRICE_CENTS
    } else {
        MAX_STOCK
    };
    if scaled.abs() > limit {
        return Err(invalid(format!("{field} would be too large")));
    }
    Ok(())
}

/// Checks a Product body: on create `sku` is required. An `Increment` of price or stock must
/// keep it valid: its amount here, the result's sign in the database (it can never go below
/// zero, nor a price to zero).
pub fn validate_product(body: &Map<String, Value>, creating: bool) -> Result<()> {
    for field in ["price", "stock"] {
        if let Some(op) = body.get(field) {
            validate_increment(field, op)?;
        }
    }
    if let Some(price) = body.get("price").filter(|v| v.get("__op").is_none()) {
        price_cents(price)?;
    }
    if let Some(stock) = body.get("stock").filter(|v| v.get("__op").is_none()) {
        let n = stock
            .as_f64()
            .ok_or_else(|| invalid("stock must be a whole number of at least 0"))?;
        if n < 0.0 || n.fract() != 0.0 || n > MAX_STOCK {
            return Err(invalid("stock must be a whole number of at least 0"));
        }
    }
    if let Some(images) = body.get("images") {
        validate_images(images)?;
    }
    match body.get("sku") {
        Some(Value::String(sku)) if !sku.trim().is_empty() && sku.len() <= MAX_SKU_LENGTH => Ok(()),
        None if !creating => Ok(()),
        _ => Err(invalid(
            "sku is required: a non-empty text of at most 64 characters",
        )),
    }
}

/// A product's photos are File values: a set of at most `MAX_IMAGES` of them, or an Add,
/// AddUnique or Remove of Files. (Which files exist is the write's own check.)
fn validate_images(images: &Value) -> Result<()> {
    let files_only = |items: &[Value]| {
        items
            .iter()
            .all(|i| i.get("__type").and_then(Value::as_str) == Some("File"))
    };
    let wrong = || {
        invalid(format!(
            "images must be a list of at most {MAX_IMAGES} files (File values of uploads)"
        ))
    };
    match images {
        Value::Null => Ok(()),
        Value::Array(items) if items.len() <= MAX_IMAGES && files_only(items) => Ok(()),
        Value::Object(op) => match op.get("__op").and_then(Value::as_str) {
            Some("Delete") => Ok(()),
            Some("Add" | "AddUnique" | "Remove") => {
                match op.get("objects").and_then(Value::as_array) {
                    Some(items) if items.len() <= MAX_IMAGES && files_only(items) => Ok(()),
                    _ => Err(wrong()),
                }
            }
            _ => Err(wrong()),
        },
        _ => Err(wrong()),
    }
}

/// A sign-up may be a buyer or an artisan; only the master key makes admins.
pub fn validate_role(role: Option<&Value>, access: &Access) -> Result<()> {
    match role.map(|r| r.as_str()) {
        None | Some(Some("buyer" | "artisan")) => Ok(()),
        Some(Some("admin")) if access.is_master() => Ok(()),
        Some(Some("admin")) => Err(ParseError::forbidden(
            "Only the master key can make an admin.",
        )),
        _ => Err(invalid("role must be buyer or artisan")),
    }
}

/// Role names, as Parse allows them: letters, digits, `_`, `-` and spaces.
pub fn validate_role_name(name: Option<&Value>) -> Result<()> {
    match name.and_then(Value::as_str) {
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_- ".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(ParseError::new(
            Code::InvalidRoleName,
            "A role's name must be a non-empty text of letters, digits, _, - and spaces.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_price_or_stock_cannot_be_removed() {
        for field in ["price", "stock"] {
            let body = json!({ field: {"__op": "Delete"} });
            let e = validate_product(body.as_object().unwrap(), false).unwrap_err();
            assert_eq!(e.code, Code::ValidationError);
            assert_eq!(e.message, format!("{field} cannot be removed"));
        }
    }

    #[test]
    fn prices_are_positive_with_at_most_two_decimals() {
        assert_eq!(price_cents(&json!(12.5)).unwrap(), 1250);
        assert_eq!(price_cents(&json!(0.1)).unwrap(), 10);
        assert_eq!(price_cents(&json!(19.99)).unwrap(), 1999);
        assert!(price_cents(&json!(0)).is_err());
        assert!(price_cents(&json!(-3)).is_err());
        assert!(price_cents(&json!(1.234)).is_err());
        assert!(price_cents(&json!("12")).is_err());
    }

    #[test]
    fn a_product_needs_a_sku_and_whole_stock() {
        assert!(
            validate_product(json!({"sku": "A-1", "stock": 3}).as_object().unwrap(), true).is_ok()
        );
        assert!(validate_product(json!({"stock": 3}).as_object().unwrap(), true).is_err());
        assert!(validate_product(json!({"stock": 3}).as_object().unwrap(), false).is_ok());
        assert!(validate_product(json!({"sku": " "}).as_object().unwrap(), false).is_err());
        assert!(
            validate_product(json!({"sku": "A", "stock": 1.5}).as_object().unwrap(), true).is_err()
        );
        assert!(
            validate_product(json!({"sku": "A", "stock": -1}).as_object().unwrap(), true).is_err()
        );
        assert!(validate_product(
            json!({"stock": {"__op": "Increment", "amount": -1}})
                .as_object()
                .unwrap(),
            false
        )
        .is_ok());
    }

    #[test]
    fn only_the_master_key_makes_admins() {
        assert!(validate_role(Some(&json!("artisan")), &Access::public()).is_ok());
        assert_eq!(
            validate_role(Some(&json!("admin")), &Access::public())
                .unwrap_err()
                .code,
            Code::OperationForbidden
        );
        assert!(validate_role(Some(&json!("admin")), &Access::Master).is_ok());
        assert_eq!(
            validate_role(Some(&json!("king")), &Access::public())
                .unwrap_err()
                .code,
            Code::ValidationError
        );
    }
}
