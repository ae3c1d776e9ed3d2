//! How a hub stores its sockets' state in its Durable Object's storage, one key per part, so a
//! socket's state is never one large value and a frame writes only what it changed:
//!
//! - `sock:<clientId>:head`: who the socket speaks for (`socket::Head`): its own identity and
//!   one identity per session its subscriptions carried;
//! - `sock:<clientId>:sub:<requestId>`: one subscription (`socket::Subscription`).
//!
//! The socket's attachment holds only its client id (`attachment`), the key to all of these.
//! The edge runs the reads and writes this module plans; nothing here touches storage.

use super::protocol::Subscription;
use super::socket::{encode_subscription, Head, Socket};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The prefix of every key a hub stores for its sockets.
pub const PREFIX: &str = "sock:";
/// The most keys one storage call may name (the runtime's limit for `put` and `delete`).
pub const KEYS_PER_CALL: usize = 128;
/// The longest client id an attachment may hold.
const MAX_CLIENT_ID: usize = 64;

/// The prefix of one socket's keys.
pub fn socket_prefix(client_id: &str) -> String {
    format!("{PREFIX}{client_id}:")
}

fn head_key(client_id: &str) -> String {
    format!("{PREFIX}{client_id}:head")
}

fn subscription_key(client_id: &str, request_id: i64) -> String {
    format!("{PREFIX}{client_id}:sub:{request_id}")
}

/// What a stored key names.
#[derive(Debug, PartialEq)]
enum Key<'a> {
    Head(&'a str),
    Subscription(&'a str, i64),
}

fn parse_key(key: &str) -> Option<Key<'_>> {
    let (client_id, part) = key.strip_prefix(PREFIX)?.split_once(':')?;
    if !valid_client_id(client_id) {
        return None;
    }
    match part {
        "head" => Some(Key::Head(client_id)),
        _ => Some(Key::Subscription(
            client_id,
            part.strip_prefix("sub:")?.parse().ok()?,
        )),
    }
}

