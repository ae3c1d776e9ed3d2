//! Which event a committed change is for one subscription, and what of the object it may see.
//!
//! Parse's rule: original and current both match → update; only the original → leave; only the
//! current → enter (create for a new object). "Match" includes being readable by the subscriber
//! (ACL with roles, CLP find with pointer fields), so losing access is a leave and gaining it an
//! enter. Protected fields are removed per subscriber; the password is never part of an object.

use super::matcher::Matcher;
use super::protocol::Subscription;
use crate::engine::access::Access;
use crate::engine::change::{Change, ChangeKind};
use crate::engine::clp::{self, Operation, Permission};
use crate::engine::schema::ClassSchema;
use serde_json::{Map, Value};

/// A change decoded once for all subscribers of a fan-out.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub class: String,
    pub kind: ChangeKind,
    pub object: Map<String, Value>,
    pub original: Option<Map<String, Value>>,
}

impl Event {
    /// The change as Parse JSON, its File values with their URLs (`file_urls` and the name).
    pub fn decode(change: &Change, schema: &ClassSchema, file_urls: &str) -> Option<Event> {
        let (mut object, mut original) = change.decode(schema)?;
        crate::engine::files::add_urls_to_fields(&mut object, file_urls);
        if let Some(original) = &mut original {
            crate::engine::files::add_urls_to_fields(original, file_urls);
        }
        Some(Event {
            class: change.class.clone(),
            kind: change.kind,
            object,
            original,
        })
    }
}

/// Which version of the object a frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    Current,
    Original,
}

/// What one subscription is told of an event: the op, the version shown as `object`, and
/// whether the original is shown too. Rendering it is `frames::EventFrames`' job, so that every
/// subscriber of an event shares the one decision rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub op: &'static str,
    pub object: Version,
    pub with_original: bool,
}

/// What `subscription` is told of `change`, if anything.
pub fn decide(
    subscription: &Subscription,
    access: &Access,
    matcher: &Matcher,
    schema: &ClassSchema,
    change: &Event,
) -> Option<Delivery> {
    if subscription.class_name != change.class {
        return None;
    }
    // Refused at subscribe; checked again for the subscriber as it is now (its roles may have
    // changed), and so for every replayed event too.
    if protected_query_field(
        schema,
        access,
        &subscription.where_,
        subscription.watch.as_deref(),
    )
    .is_some()
    {
        return None;
    }
    let visible = |o: &Map<String, Value>| readable(schema, access, o) && matcher.matches(o);
    let now = visible(&change.object);
    let before = change.original.as_ref().map(visible).unwrap_or(false);
    let op = match change.kind {
        ChangeKind::Created if now => "create",
        ChangeKind::Deleted if now => "delete",
        ChangeKind::Updated => match (before, now) {
            (true, true) if watched_unchanged(subscription, change) => return None,
            (true, true) => "update",
            (true, false) => "leave",
            (false, true) => "enter",
            (false, false) => return None,
        },
        _ => return None,
    };
    // Never show a version the subscriber may not read: a leave for lost access shows the last
    // version it could read, an enter for gained access shows no original.
    let can_read_now = readable(schema, access, &change.object);
    let can_read_before = change
        .original
        .as_ref()
        .is_some_and(|o| readable(schema, access, o));
    let object = match (&change.original, op) {
        (Some(_), "leave") if !can_read_now => Version::Original,
        _ => Version::Current,
    };
    let with_original =
        change.original.is_some() && matches!(op, "update" | "enter" | "leave") && can_read_before;
    Some(Delivery {
        op,
        object,
        with_original,
    })
}

/// Whether the subscriber may read the object: its ACL (no ACL is public), then the CLP.
pub fn readable(schema: &ClassSchema, access: &Access, object: &Map<String, Value>) -> bool {
    if access.is_master() {
        return true;
    }
    if let Some(acl) = object.get("ACL").and_then(Value::as_object) {
        let keys = access.acl_keys();
        let granted = keys.iter().any(|k| {
            acl.get(k)
                .and_then(|e| e.get("read"))
                .and_then(Value::as_bool)
                == Some(true)
        });
        if !granted {
            return false;
        }
    }
    match clp::check(schema, access, Operation::Find) {
        Ok(Permission::Granted) => true,
        Ok(Permission::OnlyWhere(fields)) => {
            let user = access.user_id().unwrap_or_default();
            fields.iter().any(|f| match object.get(f) {
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|i| i.get("objectId").and_then(Value::as_str) == Some(user)),
                Some(v) => v.get("objectId").and_then(Value::as_str) == Some(user),
                None => false,
            })
        }
        Err(_) => false,
    }
}

