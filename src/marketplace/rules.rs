//! The marketplace's write rules (what a Back4app app would put in beforeSave): who owns what,
//! which fields only the server sets, the default ACLs, and the validation of products.
//!
//! Ownership is checked inside the write itself (an insert guard), never by a read before it,
//! so it holds under concurrency and costs no extra round trip.

use super::validation::{validate_product, validate_role, validate_role_name};
use crate::engine::access::Access;
use crate::engine::write::{Extras, Guard, Rules, WriteContext};
use crate::error::{Code, ParseError, Result};
use crate::platform::iso_from_ms;
use crate::store::SqlValue;
use serde_json::{json, Map, Value};

pub struct MarketplaceRules;

impl Rules for MarketplaceRules {
    fn before_create(
        &self,
        ctx: &WriteContext,
        class: &str,
        body: &mut Map<String, Value>,
        extras: &mut Extras,
    ) -> Result<()> {
        if class == "Product" {
            validate_product(body, true)?;
        }
        if class == "_Role" {
            validate_role_name(body.get("name"))?;
        }
        if class == "_User" {
            validate_role(body.get("role"), ctx.access)?;
            // As Parse Server: only the server (or the master key) verifies an email.
            if !ctx.access.is_master() && body.get("emailVerified").is_some_and(|v| v != false) {
                return Err(ParseError::forbidden(
                    "Clients aren't allowed to manually update email verification.",
                ));
            }
            body.entry("role").or_insert_with(|| json!("buyer"));
            // Each user reads and updates only itself, and admins read it (the master key may
            // choose another ACL); the id must be known before the insert to name it in the ACL.
            if !(ctx.access.is_master() && body.contains_key("ACL")) {
                let id = crate::platform::new_object_id()?;
                body.insert("ACL".into(), super::admins::new_user_acl(&id));
                extras.object_id = Some(id);
            }
            return Ok(());
        }
        let Access::Client(principal) = ctx.access else {
            return Ok(());
        };
        let user = principal.user_id.clone();
        match class {
            "Artisan" => {
                let user = signed_in(&user)?;
                set_owner(body, "user", "_User", user)?;
                body.insert("ACL".into(), public_read_owner_write(user));
            }
            "Product" => {
                let user = signed_in(&user)?;
                let artisan = body
                    .get("owner")
                    .and_then(|o| o.get("objectId"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        ParseError::new(
                            Code::ValidationError,
                            "owner is required: the Artisan profile the product belongs to",
                        )
                    })?;
                extras.guard = Some(Guard {
                    sql:
                        "EXISTS (SELECT 1 FROM \"Artisan\" WHERE \"objectId\" = ? AND \"user\" = ?)"
                            .into(),
                    params: vec![SqlValue::from(artisan), SqlValue::from(user)],
                    error: ParseError::forbidden(
                        "Products can only be added to your own Artisan profile.",
                    ),
                });
                body.insert("ACL".into(), public_read_owner_write(user));
            }
            "AccessLog" => {
                let user = signed_in(&user)?;
                set_owner(body, "user", "_User", user)?;
                let product = body
                    .get("product")
                    .and_then(|o| o.get("objectId"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ParseError::new(Code::ValidationError, "product is required"))?
                    .to_string();
                // The server's clock, whatever the client sent: a backdated view would poison
                // the analytics (a beforeSave would set it the same way).
                body.insert(
                    "accessTime".into(),
                    json!({"__type": "Date", "iso": iso_from_ms(ctx.now_ms)}),
                );
                body.remove("ACL");
                // Readable by the viewer, admins and the product's artisan: the artisan's user id
                // is looked up by the insert itself.
                extras.computed.push((
                    "_rperm".into(),
                    "SELECT json_array(?, 'role:admin', a.\"user\") FROM \"Product\" AS p \
                     JOIN \"Artisan\" AS a ON a.\"objectId\" = p.\"owner\" WHERE p.\"objectId\" = ?"
                        .into(),
                    vec![SqlValue::from(user), SqlValue::from(product.as_str())],
                ));
                extras
                    .computed
                    .push(("_wperm".into(), "'[]'".into(), vec![]));
                extras.guard = Some(Guard {
                    sql: "EXISTS (SELECT 1 FROM \"Product\" WHERE \"objectId\" = ?)".into(),
                    params: vec![SqlValue::from(product.as_str())],
                    error: ParseError::new(Code::ValidationError, "product does not exist"),
                });
            }
            "Order" => {
                return Err(ParseError::forbidden(
                    "Orders are placed through checkout, which prices them and reserves stock.",
                ))
            }
            _ => {}
        }
        Ok(())
    }

    fn before_update(
        &self,
        ctx: &WriteContext,
        class: &str,
        _object_id: &str,
        body: &mut Map<String, Value>,
    ) -> Result<()> {
        if class == "Product" {
            validate_product(body, false)?;
        }
        if ctx.access.is_master() {
            if class == "_Role" && body.contains_key("name") {
                return Err(ParseError::forbidden(
                    "A role's name can only be set before it has been saved.",
                ));
            }
            if class == "_User" {
                validate_role(body.get("role"), ctx.access)?;
            }
            return Ok(());
        }
        if class == "_Role" && body.contains_key("name") {
            return Err(ParseError::forbidden(
                "A role's name can only be set before it has been saved.",
            ));
        }
        Ok(())
    }

    fn locked_fields(&self, ctx: &WriteContext, class: &str) -> &'static [&'static str] {
        if ctx.access.is_master() {
            return &[];
        }
        match class {
            "_User" => &["role", "emailVerified"],
            "Artisan" => &["user"],
            "Product" => &["owner"],
            "AccessLog" => &["user", "product"],
            "Order" => &[
                "buyer",
                "artisan",
                "items",
                "products",
                "totalAmount",
                "checkoutId",
            ],
            _ => &[],
        }
    }
}