/// A client id as the hub makes them (letters and digits), so that it can be part of a key.
pub fn valid_client_id(client_id: &str) -> bool {
    !client_id.is_empty()
        && client_id.len() <= MAX_CLIENT_ID
        && client_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The client id a socket's attachment holds; `None` for anything else (an attachment this
/// build did not write).
pub fn attachment(value: Option<&str>) -> Option<&str> {
    value.filter(|id| valid_client_id(id))
}

/// What storage must do to hold `after` where it held `before`: deletes first, then puts, so
/// that a write torn between the two never leaves a subscription whose session is missing.
#[derive(Debug, Default, PartialEq)]
pub struct Writes {
    pub delete: Vec<String>,
    pub put: Vec<(String, String)>,
}

impl Writes {
    pub fn is_empty(&self) -> bool {
        self.delete.is_empty() && self.put.is_empty()
    }

    /// Only what changed: a subscription is rewritten only when it was replaced (unchanged ones
    /// are the same shared value in both states).
    pub fn between(before: &Socket, after: &Socket) -> Writes {
        let client_id = &after.client_id;
        let mut writes = Writes::default();
        let old: BTreeMap<_, _> = before.held().collect();
        let new: BTreeMap<_, _> = after.held().collect();
        for id in old.keys().filter(|id| !new.contains_key(*id)) {
            writes.delete.push(subscription_key(client_id, **id));
        }
        if before.head() != after.head() || before.client_id != after.client_id {
            writes
                .put
                .push((head_key(client_id), after.head().encode()));
        }
        for (id, held) in &new {
            if old.get(id).is_none_or(|was| !Rc::ptr_eq(was, held)) {
                writes.put.push((
                    subscription_key(client_id, **id),
                    encode_subscription(&held.subscription),
                ));
            }
        }
        writes
    }

    /// Everything `socket` stores: to forget it.
    pub fn forget(socket: &Socket) -> Writes {
        let client_id = &socket.client_id;
        Writes {
            delete: std::iter::once(head_key(client_id))
                .chain(
                    socket
                        .held()
                        .map(|(id, _)| subscription_key(client_id, *id)),
                )
                .collect(),
            put: vec![],
        }
    }
}

/// The sockets in a listing of stored entries (key, text), and the keys that belong to no
/// socket this build can read (to delete). Unreadable parts are left out: a head that does not
/// decode is a socket not connected, which hears nothing.
pub fn restore(entries: impl IntoIterator<Item = (String, String)>) -> (Vec<Socket>, Vec<String>) {
    let mut parts: BTreeMap<String, (Head, Vec<Subscription>)> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for (key, text) in entries {
        match parse_key(&key) {
            Some(Key::Head(client_id)) => match serde_json::from_str(&text) {
                Ok(head) => parts.entry(client_id.to_string()).or_default().0 = head,
                Err(_) => unreadable.push(key),
            },
            Some(Key::Subscription(client_id, id)) => {
                match serde_json::from_str::<Subscription>(&text) {
                    Ok(s) if s.request_id == id => {
                        parts.entry(client_id.to_string()).or_default().1.push(s)
                    }
                    _ => unreadable.push(key),
                }
            }
            None => unreadable.push(key),
        }
    }
    let sockets = parts
        .into_iter()
        .map(|(client_id, (head, subscriptions))| Socket::restore(client_id, head, subscriptions))
        .collect();
    (sockets, unreadable)
}

/// One socket from the listing of its own keys (`socket_prefix`); a socket with nothing stored
/// yet is new.
pub fn restore_one(
    client_id: &str,
    entries: impl IntoIterator<Item = (String, String)>,
) -> (Socket, Vec<String>) {
    let (sockets, unreadable) = restore(entries);
    let socket = sockets
        .into_iter()
        .find(|s| s.client_id == client_id)
        .unwrap_or_else(|| Socket::new(client_id.to_string()));
    (socket, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::matcher::Matcher;
    use crate::live::protocol::{Identity, SubscribeRequest};
    use serde_json::{json, Value};

    fn subscribe(socket: &mut Socket, id: i64, where_: Value, session: Option<&str>) {
        let request = SubscribeRequest {
            request_id: id,
            class_name: "Product".into(),
            where_: where_.clone(),
            keys: Some(vec!["price".into()]),
            watch: None,
            session_token: None,
            last_seq: None,
        };
        let own = session.map(|sid| Identity::Client {
            user_id: Some("u1".into()),
            session_id: Some(sid.into()),
            roles: vec![],
        });
        socket
            .subscribe(&request, own, Matcher::compile(&where_).unwrap())
            .unwrap();
    }

    /// Storage as a map, with `writes` applied in order.
    fn apply(storage: &mut BTreeMap<String, String>, writes: &Writes) {
        for key in &writes.delete {
            storage.remove(key);
        }
        for (key, text) in &writes.put {
            storage.insert(key.clone(), text.clone());
        }
    }

    #[test]
    fn a_frame_writes_only_what_it_changed_and_storage_restores_the_same_socket() {
        let mut storage = BTreeMap::new();
        let fresh = Socket::new("Ab12".into());
        let mut socket = fresh.clone();
        socket.connect(Identity::Master).unwrap();
        let writes = Writes::between(&fresh, &socket);
        assert_eq!(writes.put.len(), 1, "{writes:?}");
        assert_eq!(writes.put[0].0, "sock:Ab12:head");
        apply(&mut storage, &writes);
        for id in 1..=3 {
            let before = socket.clone();
            subscribe(&mut socket, id, json!({"price": {"$lte": id}}), Some("s1"));
            let writes = Writes::between(&before, &socket);
            let keys: Vec<&str> = writes.put.iter().map(|(k, _)| k.as_str()).collect();
            let sub = format!("sock:Ab12:sub:{id}");
            if id == 1 {
                assert_eq!(keys, ["sock:Ab12:head", sub.as_str()], "the session is new");
            } else {
                assert_eq!(keys, [sub.as_str()], "the session is known");
            }
            apply(&mut storage, &writes);
        }
        let before = socket.clone();
        assert!(socket.unsubscribe(2));
        let writes = Writes::between(&before, &socket);
        assert_eq!(writes.delete, ["sock:Ab12:sub:2"]);
        assert!(writes.put.is_empty(), "s1 is still used: {writes:?}");
        apply(&mut storage, &writes);
        assert!(Writes::between(&socket, &socket.clone()).is_empty());

        let (restored, unreadable) = restore_one("Ab12", storage.clone());
        assert!(unreadable.is_empty());
        assert_eq!(restored.head(), socket.head());
        let ids = |s: &Socket| s.subscriptions().cloned().collect::<Vec<_>>();
        assert_eq!(ids(&restored), ids(&socket));
        assert_eq!(restored.stored_bytes(), socket.stored_bytes());
        assert_eq!(
            restored.stored_bytes(),
            storage.values().map(String::len).sum::<usize>(),
            "the budget counts what storage holds"
        );

        let forget = Writes::forget(&socket);
        apply(&mut storage, &forget);
        assert!(storage.is_empty(), "{storage:?}");
    }

    #[test]
    fn a_listing_of_many_sockets_restores_each_and_names_the_keys_nobody_can_read() {
        let mut storage = BTreeMap::new();
        for client_id in ["a1", "b2"] {
            let fresh = Socket::new(client_id.into());
            let mut socket = fresh.clone();
            socket.connect(Identity::Master).unwrap();
            subscribe(&mut socket, 5, json!({}), None);
            apply(&mut storage, &Writes::between(&fresh, &socket));
        }
        storage.insert("sock:a1:sub:x".into(), "{}".into());
        storage.insert("sock:b2:sub:6".into(), "not json".into());
        storage.insert(
            "sock:b2:sub:7".into(),
            r#"{"requestId":8,"className":"A","where":{}}"#.into(),
        );
        storage.insert("sock:c:3:head".into(), "{}".into());
        let (sockets, mut unreadable) = restore(storage);
        unreadable.sort();
        assert_eq!(
            unreadable,
            [
                "sock:a1:sub:x",
                "sock:b2:sub:6",
                "sock:b2:sub:7",
                "sock:c:3:head"
            ]
        );
        assert_eq!(sockets.len(), 2);
        assert!(sockets
            .iter()
            .all(|s| s.len() == 1 && s.identity() == Some(&Identity::Master)));
        assert_eq!(restore_one("zz", vec![]).0.len(), 0);
    }

    #[test]
    fn attachments_and_keys_take_only_plain_client_ids() {
        assert_eq!(attachment(Some("Ab12")), Some("Ab12"));
        for bad in [None, Some(""), Some("a:b"), Some("{\"clientId\":\"x\"}")] {
            assert_eq!(attachment(bad), None, "{bad:?}");
        }
        assert_eq!(attachment(Some(&"a".repeat(65))), None);
        assert_eq!(
            parse_key("sock:x1:sub:-4"),
            Some(Key::Subscription("x1", -4))
        );
        assert_eq!(parse_key("ev:00001"), None);
        assert_eq!(socket_prefix("x1"), "sock:x1:");
    }
}
