//! The classes and fields the migrations create, which the server's own code reads and writes
//! (sessions, roles, checkout, order steps, access logs). The schema API may add fields to these
//! classes and change their permissions, but never drop one of them or one of these fields: a
//! master-key mistake would otherwise break sign-up, login or checkout for everyone (the fuzzer
//! did exactly that with `DELETE /schemas/_User`).

use crate::error::{Code, ParseError, Result};

const BUILT_IN: &[(&str, &[&str])] = &[
    ("_User", &["username", "email", "emailVerified", "role"]),
    (
        "_Session",
        &["user", "expiresAt", "createdWith", "installationId"],
    ),
    ("_Role", &["name", "users", "roles"]),
    ("Artisan", &["name", "description", "user", "photo"]),
    (
        "Product",
        &[
            "title",
            "description",
            "sku",
            "price",
            "stock",
            "owner",
            "images",
            "tags",
        ],
    ),
    (
        "Order",
        &[
            "buyer",
            "artisan",
            "items",
            "products",
            "totalAmount",
            "status",
            "checkoutId",
            "expiresAt",
        ],
    ),
    ("AccessLog", &["user", "product", "accessTime"]),
];

fn built_in_fields(class: &str) -> Option<&'static [&'static str]> {
    BUILT_IN.iter().find(|(c, _)| *c == class).map(|(_, f)| *f)
}

/// Refuses dropping a built-in class (119).
pub fn check_class_drop(class: &str) -> Result<()> {
    match built_in_fields(class) {
        Some(_) => Err(ParseError::new(
            Code::OperationForbidden,
            format!("Class {class} is built in and cannot be deleted."),
        )),
        None => Ok(()),
    }
}

/// Refuses deleting a built-in field (136, as Parse Server answers for its default fields).
pub fn check_field_delete(class: &str, field: &str) -> Result<()> {
    match built_in_fields(class) {
        Some(fields) if fields.contains(&field) => Err(ParseError::new(
            Code::ChangedImmutableField,
            format!("Field {field} of {class} is built in and cannot be deleted."),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::{Registry, DEFAULT_FIELDS};
    use crate::store::{Statement, Store};
    use crate::testing::SqliteStore;
    use futures::executor::block_on;

    #[test]
    fn the_list_is_exactly_what_the_migrations_create() {
        let store = SqliteStore::migrated();
        let rows = block_on(store.query(&Statement::new(Registry::LOAD_SQL, vec![]))).unwrap();
        let registry = Registry::from_rows(&rows).unwrap();
        for (class, fields) in BUILT_IN {
            let schema = registry
                .get(class)
                .unwrap_or_else(|| panic!("{class} is migrated"));
            let mut migrated: Vec<&str> = schema
                .fields
                .keys()
                .map(String::as_str)
                .filter(|f| !DEFAULT_FIELDS.contains(f))
                .collect();
            let mut listed = fields.to_vec();
            migrated.sort();
            listed.sort();
            assert_eq!(migrated, listed, "{class}");
        }
    }

    #[test]
    fn built_in_classes_and_fields_are_refused_others_allowed() {
        assert_eq!(
            check_class_drop("_User").unwrap_err().code,
            Code::OperationForbidden
        );
        assert!(check_class_drop("Scratch").is_ok());
        assert_eq!(
            check_field_delete("Order", "status").unwrap_err().code,
            Code::ChangedImmutableField
        );
        assert!(check_field_delete("Order", "giftNote").is_ok());
        assert!(check_field_delete("Scratch", "status").is_ok());
    }
}
