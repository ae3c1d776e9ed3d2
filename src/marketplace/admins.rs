//! What the marketplace's admins (users whose `role` is `admin`) may do beyond anyone else:
//! read every user (email included) and every order, and change another user's role.
//!
//! Reading is plain ACLs: every order is readable by `role:admin` (checkout writes it so), and
//! every user is too (sign-up writes it so, migration 0009 for users made before); `_User`'s
//! protected fields leave the email visible to `role:admin` (migration 0017). Roles are read
//! with the session on every request, so a change holds at once for open sessions. Changing a
//! role is not an ACL matter: an admin may not write a user's other fields (password, email,
//! username), so a role change by an admin is recognised here and run with the server's own
//! authority, for that one field only.

use super::validation::validate_role;
use crate::engine::access::Access;
use crate::error::{ParseError, Result};
use serde_json::{json, Map, Value};

/// The role whose holders administer the marketplace.
pub const ADMIN: &str = "admin";

/// True when the caller holds the admin role (not the master key).
pub fn is_admin(access: &Access) -> bool {
    matches!(access, Access::Client(p) if p.roles.iter().any(|r| r == ADMIN))
}

/// The ACL a new user gets: itself reads and writes, admins read.
pub fn new_user_acl(user_id: &str) -> Value {
    json!({ user_id: {"read": true, "write": true}, "role:admin": {"read": true} })
}

/// Whether `body`, sent by `access` to `PUT /users/<target>`, is an admin changing another
/// user's role: then the update runs with the server's authority. Any other update by an admin
/// goes through the ACLs as anyone's does. An admin's body naming `role` beside other fields,
/// or its own role, or a role that does not exist, is refused here.
pub fn is_role_change_by_admin(
    access: &Access,
    target: &str,
    body: &Map<String, Value>,
) -> Result<bool> {
    if !is_admin(access) || !body.contains_key("role") {
        return Ok(false);
    }
    if body.len() != 1 {
        return Err(ParseError::forbidden(
            "An admin changes a user's role alone, in an update of its own.",
        ));
    }
    let Access::Client(p) = access else {
        return Ok(false);
    };
    if p.user_id.as_deref() == Some(target) {
        return Err(ParseError::forbidden("Nobody changes their own role."));
    }
    // Admins may name every role the master key may (admin included).
    validate_role(body.get("role"), &Access::Master)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Principal;
    use crate::error::Code;

    fn client(id: &str, roles: &[&str]) -> Access {
        Access::Client(Principal {
            user_id: Some(id.into()),
            session_id: Some("s".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        })
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn an_admin_changing_another_users_role_alone_is_recognised() {
        let admin = client("a1", &["admin"]);
        assert!(is_role_change_by_admin(&admin, "u1", &body(json!({"role": "artisan"}))).unwrap());
        assert!(is_role_change_by_admin(&admin, "u1", &body(json!({"role": "admin"}))).unwrap());
    }

    #[test]
    fn an_admin_cannot_change_its_own_role_nor_a_role_beside_other_fields_nor_to_an_unknown_role() {
        let admin = client("a1", &["admin"]);
        let own = is_role_change_by_admin(&admin, "a1", &body(json!({"role": "buyer"})));
        assert_eq!(own.unwrap_err().code, Code::OperationForbidden);
        let more = is_role_change_by_admin(
            &admin,
            "u1",
            &body(json!({"role": "buyer", "email": "x@example.com"})),
        );
        assert_eq!(more.unwrap_err().code, Code::OperationForbidden);
        assert!(is_role_change_by_admin(&admin, "u1", &body(json!({"role": "owner"}))).is_err());
    }

    #[test]
    fn anyone_else_goes_through_the_acls() {
        let buyer = client("b1", &["buyer"]);
        assert!(!is_role_change_by_admin(&buyer, "u1", &body(json!({"role": "admin"}))).unwrap());
        assert!(
            !is_role_change_by_admin(&Access::Master, "u1", &body(json!({"role": "admin"})))
                .unwrap()
        );
        let admin = client("a1", &["admin"]);
        assert!(!is_role_change_by_admin(&admin, "u1", &body(json!({"username": "x"}))).unwrap());
    }

    #[test]
    fn a_new_user_is_readable_by_admins_and_writable_only_by_itself() {
        assert_eq!(
            new_user_acl("u1"),
            json!({"u1": {"read": true, "write": true}, "role:admin": {"read": true}})
        );
    }
}