fn signed_in(user: &Option<String>) -> Result<&str> {
    user.as_deref()
        .ok_or_else(|| ParseError::new(Code::SessionMissing, "You must be signed in to do that."))
}

/// Sets a server-owned pointer to the signed-in user; a body naming someone else is refused.
fn set_owner(body: &mut Map<String, Value>, field: &str, class: &str, user: &str) -> Result<()> {
    if let Some(given) = body
        .get(field)
        .and_then(|v| v.get("objectId"))
        .and_then(Value::as_str)
    {
        if given != user {
            return Err(ParseError::forbidden(format!("{field} must be yourself.")));
        }
    }
    body.insert(field.into(), crate::engine::codec::pointer(class, user));
    Ok(())
}

fn public_read_owner_write(user: &str) -> Value {
    json!({"*": {"read": true}, user: {"read": true, "write": true}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::Registry;
    use crate::engine::write::{plan_create, plan_update};
    use crate::store::{Statement, Store};
    use crate::testing::SqliteStore;
    use futures::executor::block_on;

    /// The code a create and an update of a Product with `body` (and a valid sku) answer, or
    /// `None` for a write that plans.
    fn codes(body: Value) -> (Option<Code>, Option<Code>) {
        let store = SqliteStore::migrated();
        let rows = block_on(store.query(&Statement::new(Registry::LOAD_SQL, vec![]))).unwrap();
        let registry = Registry::from_rows(&rows).unwrap();
        let ctx = WriteContext {
            registry: &registry,
            access: &Access::Master,
            may_change_schema: false,
            now_ms: 1_700_000_000_000,
            rules: &MarketplaceRules,
        };
        let mut create = json!({"sku": "A-1", "title": "Bowl", "price": 5});
        let mut update = Map::new();
        for (k, v) in body.as_object().unwrap() {
            create[k] = v.clone();
            update.insert(k.clone(), v.clone());
        }
        let created = plan_create(
            &ctx,
            "Product",
            create.as_object().unwrap(),
            Extras::default(),
        );
        let updated = plan_update(&ctx, "Product", "p1", &update, vec![]);
        (created.err().map(|e| e.code), updated.err().map(|e| e.code))
    }

    #[test]
    fn a_product_value_of_the_wrong_type_is_111_and_a_bad_value_of_the_right_type_142() {
        let incorrect = (Some(Code::IncorrectType), Some(Code::IncorrectType));
        let invalid = (Some(Code::ValidationError), Some(Code::ValidationError));
        assert_eq!(codes(json!({"price": "x"})), incorrect);
        assert_eq!(codes(json!({"price": "12"})), incorrect);
        assert_eq!(codes(json!({"stock": "2"})), incorrect);
        assert_eq!(codes(json!({"sku": 5})), incorrect);
        assert_eq!(codes(json!({"title": 5})), incorrect);
        assert_eq!(
            codes(
                json!({"price": {"__type": "Pointer", "className": "Artisan", "objectId": "a1"}})
            ),
            incorrect
        );
        assert_eq!(codes(json!({"price": 0})), invalid);
        assert_eq!(codes(json!({"price": -1})), invalid);
        assert_eq!(codes(json!({"price": 1.234})), invalid);
        assert_eq!(codes(json!({"stock": -1})), invalid);
        assert_eq!(codes(json!({"stock": 1.5})), invalid);
        assert_eq!(codes(json!({"sku": " "})), invalid);
        assert_eq!(codes(json!({"price": 12.5, "stock": 3})), (None, None));
    }
}