/// The protected fields this subscriber does not see in `object` (a user sees all of its own).
pub fn hidden(schema: &ClassSchema, access: &Access, object: &Map<String, Value>) -> Vec<String> {
    let is_self = schema.name == "_User"
        && access.user_id().is_some()
        && object.get("objectId").and_then(Value::as_str) == access.user_id();
    if is_self {
        vec![]
    } else {
        clp::protected_fields(schema, access)
    }
}

/// The object as a subscriber may see it: `hidden` fields removed, restricted to `keys`, and
/// named with its class as the SDK expects.
pub fn shown(
    schema: &ClassSchema,
    hidden: &[String],
    keys: Option<&[String]>,
    object: &Map<String, Value>,
) -> Value {
    let mut out = object.clone();
    for field in hidden {
        out.remove(field);
    }
    if let Some(keys) = keys {
        out.retain(|k, _| {
            matches!(k.as_str(), "objectId" | "createdAt" | "updatedAt" | "ACL")
                || keys.iter().any(|key| key == k)
        });
    }
    out.insert("className".into(), Value::from(schema.name.as_str()));
    out.insert("__type".into(), Value::from("Object"));
    Value::Object(out)
}

/// The first field named by `where_` (at any depth of `$or`/`$and`/`$nor`) or by `watch` that
/// `access` may not see on `schema`. Which events arrive (or which updates fire) would reveal its
/// value, so such a subscription is refused with 119, as a REST `where` on it is.
pub fn protected_query_field(
    schema: &ClassSchema,
    access: &Access,
    where_: &Value,
    watch: Option<&[String]>,
) -> Option<String> {
    let protected = clp::protected_fields(schema, access);
    if protected.is_empty() {
        return None;
    }
    let mut fields = Vec::new();
    where_fields(where_, &mut fields);
    fields.extend(watch.unwrap_or_default().iter().cloned());
    fields.into_iter().find(|field| {
        let base = field.split('.').next().unwrap_or(field);
        protected.iter().any(|p| p == base)
    })
}

fn where_fields(where_: &Value, out: &mut Vec<String>) {
    let Some(object) = where_.as_object() else {
        return;
    };
    for (key, value) in object {
        match key.as_str() {
            "$or" | "$and" | "$nor" => {
                for clause in value.as_array().into_iter().flatten() {
                    where_fields(clause, out);
                }
            }
            k if k.starts_with('$') => {}
            k => out.push(k.to_string()),
        }
    }
}

/// With `watch`, an update that changed none of the watched fields is not sent.
fn watched_unchanged(subscription: &Subscription, change: &Event) -> bool {
    let (Some(watch), Some(original)) = (&subscription.watch, &change.original) else {
        return false;
    };
    watch
        .iter()
        .all(|f| change.object.get(f) == original.get(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::access::Principal;
    use crate::engine::schema::FieldType;
    use crate::live::frames::EventFrames;
    use serde_json::json;

    fn schema() -> ClassSchema {
        let mut s = ClassSchema::new("Order");
        s.fields.insert("status".into(), FieldType::String);
        s.fields.insert("secret".into(), FieldType::String);
        s.clp
            .insert("protectedFields".into(), json!({"*": ["secret"]}));
        s
    }

    #[test]
    fn events_carry_file_values_with_their_urls_in_the_object_and_its_original() {
        let mut product = ClassSchema::new("Product");
        product.fields.insert("images".into(), FieldType::Array);
        product.fields.insert("photo".into(), FieldType::File);
        let row = |images: &str| -> crate::store::Row {
            json!({"objectId": "p1", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z",
                   "images": images, "photo": r#"{"__type":"File","name":"b c.png"}"#})
            .as_object()
            .unwrap()
            .clone()
        };
        let change = Change::new(
            "Product",
            ChangeKind::Updated,
            &row(r#"[{"__type":"File","name":"a.png"}]"#),
            Some(&row("[]")),
        );
        let event = Event::decode(&change, &product, "https://api.test/parse/files/app/").unwrap();
        assert_eq!(
            event.object["images"],
            json!([{"__type": "File", "name": "a.png", "url": "https://api.test/parse/files/app/a.png"}])
        );
        assert_eq!(
            event.original.as_ref().unwrap()["photo"]["url"],
            "https://api.test/parse/files/app/b%20c.png"
        );
    }

    fn sub(where_: Value, watch: Option<Vec<&str>>) -> Subscription {
        Subscription {
            request_id: 7,
            class_name: "Order".into(),
            where_,
            keys: None,
            watch: watch.map(|w| w.into_iter().map(String::from).collect()),
            identity: None,
        }
    }

    fn user(id: &str) -> Access {
        Access::Client(Principal {
            user_id: Some(id.into()),
            ..Default::default()
        })
    }

    fn object(status: &str, readers: &[&str]) -> Map<String, Value> {
        let acl: Map<String, Value> = readers
            .iter()
            .map(|r| (r.to_string(), json!({"read": true})))
            .collect();
        json!({"objectId": "o1", "status": status, "secret": "s", "ACL": acl})
            .as_object()
            .unwrap()
            .clone()
    }

    fn op(subscription: &Subscription, access: &Access, change: &Event) -> Option<String> {
        let matcher = Matcher::compile(&subscription.where_).unwrap();
        decide(subscription, access, &matcher, &schema(), change).map(|d| d.op.to_string())
    }

    fn update(before: Map<String, Value>, after: Map<String, Value>) -> Event {
        Event {
            class: "Order".into(),
            kind: ChangeKind::Updated,
            object: after,
            original: Some(before),
        }
    }

    #[test]
    fn matching_before_and_after_decides_update_enter_and_leave() {
        let s = sub(json!({"status": "paid"}), None);
        let buyer = user("b1");
        assert_eq!(
            op(
                &s,
                &buyer,
                &update(object("paid", &["b1"]), object("paid", &["b1"]))
            )
            .as_deref(),
            Some("update")
        );
        assert_eq!(
            op(
                &s,
                &buyer,
                &update(object("pending", &["b1"]), object("paid", &["b1"]))
            )
            .as_deref(),
            Some("enter")
        );
        assert_eq!(
            op(
                &s,
                &buyer,
                &update(object("paid", &["b1"]), object("shipped", &["b1"]))
            )
            .as_deref(),
            Some("leave")
        );
        assert_eq!(
            op(
                &s,
                &buyer,
                &update(object("pending", &["b1"]), object("shipped", &["b1"]))
            ),
            None
        );
    }

    #[test]
    fn nobody_hears_of_an_object_it_cannot_read() {
        let s = sub(json!({}), None);
        let created = Event {
            class: "Order".into(),
            kind: ChangeKind::Created,
            object: object("pending", &["b1"]),
            original: None,
        };
        assert_eq!(op(&s, &user("b1"), &created).as_deref(), Some("create"));
        assert_eq!(op(&s, &user("b2"), &created), None);
        assert_eq!(op(&s, &Access::public(), &created), None);
        assert_eq!(op(&s, &Access::Master, &created).as_deref(), Some("create"));
        // Losing read access is a leave, gaining it an enter.
        assert_eq!(
            op(
                &s,
                &user("b2"),
                &update(object("paid", &["b2"]), object("paid", &["b1"]))
            )
            .as_deref(),
            Some("leave")
        );
        assert_eq!(
            op(
                &s,
                &user("b2"),
                &update(object("paid", &["b1"]), object("paid", &["b2"]))
            )
            .as_deref(),
            Some("enter")
        );
    }

    #[test]
    fn protected_fields_are_stripped_and_watch_filters_updates() {
        let s = sub(json!({}), Some(vec!["status"]));
        let matcher = Matcher::compile(&json!({})).unwrap();
        let mut after = object("pending", &["*"]);
        after.insert("secret".into(), json!("changed"));
        let change = update(object("pending", &["*"]), after.clone());
        assert!(decide(&s, &Access::public(), &matcher, &schema(), &change).is_none());
        let change = update(object("pending", &["*"]), object("paid", &["*"]));
        let schema = schema();
        let mut frames = EventFrames::new(&schema, &change, 3);
        let mut frame = |access: &Access| -> Value {
            serde_json::from_str(&frames.frame("c1", &s, access, &matcher).unwrap()).unwrap()
        };
        let sent = frame(&Access::public());
        assert!(sent["object"].get("secret").is_none());
        assert_eq!(sent["object"]["className"], "Order");
        assert_eq!(sent["original"]["status"], "pending");
        assert_eq!(sent["seq"], 3);
        let master = frame(&Access::Master);
        assert_eq!(master["object"]["secret"], "s");
    }
}
